"""Tests of complementary shares drawn jointly (the splits of the shipped exposure table)."""

from __future__ import annotations

import numpy as np
import pytest

from routes.model.shares import dirichlet_concentration, dirichlet_marginal_intervals, dirichlet_shares

SPLITS = [
    ([0.85, 0.13, 0.02], [0.65, 0.04, 0.001], [0.95, 0.3, 0.05]),  # darien-route 2023
    ([0.5, 0.45, 0.05], [0.2, 0.15, 0.0], [0.8, 0.75, 0.15]),  # honduras entry point 2014-2021
    ([0.737, 0.237, 0.026], [0.737, 0.2, 0.0245], [0.773, 0.2375, 0.03]),  # honduras 2022, observed
    ([0.032, 0.968], [0.02, 0.955], [0.045, 0.98]),  # reverse sea route
    ([0.984, 0.0145, 0.0005, 0.001], [0.95, 0.014, 0.0004, 0.0005], [0.985, 0.04, 0.01, 0.002]),
]


@pytest.mark.parametrize(("central", "low", "high"), SPLITS)
def test_dirichlet_shares_sum_to_one_in_every_draw(central: list[float], low: list[float], high: list[float]) -> None:
    S = dirichlet_shares(central, low, high, n_draws=5000, seed=1)
    assert S.shape == (5000, len(central))
    assert np.allclose(S.sum(axis=1), 1.0, atol=1e-12)
    assert np.all(S >= 0)
    assert np.allclose(S.mean(axis=0), np.array(central) / sum(central), atol=0.02)


def test_dirichlet_intervals_roughly_match_the_ranges() -> None:
    central, low, high = SPLITS[0]
    alpha = dirichlet_concentration(central, low, high)
    lo, hi = dirichlet_marginal_intervals(central, alpha)
    # the main alternative's interval is of the stated width, within a factor 2
    assert 0.5 < (hi[0] - lo[0]) / (high[0] - low[0]) < 2.0
    assert lo[1] < central[1] < hi[1]
    S = dirichlet_shares(central, low, high, n_draws=20_000, seed=2)
    q = np.quantile(S, [0.05, 0.95], axis=0)
    assert np.allclose(q, np.vstack([lo, hi]), atol=0.02)


def test_dirichlet_zero_share_and_single_alternative() -> None:
    S = dirichlet_shares([0.7, 0.3, 0.0], [0.5, 0.1, 0.0], [0.9, 0.5, 0.0], n_draws=100)
    assert np.all(S[:, 2] == 0.0) and np.allclose(S.sum(axis=1), 1.0)
    one = dirichlet_shares([1.0], [1.0], [1.0], n_draws=10)
    assert np.all(one == 1.0)
    with pytest.raises(ValueError, match="sum to 1"):
        dirichlet_shares([0.5, 0.2], [0.4, 0.1], [0.6, 0.3])
