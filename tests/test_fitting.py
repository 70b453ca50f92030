"""Tests of the numerics of the fits: the negative binomial and its derivatives."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from routes.model.fitting import negbin_logpmf, negbin_terms


def test_negbin_logpmf_matches_scipy() -> None:
    n = np.arange(0, 40)
    mean, shape = 7.5, 0.6
    expected = stats.nbinom.logpmf(n, shape, shape / (shape + mean))
    assert np.allclose(negbin_logpmf(n, mean, shape), expected)
    # zero mean: all mass at 0
    assert negbin_logpmf(0, 0.0, 2.0) == pytest.approx(0.0)
    assert negbin_logpmf(3, 0.0, 2.0) == -np.inf


def test_negbin_gradients_match_finite_differences() -> None:
    n = np.array([0.0, 1.0, 3.5, 20.0])
    m, a, h = np.array([0.5, 2.0, 3.0, 10.0]), 1.7, 1e-6
    _, d_logm, d_loga = negbin_terms(n, m, a)
    num_m = (negbin_logpmf(n, m * math.exp(h), a) - negbin_logpmf(n, m * math.exp(-h), a)) / (2 * h)
    num_a = (negbin_logpmf(n, m, a * math.exp(h)) - negbin_logpmf(n, m, a * math.exp(-h))) / (2 * h)
    assert np.allclose(d_logm, num_m, rtol=1e-5)
    assert np.allclose(d_loga, num_a, rtol=1e-5)


def test_gammaln_and_digamma_match_scipy() -> None:
    from scipy import special

    from routes.model.fitting import digamma, gammaln

    x = np.concatenate([np.logspace(-8, 12, 2000), np.linspace(0.01, 60.0, 3000), np.arange(1.0, 300.0)])
    assert np.allclose(gammaln(x), special.gammaln(x), rtol=1e-13, atol=1e-13)
    assert np.allclose(digamma(x), special.digamma(x), rtol=1e-13, atol=1e-13)
    assert gammaln(2.5) == pytest.approx(float(special.gammaln(2.5)), rel=1e-15)  # a scalar: math.lgamma
    assert gammaln(np.array([0.0]))[0] == np.inf and np.isnan(gammaln(np.array([-1.0]))[0])
    assert np.isnan(digamma(np.array([0.0, -2.0]))).all()  # outside the domain: NaN, for a line search to step back


def test_trigamma_matches_scipy() -> None:
    from scipy import special

    from routes.model.fitting import trigamma

    x = np.concatenate([np.logspace(-8, 12, 2000), np.linspace(0.01, 60.0, 3000), np.arange(1.0, 300.0)])
    assert np.allclose(trigamma(x), special.polygamma(1, x), rtol=1e-13, atol=0)
    assert trigamma(2.5) == pytest.approx(float(special.polygamma(1, 2.5)), rel=1e-14)
    assert np.isnan(trigamma(np.array([0.0, -1.0]))).all()


def test_negbin_curvature_matches_differences_of_the_gradient() -> None:
    from routes.model.fitting import negbin_curvature

    n = np.array([0.0, 1.0, 3.5, 20.0, 0.25])
    m, a, h = np.array([0.5, 2.0, 3.0, 10.0, 1e-3]), 1.7, 1e-6
    d_mm, d_ma, d_aa = negbin_curvature(n, m, a)
    up, down = negbin_terms(n, m * math.exp(h), a), negbin_terms(n, m * math.exp(-h), a)
    assert np.allclose(d_mm, (up[1] - down[1]) / (2 * h), rtol=1e-6, atol=1e-9)
    assert np.allclose(d_ma, (up[2] - down[2]) / (2 * h), rtol=1e-6, atol=1e-9)
    up, down = negbin_terms(n, m, a * math.exp(h)), negbin_terms(n, m, a * math.exp(-h))
    assert np.allclose(d_ma, (up[1] - down[1]) / (2 * h), rtol=1e-6, atol=1e-9)  # the mixed one both ways
    assert np.allclose(d_aa, (up[2] - down[2]) / (2 * h), rtol=1e-6, atol=1e-9)


def _rosenbrock(x: np.ndarray) -> tuple[float, np.ndarray]:
    a, b = x[:-1], x[1:]
    f = float(np.sum(100.0 * (b - a**2) ** 2 + (1 - a) ** 2))
    g = np.zeros_like(x)
    g[:-1] += -400.0 * a * (b - a**2) - 2 * (1 - a)
    g[1:] += 200.0 * (b - a**2)
    return f, g


@pytest.mark.parametrize("n", [2, 5, 12])
def test_minimize_smooth_finds_scipy_bfgs_minimum(n: int) -> None:
    from scipy.optimize import minimize

    from routes.model.fitting import minimize_smooth

    x0 = np.linspace(-1.2, 1.0, n)
    x, fx, ok, msg, _ = minimize_smooth(_rosenbrock, x0)
    ref = minimize(_rosenbrock, x0, jac=True, method="BFGS", options={"gtol": 1e-6, "maxiter": 2000})
    assert ok, msg
    assert np.max(np.abs(_rosenbrock(x)[1])) < 1e-5  # a stationary point, and no worse than scipy's (for n = 5 scipy
    assert fx <= ref.fun + 1e-10  # stops in the local minimum near x[0] = -1; this BFGS went on to the global one)
    if n != 5:
        assert np.allclose(x, ref.x, atol=1e-5)


def test_minimize_smooth_on_the_pooling_fit_matches_scipy(monkeypatch: pytest.MonkeyPatch) -> None:
    """The model's largest fit (pooling of the legs' rates: intercept, shape, mode and corridor effects, slope) on
    simulated legs: the numpy BFGS reaches scipy's optimum."""
    from scipy.optimize import minimize

    import routes.model.pooling as pooling
    from routes.model.fitting import minimize_smooth

    rng = np.random.default_rng(4)
    n_leg = 120
    modes = rng.choice(["boat", "foot", "road", "sea"], n_leg)
    corridors = rng.choice(["a", "b", "c", "d", "e"], n_leg)
    length = rng.uniform(5, 300, n_leg)
    E = rng.lognormal(9, 2, n_leg)
    counts = rng.poisson(E * 1e-5 * rng.gamma(2.0, 0.5, n_leg)).astype(float)
    seen: list[tuple[object, np.ndarray]] = []

    def spy(fun, x0, **kw):  # type: ignore[no-untyped-def]
        seen.append((fun, np.array(x0)))
        return minimize_smooth(fun, x0, **kw)

    monkeypatch.setattr(pooling, "minimize_smooth", spy)
    pooling.fit_pooling(counts, E, modes, length, corridors)
    fun, x0 = seen[0]
    x, fx, ok, msg, _ = minimize_smooth(fun, x0)  # type: ignore[arg-type]
    ref = minimize(fun, x0, jac=True, method="BFGS", options={"gtol": 1e-6, "maxiter": 2000})
    assert ok, msg
    assert fx <= ref.fun + 1e-8
    assert np.allclose(x, ref.x, atol=1e-4)


