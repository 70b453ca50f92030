"""Risk of death per traversal of every directed leg, from IOM incidents and flow counts.

The model
---------
Deaths on a directed edge ``e`` (dead + missing by default) come in incidents of ``s`` people. Their total
``D_e`` is treated as an over-dispersed Poisson count: with ``phi`` the mode's clustering factor
``sum(s^2) / sum(s)`` (1 if every incident killed one person, about 14 for boats, where one capsizing drowns many),
``D_e / phi`` is Poisson with mean ``kappa_e * L_e * E_e / phi``, where ``E_e`` is the exposure (people who
travelled it), ``L_e`` its length in km and ``kappa_e`` the hazard per traveller-km. ``kappa_e`` has a Gamma prior
pooled by mode (empirical Bayes: the mean is the mode's pooled rate per traveller-km, the shape comes from the
spread between the mode's legs by the method of moments, clipped to :data:`PRIOR_SHAPE_BOUNDS`), so that a leg
nobody is known to travel gets its mode's rate for its length, whatever the number of pieces it is drawn in.
The posterior is ``kappa_e ~ Gamma(a0 + D_e/phi, b0 + L_e E_e/phi)`` and the hazard of one traversal is
``lam_e = L_e kappa_e``: a well-travelled leg speaks for itself, a thinly travelled one is pulled toward its mode,
and clustered deaths widen the interval instead of narrowing it.

Exposure is uncertain where a share of a corridor is an assumption. Each exposure-table row's share is drawn once
per draw from a triangular distribution on its (low, central, high) values and used on every leg the row feeds,
so legs that share an assumption move together. The draws of ``lam`` (edges x draws) are kept in
the estimate (:class:`routes.model.estimate.Estimate`, found with
:func:`routes.model.estimate.estimate_of`) and the scorer uses them, so a path's interval carries those correlations.

The probability of dying on one traversal is ``p = 1 - exp(-lam)``. ``risk_shape`` and ``risk_rate`` are a Gamma
fitted to the draws of ``lam`` by moments, and ``p_death = 1 - (rate / (rate + 1)) ** shape`` is its exact mean;
the 90% interval ``[p_death_lo, p_death_hi]`` is read from the draws.

Deaths at a generic position (``position == "generic"`` in :func:`routes.attribute_incidents`: the same point
used for many incidents, such as IOM's "Undetermined location in Darien National Park") of an incident tagged
``Darien`` are spread over the Darién land legs people travelled that month, in proportion to traveller-km.

Seasonality: for each mode, a month-of-year factor ``(N_m + k) / (X_m + k)`` where ``N_m`` counts the incidents in
calendar month ``m``, ``X_m`` the number expected in that month from each year's own rate and the month's
traveller-km (so a bad year does not pass for a season), and ``k = SEASON_SHRINK`` pseudo-incidents shrink it
toward 1. Each edge's factors are scaled so their mean weighted by the edge's own monthly exposure is 1: the scorer
multiplies an edge's hazard by its factor of the month. Stored as ``season`` (12 numbers).

Time: travellers count only in the months the incident table covers (January of its first year to its last
month): before the IOM Missing Migrants Project began in 2014, deaths are unknown, not zero.
``window=(first_year, last_year)`` keeps incidents and exposure of those years only; ``half_life_years``
weights each month by ``0.5 ** (age / half_life)`` (deaths and exposure alike), so recent years count most.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal, cast

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from routes.collector import pausing
from routes.errors import ArgumentError, ArgumentTypeError, DataError
from routes.model.asof import check_as_of, known_flows, known_incidents, known_shares
from routes.model.attribution import ROUTE_TAG_CORRIDORS, attribute_incidents, route_tags
from routes.model.checks import check_estimate_inputs
from routes.model.estimate import Estimate, register
from routes.model.exposure import Exposure, build_exposure, load_exposure_table
from routes.model.frames import without_attrs
from routes.model.graph_fit import EdgeFit
from routes.model.posterior import gamma_risk, risk_interval
from routes.vocabulary import DRAWS_ESTIMATE, SPREAD_MODES, check_window
from routes.vocabulary import month_keys as vocab_month_keys

log = logging.getLogger(__name__)

PRIOR_SHAPE_BOUNDS = (0.3, 20.0)
#: at or below this prior weight a leg's number is its own: evidence "strong" (above one half: "weak", marked ~)
STRONG_PRIOR_WEIGHT = 0.2
#: fewer attributed incidents than this (shares of incidents near several legs) is evidence "no deaths"
NO_DEATHS_BELOW = 0.5
SEASON_SHRINK = 10.0
RISK_ATTRS = ("p_death", "p_death_lo", "p_death_hi", "risk_shape", "risk_rate", "deaths", "exposure", "exposure_lo",
              "exposure_hi", "incidents", "evidence", "prior_weight", "crude_rate", "season")


def _weights(months: pd.PeriodIndex, window: tuple[int, int] | None, half_life_years: float | None) -> np.ndarray:
    w = np.ones(len(months))
    years = months.year.to_numpy()
    if window is not None:
        w = np.where((years >= window[0]) & (years <= window[1]), w, 0.0)
    if half_life_years is not None:
        ref = months[w > 0].max() if (w > 0).any() else months.max()
        age = (ref.ordinal - months.asi8) / 12.0
        w = w * 0.5 ** (np.clip(age, 0, None) / half_life_years)
    return w


def _coverage(months: pd.PeriodIndex, incidents: pd.DataFrame) -> np.ndarray:
    """1 for the months the incident table covers (January of its first year to its last month), else 0.

    Outside them deaths are unknown, not zero, so their travellers must not count either (the flows reach back to
    2010, the IOM Missing Migrants Project to 2014).
    """
    dates = pd.to_datetime(incidents["date"]).dropna() if "date" in incidents.columns else pd.Series([], dtype="M8[ns]")
    if not len(dates):
        return np.zeros(len(months))
    first = pd.Period(f"{dates.min().year}-01", freq="M")
    last = pd.Period(dates.max(), freq="M")
    return cast(np.ndarray, ((months >= first) & (months <= last)).astype(float))


@pausing
def estimate_risk(
    G: nx.MultiDiGraph,
    incidents: gpd.GeoDataFrame | str | Path | None = None,
    flows: pd.DataFrame | str | Path | None = None,
    *,
    exposure: pd.DataFrame | str | Path | None = None,
    window: Sequence[int] | None = None,
    as_of: dt.date | str | None = None,
    half_life_years: float | None = None,
    count: Literal["dead+missing", "dead"] = "dead+missing",
    exclude: Sequence[str] = (),
    draws: int = DRAWS_ESTIMATE,
    seed: int = 0,
    model: Literal["v2", "v1"] = "v2",
    flow_elasticity: bool = True,
    quote: Literal["record", "now"] = "record",
    attribution: Literal["soft", "nearest"] | None = None,
    duplicates: Literal["count", "once"] = "count",
) -> nx.MultiDiGraph:
    """Estimate the risk of death on every directed edge; return a new graph.

    Parameters
    ----------
    G
        The corridor network (not modified).
    incidents
        A normalised incident table or the path of an IOM export; the active snapshot by default
        (:func:`routes.io.snapshot.load_incidents`).
    flows
        The flows table or its path; the shipped ``geodata/flows.csv`` by default.
    exposure
        The exposure table or its path (see :mod:`routes.model.exposure`); the shipped ``geodata/exposure.csv`` by
        default.
    window
        ``(first_year, last_year)``: only incidents and exposure of those years count.
    as_of
        Estimate what was known on this date (:mod:`routes.model.asof`): the incidents dated before the first day of
        its month and the flows of the months before it. ``None`` (default): the whole snapshot, i.e. as of its last
        incident.
    half_life_years
        Weight each month by ``0.5 ** (age_years / half_life_years)`` so recent years count most.
    count
        ``"dead+missing"`` (default) or ``"dead"``.
    exclude
        IOM ``main_id`` values not to count, for example one of a pair the user judges to be the same event entered
        twice (the reader flags candidates in ``possible_duplicate_of``; most flagged pairs in the Darién are
        different people found the same day, so nothing is excluded by default). Excluded incidents stay in the
        table with ``match = "excluded"``.
    draws, seed
        Monte Carlo draws for the intervals, and the seed (results are reproducible).
    model
        ``"v2"`` (default): fatal incidents Poisson in the traversals, rates pooled between legs by marginal
        likelihood, a multiplier per flow series and year, incident sizes by mode (:mod:`routes.model.graph_fit`),
        the variant the backtest favours. ``"v1"``: the previous model (deaths over a clustering factor, one
        Gamma prior per mode and km; this module's docstring), kept as the backtest's baseline.
    flow_elasticity
        v2 only: let the rate per traversal scale with the flow of the leg's series (``(F / F_ref) ** (rho - 1)``,
        ``rho`` fitted; the variant the backtest favours). False: incidents in proportion to the travellers.
    quote
        v2 only: where ``p_death`` is quoted. ``"record"`` (default): the record's average traveller (the years'
        multipliers and flows averaged over the leg's travellers: a well-travelled leg gets about its deaths over its
        travellers, as agencies publish); ``"now"``: the flow of the last 12 months of the record, through the
        elasticity (fewer travellers, each at higher risk when ``rho < 1``).
    attribution
        ``"soft"`` (the default of v2): an incident within reach of several legs is shared among them by the
        travellers of each that month, the distance and how its cause fits the mode
        (:func:`routes.model.soft_attribution.soft_shares`), so identical positions get identical splits;
        ``"nearest"`` (the default of v1): wholly to the best leg of :func:`routes.attribute_incidents`.
    duplicates
        The incidents the reader flags as possible duplicates (``possible_duplicate_of``: same day, within a few
        hundred metres): ``"count"`` (default) counts each, since most flagged Darién pairs are different people
        found the same day; ``"once"`` counts each flagged group once (:func:`duplicate_ids` are excluded).

    Returns
    -------
    networkx.MultiDiGraph
        A copy of ``G`` whose edges carry ``p_death``, ``p_death_lo``, ``p_death_hi``, ``risk_shape``,
        ``risk_rate``, ``deaths``, ``exposure`` (with ``exposure_lo``, ``exposure_hi``), ``incidents``,
        ``evidence``, ``prior_weight`` (the credibility weight of the pooled prior in the posterior mean: 1 for a
        leg nobody is known to travel, near 0 where the leg's own deaths and travellers decide), ``crude_rate``
        (attributed deaths / travellers, or None) and ``season``; ``G.graph["estimate_id"]`` names the
        :class:`routes.model.estimate.Estimate` (:func:`routes.model.estimate.estimate_of`).

    Raises
    ------
    DataError
        If an input table is malformed (the message names the file and row).

    Examples
    --------
    >>> from routes import load_network
    >>> H = estimate_risk(load_network(risk=False))
    >>> all(0 <= d["p_death_lo"] <= d["p_death"] <= d["p_death_hi"] <= 1 for *_, d in H.edges(data=True))
    True
    """
    _check_choices(model=model, quote=quote, attribution=attribution, count=count, duplicates=duplicates)
    if model == "v1" and quote != "record":
        raise ArgumentError(f"quote={quote!r} is the v2 model's (its flow elasticity); the previous model (model='v1') "
                            "has one rate per leg: leave quote out, or use model='v2'")
    if half_life_years is not None and not half_life_years > 0:
        raise ArgumentError(f"half_life_years must be positive, got {half_life_years!r}")
    if draws < 100:
        raise ArgumentError(f"draws must be at least 100, got {draws!r}")
    win = check_window(window)
    day = check_as_of(as_of)
    table_in = _incidents_known(incidents, day)
    check_estimate_inputs(G, table_in)  # lengths, modes, counts, dates, positions: one error listing every problem
    flows_df, table = _flows_known(flows, exposure, day)
    exp = build_exposure(G, flows_df, table)
    months = exp.months
    month_keys = vocab_month_keys(months)
    busy_e, busy_m = np.nonzero(exp.central > 0)
    leg_ids = np.array([e[2] for e in exp.edges], dtype=object)
    travelled = set(zip(leg_ids[busy_e], month_keys[busy_m], strict=True))
    attributed = attribute_incidents(G, table_in, flows_share=exp.share_north(), travelled=travelled)
    attrs = attributed.attrs
    attributed = without_attrs(attributed)  # every column read below would deep-copy the snapshot's metadata
    if duplicates == "once":
        exclude = [*exclude, *(i for i in duplicate_ids(attributed) if i not in set(exclude))]
    if exclude:
        _mark_excluded(attributed, exclude)
    soft = None
    if (attribution or ("soft" if model == "v2" else "nearest")) == "soft":
        from routes.model.soft_attribution import soft_shares

        soft = soft_shares(G, attributed, _leg_exposure(exp))
    allocation = _allocate(G, attributed, exp, count, soft)

    w = _weights(months, win, half_life_years) * _coverage(months, attributed)
    if not (exp.central @ w).any():
        have = pd.to_datetime(attributed["date"]).dropna()
        raise DataError(
            f"no travellers to count in the window {win!r}: the flows cover {month_keys[0]} to {month_keys[-1]} and "
            f"the incidents {have.min():%Y-%m} to {have.max():%Y-%m}" if len(have) else
            "the incident table has no dated incident: nothing to estimate from; check the export"
        )
    n_e = len(exp.edges)
    length = np.array([float(G.edges[e].get("length_km") or 1.0) for e in exp.edges])
    modes = np.array([str(G.edges[e].get("mode")) for e in exp.edges])
    E, E_lo, E_hi = exp.central @ w, exp.low @ w, exp.high @ w

    deaths, sizes2, n_inc, inc_cells = _weighted_counts(allocation, w, win, month_keys, n_e)
    if model == "v1":
        priors = _priors(modes, deaths, sizes2, E * length)
        lam, prior_weight = _fit_v1(exp, w, priors, modes, deaths, E, length, draws=draws, seed=seed)
        fitted: EdgeFit | None = None
    else:
        from routes.model.graph_fit import fit_edges

        priors = {}
        corridors = np.array([str(G.edges[e].get("corridor") or "") for e in exp.edges])
        fitted, lam = fit_edges(exp, table, allocation, w, flows=flows_df, modes=modes, length_km=length,
                           corridors=corridors, flow_elasticity=flow_elasticity, quote=quote, draws=draws,
                           seed=seed)
        prior_weight = fitted.prior_weight
    mean, var = lam.mean(axis=1), lam.var(axis=1)
    ok = var > 0
    shape = np.where(ok, mean**2 / np.where(ok, var, 1), 1.0)
    rate = np.where(ok, mean / np.where(ok, var, 1), 1.0 / np.where(mean > 0, mean, 1.0))
    p_lo, p_hi = risk_interval(lam)
    p_mean = gamma_risk(shape, rate)
    season = _seasonality(modes, inc_cells * w, exp.central * w * length[:, None], months)
    with np.errstate(invalid="ignore", divide="ignore"):
        crude = np.where(E > 0, deaths / np.where(E > 0, E, 1.0), np.nan)

    H = G.copy()
    for i, (u_, v_, k_) in enumerate(exp.edges):
        d = H.edges[u_, v_, k_]
        d["p_death"] = float(p_mean[i])
        d["p_death_lo"] = float(min(p_lo[i], p_mean[i]))
        d["p_death_hi"] = float(max(p_hi[i], p_mean[i]))
        d["risk_shape"] = float(shape[i])
        d["risk_rate"] = float(rate[i])
        d["deaths"] = float(round(deaths[i], 6))
        d["exposure"] = float(round(E[i], 3))
        d["exposure_lo"] = float(round(E_lo[i], 3))
        d["exposure_hi"] = float(round(E_hi[i], 3))
        d["incidents"] = float(round(n_inc[i], 6))
        d["evidence"] = _evidence(d["incidents"], E[i], float(prior_weight[i]))  # as written, rounded
        d["prior_weight"] = float(round(prior_weight[i], 6))
        d["crude_rate"] = float(crude[i]) if np.isfinite(crude[i]) else None
        d["season"] = season[i]
    settings = {"model": model, **({"flow_elasticity": flow_elasticity, "quote": quote} if model == "v2" else {}),
                "attribution": attribution or ("soft" if model == "v2" else "nearest"), "duplicates": duplicates,
                "window": win, "half_life_years": half_life_years, "count": count, "exclude": list(exclude) or None,
                "draws": draws, "seed": seed, **({"as_of": day.isoformat()} if day is not None else {}),
                "incidents_source": table_in.attrs.get("source_file", table_in.attrs.get("source", "")),
                "exposure_source": table.attrs.get("source", ""), "flows_source": flows_df.attrs.get("source", "")}
    attributed.attrs = attrs
    register(H, Estimate(attributed, allocation.drop(columns=["edge", "size"]), exp, table, flows_df, priors, lam,
                         settings, shape=shape.astype(float), rate=rate.astype(float), fit=fitted))
    H.graph["risk_settings"] = {k: v for k, v in settings.items() if v is not None}
    return H


_CHOICES = {
    "model": ("v2", "v1"), "quote": ("record", "now"), "attribution": (None, "soft", "nearest"),
    "count": ("dead+missing", "dead"), "duplicates": ("count", "once"),
}


def _check_choices(**given: object) -> None:
    """Raise :class:`ArgumentError` naming the argument and its choices (the first listed is the default)."""
    for name, value in given.items():
        allowed = _CHOICES[name]
        if value not in allowed:
            shown = [a for a in allowed if a is not None]
            raise ArgumentError(f"{name} must be one of {shown} (default {shown[0]!r}), got {value!r}")


def duplicate_ids(incidents: pd.DataFrame) -> list[str]:
    """The ``main_id`` values to exclude so that each group of possible duplicates counts once: every flagged
    incident but the first (by ``main_id``) of its group (``possible_duplicate_of``, :func:`routes.read_incidents`).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"main_id": ["a", "b", "c", "d"], "possible_duplicate_of": ["b", "a", "", "c"]})
    >>> duplicate_ids(t)
    ['b', 'd']
    """
    if not isinstance(incidents, pd.DataFrame):
        raise ArgumentTypeError(f"duplicate_ids needs the incident table (routes.load_incidents() or "
                                f"routes.read_incidents(path)), got {type(incidents).__name__}")
    if "possible_duplicate_of" not in incidents.columns or "main_id" not in incidents.columns:
        return []
    ids = incidents["main_id"].astype(str).tolist()
    links = incidents["possible_duplicate_of"].fillna("").astype(str).tolist()
    parent = {i: i for i in ids}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, text in zip(ids, links, strict=True):
        for j in (t.strip() for t in text.split(",") if t.strip()):
            if j in parent:
                a, b = sorted((root(i), root(j)))
                parent[b] = a
    groups: dict[str, list[str]] = {}
    for i in ids:
        groups.setdefault(root(i), []).append(i)
    return sorted(x for g in groups.values() if len(g) > 1 for x in sorted(g)[1:])


def _incidents_known(incidents: gpd.GeoDataFrame | str | Path | None, day: dt.date | None) -> gpd.GeoDataFrame:
    """The incident table to estimate from (the active snapshot by default, or a file), as known on ``day``."""
    from routes.io.incidents import read_incidents

    if incidents is None:
        from routes.io.snapshot import load_incidents

        incidents = load_incidents()
    elif isinstance(incidents, (str, Path)):
        incidents = read_incidents(incidents)
    if day is not None and isinstance(incidents, pd.DataFrame):
        incidents = known_incidents(incidents, day)
    if not isinstance(incidents, gpd.GeoDataFrame):
        raise ArgumentTypeError(
            f"incidents must be a GeoDataFrame (routes.read_incidents) or the path of an IOM export, "
            f"got {type(incidents).__name__}"
        )
    return incidents


def _flows_known(flows: pd.DataFrame | str | Path | None, exposure: pd.DataFrame | str | Path | None,
                 day: dt.date | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The flows and the exposure table (the shipped ones by default), as known on ``day``."""
    from routes.io.flows import load_flows, validate_flows

    if isinstance(flows, pd.DataFrame):
        flows_df = validate_flows(flows.astype(str), name="flows (DataFrame)")
        flows_df.attrs["source"] = "flows (DataFrame)"
    else:
        flows_df = load_flows(flows)
    table = load_exposure_table(exposure)
    if day is not None:
        flows_df = known_flows(flows_df, day)
        if not len(flows_df):
            raise DataError(f"as_of {day.isoformat()}: no flow month before it; pass a later date")
        table = known_shares(table, flows_df, day)
    return flows_df, table


