"""Risk of death per traversal of every directed leg, from IOM incidents and flow counts.

The model
---------
For each directed edge ``e`` the deaths ``D_e`` (dead + missing by default) attributed to it are Poisson with
mean ``lam_e * E_e``, where ``E_e`` is the exposure (people who travelled it) and ``lam_e`` the hazard per
traversal. ``lam_e`` has a Gamma prior pooled by mode (empirical Bayes: its mean is the mode's pooled rate, its
shape from the spread of the mode's legs' rates by the method of moments, clipped to [0.3, 20]), so the
posterior is ``Gamma(a0 + D_e, b0 + E_e)``. A leg with little exposure or few deaths is pulled toward its mode;
a well-travelled leg speaks for itself.

The probability of dying on one traversal is ``p = 1 - exp(-lam)``; its posterior mean is exactly
``p_death = 1 - (rate / (rate + 1)) ** shape``. The 90% interval ``[p_death_lo, p_death_hi]`` is taken from draws
that also vary the exposure within its stated range (log-uniform between the low and high exposure), so an
uncertain share of a corridor widens the interval. ``risk_shape`` and ``risk_rate`` are a Gamma fitted to those
draws by moments: the scorer draws from it.

Seasonality: for each mode, a month-of-year factor ``(N_m + k) / (X_m + k)`` where ``N_m`` counts the incidents in
calendar month ``m``, ``X_m`` is the number expected from the mode's incident rate and that month's exposure, and
``k = SEASON_SHRINK`` pseudo-incidents shrink it toward 1; the factors are scaled so their exposure-weighted mean is 1.
Incidents, not deaths, are counted, so that one shipwreck with many dead does not make its month look like a season.
Stored as ``season`` (12 numbers).

Time: ``window=(first_year, last_year)`` keeps incidents and exposure of those years only; ``half_life_years``
weights each month by ``0.5 ** (age / half_life)`` (deaths and exposure alike), so recent years count most.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from routes.attribution import attribute_incidents
from routes.errors import DataError, UnknownLegError
from routes.exposure import Exposure, build_exposure, load_exposure_table

log = logging.getLogger(__name__)

PRIOR_SHAPE_BOUNDS = (0.3, 20.0)
SEASON_SHRINK = 3.0
INTERVAL = (0.05, 0.95)
EVIDENCE_LEVELS = ("none", "weak", "moderate", "strong")
RISK_ATTRS = ("p_death", "p_death_lo", "p_death_hi", "risk_shape", "risk_rate", "deaths", "exposure", "incidents",
              "evidence", "season")


@dataclass
class RiskDetails:
    """What an estimate rests on, kept in ``G.graph["risk"]`` for :func:`explain_leg`.

    Attributes
    ----------
    incidents
        Every incident read, with its attribution (:func:`routes.attribute_incidents`).
    exposure
        Monthly exposure of every edge.
    exposure_table, flows
        The tables the exposure came from.
    priors
        The Gamma prior of each mode: ``{mode: (shape, rate, pooled_rate)}``.
    settings
        The arguments of :func:`estimate_risk` (window, half-life, what counts as a death, seed).
    """

    incidents: gpd.GeoDataFrame
    exposure: Exposure
    exposure_table: pd.DataFrame
    flows: pd.DataFrame
    priors: dict[str, tuple[float, float, float]]
    settings: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"RiskDetails({len(self.incidents)} incidents, {len(self.exposure.edges)} edges, settings={self.settings})"


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


def _check_window(window: Sequence[int] | None) -> tuple[int, int] | None:
    if window is None:
        return None
    try:
        a, b = (int(x) for x in window)
    except (TypeError, ValueError):
        raise ValueError(f"window must be (first_year, last_year), got {window!r}") from None
    if a > b:
        raise ValueError(f"window {window!r}: the first year is after the last; use (first_year, last_year)")
    return a, b


def estimate_risk(
    G: nx.MultiDiGraph,
    incidents: gpd.GeoDataFrame | str | Path | None = None,
    flows: pd.DataFrame | str | Path | None = None,
    *,
    exposure: pd.DataFrame | str | Path | None = None,
    window: Sequence[int] | None = None,
    half_life_years: float | None = None,
    count: Literal["dead+missing", "dead"] = "dead+missing",
    draws: int = 4000,
    seed: int = 0,
) -> nx.MultiDiGraph:
    """Estimate the risk of death on every directed edge; return a new graph.

    Parameters
    ----------
    G
        The corridor network (not modified).
    incidents
        A normalised incident table or the path of an IOM export; the active snapshot by default
        (:func:`routes.snapshot.load_incidents`).
    flows
        The flows table or its path; the shipped ``geodata/flows.csv`` by default.
    exposure
        The exposure table or its path (see :mod:`routes.exposure`); the shipped ``geodata/exposure.csv`` by default.
    window
        ``(first_year, last_year)``: only incidents and exposure of those years count.
    half_life_years
        Weight each month by ``0.5 ** (age_years / half_life_years)`` so recent years count most.
    count
        ``"dead+missing"`` (default) or ``"dead"``.
    draws, seed
        Monte Carlo draws for the intervals, and the seed (results are reproducible).

    Returns
    -------
    networkx.MultiDiGraph
        A copy of ``G`` whose edges carry ``p_death``, ``p_death_lo``, ``p_death_hi``, ``risk_shape``,
        ``risk_rate``, ``deaths``, ``exposure``, ``incidents``, ``evidence`` and ``season``;
        ``G.graph["risk"]`` holds the :class:`RiskDetails`.

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
    from routes.flows import load_flows, validate_flows
    from routes.incidents import read_incidents

    if count not in ("dead+missing", "dead"):
        raise ValueError(f"count must be 'dead+missing' or 'dead', got {count!r}")
    if half_life_years is not None and not half_life_years > 0:
        raise ValueError(f"half_life_years must be positive, got {half_life_years!r}")
    if draws < 100:
        raise ValueError(f"draws must be at least 100, got {draws!r}")
    win = _check_window(window)
    if incidents is None:
        from routes.snapshot import load_incidents

        incidents = load_incidents()
    elif isinstance(incidents, (str, Path)):
        incidents = read_incidents(incidents)
    if not isinstance(incidents, gpd.GeoDataFrame):
        raise TypeError(
            f"incidents must be a GeoDataFrame (routes.read_incidents) or the path of an IOM export, "
            f"got {type(incidents).__name__}"
        )
    if isinstance(flows, pd.DataFrame):
        flows_df = validate_flows(flows.astype(str), name="flows (DataFrame)")
        flows_df.attrs["source"] = "flows (DataFrame)"
    else:
        flows_df = load_flows(flows)
    table = load_exposure_table(exposure)
    exp = build_exposure(G, flows_df, table)
    busy_e, busy_m = np.nonzero(exp.central > 0)
    month_keys = exp.months.strftime("%Y-%m")
    travelled = {(exp.edges[i][2], month_keys[j]) for i, j in zip(busy_e, busy_m)}
    attributed = attribute_incidents(G, incidents, flows_share=exp.share_north(), travelled=travelled)

    months = exp.months
    w = _weights(months, win, half_life_years)
    E = exp.central @ w
    E_lo, E_hi = exp.low @ w, exp.high @ w

    # deaths and incident counts per edge, weighted by direction share and month weight
    by_leg_dir = {(e[2], exp._direction[i]): i for i, e in enumerate(exp.edges)}
    n_e = len(exp.edges)
    deaths = np.zeros(n_e)
    n_inc = np.zeros(n_e)
    incidents_by_moy = np.zeros((n_e, 12))
    on = attributed[attributed["match"] != "off_network"]
    if len(on):
        amount = (on["dead"] + on["missing"]) if count == "dead+missing" else on["dead"]
        period = pd.PeriodIndex(pd.to_datetime(on["date"]), freq="M")
        mpos = {p: j for j, p in enumerate(months)}
        mw = np.array([w[mpos[p]] if p in mpos else (0.0 if win is not None else 1.0) for p in period])
        if win is not None:  # incidents outside the flow months but inside the window still count
            yrs = period.year.to_numpy()
            mw = np.where((yrs >= win[0]) & (yrs <= win[1]) & (mw == 0) & ~np.isin(period, months), 1.0, mw)
        moy = period.month.to_numpy() - 1
        for leg, a, moy_i, weight, sn in zip(on["leg"], amount.to_numpy(float), moy, mw, on["share_north"].to_numpy()):
            for direction, share in (("north", sn), ("south", 1.0 - sn)):
                if share <= 0:
                    continue
                e = by_leg_dir.get((leg, direction))
                if e is None:
                    continue
                deaths[e] += a * share * weight
                n_inc[e] += share * weight
                incidents_by_moy[e, moy_i] += share * weight

    modes = np.array([str(G.edges[e].get("mode")) for e in exp.edges])
    priors = _priors(modes, deaths, E)
    a0 = np.array([priors[m][0] for m in modes])
    b0 = np.array([priors[m][1] for m in modes])
    rng = np.random.default_rng(seed)
    u = rng.random((n_e, draws))
    lo_e = np.maximum(E_lo, 1e-9)
    hi_e = np.maximum(E_hi, lo_e)
    E_draw = np.exp(np.log(lo_e)[:, None] + u * (np.log(hi_e) - np.log(lo_e))[:, None])
    E_draw = np.where((E_hi > E_lo)[:, None], E_draw, E[:, None])
    lam = rng.gamma(shape=(a0 + deaths)[:, None], scale=1.0, size=(n_e, draws)) / (b0[:, None] + E_draw)
    mean, var = lam.mean(axis=1), lam.var(axis=1)
    shape = np.where(var > 0, mean**2 / np.where(var > 0, var, 1), a0 + deaths)
    rate = np.where(var > 0, mean / np.where(var > 0, var, 1), b0 + E)
    p = 1.0 - np.exp(-lam)
    p_lo, p_hi = np.quantile(p, INTERVAL, axis=1)
    p_mean = 1.0 - (rate / (rate + 1.0)) ** shape
    season = _seasonality(modes, incidents_by_moy, exp.central * w, months)

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
        d["evidence"] = _evidence(deaths[i], E[i], E_lo[i], E_hi[i])
        d["season"] = season[modes[i]]
    settings = {"window": win, "half_life_years": half_life_years, "count": count, "draws": draws, "seed": seed,
                "incidents_source": incidents.attrs.get("source_file", incidents.attrs.get("source", "")),
                "exposure_source": table.attrs.get("source", ""), "flows_source": flows_df.attrs.get("source", "")}
    H.graph["risk"] = RiskDetails(attributed, exp, table, flows_df, priors, settings)
    H.graph["risk_settings"] = {k: v for k, v in settings.items() if v is not None}
    return H


