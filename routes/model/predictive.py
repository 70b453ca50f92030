"""Predictive draws of dead and missing: compound Poisson over rates, year multipliers, event counts and sizes.

For a new period the v2 model (:mod:`routes.model.v2`) draws the year multiplier (one per flow series, shared by its
legs), each leg's rate from its posterior, the Poisson number of incidents and their sizes; optionally the
hyperparameters too, from their Laplace approximations. The sum of ``N`` independent ``NegBin(r, p)`` sizes is
``NegBin(N r, p)``, so the deaths of a leg are drawn exactly in one call per draw (:func:`simulate_deaths`).

The probability of dying on one traversal follows from the posterior in closed form (:func:`p_death_summary`):
with ``lam`` the rate of fatal incidents per traversal and ``s`` the mean size of an incident on the leg's mode, the
hazard is ``H = s * lam`` and ``p_death = 1 - exp(-H)``.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> pred = simulate_deaths(np.full((1000, 1), 0.002), np.array([1000.0]), np.zeros(1, dtype=np.intp), None,
...                        np.array([1.0]), np.array([0.5]), rng)
>>> bool(np.all(pred.deaths >= pred.events))
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from routes.errors import ArgumentError
from routes.model.fitting import FloatArray, IntArray, Seed, generator, level_codes, mvn_draws
from routes.model.scores import interval
from routes.model.v2 import V2Fit
from routes.vocabulary import INTERVAL_LEVEL

__all__ = ["Prediction", "p_death_draws", "p_death_summary", "predict_v2", "simulate_deaths"]


@dataclass(frozen=True)
class Prediction:
    """Predictive draws for a unit (a set of legs) in a new period.

    Attributes
    ----------
    deaths
        Dead and missing, one value per draw.
    events
        Fatal incidents, one value per draw.
    """

    deaths: FloatArray
    events: FloatArray

    def summary(self, level: float = INTERVAL_LEVEL) -> dict[str, float]:
        """Mean, median and the central interval of the deaths."""
        lo, hi = interval(self.deaths, level)
        return {"mean": float(self.deaths.mean()), "median": float(np.median(self.deaths)), "lo": float(lo),
                "hi": float(hi)}


def simulate_deaths(
    lam: FloatArray,
    exposure: FloatArray,
    group_idx: IntArray,
    year_shape: FloatArray | None,
    size_mean_excess: FloatArray,
    size_shape: FloatArray,
    rng: np.random.Generator,
) -> Prediction:
    """Compound-Poisson draws of a unit's deaths from per-draw rates (the engine of :func:`predict_v2`).

    Parameters
    ----------
    lam
        Rates of fatal incidents per traversal, draws x legs.
    exposure
        Traversals in the new period, legs or draws x legs.
    group_idx
        Group code of each leg (legs of a group share one year multiplier per draw).
    year_shape
        ``k`` per draw (draws,), or None for no year multiplier.
    size_mean_excess, size_shape
        Size distribution of each leg's mode, legs or draws x legs.
    rng
        The random generator.

    Returns
    -------
    Prediction
        Draws of the unit's deaths and events (summed over its legs).
    """
    D, L = lam.shape
    mult = np.ones((D, L))
    if year_shape is not None:
        G = int(group_idx.max()) + 1 if L else 0
        gam = rng.standard_gamma(np.broadcast_to(year_shape[:, None], (D, G))) / year_shape[:, None]
        mult = gam[:, group_idx]
    N = rng.poisson(lam * mult * np.broadcast_to(exposure, (D, L)))
    r = np.broadcast_to(size_shape, (D, L))
    p = r / (r + np.broadcast_to(size_mean_excess, (D, L)))
    some = N > 0
    excess = np.zeros((D, L))
    if some.any():
        # the sum of N independent NegBin(r, p) is NegBin(N r, p): one draw per leg and draw
        excess[some] = rng.negative_binomial(N[some] * r[some], p[some])
    deaths = (N + excess).sum(axis=1)
    return Prediction(deaths=np.asarray(deaths, dtype=np.float64), events=np.asarray(N.sum(axis=1), dtype=np.float64))


def predict_v2(
    fit: V2Fit,
    legs: ArrayLike,
    exposure: ArrayLike,
    *,
    n_draws: int = 4000,
    seed: Seed = 0,
    hyper: bool = True,
    group_flow: Mapping[str, float] | None = None,
) -> Prediction:
    """Predictive draws of the dead and missing on a set of legs in a new year, given its exposure.

    Integrates over the year multiplier (one per group, drawn from ``Gamma(k, k)``), each leg's posterior rate, the
    Poisson number of incidents and their sizes. With ``hyper=True`` the hyperparameters (``a``, the effects,
    ``b``, ``log k`` and each mode's size parameters) are also drawn from their Laplace approximations, which
    matters for legs that rest on the prior.

    Parameters
    ----------
    fit
        From :func:`fit_v2`.
    legs
        Row indices (into the legs given to :func:`fit_v2`) of the unit's legs.
    exposure
        Traversals of those legs in the new period, shape (legs,), or (n_draws, legs) for exposure drawn jointly
        (e.g. from :func:`dirichlet_shares`).
    n_draws
        Number of draws.
    seed
        Seed or generator; the result is reproducible.
    hyper
        Whether to draw the hyperparameters too.
    group_flow
        The flow of each of the legs' groups in the new period; required when the fit has a flow elasticity.

    Returns
    -------
    Prediction
    """
    rng = generator(seed)
    idx = np.asarray(legs, dtype=np.intp)
    Ex = np.asarray(exposure, dtype=np.float64)
    if Ex.shape not in ((len(idx),), (n_draws, len(idx))):
        raise ArgumentError(f"exposure must have shape ({len(idx)},) or ({n_draws}, {len(idx)}), got {Ex.shape}")
    if np.any(Ex < 0) or not np.all(np.isfinite(Ex)):
        raise ArgumentError("exposure must be finite and non-negative")
    pool, post = fit.pooling, fit.posterior
    n, E_eff = fit.counts[idx], fit.exposure_eff[idx]
    modes = fit.modes[idx]
    if hyper and pool.cov is not None:
        theta = mvn_draws(rng, pool.theta, pool.cov, n_draws)
        X = pool.design(modes, fit.length_km[idx], None if fit.corridors is None else fit.corridors[idx])
        mu = np.exp(theta[:, 1:] @ X.T)
        a = np.exp(theta[:, :1])
        lam = rng.standard_gamma(a + n[None, :]) / (a / mu + E_eff[None, :])
    else:
        lam = rng.standard_gamma(np.broadcast_to(post.shape[idx], (n_draws, len(idx)))) / post.rate[idx]
    k: FloatArray | None = None
    yf = fit.years
    if yf is not None:
        rho = np.full(n_draws, yf.elasticity)
        if hyper and yf.cov is not None:
            z = mvn_draws(rng, np.array([math.log(yf.shape), yf.elasticity]), yf.cov, n_draws)
            k, rho = np.exp(z[:, 0]), z[:, 1]
        elif hyper and np.isfinite(yf.log_shape_sd):
            k = np.exp(math.log(yf.shape) + yf.log_shape_sd * rng.standard_normal(n_draws))
        else:
            k = np.full(n_draws, yf.shape)
        if yf.fitted_elasticity:
            if group_flow is None:
                raise ArgumentError("this fit has a flow elasticity: pass group_flow for the new period")
            g_of = fit.groups[idx]
            missing = sorted({str(g) for g in g_of} - set(group_flow))
            if missing:
                raise ArgumentError(f"group_flow lacks the group(s) {missing}")
            ratio = np.array([group_flow[str(g)] / fit.flow_ref.get(str(g), 1.0) for g in g_of], dtype=np.float64)
            log_ratio = np.log(np.where(ratio > 0, ratio, 1.0))
            lam = lam * np.exp((rho[:, None] - 1.0) * log_ratio[None, :])
    gidx, _ = level_codes(fit.groups[idx], "groups")
    m_ex = np.empty((n_draws, len(idx)))
    r = np.empty((n_draws, len(idx)))
    for mode in sorted(set(modes.tolist())):
        sel = modes == mode
        sf = fit.size_of(mode)
        if hyper and sf.cov is not None:
            z = mvn_draws(rng, np.array([math.log(sf.mean_excess), math.log(sf.shape)]), sf.cov, n_draws)
            m_ex[:, sel], r[:, sel] = np.exp(z[:, :1]), np.exp(z[:, 1:])
        else:
            m_ex[:, sel], r[:, sel] = sf.mean_excess, sf.shape
    return simulate_deaths(lam, Ex, gidx, k, m_ex, r, rng)


def p_death_summary(
    shape: ArrayLike, rate: ArrayLike, mean_size: ArrayLike, level: float = INTERVAL_LEVEL
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Probability of dying on one traversal of each leg: posterior mean and central interval, in closed form.

    With ``lam ~ Gamma(shape, rate)`` the rate of fatal incidents per traversal and ``s`` the mean dead and missing
    per incident on the leg's mode, the hazard (expected deaths per traversal) is ``H = s * lam`` and
    ``p_death = 1 - exp(-H)``. Its mean is ``1 - (rate / (rate + s)) ** shape`` and, ``p`` being increasing in
    ``lam``, its quantiles are those of the Gamma mapped through ``1 - exp(-s * lam)``. This is the risk of a
    traversal in a typical year; :func:`p_death_draws` adds the year-to-year variation.

    Returns
    -------
    tuple of numpy.ndarray
        ``(mean, lo, hi)``.

    Examples
    --------
    >>> m, lo, hi = p_death_summary([3.0], [3000.0], [2.0])
    >>> bool(lo[0] < m[0] < hi[0]) and abs(float(m[0]) - 2e-3) < 1e-5
    True
    """
    from scipy.stats import gamma

    a = np.asarray(shape, dtype=np.float64)
    b = np.asarray(rate, dtype=np.float64)
    s = np.asarray(mean_size, dtype=np.float64)
    mean = -np.expm1(a * np.log(b / (b + s)))
    q = np.array([(1 - level) / 2, (1 + level) / 2])
    lam_lo = gamma.ppf(q[0], a, scale=1.0 / b)
    lam_hi = gamma.ppf(q[1], a, scale=1.0 / b)
    return (np.asarray(mean, dtype=np.float64), np.asarray(-np.expm1(-s * lam_lo), dtype=np.float64),
            np.asarray(-np.expm1(-s * lam_hi), dtype=np.float64))


def p_death_draws(
    shape: ArrayLike,
    rate: ArrayLike,
    mean_size: ArrayLike,
    *,
    year_shape: float | None = None,
    n_draws: int = 4000,
    seed: Seed = 0,
) -> FloatArray:
    """Draws (draws x legs) of ``p_death = 1 - exp(-s * lam * gamma)``, the risk of one traversal in a given year.

    ``gamma ~ Gamma(k, k)`` is shared by all the legs (pass ``year_shape=None`` for the typical-year risk of
    :func:`p_death_summary`). Columns of a path can be summed as hazards ``-log(1 - p)``.
    """
    rng = generator(seed)
    a = np.atleast_1d(np.asarray(shape, dtype=np.float64))
    b = np.atleast_1d(np.asarray(rate, dtype=np.float64))
    s = np.atleast_1d(np.asarray(mean_size, dtype=np.float64))
    lam = rng.standard_gamma(np.broadcast_to(a, (n_draws, len(a)))) / b
    if year_shape is not None:
        lam = lam * (rng.standard_gamma(year_shape, size=(n_draws, 1)) / year_shape)
    return np.asarray(-np.expm1(-s * lam), dtype=np.float64)