def _mark_excluded(attributed: pd.DataFrame, exclude: Sequence[str]) -> None:
    """Mark the incidents the user excluded (``match == "excluded"``, the old match kept in ``match_reason``)."""
    main_id = attributed["main_id"].astype(str)
    unknown = sorted(set(exclude) - set(main_id))
    if unknown:
        raise ArgumentError(f"exclude: no incident has main_id {unknown!r}; check the ids (routes.read_incidents)")
    drop = main_id.isin(set(exclude)).to_numpy()
    attributed.loc[drop, "match_reason"] = "excluded by the user (exclude=...); was: " + \
        attributed.loc[drop, "match"].astype(str)
    attributed.loc[drop, "match"] = "excluded"


def _weighted_counts(allocation: pd.DataFrame, w: np.ndarray, win: tuple[int, int] | None, month_keys: np.ndarray,
                     n_e: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Deaths, squared incident sizes (for clustering) and incidents per edge, and incidents per edge and month,
    with the time weights ``w``."""
    deaths, sizes2, n_inc = np.zeros(n_e), np.zeros(n_e), np.zeros(n_e)
    inc_cells = np.zeros((n_e, len(month_keys)))
    if len(allocation):
        col = pd.Index(month_keys).get_indexer(vocab_month_keys(allocation["date"]))  # -1: outside the flow months
        known = col >= 0
        aw = np.where(known, w[col], 1.0)
        if win is not None:  # an incident outside the flow months but inside the window still counts
            ayear = pd.to_datetime(allocation["date"]).dt.year.to_numpy()
            aw = np.where(known, aw, ((ayear >= win[0]) & (ayear <= win[1])).astype(float))
        e_idx = allocation["edge"].to_numpy(int)
        wt = allocation["weight"].to_numpy(float) * aw
        size = allocation["size"].to_numpy(float)
        np.add.at(deaths, e_idx, wt * size)
        np.add.at(sizes2, e_idx, wt * size**2)
        np.add.at(n_inc, e_idx, wt)
        np.add.at(inc_cells, (e_idx[known], col[known]), wt[known])
    return deaths, sizes2, n_inc, inc_cells


def _fit_v1(exp: Exposure, w: np.ndarray, priors: dict[str, tuple[float, float, float, float]], modes: np.ndarray,
            deaths: np.ndarray, E: np.ndarray, length: np.ndarray, *, draws: int,
            seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The previous model (``model="v1"``): hazard draws and the prior weight (see :func:`_priors`)."""
    a0 = np.array([priors[m][0] for m in modes])
    b0 = np.array([priors[m][1] for m in modes])
    phi = np.array([priors[m][3] for m in modes])
    lam = _hazard_draws(exp, w, a0 + deaths / phi, b0, phi, length, draws=draws, seed=seed)
    return lam, b0 / (b0 + E * length / phi)


def _hazard_draws(exp: Exposure, w: np.ndarray, shape0: np.ndarray, b0: np.ndarray, phi: np.ndarray,
                  length: np.ndarray, *, draws: int, seed: int) -> np.ndarray:
    """Joint posterior draws of every edge's hazard (one row per edge): each exposure-table row's share is drawn
    once per draw and used on every edge it feeds; ``shape0`` is the posterior shape ``a0 + deaths / phi``."""
    n_e = len(exp.edges)
    rng = np.random.default_rng(seed)
    C = np.zeros((n_e, len(exp.share)))
    if len(exp.pair_edge):
        np.add.at(C, (exp.pair_edge, exp.pair_row), exp.pair_flow @ w)
    S = np.repeat(exp.share[:, None], draws, axis=1)
    vary = exp.share_hi > exp.share_lo
    if vary.any():
        S[vary] = rng.triangular(exp.share_lo[vary][:, None], exp.share[vary][:, None], exp.share_hi[vary][:, None],
                                 size=(int(vary.sum()), draws))
    E_draw = C @ S
    kappa = rng.standard_gamma(shape0[:, None], size=(n_e, draws))
    return cast(np.ndarray, kappa * length[:, None] / (b0[:, None] + E_draw * length[:, None] / phi[:, None]))


def _leg_exposure(exp: Exposure) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """``f(legs, months)``: the travellers of each leg (both directions) in each month, 0 where unknown."""
    keys = np.array([str(e[2]) for e in exp.edges])
    legs, inverse = np.unique(keys, return_inverse=True)
    total = np.zeros((len(legs), len(exp.months)))
    np.add.at(total, inverse, exp.central)
    months = pd.Index(vocab_month_keys(exp.months))

    def lookup(leg: np.ndarray, month: np.ndarray) -> np.ndarray:
        r = np.clip(np.searchsorted(legs, leg.astype(str)), 0, max(len(legs) - 1, 0))
        c = months.get_indexer(month)
        ok = (c >= 0) & (legs[r] == leg.astype(str)) if len(legs) else np.zeros(len(leg), dtype=bool)
        return np.where(ok, total[r, np.maximum(c, 0)], 0.0)

    return lookup


SPREAD_BASIS = "generic position: spread over the Darién land legs travelled that month, by traveller-km"


def _allocate(G: nx.MultiDiGraph, attributed: pd.DataFrame, exp: Exposure, count: str,
              soft: pd.DataFrame | None = None) -> pd.DataFrame:
    """Share each attributed incident among directed edges: by direction, or spread when its position is generic,
    or (``soft``, from :func:`routes.model.soft_attribution.soft_shares`) among the legs within its reach.

    Column arithmetic only: ``attributed`` should carry no ``attrs`` (:func:`without_attrs`), since pandas deep-copies
    them on every column read. Rows come in the order of the incidents, then of the edges they are shared among
    (north before south; a spread incident's Darién legs in edge order), so the sums over them never change.
    """
    edges = exp.edges
    corridor = [str(G.edges[e].get("corridor") or "") for e in edges]
    mode = [str(G.edges[e].get("mode") or "") for e in edges]
    length = np.array([float(G.edges[e].get("length_km") or 0.0) for e in edges])
    pools = {t: np.array([i for i in range(len(edges))
                          if mode[i] in SPREAD_MODES and any(corridor[i].startswith(p) for p in prefixes)], dtype=int)
             for t, prefixes in ROUTE_TAG_CORRIDORS.items()}
    on = np.flatnonzero(~attributed["match"].isin(["off_network", "excluded"]).to_numpy())
    incidents = attributed.iloc[on]  # the incidents on the network: their columns are read below
    n = len(on)
    dead = incidents["dead"].to_numpy(float)
    size = dead + incidents["missing"].to_numpy(float) if count == "dead+missing" else dead
    main_id = (incidents["main_id"].to_numpy(object) if "main_id" in incidents.columns
               else np.array([str(ix) for ix in incidents.index], dtype=object))
    months = vocab_month_keys(incidents["date"])
    generic = (incidents["position"].eq("generic").to_numpy() if "position" in incidents.columns
               else np.zeros(n, dtype=bool))
    tags = route_tags(incidents["route"])
    month_col = pd.Index(vocab_month_keys(exp.months))
    col = month_col.get_indexer(months)  # -1: a month the flows do not cover

    parts: list[
        tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]
    ] = []  # incident, order, edge, share, basis
    spread = np.zeros(n, dtype=bool)
    for tag, pool in pools.items():
        rows = np.flatnonzero(generic & (tags == tag) & (col >= 0))
        if not len(pool) or not len(rows):
            continue
        x = np.ascontiguousarray((exp.central[pool][:, col[rows]] * length[pool][:, None]).T)  # incidents x pool
        total = x.sum(axis=1)
        i, j = np.nonzero((x > 0) & (total > 0)[:, None])
        spread[rows[total > 0]] = True
        parts.append((rows[i], j, pool[j], x[i, j] / total[i], np.full(len(i), SPREAD_BASIS, dtype=object)))
    by_share = np.flatnonzero(~spread)
    legs = incidents["leg"].to_numpy(object)[by_share]
    basis = incidents["direction_basis"].astype(str).to_numpy(object)[by_share]
    shared = np.zeros(len(by_share), dtype=bool)
    if soft is not None and len(soft):
        local_of = np.full(len(attributed), -1, dtype=int)
        local_of[on[by_share]] = np.arange(len(by_share))
        pick = local_of[soft["row"].to_numpy(int)]
        mine = pick >= 0
        shared[np.unique(pick[mine])] = True
        parts += _soft_parts(soft[mine], by_share[pick[mine]], months[by_share[pick[mine]]], exp)
    for rank, direction in enumerate(("north", "south")):
        ends = {e[2]: i for i, e in enumerate(edges) if exp._direction[i] == direction}
        edge = np.array([*ends.values(), -1], dtype=int)[pd.Index(list(ends), dtype=object).get_indexer(legs)]
        share = incidents[f"share_{direction}"].to_numpy(float)[by_share]
        keep = (share > 0) & (edge >= 0) & ~shared
        parts.append((by_share[keep], np.full(int(keep.sum()), rank), edge[keep], share[keep], basis[keep]))

    local = np.concatenate([p[0] for p in parts]).astype(int)
    order = np.lexsort((np.concatenate([p[1] for p in parts]), local))
    local = local[order]
    edge = np.concatenate([p[2] for p in parts]).astype(int)[order]
    out = pd.DataFrame({
        "row": on[local], "main_id": main_id[local], "edge": edge,
        "weight": np.concatenate([p[3] for p in parts])[order],
        "size": size[local], "basis": np.concatenate([p[4] for p in parts])[order],
        "date": incidents["date"].to_numpy()[local],
    })  # fmt: skip
    u, v, k = (np.array([e[i] for e in edges], dtype=object) for i in range(3))
    out["u"], out["v"], out["key"] = u[edge], v[edge], k[edge]
    out["deaths"] = out["weight"] * out["size"]
    # the distance from each softly shared incident to the leg it was shared with (others: the matched leg's)
    dist = np.full(len(out), np.nan)
    if soft is not None and len(soft):
        at = pd.MultiIndex.from_arrays([soft["row"].to_numpy(int), soft["leg"].astype(str).to_numpy()])
        hit = at.get_indexer(pd.MultiIndex.from_arrays([out["row"].to_numpy(int), out["key"].astype(str).to_numpy()]))
        dist = np.where(hit >= 0, soft["distance_m"].to_numpy(float)[np.maximum(hit, 0)], np.nan)
    out["distance_m"] = np.round(dist, 1)
    return out


