"""Tests of the partial pooling of the legs' rates and of each leg's posterior, on data drawn here."""

from __future__ import annotations

import math

import numpy as np
import pytest

from routes.model.pooling import fit_pooling, leg_posterior


def _pooling_data(seed: int, legs: int = 400) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    modes = rng.choice(["road", "sea_boat", "jungle_foot"], legs)
    corridors = rng.choice([f"c{j}" for j in range(6)], legs)
    length = np.exp(rng.uniform(np.log(2.0), np.log(400.0), legs))
    beta_mode = {"road": -1.0, "sea_boat": 1.0, "jungle_foot": 0.3}
    beta_c = {f"c{j}": rng.normal(0, 0.4) for j in range(6)}
    log_mu = (math.log(2e-5) + np.array([beta_mode[m] for m in modes]) + np.array([beta_c[c] for c in corridors])
              + 0.6 * np.log(length / 50.0))
    a = 1.5
    lam = rng.gamma(a, np.exp(log_mu) / a)
    E = np.exp(rng.normal(math.log(2e5), 1.2, legs))
    n = rng.poisson(E * lam).astype(float)
    return {"n": n, "E": E, "modes": modes, "corridors": corridors, "length": length, "log_mu": log_mu,
            "lam": lam}


def test_pooling_recovers_hyperparameters() -> None:
    d = _pooling_data(5)
    fit = fit_pooling(d["n"], d["E"], d["modes"], d["length"], d["corridors"])
    assert fit.converged
    assert fit.slope == pytest.approx(0.6, abs=0.15)
    assert math.log(fit.shape) == pytest.approx(math.log(1.5), abs=0.35)
    # mode contrasts (identifiable whatever the intercept)
    assert fit.beta_mode["sea_boat"] - fit.beta_mode["road"] == pytest.approx(2.0, abs=0.35)
    assert fit.beta_mode["jungle_foot"] - fit.beta_mode["road"] == pytest.approx(1.3, abs=0.35)
    mu = fit.prior_mean(d["modes"], d["length"], d["corridors"])
    assert np.corrcoef(np.log(mu), d["log_mu"])[0, 1] > 0.95
    assert fit.cov is not None


def test_pooling_without_corridors_and_with_a_mode_without_incidents() -> None:
    d = _pooling_data(6, legs=150)
    modes = d["modes"].copy()
    modes[:5] = "border_foot"
    n = d["n"].copy()
    n[:5] = 0.0
    fit = fit_pooling(n, d["E"], modes, d["length"])
    assert fit.beta_corridor == {}
    assert np.isfinite(fit.beta_mode["border_foot"])  # shrunk by its prior, not minus infinity
    assert fit.beta_mode["border_foot"] < fit.beta_mode["road"]


def test_pooling_drops_legs_with_incidents_but_no_exposure() -> None:
    d = _pooling_data(7, legs=100)
    E = d["E"].copy()
    n = d["n"].copy()
    E[0], n[0] = 0.0, 3.0
    fit = fit_pooling(n, E, d["modes"], d["length"])
    assert fit.n_dropped == 1 and np.isfinite(fit.loglik)


def test_leg_posterior_weights_and_mean() -> None:
    mu = np.full(5, 2e-4)
    E = np.array([0.0, 1e2, 1e4, 1e5, 6e5])
    n = np.zeros(5)
    post = leg_posterior(mu, 1.3, n, E)
    assert post.prior_weight[0] == 1.0
    assert np.all(np.diff(post.prior_weight) < 0)  # more travellers, less prior
    assert post.prior_weight[-1] < 0.02
    assert np.isnan(post.crude_rate[0])
    # legs without incidents: posterior mean below the prior mean, falling with exposure
    ratio = post.mean / mu
    assert ratio[0] == pytest.approx(1.0)
    assert np.all(ratio[1:] < 1.0) and np.all(np.diff(ratio) < 0)
    # the credibility identity, with incidents
    post2 = leg_posterior(mu, 1.3, [0, 1, 4, 30, 120], E)
    w, crude = post2.prior_weight[1:], post2.crude_rate[1:]
    assert np.allclose(post2.mean[1:], w * mu[1:] + (1 - w) * crude)


def test_pooled_posterior_tracks_truth_on_well_measured_legs() -> None:
    d = _pooling_data(8)
    fit = fit_pooling(d["n"], d["E"], d["modes"], d["length"], d["corridors"])
    post = leg_posterior(fit.prior_mean(d["modes"], d["length"], d["corridors"]), fit.shape, d["n"], d["E"])
    busy = d["n"] >= 5
    # legs with at least 5 incidents: within a factor 2 of incidents / exposure
    ratio = post.mean[busy] / post.crude_rate[busy]
    assert np.all((ratio > 0.5) & (ratio < 2.0))
    # shrinkage helps: the posterior mean is closer to the true rate than the crude rate, on average (log scale)
    err_post = np.mean(np.abs(np.log(post.mean) - np.log(d["lam"])))
    with np.errstate(divide="ignore"):
        crude = np.where(d["n"] > 0, d["n"] / d["E"], 0.5 / d["E"])
    err_crude = np.mean(np.abs(np.log(crude) - np.log(d["lam"])))
    assert err_post < err_crude