def _priors(modes: np.ndarray, deaths: np.ndarray, E: np.ndarray) -> dict[str, tuple[float, float, float]]:
    """Empirical-Bayes Gamma prior per mode: ``{mode: (shape, rate, pooled_rate)}``."""
    total = deaths.sum() / E.sum() if E.sum() > 0 else 1e-4
    out: dict[str, tuple[float, float, float]] = {}
    for m in sorted(set(modes)):
        sel = (modes == m) & (E > 0)
        D, X = deaths[sel].sum(), E[sel].sum()
        if X <= 0:
            pooled = total
        elif D <= 0:
            pooled = 0.5 / X  # no death on the mode: half a death over its whole exposure
        else:
            pooled = D / X
        shape = PRIOR_SHAPE_BOUNDS[0]
        if sel.sum() >= 3 and D > 0:
            rates = deaths[sel] / E[sel]
            wts = E[sel] / X
            # E[sum w (r - m)^2] = tau^2 + n m / X for Poisson counts: the excess over n m / X is the spread between legs
            between = float(np.sum(wts * (rates - pooled) ** 2) - sel.sum() * pooled / X)
            shape = pooled**2 / between if between > 0 else PRIOR_SHAPE_BOUNDS[1]
        shape = float(np.clip(shape, *PRIOR_SHAPE_BOUNDS))
        out[m] = (shape, shape / pooled, float(pooled))
    return out


