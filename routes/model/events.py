"""Dead and missing per incident: the size of a fatal event, by mode.

Deaths come in events of very different sizes (one drowning; a capsizing with 24 dead and missing; a truck crash with
56). The model counts events and draws their sizes separately, so deaths are compound Poisson: a large event widens the
interval of the deaths without swamping the evidence of the other legs. A size is ``1 + NegBin(mean m, shape r)``,
fitted by penalised maximum likelihood (:func:`fit_event_sizes`); a mode with few incidents is pulled toward the fit
of all modes together (:func:`fit_event_sizes_by_mode`).

Examples
--------
>>> fits = fit_event_sizes_by_mode([1, 1, 2, 24, 1, 3], ["sea_boat", "road", "road", "sea_boat", "road", "road"])
>>> fits["sea_boat"].mean > fits["road"].mean
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from routes.errors import ArgumentError
from routes.model.fitting import (
    FloatArray,
    IntArray,
    Seed,
    as_floats,
    generator,
    laplace_covariance,
    minimize_smooth,
    negbin_curvature,
    negbin_logpmf,
    negbin_terms,
)

__all__ = ["SizeFit", "SizePrior", "fit_event_sizes", "fit_event_sizes_by_mode", "sample_event_sizes"]


@dataclass(frozen=True)
class SizePrior:
    """Weakly informative normal priors on the log parameters of the size distribution ``1 + NegBin(m, r)``.

    Attributes
    ----------
    log_mean, log_mean_sd
        Centre and spread of ``log m`` (``m`` is the mean of ``size - 1``). The default centre, ``log 1``, is a
        mean size of 2, with a standard deviation of 2 (a factor 7 either way).
    log_shape, log_shape_sd
        Centre and spread of ``log r``; the default centre 0.5 with sd 1.5 allows shapes from about 0.03 to 10.
    """

    log_mean: float = 0.0
    log_mean_sd: float = 2.0
    log_shape: float = math.log(0.5)
    log_shape_sd: float = 1.5


@dataclass(frozen=True)
class SizeFit:
    """Dead and missing per incident: ``1 + NegBin(mean mean_excess, shape shape)``.

    Attributes
    ----------
    mean_excess
        ``m``, the mean of ``size - 1``.
    shape
        ``r``, the negative-binomial shape (small = heavy tail: mass casualty incidents).
    n_incidents
        The (weighted) number of incidents it was fitted on.
    loglik
        The log likelihood of those incidents at the fit (unpenalised).
    cov
        Laplace covariance of ``(log m, log r)`` (None if not available).
    """

    mean_excess: float
    shape: float
    n_incidents: float
    loglik: float = 0.0
    cov: FloatArray | None = None

    @property
    def mean(self) -> float:
        """Mean dead and missing per incident, ``1 + m``."""
        return 1.0 + self.mean_excess

    @property
    def p(self) -> float:
        """numpy's success probability of the excess: ``r / (r + m)``."""
        return self.shape / (self.shape + self.mean_excess)

    def logpmf(self, size: ArrayLike) -> FloatArray:
        """Log probability of each size (``size >= 1``)."""
        s = np.asarray(size, dtype=np.float64)
        return negbin_logpmf(s - 1.0, self.mean_excess, self.shape)


