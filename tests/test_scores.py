"""Tests of the scores of predictive draws and of the baselines."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from routes.model.baselines import crude_rate_baseline, mode_rate_baseline
from routes.model.scores import covers, crps_samples, log_score_negbin, log_score_samples


def test_crps_sorted_formula_matches_brute_force() -> None:
    rng = np.random.default_rng(15)
    x = rng.negative_binomial(0.7, 0.1, size=(3, 300)).astype(float)
    y = np.array([0.0, 5.0, 40.0])
    brute = np.abs(x - y[:, None]).mean(axis=1) - 0.5 * np.abs(x[:, :, None] - x[:, None, :]).mean(axis=(1, 2))
    assert np.allclose(crps_samples(x, y), brute)
    assert crps_samples([2.0] * 10, 2.0) == pytest.approx(0.0)


def test_crps_approaches_the_normal_closed_form() -> None:
    x = np.random.default_rng(16).standard_normal(200_000)
    y = 0.7
    closed = y * (2 * stats.norm.cdf(y) - 1) + 2 * stats.norm.pdf(y) - 1 / math.sqrt(math.pi)
    assert float(crps_samples(x, y)) == pytest.approx(closed, abs=5e-3)


def test_coverage_and_log_scores() -> None:
    x = np.arange(1000.0)
    assert covers(x, 500.0) and not covers(x, 990.0) and not covers(x, 10.0)
    rng = np.random.default_rng(17)
    mean, shape = 12.0, 2.0
    smp = rng.negative_binomial(shape, shape / (shape + mean), size=400_000)
    for y in (0, 5, 12, 40):
        assert log_score_samples(smp, y) == pytest.approx(log_score_negbin(y, mean, shape), abs=0.05)
    # outside the samples: finite and worse than inside
    assert math.isfinite(log_score_samples(np.zeros(100), 50.0))
    assert log_score_samples(np.zeros(100), 50.0) > log_score_samples(np.zeros(100), 0.0)


def test_crude_rate_baseline() -> None:
    smp = crude_rate_baseline(20, 1e5, 5e4, n_draws=200_000, seed=1)
    assert smp.mean() == pytest.approx(20.5 / 1e5 * 5e4, rel=0.02)
    # negative binomial with shape 20.5: variance mean + mean^2 / 20.5
    m = 20.5 / 1e5 * 5e4
    assert smp.var() == pytest.approx(m + m**2 / 20.5, rel=0.05)
    with pytest.raises(ValueError):
        crude_rate_baseline(0, 0, 10)


def test_mode_rate_baseline() -> None:
    smp = mode_rate_baseline([10, 0, 30], [1e4, 1e4, 1e5], ["road", "road", "sea_boat"], [1e3, 1e4],
                                  ["road", "sea_boat"], n_draws=200_000, seed=2)
    expected = 10.5 / 2e4 * 1e3 + 30.5 / 1e5 * 1e4
    assert smp.mean() == pytest.approx(expected, rel=0.02)
    # a mode unseen before gets the rate of all modes
    smp2 = mode_rate_baseline([10, 30], [1e4, 1e5], ["road", "sea_boat"], [1e3], ["river_boat"],
                                   n_draws=200_000, seed=2)
    assert smp2.mean() == pytest.approx(40.5 / 1.1e5 * 1e3, rel=0.03)
