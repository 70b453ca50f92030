"""Complementary route shares drawn jointly, so the legs that split one corridor flow always sum to its count.

Where a corridor's travellers split among alternative legs by stated shares, each with a range, drawing every share
independently lets the legs of one corridor carry 0.86 to 1.13 times its count. A Dirichlet draw keeps the sum at 1;
its concentration is chosen so that each share's marginal interval matches its stated range as well as one number can
(:func:`dirichlet_concentration`). Issue 15 uses these draws for the exposure of the v2 model.

Examples
--------
>>> S = dirichlet_shares([0.85, 0.13, 0.02], [0.65, 0.04, 0.001], [0.95, 0.3, 0.05], n_draws=1000)
>>> bool(np.allclose(S.sum(axis=1), 1.0))
True
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from routes.errors import ArgumentError
from routes.model.fitting import BoolArray, FloatArray, Seed, as_floats, generator
from routes.vocabulary import DRAWS_ESTIMATE, INTERVAL_LEVEL

__all__ = ["dirichlet_concentration", "dirichlet_marginal_intervals", "dirichlet_shares"]


def _dirichlet_parts(
    central: ArrayLike, low: ArrayLike, high: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray, BoolArray]:
    c = as_floats(central, "central")
    lo = as_floats(low, "low")
    hi = as_floats(high, "high")
    if not (len(c) == len(lo) == len(hi)) or not len(c):
        raise ArgumentError(f"central, low and high must be non-empty and of the same length, got {len(c)}, {len(lo)} "
                            f"and {len(hi)}")
    if np.any(lo > c + 1e-12) or np.any(c > hi + 1e-12) or np.any(lo < 0) or np.any(hi > 1):
        bad = int(np.flatnonzero((lo > c + 1e-12) | (c > hi + 1e-12) | (lo < 0) | (hi > 1))[0])
        raise ArgumentError(f"need 0 <= low <= central <= high <= 1 for every alternative; alternative {bad} has "
                            f"{lo[bad]!r} <= {c[bad]!r} <= {hi[bad]!r}")
    total = float(c.sum())
    if abs(total - 1.0) > 0.02:
        raise ArgumentError(f"the central shares must sum to 1 (they sum to {total:.4f}); list every alternative of "
                            "the split")
    return c / total, lo, hi, np.asarray(c > 0, dtype=np.bool_)


def dirichlet_marginal_intervals(
    central: ArrayLike, concentration: float, level: float = INTERVAL_LEVEL
) -> tuple[FloatArray, FloatArray]:
    """Central intervals of each share under ``Dirichlet(concentration * central)`` (marginals are Beta)."""
    from scipy.stats import beta

    c = as_floats(central, "central")
    c = c / c.sum()
    q = [(1 - level) / 2, (1 + level) / 2]
    pos = c > 0
    lo, hi = np.zeros_like(c), np.zeros_like(c)
    if np.sum(pos) == 1:
        lo[pos] = hi[pos] = 1.0
        return lo, hi
    lo[pos] = beta.ppf(q[0], concentration * c[pos], concentration * (1 - c[pos]))
    hi[pos] = beta.ppf(q[1], concentration * c[pos], concentration * (1 - c[pos]))
    return lo, hi


def dirichlet_concentration(
    central: ArrayLike, low: ArrayLike, high: ArrayLike, level: float = INTERVAL_LEVEL
) -> float:
    """The Dirichlet concentration whose marginal intervals best match the stated ranges.

    One number cannot match every range exactly, so it minimises the squared differences on the logit scale
    between each alternative's Beta quantiles and its stated ``low`` and ``high`` (ends at 0 or 1 are taken as
    1e-4 and 1 - 1e-4), searching ``log concentration`` in [log 0.5, log 1e5].
    """
    from scipy.optimize import minimize_scalar
    from scipy.special import logit

    c, lo, hi, pos = _dirichlet_parts(central, low, high)
    if pos.sum() <= 1:
        return float("inf")
    eps = 1e-4
    tl = logit(np.clip(lo[pos], eps, 1 - eps))
    th = logit(np.clip(hi[pos], eps, 1 - eps))

    def loss(log_alpha: float) -> float:
        ql, qh = dirichlet_marginal_intervals(c, math.exp(log_alpha), level)
        el = logit(np.clip(ql[pos], eps, 1 - eps)) - tl
        eh = logit(np.clip(qh[pos], eps, 1 - eps)) - th
        return float(np.sum(el**2) + np.sum(eh**2))

    res = minimize_scalar(loss, bounds=(math.log(0.5), math.log(1e5)), method="bounded")
    return float(math.exp(res.x))


def dirichlet_shares(
    central: ArrayLike,
    low: ArrayLike,
    high: ArrayLike,
    *,
    n_draws: int = DRAWS_ESTIMATE,
    seed: Seed = 0,
    level: float = INTERVAL_LEVEL,
    concentration: float | None = None,
) -> FloatArray:
    """Joint draws (draws x alternatives) of complementary shares that always sum to 1.

    ``Dirichlet(concentration * central)`` with the concentration of :func:`dirichlet_concentration` unless given;
    an alternative with central share 0 is 0 in every draw (the Dirichlet needs positive parameters).

    Examples
    --------
    >>> S = dirichlet_shares([0.85, 0.13, 0.02], [0.65, 0.04, 0.001], [0.95, 0.3, 0.05], n_draws=1000)
    >>> bool(np.allclose(S.sum(axis=1), 1.0))
    True
    """
    c, lo, hi, pos = _dirichlet_parts(central, low, high)
    out = np.zeros((n_draws, len(c)))
    if pos.sum() == 1:
        out[:, pos] = 1.0
        return out
    alpha = dirichlet_concentration(c, lo, hi, level) if concentration is None else float(concentration)
    rng = generator(seed)
    g = rng.standard_gamma(alpha * c[pos], size=(n_draws, int(pos.sum())))
    # tiny Dirichlet parameters can underflow every gamma draw of a row to 0: put that row at the central value
    tot = g.sum(axis=1, keepdims=True)
    bad = tot[:, 0] <= 0
    g[bad] = c[pos]
    tot[bad] = 1.0
    out[:, pos] = g / tot
    out /= out.sum(axis=1, keepdims=True)
    return out


