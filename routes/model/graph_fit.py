"""The v2 model fitted on the network's legs: what :func:`routes.estimate_risk` writes on every directed edge.

:func:`fit_edges` turns the estimate's inputs (monthly exposure, the attribution of incidents to edges, the time
weights) into leg-year arrays, fits the v2 model (:func:`routes.model.v2.fit_v2`: fatal incidents Poisson in the
traversals with rates pooled by marginal likelihood, a multiplier per flow series and year, the rate per traversal
scaling with the flow, and the dead and missing of each incident from its mode's size distribution) and draws each
edge's hazard per traversal for a traversal made now:

``H = s * lam * q * gamma``

with ``lam`` the edge's rate of fatal incidents per traversal at its series' reference flow (its posterior,
hyperparameters drawn too), ``s`` the mean dead and missing of one incident of its mode, ``gamma`` the multiplier of a
new year (``Gamma(k, k)``, one per flow series, shared by its legs) and ``q`` where the rate is quoted:

* ``quote="record"`` (default): the record's average traveller, ``q = E' / E`` (effective over actual traversals: the
  years' multipliers and flow factors averaged over the leg's travellers), so a well-travelled leg's number is its
  deaths over its travellers, as agencies publish it;
* ``quote="now"``: the flow of the last 12 months, ``q = (F_now / F_ref) ** (rho - 1)`` with ``rho`` the flow
  elasticity and ``F_ref`` the series' geometric mean flow over the years (with ``rho < 1`` a leg is deadlier per
  traversal when few travel it).

The exposure's own uncertainty enters through the share draws (:func:`routes.model.shares.share_draws`:
complementary branches drawn jointly) and through the flow months that are themselves estimates
(:data:`ESTIMATED_FLOW_FACTOR`), which scale each edge's effective exposure draw by draw.
:func:`routes.predict_deaths` moves the rate to a period's own flow (``(F / F_ref) ** (rho - 1) / q``).

The hazard's draws and an :class:`EdgeFit` (the prior weight ``w = (a / mu) / (a / mu + E')``, the prior and posterior
means, the fit's numbers) are returned; :func:`routes.estimate_risk` writes them on the graph.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from routes.model.fitting import FloatArray, level_codes, mvn_draws
from routes.vocabulary import month_keys

if TYPE_CHECKING:  # the fit's modules are imported where it runs: a cached estimate unpickles EdgeFit without them
    from routes.model.events import SizeFit
    from routes.model.exposure import Exposure
    from routes.model.v2 import V2Fit

__all__ = ["EdgeFit", "fit_edges", "leg_year_arrays"]

#: months of the record whose flow is the "now" of the quoted risk
NOW_MONTHS = 12
#: how far (in log units) a drawn hyperparameter may stray from its fit
HYPER_SPAN = 5.0
#: flow months whose source gives an estimate, not a count (``method`` in ``flows.csv``): their figure carries a
#: range. ``annual-spread`` months are an observed yearly total spread over its months, so a year's sum is a count.
ESTIMATED_FLOW_METHODS = frozenset({"estimate", "events-estimate"})
#: the 90% range of an estimated flow month, as a factor of its figure (a stated assumption: log-normal, median 1;
#: one draw per series and direction, shared by all its estimated months, since one method made them)
ESTIMATED_FLOW_FACTOR = 1.4


@dataclass
class EdgeFit:
    """What the v2 fit gives each edge (prior and posterior means, prior weight, sizes, quote) and what it rests on.

    Attributes
    ----------
    prior_weight
        Credibility weight of the pooled prior in the posterior mean rate of each edge.
    prior_mean, post_mean
        The prior mean ``mu`` and posterior mean of the rate of fatal incidents per traversal.
    counts, exposure_eff
        Fatal incidents attributed and effective traversals ``E'`` of each edge over the record.
    mean_size
        Mean dead and missing of an incident of each edge's mode.
    quote_factor
        ``q`` of each edge: the factor from the rate at its series' reference flow to the rate quoted.
    groups
        The flow series (and direction) feeding each edge, whose legs share a year multiplier.
    params
        Plain numbers for the estimate's settings and for ``explain``: ``shape`` (a), ``slope`` (b), the mode and
        corridor effects, ``year_shape`` (k), ``elasticity`` (rho), sizes per mode, ``quote``, ``f_ref`` (and
        ``f_now`` when quoted now) per group.
    """

    prior_weight: FloatArray
    prior_mean: FloatArray
    post_mean: FloatArray
    counts: FloatArray
    exposure_eff: FloatArray
    mean_size: FloatArray
    quote_factor: FloatArray
    groups: NDArray[np.str_]
    params: dict[str, Any] = field(default_factory=dict)


def feeding_group(exp: Exposure, table: pd.DataFrame) -> NDArray[np.str_]:
    """For each edge, ``"series:direction"`` of the flow series that brings it most travellers (``"none"``)."""
    labels = [f"{s}:{d}" for s, d in zip(table["series"].astype(str), table["direction"].astype(str), strict=True)]
    levels = sorted(set(labels))
    col = np.array([levels.index(x) for x in labels], dtype=np.intp)
    feed = np.zeros((len(exp.edges), len(levels)))
    if len(exp.pair_edge):
        np.add.at(feed, (exp.pair_edge, col[exp.pair_row]), exp.share[exp.pair_row] * exp.pair_flow.sum(axis=1))
    best = feed.argmax(axis=1)
    return np.array([levels[b] if feed[i, b] > 0 else "none" for i, b in enumerate(best)])


def leg_year_arrays(
    exp: Exposure, allocation: pd.DataFrame, w: FloatArray
) -> tuple[NDArray[np.intp], FloatArray, FloatArray, NDArray[np.intp], FloatArray, FloatArray]:
    """Incidents and traversals of each edge by calendar year, weighted by the month weights ``w``.

    Returns ``(years, counts, exposure, incident_edge, incident_size, incident_weight)``; the allocation's
    incidents in months outside the flows, or in years with no weight, are left out (no traveller counts then).
    """
    years_all = np.asarray(exp.months.year, dtype=np.intp)
    years = np.unique(years_all[w > 0])
    col_of_month = np.searchsorted(years, years_all)
    in_year = np.isin(years_all, years)
    E = np.zeros((len(exp.edges), len(years)))
    for j in range(len(years)):
        sel = in_year & (col_of_month == j)
        E[:, j] = exp.central[:, sel] @ w[sel]
    col = pd.Index(month_keys(exp.months)).get_indexer(month_keys(allocation["date"]))
    edge = allocation["edge"].to_numpy(np.intp)
    weight = allocation["weight"].to_numpy(float)
    known = col >= 0
    aw = np.where(known, w[np.where(known, col, 0)], 0.0) * weight
    keep = known & (aw > 0) & (allocation["size"].to_numpy(float) > 0)  # count="dead": a share with no dead
    ycol = col_of_month[col[keep]]
    n = np.zeros_like(E)
    np.add.at(n, (edge[keep], ycol), aw[keep])
    return years, n, E, edge[keep], allocation["size"].to_numpy(float)[keep], aw[keep]


def _now_flow(exp: Exposure, groups: NDArray[np.str_], weight: FloatArray,
              fit: V2Fit) -> dict[str, float]:
    """Each group's travellers (the sum over its legs, as in the fit) in the last :data:`NOW_MONTHS` months that
    count (the record's, or the window's), scaled to a year; a group nobody travelled then is quoted at its
    reference flow."""
    covered = np.flatnonzero(weight > 0)
    last = covered[-NOW_MONTHS:] if len(covered) else np.arange(0)
    out: dict[str, float] = {}
    for g in fit.group_levels:
        legs = groups == g
        f = float(exp.central[np.ix_(legs, last)].sum()) * 12.0 / max(len(last), 1)
        out[g] = f if f > 0 else fit.flow_ref.get(g, 1.0)
    return out


def fit_edges(
    exp: Exposure,
    table: pd.DataFrame,
    allocation: pd.DataFrame,
    w: FloatArray,
    *,
    flows: pd.DataFrame | None = None,
    modes: NDArray[np.str_],
    length_km: FloatArray,
    corridors: NDArray[np.str_],
    flow_elasticity: bool = True,
    year_effects: bool = True,
    quote: str = "record",
    draws: int,
    seed: int,
) -> tuple[EdgeFit, FloatArray]:
    """Fit the v2 model on the edges and draw each edge's hazard per traversal (see the module docstring).

    Parameters
    ----------
    exp, table
        The monthly exposure and the exposure table it came from.
    flows
        The flows table (its ``method`` says which months are estimates, :data:`ESTIMATED_FLOW_METHODS`); None: every
        month a count.
    allocation
        The incidents' shares among edges: ``edge`` (row in ``exp.edges``), ``weight``, ``size`` (dead and missing
        counted), ``date``.
    w
        The weight of each month (window, half-life, the months the incident record covers).
    modes, length_km, corridors
        Per edge.
    flow_elasticity, year_effects
        The variant: the rate per traversal scaling with the flow, the multiplier per series and year.
    quote
        ``"record"`` or ``"now"`` (see the module docstring).
    draws, seed
        Monte Carlo draws and seed.

    Returns
    -------
    tuple
        The fit, and the hazard per traversal of every edge, edges x draws (joint: shared year multipliers, shares
        and hyperparameters; the estimate keeps them as ``lam_draws``).
    """
    from routes.model.events import fit_event_sizes_by_mode
    from routes.model.shares import share_draws
    from routes.model.v2 import fit_v2

    rng = np.random.default_rng(seed)
    groups = feeding_group(exp, table)
    years, n, E, inc_edge, inc_size, inc_w = leg_year_arrays(exp, allocation, w)
    sizes = fit_event_sizes_by_mode(np.maximum(inc_size, 1.0), modes[inc_edge], inc_w,
                                    all_modes=sorted(set(modes.tolist())))
    fit = fit_v2(n, E, modes, length_km, groups, sizes, corridors=corridors, year_effects=year_effects,
                 flow_elasticity=flow_elasticity and year_effects)
    post, pool = fit.posterior, fit.pooling
    n_leg, E_eff = fit.counts, fit.exposure_eff

    # the exposure's own uncertainty: each edge's traversals in every draw over its central value
    S = share_draws(table, n_draws=draws, seed=rng)
    E_draw = _exposure_draws(exp, table, flows, w, S, rng)
    # relative to the draws' own mean: the spread of the exposure, around the central traversals the fit used (a
    # triangular range skewed to the high side would otherwise lower every rate)
    mean = E_draw.mean(axis=1)
    ratio = np.where(mean[:, None] > 0, E_draw / np.where(mean > 0, mean, 1.0)[:, None], 1.0)

    # the rates, with the hyperparameters drawn (legs that rest on the prior carry the prior's uncertainty)
    if pool.cov is not None:
        theta = mvn_draws(rng, pool.theta, pool.cov, draws)
        X = pool.design(modes, length_km, corridors)
        # a flat direction of the likelihood (a window of one year) can give draws far out: kept within a factor
        # e**HYPER_SPAN of the fit, so a draw never overflows
        at = X @ pool.theta[1:]
        mu = np.exp(np.clip(X @ theta[:, 1:].T, at[:, None] - HYPER_SPAN, at[:, None] + HYPER_SPAN))  # edges x draws
        log_a = math.log(pool.shape)
        a = np.exp(np.clip(theta[:, 0], log_a - HYPER_SPAN, log_a + HYPER_SPAN))[None, :]
        lam = rng.standard_gamma(a + n_leg[:, None]) / (a / mu + E_eff[:, None] * ratio)
    else:
        lam = rng.standard_gamma(np.repeat(post.shape[:, None], draws, axis=1)) / (
            post.rate[:, None] + E_eff[:, None] * (ratio - 1.0))

    # a new year's multiplier per flow series, and the flow the risk is quoted at
    gidx, glev = level_codes(groups, "groups")
    yf = fit.years
    f_now: dict[str, float] = {}
    rho = np.ones(draws)
    if yf is not None:
        k = np.full(draws, yf.shape)
        rho = np.full(draws, yf.elasticity)
        if yf.cov is not None:
            z = mvn_draws(rng, np.array([math.log(yf.shape), yf.elasticity]), yf.cov, draws)
            k, rho = np.exp(z[:, 0]), z[:, 1]
        elif np.isfinite(yf.log_shape_sd):
            k = np.exp(math.log(yf.shape) + yf.log_shape_sd * rng.standard_normal(draws))
        gamma = rng.standard_gamma(np.broadcast_to(k, (len(glev), draws))) / k
        lam = lam * gamma[gidx]
    travellers = E.sum(axis=1)
    if quote == "now" and yf is not None and yf.fitted_elasticity:
        f_now = _now_flow(exp, groups, w, fit)
        log_ratio = np.array([math.log(f_now[g] / fit.flow_ref.get(g, 1.0)) for g in groups])
        lam = lam * np.exp((rho[None, :] - 1.0) * log_ratio[:, None])
        factor = np.exp((yf.elasticity - 1.0) * log_ratio)
    elif quote == "now":
        factor = np.ones(len(exp.edges))
    else:  # the record's average traveller: effective over actual traversals
        factor = np.where(travellers > 0, E_eff / np.where(travellers > 0, travellers, 1.0), 1.0)
        lam = lam * factor[:, None]

    # the mean size of an incident of each edge's mode, its parameters drawn too
    s_draw = np.empty((len(exp.edges), draws))
    for mode in sorted(set(modes.tolist())):
        sel = modes == mode
        sf = fit.size_of(mode)
        if sf.cov is not None:
            z = mvn_draws(rng, np.array([math.log(sf.mean_excess), math.log(sf.shape)]), sf.cov, draws)
            s_draw[sel] = 1.0 + np.exp(z[:, 0])[None, :]
        else:
            s_draw[sel] = sf.mean
    H = lam * s_draw
    return EdgeFit(
        prior_weight=post.prior_weight, prior_mean=post.prior_mean, post_mean=post.mean, counts=n_leg,
        exposure_eff=E_eff, mean_size=fit.mean_size(), quote_factor=factor, groups=groups,
        params=_params(fit, sizes, f_now, years, quote),
    ), H


def _exposure_draws(exp: Exposure, table: pd.DataFrame, flows: pd.DataFrame | None, w: FloatArray, S: FloatArray,
                    rng: np.random.Generator) -> FloatArray:
    """Each edge's weighted traversals in every draw (edges x draws): the table rows' share draws ``S``, and for the
    flow months that are estimates a factor per series and direction (log-normal, 90% within
    :data:`ESTIMATED_FLOW_FACTOR` either way)."""
    n_e, n_rows = len(exp.edges), len(table)
    C = np.zeros((n_e, n_rows))
    if not len(exp.pair_edge):
        return C @ S
    keys = [f"{a}:{b}" for a, b in zip(table["series"].astype(str), table["direction"].astype(str), strict=True)]
    estimated = np.zeros((len(set(keys)), len(exp.months)))
    levels = sorted(set(keys))
    if flows is not None and len(flows) and "method" in flows.columns:
        sel = flows[flows["method"].astype(str).isin(ESTIMATED_FLOW_METHODS)]
        col = pd.Index(month_keys(exp.months)).get_indexer(sel["month"].astype(str))
        for key, c in zip((sel["series"].astype(str) + ":" + sel["direction"].astype(str)).to_numpy(), col,
                          strict=True):
            if c >= 0 and key in levels:
                estimated[levels.index(key), c] = 1.0
    row_level = np.array([levels.index(k) for k in keys], dtype=np.intp)
    part = estimated[row_level[exp.pair_row]]  # pairs x months: 1 where the pair's series month is an estimate
    np.add.at(C, (exp.pair_edge, exp.pair_row), (exp.pair_flow * (1.0 - part)) @ w)
    E_draw = C @ S
    if part.any():
        C_est = np.zeros((n_e, n_rows))
        np.add.at(C_est, (exp.pair_edge, exp.pair_row), (exp.pair_flow * part) @ w)
        sd = math.log(ESTIMATED_FLOW_FACTOR) / NormalDist().inv_cdf(0.95)
        factor = np.exp(sd * rng.standard_normal((len(levels), S.shape[1])))
        E_draw = E_draw + C_est @ (S * factor[row_level])
    return np.asarray(E_draw, dtype=np.float64)


def _params(fit: V2Fit, sizes: dict[str, SizeFit], f_now: dict[str, float], years: NDArray[np.intp],
            quote: str) -> dict[str, Any]:
    """The fit's numbers as plain values (for ``explain``, the estimate's settings and the README)."""
    pool, yf = fit.pooling, fit.years
    return {
        "model": "v2",
        "quote": quote,
        "years": [int(years[0]), int(years[-1])] if len(years) else [],
        "shape": float(pool.shape),
        "slope": float(pool.slope),
        "ref_length_km": float(pool.ref_length_km),
        "beta_mode": {k: float(v) for k, v in pool.beta_mode.items()},
        "beta_corridor": {k: float(v) for k, v in pool.beta_corridor.items()},
        "year_shape": float(yf.shape) if yf is not None else None,
        "elasticity": float(yf.elasticity) if yf is not None else 1.0,
        "fitted_elasticity": bool(yf is not None and yf.fitted_elasticity),
        "sizes": {m: {"mean": float(s.mean), "shape": float(s.shape), "incidents": float(s.n_incidents)}
                  for m, s in sizes.items()},
        "f_now": {g: float(v) for g, v in f_now.items()},
        "f_ref": {g: float(v) for g, v in fit.flow_ref.items()},
    }
