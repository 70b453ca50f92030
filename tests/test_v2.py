"""Tests of the v2 fit and its predictive draws, on data drawn from the model (simdata.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from simdata import SIZE, simulate

from routes.model.events import fit_event_sizes_by_mode
from routes.model.predictive import p_death_draws, p_death_summary, predict_v2, simulate_deaths
from routes.model.v2 import fit_v2


def test_fit_v2_recovers_the_simulating_model() -> None:
    d = simulate(11, n_units=6, legs_per_unit=30, n_years=12, shape=2.0, slope=0.7, year_shape=3.0)
    sizes = fit_event_sizes_by_mode(d.inc_sizes, d.inc_modes)
    fit = fit_v2(d.counts, d.exposure, d.modes, d.length_km, d.groups, sizes, corridors=d.corridors)
    assert fit.years is not None
    assert fit.pooling.slope == pytest.approx(0.7, abs=0.2)
    assert math.log(fit.pooling.shape) == pytest.approx(math.log(2.0), abs=0.5)
    assert 1.5 < fit.years.shape < 6.0
    assert fit.sizes["sea_boat"].mean == pytest.approx(1 + SIZE["sea_boat"][0], rel=0.3)
    # the fitted year multipliers follow the true ones
    assert np.corrcoef(np.log(fit.gamma_hat).ravel(), np.log(d.gamma).ravel())[0, 1] > 0.7


def test_fit_v2_without_year_effects() -> None:
    d = simulate(12, year_shape=None)
    sizes = fit_event_sizes_by_mode(d.inc_sizes, d.inc_modes)
    fit = fit_v2(d.counts, d.exposure, d.modes, d.length_km, d.groups, sizes, year_effects=False)
    assert fit.years is None and np.all(fit.gamma_hat == 1.0)
    assert np.allclose(fit.exposure_eff, d.exposure.sum(axis=1))


def test_fit_v2_recovers_a_flow_elasticity() -> None:
    for rho in (0.4, 1.0):
        d = simulate(21, n_units=6, legs_per_unit=20, n_years=12, year_shape=6.0, elasticity=rho)
        sizes = fit_event_sizes_by_mode(d.inc_sizes, d.inc_modes)
        fit = fit_v2(d.counts, d.exposure, d.modes, d.length_km, d.groups, sizes, flow_elasticity=True)
        assert fit.years is not None and fit.years.fitted_elasticity and fit.years.cov is not None
        assert fit.years.elasticity == pytest.approx(rho, abs=0.25)
        legs = np.flatnonzero(d.groups == "unit0")
        with pytest.raises(ValueError, match="group_flow"):
            predict_v2(fit, legs, d.exposure[legs, -1], n_draws=100)
        pred = predict_v2(fit, legs, d.exposure[legs, -1], n_draws=100, group_flow={"unit0": 1e6})
        assert pred.deaths.shape == (100,)


def test_compound_draws_match_moments() -> None:
    rng = np.random.default_rng(13)
    D, nu, m, r = 200_000, 3.0, 4.0, 0.3
    lam = np.full((D, 1), nu / 1000.0)
    pred = simulate_deaths(lam, np.array([1000.0]), np.zeros(1, dtype=np.intp), None, np.array([m]),
                                np.array([r]), rng)
    # compound Poisson: E = nu (1 + m), Var = nu E[S^2] with S = 1 + NegBin(m, r)
    es2 = m + m**2 / r + (1 + m) ** 2
    assert pred.deaths.mean() == pytest.approx(nu * (1 + m), rel=0.02)
    assert pred.deaths.var() == pytest.approx(nu * es2, rel=0.05)
    assert pred.events.mean() == pytest.approx(nu, rel=0.02)


def test_predict_v2_is_seeded_and_accepts_exposure_draws() -> None:
    d = simulate(14)
    sizes = fit_event_sizes_by_mode(d.inc_sizes, d.inc_modes)
    fit = fit_v2(d.counts[:, :8], d.exposure[:, :8], d.modes, d.length_km, d.groups, sizes)
    legs = np.flatnonzero(d.groups == "unit0")
    a = predict_v2(fit, legs, d.exposure[legs, 8], n_draws=500, seed=3)
    b = predict_v2(fit, legs, d.exposure[legs, 8], n_draws=500, seed=3)
    assert np.array_equal(a.deaths, b.deaths)
    Ex = np.tile(d.exposure[legs, 8], (500, 1)) * np.random.default_rng(0).uniform(0.5, 1.5, (500, 1))
    c = predict_v2(fit, legs, Ex, n_draws=500, seed=3, hyper=False)
    assert c.deaths.shape == (500,) and np.all(c.deaths >= c.events)
    with pytest.raises(ValueError, match="shape"):
        predict_v2(fit, legs, d.exposure[legs[:2], 8], n_draws=500)


def test_p_death_summary_matches_draws() -> None:
    shape, rate, s = np.array([2.5, 40.0]), np.array([5e3, 2e4]), np.array([3.0, 1.2])
    mean, lo, hi = p_death_summary(shape, rate, s)
    draws = p_death_draws(shape, rate, s, n_draws=400_000, seed=1)
    assert np.allclose(draws.mean(axis=0), mean, rtol=0.01)
    assert np.allclose(np.quantile(draws, [0.05, 0.95], axis=0), np.vstack([lo, hi]), rtol=0.02)
    # p is the hazard s * lam to first order
    assert np.allclose(mean, s * shape / rate, rtol=2e-3)
    wide = p_death_draws(shape, rate, s, year_shape=3.0, n_draws=100_000, seed=1)
    assert np.all(np.quantile(wide, 0.95, axis=0) > hi)