def fit_event_sizes(
    sizes: ArrayLike,
    weights: ArrayLike | None = None,
    *,
    prior: SizePrior | None = None,
) -> SizeFit:
    """Fit ``1 + NegBin(m, r)`` to incident sizes by penalised maximum likelihood.

    Parameters
    ----------
    sizes
        Dead and missing per incident (each at least 1).
    weights
        Optional weight of each incident (its attributed share, for example); 1 by default.
    prior
        The normal priors on ``log m`` and ``log r`` (:class:`SizePrior`); with few incidents they decide, with
        many they hardly matter. With no incident the fit is the prior's centre.

    Returns
    -------
    SizeFit

    Raises
    ------
    ArgumentError
        If a size is below 1, or a weight is negative.

    Examples
    --------
    >>> fit = fit_event_sizes([1, 1, 1, 2, 1, 24, 1, 3])
    >>> 1.0 < fit.mean < 10.0
    True
    """
    s = as_floats(sizes, "sizes")
    w = np.ones_like(s) if weights is None else as_floats(weights, "weights")
    if w.shape != s.shape:
        raise ArgumentError(f"weights shape {w.shape} differs from sizes shape {s.shape}")
    if np.any(s < 1):
        raise ArgumentError(f"every incident size must be at least 1 (dead + missing), got {s[s < 1][:3].tolist()!r}; "
                            "leave out incidents without dead or missing")
    if np.any(w < 0):
        raise ArgumentError(f"weights must be non-negative, got {w[w < 0][:3].tolist()!r}")
    pr = prior or SizePrior()
    keep = w > 0
    total = float(w[keep].sum())
    # incidents of one size are alike in the likelihood: one term per distinct size, weighted by their total weight
    y, inverse = np.unique(s[keep] - 1.0, return_inverse=True)
    w = np.asarray(np.bincount(inverse.ravel(), weights=w[keep], minlength=len(y)), dtype=np.float64)
    centre = np.array([pr.log_mean, pr.log_shape])
    sd = np.array([pr.log_mean_sd, pr.log_shape_sd])

    def objective(x: FloatArray) -> tuple[float, FloatArray]:
        m, r = math.exp(x[0]), math.exp(x[1])
        ll, d_logm, d_logr = negbin_terms(y, np.full_like(y, m), r)
        f = -float(np.sum(w * ll)) + float(np.sum((x - centre) ** 2 / (2 * sd**2)))
        g = -np.array([np.sum(w * d_logm), np.sum(w * d_logr)]) + (x - centre) / sd**2
        return f, g

    if not len(y):
        return SizeFit(math.exp(pr.log_mean), math.exp(pr.log_shape), 0.0, 0.0, np.diag(sd**2))
    x0 = np.array([math.log(max(float(np.average(y, weights=w)), 0.05)), pr.log_shape])
    x = minimize_smooth(objective, x0).x
    m, r = math.exp(x[0]), math.exp(x[1])
    d_mm, d_mr, d_rr = negbin_curvature(y, np.full_like(y, m), r)
    H = -np.array([[np.sum(w * d_mm), np.sum(w * d_mr)], [np.sum(w * d_mr), np.sum(w * d_rr)]]) + np.diag(1.0 / sd**2)
    ll = float(np.sum(w * negbin_logpmf(y, m, r)))
    return SizeFit(m, r, total, ll, laplace_covariance(H))


def fit_event_sizes_by_mode(
    sizes: ArrayLike,
    modes: ArrayLike,
    weights: ArrayLike | None = None,
    *,
    all_modes: Sequence[str] = (),
    prior: SizePrior | None = None,
    mode_prior_sd: float = 1.0,
) -> dict[str, SizeFit]:
    """Fit the size distribution of each mode, each pulled toward the fit of all modes together.

    First all incidents are fitted together with ``prior``; then each mode is fitted with normal priors centred on
    that pooled fit, of standard deviation ``mode_prior_sd`` on ``log m`` and ``log r``. A mode with a handful of
    incidents thus gets nearly the pooled distribution, a mode with hundreds its own.

    Parameters
    ----------
    sizes, modes, weights
        One entry per incident (or per share of an incident): size (>= 1), the mode of its leg, the weight.
    all_modes
        Modes to return even if they have no incident (they get the pooled fit).
    prior
        The prior of the pooled fit (:class:`SizePrior`).
    mode_prior_sd
        Spread of each mode's log parameters around the pooled ones.

    Returns
    -------
    dict
        ``{mode: SizeFit}``; the key ``"*"`` holds the pooled fit.
    """
    s = as_floats(sizes, "sizes")
    md = np.asarray(modes).astype(str)
    w = np.ones_like(s) if weights is None else as_floats(weights, "weights")
    if md.shape != s.shape or w.shape != s.shape:
        raise ArgumentError(f"sizes, modes and weights must have the same length, got {len(s)}, {len(md)} and {len(w)}")
    pooled = fit_event_sizes(s, w, prior=prior)
    mode_prior = SizePrior(math.log(pooled.mean_excess), mode_prior_sd, math.log(pooled.shape), mode_prior_sd)
    out: dict[str, SizeFit] = {"*": pooled}
    for m in sorted(set(md.tolist()) | set(all_modes)):
        sel = md == m
        out[m] = fit_event_sizes(s[sel], w[sel], prior=mode_prior)
    return out


def sample_event_sizes(fit: SizeFit, n: int | tuple[int, ...], seed: Seed = 0) -> IntArray:
    """Draw incident sizes (dead and missing, at least 1) from a :class:`SizeFit`.

    Examples
    --------
    >>> x = sample_event_sizes(SizeFit(2.0, 0.5, 10), 1000, seed=1)
    >>> int(x.min()) >= 1
    True
    """
    rng = generator(seed)
    return np.asarray(1 + rng.negative_binomial(fit.shape, fit.p, size=n), dtype=np.intp)


