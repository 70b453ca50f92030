"""Soft attribution weights: an incident within reach of several legs is shared among them by how likely each is.

Today's attribution (:mod:`routes.model.attribution`) gives an incident wholly to the nearest leg, so a capsizing
0.3 km from one boat leg and 0.4 km from another goes to one of them. Here each candidate leg's weight is
``exposure(leg, month) * K(distance / scale(mode)) * fit(cause, mode)``, normalised per incident: identical positions
get identical shares, whatever the order of the candidates. :func:`soft_shares` applies it to the incidents of a
network (the v2 estimate's default); the frozen rule that scores the backtest (:mod:`routes.model.units`) keeps the
nearest-leg attribution.

Examples
--------
>>> soft_attribution_weights([0, 0], [300.0, 300.0], [5000.0, 5000.0], [100.0, 100.0], [1.0, 1.0]).tolist()
[0.5, 0.5]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

import networkx as nx
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from routes.errors import ArgumentError
from routes.model.fitting import FloatArray, as_floats
from routes.vocabulary import WATER_MODES

__all__ = ["DEFAULT_CAUSE_FIT", "DEFAULT_KERNEL_SCALE_M", "cause_mode_fit", "soft_attribution_weights", "soft_shares"]

#: default kernel scale (m) by mode: a third of the reach used by today's nearest-leg rule
DEFAULT_KERNEL_SCALE_M: dict[str, float] = {
    "sea_boat": 5_000.0,
    "river_boat": 4_000.0,
    "jungle_foot": 5_000.0,
    "foot": 2_000.0,
    "road": 2_000.0,
    "border_foot": 2_000.0,
}

#: default fit of a cause to a mode (relative likelihood; stated assumptions): (cause keyword, mode group) -> factor
DEFAULT_CAUSE_FIT: dict[tuple[str, str], float] = {
    ("drown", "water"): 1.0,
    ("drown", "land"): 0.25,
    ("vehicle", "road"): 1.0,
    ("vehicle", "other"): 0.25,
    ("other", "sea"): 0.2,
    ("other", "not_sea"): 1.0,
}


def cause_mode_fit(
    causes: ArrayLike, modes: ArrayLike, table: Mapping[tuple[str, str], float] | None = None
) -> FloatArray:
    """How well an incident's cause fits a leg's mode, as a relative likelihood (see :data:`DEFAULT_CAUSE_FIT`).

    A drowning fits water legs (sea, river) and fits land legs at 0.25; a vehicle accident fits roads and other legs
    at 0.25; any other cause (violence, sickness, exposure, ...) fits sea legs at 0.2 and the rest at 1.
    """
    t = dict(DEFAULT_CAUSE_FIT if table is None else table)
    c = np.char.lower(np.asarray(causes).astype(str))
    m = np.asarray(modes).astype(str)
    if c.shape != m.shape:
        raise ArgumentError(f"causes and modes must have the same shape, got {c.shape} and {m.shape}")
    drown = np.char.find(c, "drown") >= 0
    vehicle = (np.char.find(c, "vehicle") >= 0) & ~drown
    water = np.isin(m, list(WATER_MODES))
    road = m == "road"
    sea = m == "sea_boat"
    out = np.where(sea, t[("other", "sea")], t[("other", "not_sea")]).astype(np.float64)
    out = np.where(drown, np.where(water, t[("drown", "water")], t[("drown", "land")]), out)
    out = np.where(vehicle, np.where(road, t[("vehicle", "road")], t[("vehicle", "other")]), out)
    return np.asarray(out, dtype=np.float64)


def soft_attribution_weights(
    incident: ArrayLike,
    distance_m: ArrayLike,
    scale_m: ArrayLike,
    exposure: ArrayLike,
    fit: ArrayLike,
    *,
    kernel: Literal["gaussian", "exponential"] = "gaussian",
) -> FloatArray:
    """Share each incident among its candidate legs: ``weight ∝ E * K(d / scale) * fit``, normalised per incident.

    Parameters
    ----------
    incident
        For each candidate (incident, leg) pair, the incident's integer id (pairs of one incident need not be
        adjacent).
    distance_m
        Distance from the incident to the leg.
    scale_m
        The kernel scale of the leg's mode (e.g. :data:`DEFAULT_KERNEL_SCALE_M`).
    exposure
        Travellers on the leg (in the direction considered) in the incident's month.
    fit
        Cause-mode fit (:func:`cause_mode_fit`).
    kernel
        ``"gaussian"``: ``exp(-x**2 / 2)``; ``"exponential"``: ``exp(-x)``.

    Returns
    -------
    numpy.ndarray
        The weight of each pair; they sum to 1 over the pairs of each incident. If no candidate of an incident has
        exposure that month the exposure factor is dropped for it (the position and cause decide); if every factor
        is 0 its weights are all 0 (not attributed). The weights depend only on the inputs, not on the order of the
        candidates: identical positions get identical shares.

    Examples
    --------
    >>> w = soft_attribution_weights([0, 0], [300.0, 300.0], [5000.0, 5000.0], [100.0, 100.0], [1.0, 1.0])
    >>> w.tolist()
    [0.5, 0.5]
    """
    inc = np.asarray(incident, dtype=np.intp)
    d = as_floats(distance_m, "distance_m")
    s = as_floats(scale_m, "scale_m")
    E = as_floats(exposure, "exposure")
    f = as_floats(fit, "fit")
    if not (len(inc) == len(d) == len(s) == len(E) == len(f)):
        raise ArgumentError(f"incident, distance_m, scale_m, exposure and fit must have one entry per (incident, leg) "
                            f"pair, got {len(inc)}, {len(d)}, {len(s)}, {len(E)} and {len(f)}")
    if np.any(s <= 0) or np.any(d < 0) or np.any(E < 0) or np.any(f < 0):
        raise ArgumentError(f"scale_m must be positive and distance_m, exposure, fit non-negative; got minima "
                            f"{s.min()!r}, {d.min()!r}, {E.min()!r}, {f.min()!r}")
    if not len(inc):
        return np.zeros(0)
    x = d / s
    K = np.exp(-0.5 * x**2) if kernel == "gaussian" else np.exp(-x)
    base = K * f
    size = int(inc.max()) + 1
    has_exposure = np.bincount(inc, weights=base * E, minlength=size) > 0
    raw = np.where(has_exposure[inc], base * E, base)
    tot = np.bincount(inc, weights=raw, minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        w = np.where(tot[inc] > 0, raw / np.where(tot[inc] > 0, tot[inc], 1.0), 0.0)
    return np.asarray(w, dtype=np.float64)




def soft_shares(
    G: nx.MultiDiGraph,
    attributed: pd.DataFrame,
    leg_exposure: Callable[[NDArray[Any], NDArray[Any]], FloatArray] | None = None,
    *,
    kernel_scale_m: Mapping[str, float] | None = None,
    cause_fit: Mapping[tuple[str, str], float] | None = None,
) -> pd.DataFrame:
    """Share every incident that distance matched among the legs within reach (:func:`soft_attribution_weights`).

    Parameters
    ----------
    G
        The network.
    attributed
        The incidents after :func:`routes.attribute_incidents`; only those matched by distance (``match`` good or
        fair) are shared: route-tag matches, overrides and generic positions keep their own rules.
    leg_exposure
        ``f(legs, months) -> travellers`` of each leg (both directions) in each month ``"YYYY-MM"``; without it
        every candidate counts alike and the position and cause decide.
    kernel_scale_m, cause_fit
        :data:`DEFAULT_KERNEL_SCALE_M` and :data:`DEFAULT_CAUSE_FIT` by default; a mode without a scale gets a
        third of its reach.

    Returns
    -------
    pandas.DataFrame
        ``row`` (position in ``attributed``), ``leg``, ``mode``, ``distance_m`` and ``weight`` (summing to 1 over
        each incident's rows); an incident whose every weight is 0 has no row (its nearest leg keeps it).
    """
    from routes.model.attribution import legs_within_reach
    from routes.vocabulary import MODES, month_keys

    cand = legs_within_reach(G, attributed)
    if not len(cand):
        return cand.assign(weight=np.zeros(0))
    scales = dict(DEFAULT_KERNEL_SCALE_M if kernel_scale_m is None else kernel_scale_m)
    mode = cand["mode"].astype(str).to_numpy()
    scale = np.array([scales.get(m, MODES[m].reach_m / 3 if m in MODES else 1_000.0) for m in mode])
    rows = cand["row"].to_numpy(int)
    causes = attributed["cause"].fillna("").astype(str).to_numpy()[rows]
    fit = cause_mode_fit(causes, mode, cause_fit)
    if leg_exposure is None:
        E = np.ones(len(cand))
    else:
        E = leg_exposure(cand["leg"].to_numpy(object), month_keys(attributed["date"])[rows])
    w = soft_attribution_weights(rows, cand["distance_m"].to_numpy(float), np.maximum(scale, 1e-9), E, fit)
    out = cand.assign(weight=w)
    return out[out["weight"] > 0].reset_index(drop=True)