SOFT_BASIS = "soft: shared among the legs within reach by travellers that month x distance x cause"


def _soft_parts(soft: pd.DataFrame, local: np.ndarray, months: np.ndarray,
                exp: Exposure) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """The allocation rows of softly shared incidents: each (incident, leg) weight split between the leg's directions
    by that month's travellers (a one-way leg: its direction; no traveller that month: half and half)."""
    index = {(e[2], exp._direction[i]): i for i, e in enumerate(exp.edges)}
    col = pd.Index(vocab_month_keys(exp.months)).get_indexer(months)
    legs = soft["leg"].to_numpy(object)
    weight = soft["weight"].to_numpy(float)
    north = np.array([index.get((leg, "north"), -1) for leg in legs], dtype=int)
    south = np.array([index.get((leg, "south"), -1) for leg in legs], dtype=int)
    cn = np.where((north >= 0) & (col >= 0), exp.central[north, np.maximum(col, 0)], 0.0)
    cs = np.where((south >= 0) & (col >= 0), exp.central[south, np.maximum(col, 0)], 0.0)
    tot = cn + cs
    sn = np.where(south < 0, 1.0, np.where(north < 0, 0.0, np.where(tot > 0, cn / np.where(tot > 0, tot, 1), 0.5)))
    out = []
    for rank, (edge, share) in enumerate(((north, sn), (south, 1.0 - sn))):
        keep = (edge >= 0) & (share > 0)
        out.append((local[keep], np.full(int(keep.sum()), rank), edge[keep], (weight * share)[keep],
                    np.full(int(keep.sum()), SOFT_BASIS, dtype=object)))
    return out