def _simulated_legs(seed: int = 4, n_leg: int = 120) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    modes = rng.choice(["boat", "foot", "road", "sea"], n_leg)
    corridors = rng.choice(["a", "b", "c", "d", "e"], n_leg)
    length = rng.uniform(5, 300, n_leg)
    E = rng.lognormal(9, 2, n_leg)
    counts = rng.poisson(E * 1e-5 * rng.gamma(2.0, 0.5, n_leg)).astype(float)
    return counts, E, modes, length, corridors


def test_pooling_covariance_is_the_inverse_of_the_objectives_hessian(monkeypatch: pytest.MonkeyPatch) -> None:
    """The closed-form Hessian of the pooling fit equals central differences of its gradient."""
    import routes.model.pooling as pooling
    from routes.model.fitting import laplace_covariance, minimize_smooth, numeric_hessian

    counts, E, modes, length, corridors = _simulated_legs()
    seen: list[object] = []

    def spy(fun, x0, **kw):  # type: ignore[no-untyped-def]
        seen.append(fun)
        return minimize_smooth(fun, x0, **kw)

    monkeypatch.setattr(pooling, "minimize_smooth", spy)
    fit = pooling.fit_pooling(counts, E, modes, length, corridors)
    numeric = numeric_hessian(lambda z: seen[0](z)[1], fit.theta)  # type: ignore[operator]
    assert fit.cov is not None
    # the Hessians agree to the differences' own error (the covariance, their inverse, magnifies it)
    assert np.allclose(np.linalg.inv(fit.cov), numeric, rtol=1e-6, atol=1e-6 * np.abs(numeric).max())
    assert np.allclose(fit.cov, laplace_covariance(numeric), rtol=1e-3, atol=1e-5)


def test_event_size_covariance_is_the_inverse_of_the_objectives_hessian(monkeypatch: pytest.MonkeyPatch) -> None:
    import routes.model.events as events
    from routes.model.fitting import laplace_covariance, minimize_smooth, numeric_hessian

    seen: list[object] = []

    def spy(fun, x0, **kw):  # type: ignore[no-untyped-def]
        seen.append(fun)
        return minimize_smooth(fun, x0, **kw)

    monkeypatch.setattr(events, "minimize_smooth", spy)
    sizes = np.array([1, 1, 1, 2, 1, 24, 1, 3, 7, 1, 2])
    fit = events.fit_event_sizes(sizes, np.linspace(0.2, 1.0, len(sizes)))
    x = np.array([math.log(fit.mean_excess), math.log(fit.shape)])
    numeric = laplace_covariance(numeric_hessian(lambda z: seen[0](z)[1], x))  # type: ignore[operator]
    assert fit.cov is not None and numeric is not None
    assert np.allclose(fit.cov, numeric, rtol=1e-5)


