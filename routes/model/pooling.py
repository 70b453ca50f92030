"""Partial pooling of the legs' rates of fatal incidents, fitted by marginal likelihood, and each leg's posterior.

Rates vary between legs around a level set by mode and corridor, with the dependence on length estimated::

    lam[l] ~ Gamma(shape a, mean mu[l]),   log mu[l] = b0 + beta[mode] + beta[corridor] + b * log(length_km / 50)

The Gamma-Poisson marginal of a leg's count is negative binomial, so ``a``, the betas and ``b`` are fitted by
maximising the marginal likelihood (:func:`fit_pooling`), penalised by weakly informative normal hyperpriors
(:class:`PoolingPrior`): nothing is clipped. Given them each leg's posterior is closed form (:func:`leg_posterior`)::

    lam[l] | data ~ Gamma(a + n[l], a / mu[l] + E'[l])

with ``E'`` the effective traversals; its mean is ``w * mu + (1 - w) * n / E'`` with ``w = (a / mu) / (a / mu + E')``,
the weight of the prior in the number (1 for a leg nobody is known to travel, near 0 for a leg travelled so often
that its own record decides).

Examples
--------
>>> post = leg_posterior([1e-4], 2.0, [0], [6e5])
>>> float(post.prior_weight[0]) < 0.05 and float(post.mean[0]) < 1e-4
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from routes.errors import ArgumentError
from routes.model.fitting import (
    FloatArray,
    as_floats,
    laplace_covariance,
    minimize_smooth,
    negbin_curvature,
    negbin_logpmf,
    negbin_terms,
)

__all__ = ["LegPosterior", "PoolingFit", "PoolingPrior", "fit_pooling", "leg_posterior"]


@dataclass(frozen=True)
class PoolingPrior:
    """Weakly informative hyperpriors of the pooling model (all normal).

    Attributes
    ----------
    log_shape, log_shape_sd
        On ``log a``: the default (0, 1.5) puts 95% of the prior on ``a`` between 0.05 and 19, i.e. a
        between-leg coefficient of variation ``1 / sqrt(a)`` between 0.23 and 4.5.
    slope, slope_sd
        On ``b``, the exponent of length: centred on proportional to length (1), sd 1.
    mode_sd
        Spread of the mode effects around the intercept (log scale): 2, a factor 7.
    corridor_sd
        Spread of the corridor effects around 0 (log scale): 1, a factor 2.7.
    """

    log_shape: float = 0.0
    log_shape_sd: float = 1.5
    slope: float = 1.0
    slope_sd: float = 1.0
    mode_sd: float = 2.0
    corridor_sd: float = 1.0


@dataclass(frozen=True)
class PoolingFit:
    """Hyperparameters of the pooling model (:func:`fit_pooling`).

    Attributes
    ----------
    shape
        ``a``: the Gamma shape of the legs' rates around their means.
    intercept, slope
        ``b0`` and ``b`` of ``log mu = b0 + beta[mode] + beta[corridor] + b log(length / ref_length_km)``.
    beta_mode, beta_corridor
        The effects by level (``beta_corridor`` empty when fitted without corridors).
    ref_length_km
        The reference length.
    theta, cov
        The parameter vector ``[log a, b0, beta_mode..., beta_corridor..., b]`` and its Laplace covariance (inverse
        Hessian of the penalised negative log marginal likelihood; None if not positive definite).
    loglik
        The marginal log likelihood at the fit (without the hyperprior).
    converged, message
        What the optimiser said.
    n_dropped
        Legs left out of the fit because they have incidents but no exposure (a data problem to fix upstream).
    inverse_hessian
        BFGS's approximation of the inverse Hessian at ``theta`` (not the covariance: it starts the next round's fit
        of :func:`routes.model.v2.fit_v2`, with ``theta``), or None.
    """

    shape: float
    intercept: float
    slope: float
    beta_mode: dict[str, float]
    beta_corridor: dict[str, float]
    ref_length_km: float
    theta: FloatArray
    cov: FloatArray | None
    loglik: float
    converged: bool
    message: str = ""
    n_dropped: int = 0
    inverse_hessian: FloatArray | None = None

    def design(self, modes: ArrayLike, length_km: ArrayLike, corridors: ArrayLike | None = None) -> FloatArray:
        """The design rows ``[1, mode one-hot, corridor one-hot, log(length / ref)]`` of some legs.

        An unknown corridor gets no corridor effect (its prior mean); an unknown mode raises
        :class:`~routes.errors.ArgumentError`.
        """
        md = np.asarray(modes).astype(str)
        ln = as_floats(length_km, "length_km")
        if np.any(ln <= 0):
            raise ArgumentError(f"length_km must be positive, got {ln[ln <= 0][:3].tolist()!r}")
        mode_levels = list(self.beta_mode)
        corr_levels = list(self.beta_corridor)
        unknown = sorted(set(md.tolist()) - set(mode_levels))
        if unknown:
            raise ArgumentError(f"unknown mode(s) {unknown}; the fit knows {mode_levels}")
        X = np.zeros((len(md), 2 + len(mode_levels) + len(corr_levels)))
        X[:, 0] = 1.0
        for j, m in enumerate(mode_levels):
            X[:, 1 + j] = md == m
        if corridors is not None and corr_levels:
            cd = np.asarray(corridors).astype(str)
            for j, c in enumerate(corr_levels):
                X[:, 1 + len(mode_levels) + j] = cd == c
        X[:, -1] = np.log(ln / self.ref_length_km)
        return X

    def prior_mean(self, modes: ArrayLike, length_km: ArrayLike, corridors: ArrayLike | None = None) -> FloatArray:
        """``mu``, the prior mean rate of fatal incidents per traversal of each leg."""
        return np.asarray(np.exp(self.design(modes, length_km, corridors) @ self.theta[1:]), dtype=np.float64)


def _pooling_design(
    modes: NDArray[np.str_], length_km: FloatArray, corridors: NDArray[np.str_] | None, ref: float
) -> tuple[FloatArray, list[str], list[str]]:
    mode_levels = sorted(set(modes.tolist()))
    corr_levels = sorted(set(corridors.tolist())) if corridors is not None else []
    X = np.zeros((len(modes), 2 + len(mode_levels) + len(corr_levels)))
    X[:, 0] = 1.0
    for j, m in enumerate(mode_levels):
        X[:, 1 + j] = modes == m
    if corridors is not None:
        for j, c in enumerate(corr_levels):
            X[:, 1 + len(mode_levels) + j] = corridors == c
    X[:, -1] = np.log(length_km / ref)
    return X, mode_levels, corr_levels


def fit_pooling(
    counts: ArrayLike,
    exposure: ArrayLike,
    modes: ArrayLike,
    length_km: ArrayLike,
    corridors: ArrayLike | None = None,
    *,
    prior: PoolingPrior | None = None,
    ref_length_km: float = 50.0,
    start: FloatArray | None = None,
    start_inverse_hessian: FloatArray | None = None,
    covariance: bool = True,
) -> PoolingFit:
    """Fit the pooling hyperparameters by penalised maximum marginal likelihood.

    Each leg's count is ``NegBin(mean E * mu, shape a)`` (the Gamma-Poisson marginal); the function maximises the
    sum of their log probabilities plus the log hyperprior (:class:`PoolingPrior`) with L-BFGS-B and an analytic
    gradient. The intercept is flat; the mode effects, corridor effects, ``log a`` and ``b`` have normal priors,
    so a mode or corridor without incidents gets a finite, shrunk effect rather than minus infinity.

    Parameters
    ----------
    counts
        Fatal incidents per leg (fractional shares allowed).
    exposure
        Effective traversals per leg ``E'`` (already multiplied by the year and season factors if any).
    modes
        Mode of each leg.
    length_km
        Length of each leg (positive); duration could be passed instead.
    corridors
        Corridor of each leg, or None for no corridor effect.
    prior
        Hyperpriors (:class:`PoolingPrior`).
    ref_length_km
        The length at which ``mu = exp(b0 + beta[mode] + beta[corridor])``.
    start, start_inverse_hessian
        Where the optimiser starts (the ``theta`` of an earlier fit of the same design) instead of the prior, and
        with what curvature (that fit's ``inverse_hessian``) instead of the identity: the same optimum in fewer
        steps.
    covariance
        Whether to compute the Laplace covariance (a numerical Hessian: about half the time of a fit); ``cov`` is
        None without it.

    Returns
    -------
    PoolingFit

    Raises
    ------
    ArgumentError
        For arrays of different lengths, negative counts or exposure, or non-positive lengths.
    """
    n = as_floats(counts, "counts")
    E = as_floats(exposure, "exposure")
    md = np.asarray(modes).astype(str)
    ln = as_floats(length_km, "length_km")
    cd = None if corridors is None else np.asarray(corridors).astype(str)
    if not (len(n) == len(E) == len(md) == len(ln)) or (cd is not None and len(cd) != len(n)):
        raise ArgumentError(f"counts, exposure, modes, length_km (and corridors) must have one entry per leg, got "
                            f"{len(n)}, {len(E)}, {len(md)}, {len(ln)}" + ("" if cd is None else f", {len(cd)}"))
    if np.any(n < 0) or np.any(E < 0):
        raise ArgumentError(f"counts and exposure must be non-negative, got a minimum of {min(n.min(), E.min())!r}")
    if np.any(ln <= 0):
        raise ArgumentError(f"length_km must be positive, got {ln[ln <= 0][:3].tolist()!r}")
    pr = prior or PoolingPrior()
    X, mode_levels, corr_levels = _pooling_design(md, ln, cd, ref_length_km)
    dropped = (E <= 0) & (n > 0)
    use = E > 0
    Xu, nu, Eu = X[use], n[use], E[use]
    k_m, k_c = len(mode_levels), len(corr_levels)
    p = 1 + X.shape[1]
    centre = np.zeros(p)
    sd = np.full(p, np.inf)
    centre[0], sd[0] = pr.log_shape, pr.log_shape_sd
    sd[2 : 2 + k_m] = pr.mode_sd
    sd[2 + k_m : 2 + k_m + k_c] = pr.corridor_sd
    centre[-1], sd[-1] = pr.slope, pr.slope_sd
    penalised = np.isfinite(sd)

    def objective(theta: FloatArray) -> tuple[float, FloatArray]:
        a = math.exp(theta[0])
        m = Eu * np.exp(Xu @ theta[1:])
        ll, d_eta, d_loga = negbin_terms(nu, m, a)
        dev = np.where(penalised, (theta - centre) / np.where(penalised, sd, 1.0), 0.0)
        f = -float(ll.sum()) + 0.5 * float(np.sum(dev**2))
        g = np.empty(p)
        g[0] = -float(d_loga.sum())
        g[1:] = -(Xu.T @ d_eta)
        g += np.where(penalised, dev / np.where(penalised, sd, 1.0), 0.0)
        return f, g

    theta0, H0 = centre.copy(), None
    base = float(np.sum(Eu * (ln[use] / ref_length_km) ** pr.slope))
    theta0[1] = math.log((float(nu.sum()) + 0.5) / base) if base > 0 else 0.0
    if start is not None and np.shape(start) == theta0.shape and np.all(np.isfinite(start)):
        theta0 = np.asarray(start, dtype=np.float64).copy()
        H0 = start_inverse_hessian
    theta, _, ok, msg, H_bfgs = minimize_smooth(objective, theta0, inverse_hessian=H0)
    H = None
    if covariance:  # the Hessian of the objective in closed form
        d_mm, d_ma, d_aa = negbin_curvature(nu, Eu * np.exp(Xu @ theta[1:]), math.exp(theta[0]))
        H = np.empty((p, p))
        H[0, 0] = -float(d_aa.sum())
        H[0, 1:] = H[1:, 0] = -(Xu.T @ d_ma)
        H[1:, 1:] = -(Xu.T * d_mm) @ Xu
        H[np.diag_indices(p)] += np.where(penalised, 1.0 / np.where(penalised, sd, 1.0) ** 2, 0.0)
    a = math.exp(theta[0])
    ll = float(negbin_logpmf(nu, Eu * np.exp(Xu @ theta[1:]), a).sum())
    return PoolingFit(
        shape=a,
        intercept=float(theta[1]),
        slope=float(theta[-1]),
        beta_mode={m: float(theta[2 + j]) for j, m in enumerate(mode_levels)},
        beta_corridor={c: float(theta[2 + k_m + j]) for j, c in enumerate(corr_levels)},
        ref_length_km=ref_length_km,
        theta=theta,
        cov=laplace_covariance(H) if H is not None else None,
        loglik=ll,
        converged=ok,
        message=msg,
        n_dropped=int(dropped.sum()),
        inverse_hessian=H_bfgs,
    )


@dataclass(frozen=True)
class LegPosterior:
    """Closed-form Gamma posterior of each leg's rate of fatal incidents per traversal.

    Attributes
    ----------
    shape, rate
        ``a + n`` and ``a / mu + E'``.
    mean
        ``shape / rate`` = ``prior_weight * prior_mean + (1 - prior_weight) * crude_rate``.
    prior_mean
        ``mu``.
    prior_weight
        ``w = (a / mu) / (a / mu + E')``: 1 for a leg nobody is known to travel, near 0 for a leg travelled so often
        that its own record decides.
    crude_rate
        ``n / E'`` (NaN where ``E' = 0``).
    """

    shape: FloatArray
    rate: FloatArray
    mean: FloatArray
    prior_mean: FloatArray
    prior_weight: FloatArray
    crude_rate: FloatArray


def leg_posterior(
    prior_mean: ArrayLike, shape: float | ArrayLike, counts: ArrayLike, exposure: ArrayLike
) -> LegPosterior:
    """Posterior ``Gamma(a + n, a / mu + E')`` of each leg's rate, with its prior weight and crude rate.

    Parameters
    ----------
    prior_mean
        ``mu`` per leg (:meth:`PoolingFit.prior_mean`).
    shape
        ``a`` (scalar or per leg).
    counts
        Incidents per leg.
    exposure
        Effective traversals ``E'`` per leg.

    Examples
    --------
    >>> post = leg_posterior([1e-4, 1e-4], 2.0, [0, 5], [0, 1e5])
    >>> [round(float(w), 3) for w in post.prior_weight]
    [1.0, 0.167]
    >>> bool(np.allclose(post.mean[1], post.prior_weight[1] * 1e-4 + (1 - post.prior_weight[1]) * 5 / 1e5))
    True
    """
    mu = as_floats(prior_mean, "prior_mean")
    a = np.broadcast_to(np.asarray(shape, dtype=np.float64), mu.shape)
    n = as_floats(counts, "counts")
    E = as_floats(exposure, "exposure")
    if np.any(mu <= 0) or np.any(a <= 0):
        raise ArgumentError(f"prior_mean and shape must be positive, got minima {float(mu.min())!r} and "
                            f"{float(a.min())!r}")
    b = a / mu
    post_shape = a + n
    post_rate = b + E
    with np.errstate(invalid="ignore", divide="ignore"):
        crude = np.where(E > 0, n / np.where(E > 0, E, 1.0), np.nan)
    return LegPosterior(
        shape=np.asarray(post_shape, dtype=np.float64),
        rate=np.asarray(post_rate, dtype=np.float64),
        mean=np.asarray(post_shape / post_rate, dtype=np.float64),
        prior_mean=mu,
        prior_weight=np.asarray(b / (b + E), dtype=np.float64),
        crude_rate=np.asarray(crude, dtype=np.float64),
    )