def _priors(
    modes: np.ndarray, deaths: np.ndarray, sizes2: np.ndarray, X: np.ndarray
) -> dict[str, tuple[float, float, float, float]]:
    """Empirical-Bayes Gamma prior per mode on the hazard per traveller-km.

    Returns ``{mode: (shape, rate, pooled_rate, clustering)}`` where ``clustering`` is ``sum(s^2) / sum(s)`` over
    the mode's incidents (1 for single deaths) and the rate is in effective (de-clustered) traveller-km.
    """
    total = deaths.sum() / X.sum() if X.sum() > 0 else 1e-7
    out: dict[str, tuple[float, float, float, float]] = {}
    for m in sorted(set(modes)):
        sel = (modes == m) & (X > 0)
        D, Xm = deaths[sel].sum(), X[sel].sum()
        phi = (
            float(max(1.0, sizes2[modes == m].sum() / deaths[modes == m].sum()))
            if deaths[modes == m].sum() > 0
            else 1.0
        )
        if Xm <= 0:
            pooled = total
        elif D <= 0:
            pooled = 0.5 / Xm  # no death on the mode: half a death over all its traveller-km
        else:
            pooled = D / Xm
        shape = PRIOR_SHAPE_BOUNDS[0]
        if sel.sum() >= 3 and D > 0:
            rates = deaths[sel] / X[sel]
            wts = X[sel] / Xm
            # E[sum w (r - m)^2] = tau^2 + phi n m / X for over-dispersed counts: the excess is the spread between legs
            between = float(np.sum(wts * (rates - pooled) ** 2) - phi * sel.sum() * pooled / Xm)
            shape = pooled**2 / between if between > 0 else PRIOR_SHAPE_BOUNDS[1]
        shape = float(np.clip(shape, *PRIOR_SHAPE_BOUNDS))
        out[m] = (shape, shape / pooled, float(pooled), phi)
    return out