def _seasonality(
    modes: np.ndarray, incidents_by_moy: np.ndarray, exposure_w: np.ndarray, months: pd.PeriodIndex,
) -> dict[str, tuple[float, ...]]:
    moy = months.month.to_numpy() - 1
    out: dict[str, tuple[float, ...]] = {}
    for m in sorted(set(modes)):
        sel = modes == m
        X = np.array([exposure_w[sel][:, moy == k].sum() for k in range(12)])
        N = incidents_by_moy[sel].sum(axis=0)
        if X.sum() <= 0 or N.sum() <= 0:
            out[m] = (1.0,) * 12
            continue
        rate = N.sum() / X.sum()
        f = (N + SEASON_SHRINK) / (rate * X + SEASON_SHRINK)
        f = f / (np.sum(f * X) / X.sum())
        out[m] = tuple(float(round(x, 4)) for x in f)
    return out


def _evidence(deaths: float, E: float, lo: float, hi: float) -> str:
    """``none`` (nobody known to travel it), ``weak``, ``moderate`` or ``strong``."""
    if E <= 0:
        return "none"
    if deaths >= 10 and E >= 10_000 and hi <= 3 * max(lo, 1e-9):
        return "strong"
    if deaths >= 3 and E >= 1_000:
        return "moderate"
    return "weak"


