"""The risk mathematics in one place: from a leg's posterior to its probability of death, and the Monte Carlo of paths.

A leg's hazard per traversal ``lam`` has a Gamma posterior (``shape``, ``rate``); the probability of dying on one
traversal is ``p = 1 - exp(-lam)``, and a path's probability is ``1 - exp(-sum(lam))`` over its legs. The model
(:mod:`routes.model.risk`), the scenarios (:mod:`routes.query.scenario`) and the scorer (:mod:`routes.query.scoring`)
all use these functions.

Examples
--------
>>> round(float(gamma_risk(2.0, 2000.0)), 6)  # mean of 1 - exp(-lam), lam ~ Gamma(2, rate 2000)
0.000999
>>> round(float(risk_of_hazard(hazard_of_risk(0.01))), 12)
0.01
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from routes.errors import DataError
from routes.vocabulary import DRAWS_PATHS, INTERVAL

__all__ = ["PathDraws", "gamma_risk", "hazard_of_risk", "risk_interval", "risk_of_hazard", "simulate_paths"]


class PathDraws(NamedTuple):
    """What the Monte Carlo says of each path (arrays, one value per path, in the order asked)."""

    #: lower and upper ends of the central interval of the probability of death
    lo: np.ndarray
    hi: np.ndarray
    #: probability that the path is the safest of those asked (ties split)
    p_safest: np.ndarray
    #: probability that the path is riskier than the first one asked (0 for the first)
    p_riskier: np.ndarray
    #: its probability of death over the first path's: median and central interval, from the same joint draws
    ratio: np.ndarray
    ratio_lo: np.ndarray
    ratio_hi: np.ndarray


def gamma_risk(shape: Any, rate: Any, multiplier: Any = 1.0) -> Any:
    """Mean probability of death ``E[1 - exp(-m lam)]`` for ``lam ~ Gamma(shape, rate)``: ``1 - (rate / (rate + m)) **
    shape``."""
    with np.errstate(invalid="ignore", divide="ignore"):  # log1p: a near-certain hazard has a huge shape and rate
        return -np.expm1(-shape * np.log1p(multiplier / rate))


def risk_of_hazard(lam: Any) -> Any:
    """Probability of death of a hazard (or a path's summed hazards): ``1 - exp(-lam)``."""
    return -np.expm1(-np.asarray(lam, dtype=float))


def risk_interval(lam: np.ndarray, q: Sequence[float] = INTERVAL) -> np.ndarray:
    """The quantiles ``q`` of :func:`risk_of_hazard` of each row of hazard draws, as ``np.quantile`` gives them
    (linear interpolation between the two draws around each quantile), from those draws alone: the risk is an
    increasing function of the hazard, so the order is the same and only the draws next to a quantile are
    transformed, not all of them.

    Examples
    --------
    >>> lam = np.random.default_rng(0).gamma(0.5, 1e-3, (3, 1000))
    >>> bool(np.array_equal(risk_interval(lam), np.quantile(risk_of_hazard(lam), INTERVAL, axis=1)))
    True
    """
    n = lam.shape[1]
    virtual = np.asarray(q, dtype=float) * (n - 1)
    below = np.floor(virtual).astype(np.intp)
    above = np.minimum(below + 1, n - 1)
    t = (virtual - below)[:, None]
    # the last position too: a row with a NaN draw has it there after the partition, and its quantiles are NaN
    part = np.partition(lam, np.unique(np.concatenate([below, above, [n - 1]])), axis=1)
    a, b = risk_of_hazard(part[:, below].T), risk_of_hazard(part[:, above].T)
    diff = b - a
    out = np.where(t >= 0.5, b - diff * (1 - t), a + diff * t)  # numpy's _lerp
    out[:, np.isnan(part[:, -1])] = np.nan
    return np.asarray(out)


def hazard_of_risk(p: Any) -> Any:
    """Hazard of a probability of death: ``-log(1 - p)``."""
    return -np.log1p(-np.asarray(p, dtype=float))


def simulate_paths(
    paths: Sequence[Sequence[int]],
    *,
    lam: np.ndarray,
    shape: np.ndarray,
    rate: np.ndarray,
    multiplier: np.ndarray,
    joint: np.ndarray | None = None,
    joint_row: np.ndarray | None = None,
    seed: int | None = 0,
    draws: int = DRAWS_PATHS,
) -> PathDraws:
    """Monte Carlo over the legs' posteriors: each path's interval, ``p_safest``, and how it compares with the first.

    Parameters
    ----------
    paths
        Each path as a sequence of leg indices into the arrays below.
    lam
        Each leg's hazard under the scenario (used as is where a leg has no posterior).
    shape, rate
        Each leg's Gamma posterior (``shape`` NaN: no posterior, the hazard is a point value).
    multiplier
        Each leg's hazard multiplier under the scenario (season, advisory).
    joint, joint_row
        The estimate's joint draws of the hazards (rows x draws) and each leg's row in them (-1: none). Legs with a
        row are drawn from it (resampled to ``draws`` columns with the seed), so legs that share an exposure
        assumption stay correlated; the others from their own Gamma. Either way a leg's draws are shared by every path.
    seed, draws
        The random seed and the number of draws.

    Returns
    -------
    PathDraws
        Each path's central interval (:data:`routes.vocabulary.INTERVAL`), the probability that it is the safest,
        that it is riskier than the first path, and the ratio of its risk to the first path's with its interval.

    Raises
    ------
    DataError
        If ``draws`` is not an integer >= 1.
    """
    if isinstance(draws, bool) or not isinstance(draws, (int, np.integer)) or draws < 1:
        raise DataError(f"draws must be an integer >= 1, got {draws!r}")
    used = sorted({e for p in paths for e in p})
    col = {e: i for i, e in enumerate(used)}
    idx = np.array(used, dtype=np.intp)
    shape, rate, mult = shape[idx], rate[idx], multiplier[idx]
    gamma = np.isfinite(shape)
    sample = np.empty((len(idx), draws))
    rng = np.random.default_rng(seed)
    from_joint = np.zeros(len(idx), dtype=bool)
    if joint is not None and joint_row is not None:
        rows = joint_row[idx]
        from_joint = rows >= 0
        if from_joint.any():
            cols = np.arange(draws) if draws == joint.shape[1] else rng.integers(0, joint.shape[1], size=draws)
            sample[from_joint] = joint[rows[from_joint]][:, cols] * mult[from_joint][:, None]
    gamma &= ~from_joint
    if gamma.any():
        g = rng.standard_gamma(shape[gamma][:, None], size=(int(gamma.sum()), draws))
        sample[gamma] = g * (mult[gamma] / rate[gamma])[:, None]
    point = ~(gamma | from_joint)  # no posterior: the hazard as it is, in every draw
    sample[point] = lam[idx][point][:, None]
    total = np.empty((len(paths), draws))  # paths x draws: summed hazards (row sums avoid BLAS start-up)
    for i, p in enumerate(paths):
        total[i] = sample[[col[e] for e in p]].sum(axis=0)
    prob = risk_of_hazard(total)
    if not len(paths):
        empty = np.empty(0)
        return PathDraws(empty, empty, empty, empty, empty, empty, empty)
    lo, hi = np.quantile(prob, INTERVAL, axis=1)
    best = total.min(axis=0)
    is_best = total <= best * (1 + 1e-12)
    p_safest = (is_best / is_best.sum(axis=0)).mean(axis=1)
    p_riskier = (total > total[0] * (1 + 1e-12)).mean(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a path that can never kill: no ratio (NaN)
        ratio = prob / prob[0]
        quantile = np.nanquantile if np.isnan(ratio).any() else np.quantile  # nanquantile is slow: only when needed
        r_lo, r_mid, r_hi = quantile(ratio, [INTERVAL[0], 0.5, INTERVAL[1]], axis=1)
    return PathDraws(lo, hi, p_safest, p_riskier, r_mid, r_lo, r_hi)