def _seasonality(
    modes: np.ndarray, inc_cells: np.ndarray, x_cells: np.ndarray, months: pd.PeriodIndex
) -> list[tuple[float, ...]]:
    """Month-of-year factors per edge (see the module docstring): year-adjusted, shrunk, normalised per edge."""
    moy = months.month.to_numpy() - 1
    years = months.year.to_numpy()
    factors: dict[str, np.ndarray] = {}
    for m in sorted(set(modes)):
        sel = modes == m
        N_cell = inc_cells[sel].sum(axis=0)
        X_cell = x_cells[sel].sum(axis=0)
        if X_cell.sum() <= 0 or N_cell.sum() <= 0:
            factors[m] = np.ones(12)
            continue
        expected = np.zeros(len(months))
        for y in np.unique(years):
            yy = years == y
            if X_cell[yy].sum() > 0:
                expected[yy] = N_cell[yy].sum() / X_cell[yy].sum() * X_cell[yy]
        N = np.bincount(moy, weights=N_cell, minlength=12)
        X = np.bincount(moy, weights=expected, minlength=12)
        factors[m] = (N + SEASON_SHRINK) / (X + SEASON_SHRINK)
    onehot = np.zeros((len(months), 12))
    onehot[np.arange(len(months)), moy] = 1.0
    own = x_cells @ onehot  # each edge's exposure by month of year
    empty = own.sum(axis=1) <= 0
    for m in set(modes[empty]):  # an edge nobody travelled: weighted as its mode's edges
        own[empty & (modes == m)] = x_cells[modes == m].sum(axis=0) @ onehot
    f = np.array([factors[m] for m in modes]).reshape(len(modes), 12)
    tot = own.sum(axis=1)
    mean = np.where(tot > 0, (f * own).sum(axis=1) / np.where(tot > 0, tot, 1.0), f.mean(axis=1))
    return [tuple(float(round(x, 4)) for x in row) for row in (f / mean[:, None]).tolist()]


def _evidence(incidents: float, E: float, prior_weight: float) -> str:
    """``none`` (nobody known to travel it), ``no deaths``, ``weak``, ``moderate`` or ``strong``, from the prior weight.

    ``no deaths``: people travelled it but less than half an incident is attributed to it (soft attribution gives
    small shares of nearby incidents to many legs), so its rate is the pooled prior lowered by the travellers: not a
    measured rate, and not a reason to call the leg dangerous. Otherwise the evidence follows from how much of the
    number is the leg's own: ``strong`` when the prior weighs at most 0.2, ``moderate`` up to one half, ``weak``
    above (the tables' ``~`` mark).
    """
    if E <= 0:
        return "none"
    if incidents < NO_DEATHS_BELOW:
        return "no deaths"
    if prior_weight <= STRONG_PRIOR_WEIGHT:
        return "strong"
    if prior_weight <= 0.5:
        return "moderate"
    return "weak"
