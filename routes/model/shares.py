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
import pandas as pd
from numpy.typing import ArrayLike

from routes.errors import ArgumentError
from routes.model.fitting import BoolArray, FloatArray, Seed, as_floats, generator
from routes.vocabulary import DRAWS_ESTIMATE, INTERVAL_LEVEL

__all__ = ["dirichlet_concentration", "dirichlet_marginal_intervals", "dirichlet_shares", "moment_concentration",
           "share_draws", "split_groups"]


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




def moment_concentration(central: ArrayLike, low: ArrayLike, high: ArrayLike, level: float = INTERVAL_LEVEL) -> float:
    """A Dirichlet concentration from the stated ranges in closed form (no optimiser): the geometric mean over the
    alternatives of ``c (1 - c) / sd**2 - 1``, the concentration whose Beta marginal has the variance of a normal
    whose central ``level`` interval is the stated range (``sd = (high - low) / (2 z)``).

    Close to :func:`dirichlet_concentration` where the ranges are roughly symmetric, and a thousand times faster; the
    estimate uses it for every split of the exposure table.

    Examples
    --------
    >>> round(moment_concentration([0.5, 0.5], [0.3, 0.3], [0.7, 0.7]), 1)
    15.9
    """
    from statistics import NormalDist

    c = as_floats(central, "central")
    lo, hi = as_floats(low, "low"), as_floats(high, "high")
    z = NormalDist().inv_cdf((1 + level) / 2)
    sd = (hi - lo) / (2 * z)
    ok = (sd > 0) & (c > 0) & (c < 1)
    if not ok.any():
        return float("inf")
    alpha = np.clip(c[ok] * (1 - c[ok]) / sd[ok] ** 2 - 1.0, 0.5, 1e5)
    return float(np.exp(np.mean(np.log(alpha))))


def _triangular(rng: np.random.Generator, c: FloatArray, lo: FloatArray, hi: FloatArray, n_draws: int) -> FloatArray:
    """Triangular draws (rows x draws) on ``(lo, c, hi)`` by the inverse CDF (one uniform per draw: numpy's
    ``triangular`` is ten times slower); a row without a range is its central value."""
    out = np.repeat(c[:, None], n_draws, axis=1)
    vary = hi > lo
    if vary.any():
        a, m, b = lo[vary][:, None], c[vary][:, None], hi[vary][:, None]
        u = rng.random((int(vary.sum()), n_draws))
        cut = (m - a) / (b - a)
        out[vary] = np.where(u < cut, a + np.sqrt(u * (b - a) * (m - a)), b - np.sqrt((1 - u) * (b - a) * (b - m)))
    return out


def split_groups(table: pd.DataFrame) -> dict[tuple[str, ...], list[int]]:
    """The splits of an exposure table: ``{(series, direction, split, start, end): [row positions]}``.

    Rows of one split and period are alternatives of one corridor flow (their branches' ``split_share`` values sum to
    1); rows without a ``split`` are not in any. See :data:`routes.model.exposure.SPLIT_COLUMNS`.
    """
    if "split" not in table.columns:
        return {}
    cols = [table[c].astype(str).to_numpy() for c in ("series", "direction", "split", "split_start", "split_end")]
    out: dict[tuple[str, ...], list[int]] = {}
    for pos, key in enumerate(zip(*cols, strict=True)):
        if key[2].strip() and key[2] != "nan":
            out.setdefault(tuple(key), []).append(pos)
    return out


def share_draws(table: pd.DataFrame, *, n_draws: int = DRAWS_ESTIMATE, seed: Seed = 0) -> FloatArray:
    """Joint draws (rows x draws) of every exposure-table row's share: complementary branches sum to 1 in each draw.

    A row that belongs to a split (``split`` set) gets ``branch share x factor``: the branch shares of the split and
    period are drawn together from a Dirichlet (:func:`dirichlet_shares`; the rows of one branch use the same draw),
    the row's ``factor`` (the part of the branch that takes its legs) from a triangular distribution on
    ``factor_lo``, ``factor``, ``factor_hi``. If the stated branch shares do not sum to 1 the rest is a branch of its
    own ("not listed"). Any other row's share is triangular on ``share_lo``, ``share``, ``share_hi``, independently
    (its mean is ``(low + share + high) / 3``: the estimate uses the draws relative to their mean, as a spread).

    Parameters
    ----------
    table
        The exposure table (:func:`routes.model.exposure.load_exposure_table`).
    n_draws, seed
        Number of draws; seed or generator.

    Returns
    -------
    numpy.ndarray
        Shares, one row per table row (by position).

    Examples
    --------
    >>> from routes.model.exposure import load_exposure_table
    >>> t = load_exposure_table()
    >>> S = share_draws(t, n_draws=200)
    >>> S.shape == (len(t), 200) and bool((S >= 0).all())
    True
    """
    rng = generator(seed)
    share = table["share"].to_numpy(float)
    groups = split_groups(table)
    alone = np.ones(len(table), dtype=bool)
    for rows in groups.values():
        alone[rows] = False
    out = np.empty((len(table), n_draws))
    out[alone] = _triangular(rng, share[alone], table["share_lo"].to_numpy(float)[alone],
                             table["share_hi"].to_numpy(float)[alone], n_draws)
    if not groups:
        return out
    branch = table["branch"].astype(str).to_numpy()
    num = {c: pd.to_numeric(table[c], errors="coerce").to_numpy(float) for c in
           ("split_share", "split_share_lo", "split_share_hi", "factor", "factor_lo", "factor_hi")}
    for rows in groups.values():
        names = list(dict.fromkeys(branch[r] for r in rows))
        first = [rows[[branch[r] for r in rows].index(b)] for b in names]
        c = num["split_share"][first]
        lo, hi = num["split_share_lo"][first], num["split_share_hi"][first]
        rest = 1.0 - float(c.sum())
        if rest > 1e-9:  # the branches listed do not cover the flow: the rest goes to a branch nobody mapped
            c, lo, hi = np.append(c, rest), np.append(lo, 0.0), np.append(hi, min(1.0, 2 * rest))
        c = c / c.sum()
        lo, hi = np.minimum(lo, c), np.maximum(hi, c)
        S = dirichlet_shares(c, lo, hi, n_draws=n_draws, seed=rng, concentration=moment_concentration(c, lo, hi))
        pos = np.array([names.index(branch[r]) for r in rows], dtype=np.intp)
        f = _triangular(rng, num["factor"][rows], num["factor_lo"][rows], num["factor_hi"][rows], n_draws)
        # centred on the row's own share (split share x factor as written, or as the user changed it)
        stated = c[pos] * num["factor"][rows]
        rescale = np.where(stated > 0, share[rows] / np.where(stated > 0, stated, 1.0), 0.0)
        out[rows] = S[:, pos].T * f * rescale[:, None]
    return out