# ------------------------------------------------------------------------------------------------ explanation
@dataclass
class LegExplanation:
    """The incidents, flows and assumptions behind one leg's risk (both directions)."""

    leg: str
    edges: pd.DataFrame
    incidents: pd.DataFrame
    exposure_by_year: pd.DataFrame
    exposure_rows: pd.DataFrame
    priors: dict[str, tuple[float, float, float]]
    assumptions: list[str]

    def __str__(self) -> str:
        lines = [f"Leg {self.leg}", "", "Risk per traversal:"]
        lines.append(self.edges.to_string(index=False))
        lines += ["", f"Incidents attributed ({len(self.incidents)}):"]
        lines.append(self.incidents.to_string(index=False) if len(self.incidents) else "  none")
        lines += ["", "Travellers per year (central estimate):"]
        lines.append(self.exposure_by_year.to_string() if len(self.exposure_by_year) else "  none")
        lines += ["", "Flow series and shares used:"]
        lines.append(self.exposure_rows.to_string(index=False) if len(self.exposure_rows) else "  none")
        lines += ["", "Assumptions:"] + [f"  - {a}" for a in self.assumptions]
        return "\n".join(lines)

    def __repr__(self) -> str:  # a REPL shows the readable text, not the dataclass fields
        return self.__str__()

    def _repr_html_(self) -> str:
        parts = [f"<h4>Leg <code>{self.leg}</code></h4>", self.edges.to_html(index=False),
                 f"<h5>Incidents attributed ({len(self.incidents)})</h5>", self.incidents.to_html(index=False),
                 "<h5>Travellers per year</h5>", self.exposure_by_year.to_html(),
                 "<h5>Flow series and shares</h5>", self.exposure_rows.to_html(index=False),
                 "<h5>Assumptions</h5><ul>" + "".join(f"<li>{a}</li>" for a in self.assumptions) + "</ul>"]
        return "\n".join(parts)


