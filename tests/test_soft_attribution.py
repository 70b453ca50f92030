"""Tests of the soft attribution weights."""

from __future__ import annotations

import numpy as np
import pytest

from routes.model.soft_attribution import cause_mode_fit, soft_attribution_weights


def test_soft_attribution_identical_positions_get_identical_weights() -> None:
    # two parallel boat legs at the same distance, the same exposure: an even split, whatever the order
    w = soft_attribution_weights([0, 0], [350.0, 350.0], [5e3, 5e3], [900.0, 900.0], [1.0, 1.0])
    assert w.tolist() == [0.5, 0.5]
    # two incidents at the same coordinates get the same split, even listed in another order
    inc = np.array([0, 0, 0, 1, 1, 1])
    d = np.array([300.0, 400.0, 2000.0, 2000.0, 300.0, 400.0])
    s = np.full(6, 5e3)
    E = np.array([100.0, 300.0, 50.0, 50.0, 100.0, 300.0])
    f = np.ones(6)
    w = soft_attribution_weights(inc, d, s, E, f)
    assert np.allclose(w[:3], w[[4, 5, 3]])
    assert np.allclose(np.bincount(inc, weights=w), 1.0)


def test_soft_attribution_factors() -> None:
    # 0.3 km and 0.4 km from two boat legs: close to an even split, not all to the nearer one
    w = soft_attribution_weights([0, 0], [300.0, 400.0], [5e3, 5e3], [1.0, 1.0], [1.0, 1.0])
    assert 0.49 < w[1] < 0.5 < w[0] < 0.51
    # exposure moves the share: the leg with 10 times the travellers gets 10 times the share at equal distance
    w = soft_attribution_weights([0, 0], [100.0, 100.0], [5e3, 5e3], [1.0, 10.0], [1.0, 1.0])
    assert w[1] / w[0] == pytest.approx(10.0)
    # no candidate travelled that month: the position decides
    w = soft_attribution_weights([0, 0], [100.0, 5000.0], [5e3, 5e3], [0.0, 0.0], [1.0, 1.0])
    assert w.sum() == pytest.approx(1.0) and w[0] > w[1]
    # nothing fits: not attributed
    assert soft_attribution_weights([0], [100.0], [5e3], [10.0], [0.0]).tolist() == [0.0]
    fit = cause_mode_fit(["Drowning", "Drowning", "Vehicle accident", "Violence", "Violence"],
                              ["sea_boat", "road", "road", "sea_boat", "jungle_foot"])
    assert fit.tolist() == [1.0, 0.25, 1.0, 0.2, 1.0]
