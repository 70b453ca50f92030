"""Tests of the spread of the corridor-year multipliers and of the flow elasticity, on data drawn here."""

from __future__ import annotations

import math

import numpy as np
import pytest

from routes.model.years import fit_year_effects


def test_year_effects_recover_spread() -> None:
    rng = np.random.default_rng(9)
    G, Y, k = 10, 15, 3.0
    M = np.exp(rng.normal(math.log(20.0), 0.8, (G, Y)))
    theta = np.exp(rng.normal(0, 0.5, (G, 1)))
    N = rng.poisson(M * theta * rng.gamma(k, 1 / k, (G, Y))).astype(float)
    labels = np.repeat([f"g{g}" for g in range(G)], Y)
    fit = fit_year_effects(N.ravel(), M.ravel(), labels)
    assert 1.8 < fit.shape < 5.0
    assert math.isfinite(fit.log_shape_sd) and fit.log_shape_sd < 0.5
    assert fit.levels["g0"] == pytest.approx(float(theta[0, 0]), rel=0.5)
    shp, rate = fit.gamma_posterior(N.ravel(), M.ravel(), labels)
    assert np.all(shp > 0) and np.all(rate > 0)


def test_year_effects_without_variation_give_a_large_shape() -> None:
    rng = np.random.default_rng(10)
    G, Y = 8, 12
    M = np.exp(rng.normal(math.log(30.0), 0.8, (G, Y)))
    N = rng.poisson(M).astype(float)
    fit = fit_year_effects(N.ravel(), M.ravel(), np.repeat([f"g{g}" for g in range(G)], Y))
    assert fit.shape > 15.0  # coefficient of variation between years below 0.26


def test_year_effects_ignore_groups_without_incidents() -> None:
    fit = fit_year_effects([0.0, 0.0, 0.0], [1.0, 2.0, 3.0], ["a", "a", "a"])
    assert fit.n_cells == 0 and fit.shape == pytest.approx(4.0)


def test_a_warm_start_finds_the_fit_of_a_cold_one() -> None:
    """The v2 rounds start each year fit from the last one's point and covariance (and each Newton for the levels
    from the last levels): the same fit as from the prior's centre, to the optimiser's tolerance."""
    rng = np.random.default_rng(5)
    G, Y = 6, 10
    M = np.exp(rng.normal(math.log(15.0), 0.7, (G, Y)))
    F = np.exp(rng.normal(0.0, 0.6, (G, Y)))
    N = rng.poisson(M * F**-0.4 * rng.gamma(2.5, 1 / 2.5, (G, Y))).astype(float)
    labels = np.repeat([f"g{g}" for g in range(G)], Y)
    cold = fit_year_effects(N.ravel(), M.ravel(), labels, log_flow=np.log(F).ravel())
    nearby = fit_year_effects(N.ravel(), M.ravel() * 1.05, labels, log_flow=np.log(F).ravel())
    warm = fit_year_effects(N.ravel(), M.ravel(), labels, log_flow=np.log(F).ravel(), start=nearby)
    assert warm.fitted_elasticity and cold.fitted_elasticity
    assert warm.shape == pytest.approx(cold.shape, rel=1e-4)
    assert warm.elasticity == pytest.approx(cold.elasticity, abs=1e-4)
    assert warm.cov is not None and cold.cov is not None
    assert np.allclose(warm.cov, cold.cov, rtol=1e-3)
    assert all(warm.levels[g] == pytest.approx(cold.levels[g], rel=1e-5) for g in cold.levels)