def explain_leg(G: nx.MultiDiGraph, leg: str) -> LegExplanation:
    """Which incidents, flow figures and assumptions made one leg's risk.

    Parameters
    ----------
    G
        A network returned by :func:`estimate_risk` (or :func:`routes.load_network`).
    leg
        A leg id (both directions are explained).

    Raises
    ------
    UnknownLegError
        If no edge has that leg id (the message suggests close ids).
    DataError
        If ``G`` carries no risk estimate.

    Examples
    --------
    >>> from routes import load_network
    >>> ex = explain_leg(load_network(), "mansukun-la-miel-boat")
    >>> ex.edges["direction"].tolist()
    ['south']
    """
    import difflib

    details: RiskDetails | None = G.graph.get("risk")
    if details is None:
        raise DataError("explain_leg: this graph has no risk estimate; use routes.load_network() or estimate_risk(G)")
    edges = [(u, v, k) for u, v, k in G.edges(keys=True) if k == leg]
    if not edges:
        close = difflib.get_close_matches(str(leg), sorted({k for *_, k in G.edges(keys=True)}), n=3)
        hint = f"did you mean {', '.join(map(repr, close))}?" if close else "list legs with `route-risk legs`"
        raise UnknownLegError(f"unknown leg {leg!r}; {hint}")
    cols = ["direction", "p_death", "p_death_lo", "p_death_hi", "deaths", "incidents", "exposure", "exposure_lo",
            "exposure_hi", "evidence", "mode", "length_km"]
    edf = pd.DataFrame([{"u": u, "v": v, **{c: G.edges[u, v, k].get(c) for c in cols}} for u, v, k in edges])
    inc = details.incidents
    mine = inc[inc["leg"] == leg]
    keep = [c for c in ("main_id", "date", "dead", "missing", "cause", "route", "distance_m", "match", "share_north",
                        "share_south", "direction_basis") if c in mine.columns]
    inc_df = pd.DataFrame(mine[keep]).sort_values("date") if len(mine) else pd.DataFrame(columns=keep)
    exp = details.exposure
    idx = exp.edge_index()
    years = exp.months.year
    by_year = {}
    for e in edges:
        s = pd.Series(exp.central[idx[e]], index=years).groupby(level=0).sum()
        by_year[G.edges[e]["direction"]] = s[s > 0].round(0)
    ey = pd.DataFrame(by_year).fillna(0).astype(int) if by_year else pd.DataFrame()
    rows = sorted({r for e in edges for r in exp.rows.get(e, [])})
    erows = details.exposure_table.loc[rows] if rows else details.exposure_table.head(0)
    assumptions = [f"{r['direction']}bound: {r['share']:.3g} (range {r['share_lo']:.3g}-{r['share_hi']:.3g}) of series "
                   f"'{r['series']}' {r['period_start'] or '...'} to {r['period_end'] or '...'}: {r['source']}"
                   for _, r in erows.iterrows() if r["method"] != "observed"]
    modes = sorted({str(G.edges[e].get("mode")) for e in edges})
    for m in modes:
        a, b, pooled = details.priors.get(m, (float("nan"),) * 3)
        assumptions.append(f"prior for mode {m}: Gamma(shape={a:.3g}, rate={b:.4g}), pooled rate {pooled * 1000:.3g} per 1,000")
    if not rows:
        assumptions.append("no flow series is mapped to this leg: its exposure is zero and its risk is the mode's prior")
    return LegExplanation(leg, edf, inc_df, ey, erows.reset_index(drop=True), details.priors, assumptions)


def corridor_rate(
    G: nx.MultiDiGraph, corridors: Sequence[str], *, direction: str, years: Sequence[int], series: str,
) -> dict[str, float]:
    """Deaths attributed to a group of corridors in some years, over the flow series of those years.

    This is the figure published by agencies (deaths per 1,000 crossings), recomputed from the model's own
    attribution: ``deaths`` counts dead + missing (shared by direction), ``persons`` sums the flow series.

    Examples
    --------
    >>> from routes import load_network
    >>> r = corridor_rate(load_network(), ["darien-acandi"], direction="north", years=[2024], series="darien")
    >>> r["persons"]
    302203.0
    """
    details: RiskDetails | None = G.graph.get("risk")
    if details is None:
        raise DataError("corridor_rate: this graph has no risk estimate; use routes.load_network()")
    legs = {k for _, _, k, d in G.edges(keys=True, data=True) if d.get("corridor") in set(corridors)}
    inc = details.incidents
    sel = inc["leg"].isin(legs) & pd.to_datetime(inc["date"]).dt.year.isin(list(years))
    share = inc.loc[sel, "share_north" if direction == "north" else "share_south"]
    deaths = float(((inc.loc[sel, "dead"] + inc.loc[sel, "missing"]) * share).sum())
    f = details.flows
    fsel = (f["series"] == series) & (f["direction"] == direction) & f["month"].str[:4].astype(int).isin(list(years))
    persons = float(f.loc[fsel, "persons"].sum())
    return {"deaths": deaths, "persons": persons, "per_1000": 1000 * deaths / persons if persons else float("nan")}