def test_a_warm_start_reaches_the_same_minimum_in_fewer_steps() -> None:
    """A later round of the v2 fit starts from the last round's point and inverse Hessian: same optimum, fewer
    iterations than from the identity."""
    from routes.model.fitting import minimize_smooth

    def shifted(c: float):  # type: ignore[no-untyped-def]
        def f(x: np.ndarray) -> tuple[float, np.ndarray]:
            fx, g = _rosenbrock(x - c)
            return fx, g
        return f

    first = minimize_smooth(shifted(0.0), np.full(6, -0.5))
    cold = minimize_smooth(shifted(0.01), first.x)
    warm = minimize_smooth(shifted(0.01), first.x, inverse_hessian=first.inverse_hessian)
    assert cold.success and warm.success
    assert np.allclose(warm.x, cold.x, atol=1e-5) and np.allclose(warm.x, 1.01, atol=1e-5)
    iterations = [int(m.message.split()[2]) for m in (cold, warm)]
    assert iterations[1] < iterations[0], iterations


def test_minimize_numeric_matches_a_known_minimum() -> None:
    from routes.model.fitting import minimize_numeric

    x, fx, ok, *_ = minimize_numeric(lambda z: float((z[0] - 0.3) ** 2 + 3 * (z[1] + 1.5) ** 4 + 2.0), np.zeros(2))
    assert ok and fx == pytest.approx(2.0, abs=1e-6)
    assert x[0] == pytest.approx(0.3, abs=1e-5) and x[1] == pytest.approx(-1.5, abs=2e-2)  # quartic: flat bottom


def test_a_warm_pooling_fit_finds_the_cold_fit() -> None:
    """A later v2 round starts the pooling fit from the last round's theta and inverse Hessian: same optimum."""
    from routes.model.pooling import fit_pooling

    counts, E, modes, length, corridors = _simulated_legs()
    cold = fit_pooling(counts, E, modes, length, corridors)
    nearby = fit_pooling(counts, E * 1.1, modes, length, corridors, covariance=False)
    warm = fit_pooling(counts, E, modes, length, corridors, start=nearby.theta,
                       start_inverse_hessian=nearby.inverse_hessian)
    assert cold.converged and warm.converged
    assert np.allclose(warm.theta, cold.theta, atol=1e-5)
    assert warm.cov is not None and cold.cov is not None and np.allclose(warm.cov, cold.cov, rtol=1e-4, atol=1e-8)


def test_normal_draws_move_as_little_as_their_covariance() -> None:
    """Draws of a covariance with nearly equal eigenvalues (as the pooling fit's) hardly move when the covariance moves
    in its seventh digit: by an eigendecomposition they turned with the eigenvectors, by up to 7 sd."""
    from routes.model.fitting import mvn_draws

    rng = np.random.default_rng(2)
    Q, _ = np.linalg.qr(rng.normal(size=(8, 8)))
    cov = Q @ np.diag([1.0, 1.0, 1.0, 1.0 + 1e-14, 0.5, 0.5, 0.2, 0.1]) @ Q.T
    bump = rng.normal(size=(8, 8)) * 1e-7
    moved = cov + 0.5 * (bump + bump.T) * np.sqrt(np.outer(np.diag(cov), np.diag(cov)))
    a = mvn_draws(np.random.default_rng(0), np.zeros(8), cov, 2000)
    b = mvn_draws(np.random.default_rng(0), np.zeros(8), moved, 2000)
    assert np.max(np.abs(a - b)) < 1e-5
    assert np.allclose(np.cov(a.T), cov, atol=0.1)  # and they are draws of that covariance
    semi = np.diag([1.0, 0.0])  # not positive definite: the eigendecomposition's draws, zero along the flat axis
    c = mvn_draws(np.random.default_rng(0), np.array([1.0, 2.0]), semi, 100)
    assert np.all(c[:, 1] == 2.0) and np.std(c[:, 0]) > 0.5


@pytest.mark.parametrize("n", [1, 2, 3, 20, 101, 4000])
def test_risk_interval_is_numpys_quantile_of_the_risk(n: int) -> None:
    from routes.model.posterior import risk_interval, risk_of_hazard
    from routes.vocabulary import INTERVAL

    lam = np.random.default_rng(n).gamma(0.4, 1e-3, (4, n))
    lam[1] = 0.0
    if n > 3:
        lam[2, 1] = np.nan  # a NaN draw: NaN quantiles, as numpy gives
    for q in (INTERVAL, (0.0, 1.0), (0.5,), (0.123, 0.877)):
        expected = np.quantile(risk_of_hazard(lam), q, axis=1)
        assert np.array_equal(risk_interval(lam, q), expected, equal_nan=True)
