"""Predicted dead and missing for a period and a flow scenario, per leg, per scored unit and per direction.

:func:`predict_deaths` answers "if 3,000 people a month go south from Panama from January to June 2026, how many
would we expect to die or go missing, and on which legs?". The travellers of each directed leg in each month are the
scenario's flow of each series times that series' split among the legs; the dead and missing follow the estimate's
joint draws of each leg's hazard (the rate's uncertainty, the hyperparameters, the uncertain shares and a new year's
multiplier; with the v2 model moved to the period's flow of each series through the flow elasticity), the leg's
month-of-year factors, a Poisson number of incidents and the recorded incident sizes
(:func:`routes.model.v1.today_draws`). The 90% predictive interval carries all of them; how often such intervals held
on years the model had not seen is what ``route-risk backtest`` prints.

The flow scenario, per series (:func:`parse_flow`): ``"3,000 southbound per month"`` sets the main southbound series
(:data:`DIRECTION_SERIES`: Panama's reverse count), ``"darien=20000"`` or ``"honduras-dtm:south=1500"`` a named
series, persons per month. Series the scenario does not name keep the months the flows table has in the period (none
for a future period). A series' split among the legs is its split over its last 12 months with travellers up to the
period's end, in the estimate (so a user's newer months and share rows, :mod:`routes.model.usertables`, reach it).

Examples
--------
>>> months_of("2026-01..2026-03"), months_of("2025")[-1]
(['2026-01', '2026-02', '2026-03'], '2025-12')
>>> parse_flow("3,000 southbound per month")
('reverse-panama', 'south', 3000.0)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from routes.errors import ArgumentError, DataError
from routes.model.estimate import Estimate, estimate_of
from routes.model.fitting import FloatArray
from routes.model.legyears import leg_attributes
from routes.model.units import scored_units
from routes.model.v1 import empirical_sizes, today_draws
from routes.vocabulary import DIRECTIONS, DRAWS_ESTIMATE, INTERVAL_LEVEL

__all__ = ["DIRECTION_SERIES", "DeathPrediction", "months_of", "parse_flow", "predict_deaths", "series_split"]

#: the series a direction word names in a flow scenario ("3,000 southbound per month")
DIRECTION_SERIES = {"north": "darien", "south": "reverse-panama"}
#: months of a series' recent history whose split among the legs a prediction uses
SPLIT_MONTHS = 12

_FLOW = re.compile(r"^\s*(?:(?P<series>[a-z0-9-]+?)(?::(?P<dir>north|south))?\s*=\s*(?P<n1>[\d,._]+)"
                   r"|(?P<n2>[\d,._]+)\s*(?P<word>north|south)(?:bound)?(?:\s+(?:persons|people|travellers))?"
                   r"(?:\s*(?:per|a|/)\s*month)?)\s*$")


def months_of(period: str) -> list[str]:
    """The months ``"YYYY-MM"`` of a period: ``"2026"``, ``"2026-03"`` or ``"2026-01..2026-06"``.

    Raises
    ------
    ArgumentError
        If the text is none of these, or runs backwards.
    """
    text = str(period).strip()
    parts = [p.strip() for p in text.split("..")]
    try:
        if len(parts) == 1 and re.fullmatch(r"\d{4}", parts[0]):
            first, last = pd.Period(f"{parts[0]}-01", "M"), pd.Period(f"{parts[0]}-12", "M")
        elif len(parts) in (1, 2) and all(re.fullmatch(r"\d{4}-\d{2}", p) for p in parts):
            first, last = pd.Period(parts[0], "M"), pd.Period(parts[-1], "M")
        else:
            raise ValueError(text)
    except ValueError:
        raise ArgumentError(f"period {period!r}: expected a year '2026', a month '2026-03' or months "
                            "'2026-01..2026-06'") from None
    if first > last:
        raise ArgumentError(f"period {period!r} runs backwards; try '{last}..{first}'")
    return [str(p) for p in pd.period_range(first, last, freq="M")]


def parse_flow(text: str) -> tuple[str, str | None, float]:
    """``(series, direction or None, persons per month)`` of a flow scenario's text.

    Raises
    ------
    ArgumentError
        If the text is not ``"N northbound|southbound [per month]"`` or ``"SERIES[:DIRECTION]=N"``.

    Examples
    --------
    >>> parse_flow("honduras-dtm:south=1,500"), parse_flow("darien=20000")
    (('honduras-dtm', 'south', 1500.0), ('darien', None, 20000.0))
    """
    m = _FLOW.match(str(text).lower())
    if m is None:
        raise ArgumentError(f"flow {text!r}: write '3,000 southbound per month', 'south=3000' or "
                            "'SERIES[:DIRECTION]=PERSONS_PER_MONTH' (e.g. 'reverse-panama:south=3000')")
    number = (m["n1"] or m["n2"]).replace(",", "").replace("_", "")
    try:
        persons = float(number)
    except ValueError:
        raise ArgumentError(f"flow {text!r}: {number!r} is not a number of persons") from None
    if m["word"]:
        return DIRECTION_SERIES[m["word"]], m["word"], persons
    series = str(m["series"])
    if series in DIRECTIONS:
        return DIRECTION_SERIES[series], series, persons
    return series, m["dir"], persons


@dataclass
class DeathPrediction:
    """Predicted dead and missing (from :func:`predict_deaths`): ``mean``, ``median``, ``lo``, ``hi`` (the central
    interval) and ``traversals`` (people crossing each leg, summed over the legs) in each table.

    Attributes
    ----------
    legs
        One row per directed edge: ``u``, ``v``, ``key``, ``leg``, ``direction``, ``mode``, ``corridor``.
    units
        One row per scored unit (:mod:`routes.model.units`).
    directions
        One row per direction: every edge travelled that way.
    attrs
        The period, the scenario, the split's reference months, notes.
    """

    legs: pd.DataFrame
    units: pd.DataFrame
    directions: pd.DataFrame
    attrs: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        d = ", ".join(f"{r.direction} {r.mean:.3g}" for r in self.directions.itertuples())
        return f"DeathPrediction({self.attrs.get('period_text')}: {d})"


def series_split(estimate: Estimate, series: str, direction: str, until: str) -> tuple[FloatArray, list[str]]:
    """Each edge's share of a series' travellers over its last :data:`SPLIT_MONTHS` months with travellers up to
    ``until`` (``"YYYY-MM"``), and those months.

    Raises
    ------
    DataError
        If the series has no month with travellers on any leg up to ``until``.
    """
    exp, table, flows = estimate.exposure, estimate.exposure_table, estimate.flows
    keys = np.asarray(exp.months.strftime("%Y-%m"), dtype=str)
    sel = flows[(flows["series"] == series) & (flows["direction"] == direction)]
    flow = sel.set_index("month")["persons"].reindex(keys).fillna(0.0).to_numpy(float)
    rows = np.flatnonzero((table["series"].astype(str).to_numpy() == series)
                          & (table["direction"].astype(str).to_numpy() == direction))
    mine = np.isin(exp.pair_row, rows)
    carried = np.zeros((len(exp.edges), len(keys)))
    if mine.any():
        np.add.at(carried, exp.pair_edge[mine], exp.pair_flow[mine] * exp.share[exp.pair_row[mine]][:, None])
    ok = np.flatnonzero((flow > 0) & (carried.sum(axis=0) > 0) & (keys <= until))
    if not len(ok):
        raise DataError(f"flow series {series!r} {direction}bound has no month with travellers on the network up to "
                        f"{until}; choose another series, or add its months and shares (route-risk data flows, data "
                        "shares)")
    ref = ok[-SPLIT_MONTHS:]
    return carried[:, ref].sum(axis=1) / flow[ref].sum(), [str(keys[ref[0]]), str(keys[ref[-1]])]


def _summary(draws: FloatArray, level: float) -> dict[str, FloatArray]:
    q = np.quantile(draws, [(1 - level) / 2, 0.5, (1 + level) / 2], axis=0)
    return {"mean": draws.mean(axis=0), "median": q[1], "lo": q[0], "hi": q[2]}


def predict_deaths(
    G: nx.MultiDiGraph,
    flows: Mapping[str, float] | pd.DataFrame | None = None,
    *,
    period: str,
    n_draws: int = DRAWS_ESTIMATE,
    seed: int = 0,
    level: float = INTERVAL_LEVEL,
) -> DeathPrediction:
    """Predict the dead and missing of a period under a flow scenario, per leg, per scored unit and per direction.

    Parameters
    ----------
    G
        A graph with risk (:func:`routes.load_network`, :func:`routes.estimate_risk`): its estimate gives the rates,
        the flows and the splits.
    flows
        The scenario, persons per month by series: ``{"south": 3000}`` (3,000 southbound a month: Panama's reverse
        count), ``{"reverse-panama:south": 3000}``, ``{"darien": 20000}`` (keys read by :func:`parse_flow`); or a
        flows table (``series``, ``direction``, ``month``, ``persons``) with the period's months. Series not named
        keep the estimate's own flows in the period; ``None``: only those.
    period
        ``"2026"``, ``"2026-03"`` or ``"2026-01..2026-06"`` (:func:`months_of`).
    n_draws, seed, level
        Predictive draws, the seed, the interval's level.

    Returns
    -------
    DeathPrediction

    Raises
    ------
    DataError
        If ``G`` has no estimate, or nobody travels in the period under the scenario.
    ArgumentError
        For a period or flow that cannot be read, or a series the flows do not know.

    Examples
    --------
    >>> import routes
    >>> pred = predict_deaths(routes.load_network(), {"south": 3000}, period="2026-01..2026-06", n_draws=500)
    >>> row = pred.directions.set_index("direction").loc["south"]
    >>> bool(row["traversals"] > 18000 and row["lo"] <= row["mean"] <= row["hi"])
    True
    """
    est = estimate_of(G)
    if est is None:
        raise DataError("predict_deaths: this graph has no risk estimate; use routes.load_network() or "
                        "routes.estimate_risk(G)")
    months = months_of(period)
    scenario = _scenario(est, flows, months)
    if not len(scenario) or float(scenario["persons"].sum()) <= 0:
        raise DataError(f"nobody travels in {months[0]}..{months[-1]} under this scenario: the flows end "
                        f"{est.flows['month'].max()}; give a flow, e.g. {{'south': 3000}} (route-risk predict --flow "
                        "'3,000 southbound per month')")
    edges = list(est.exposure.edges)
    att = leg_attributes(G, edges)
    E = np.zeros((len(edges), len(months)))
    refs: dict[str, list[str]] = {}
    named = set(scenario.attrs.get("named", []))
    idle: list[str] = []
    for (series, direction), g in scenario.groupby(["series", "direction"]):
        try:
            split, ref = series_split(est, str(series), str(direction), months[-1])
        except DataError:
            if (series, direction) in named:
                raise
            idle.append(f"{series} {direction}bound")
            continue
        refs[f"{series} {direction}bound"] = ref
        per_month = g.set_index("month")["persons"].reindex(months).fillna(0.0).to_numpy(float)
        E += split[:, None] * per_month[None, :]
    travellers = E.sum(axis=1)
    moy = np.array([int(m[5:]) - 1 for m in months])
    season = np.array([[float(s) for s in (G.edges[e].get("season") or (1.0,) * 12)] for e in edges])
    with np.errstate(invalid="ignore", divide="ignore"):
        mult = np.where(travellers > 0, (E * season[:, moy]).sum(axis=1) / np.where(travellers > 0, travellers, 1), 1.0)
    flow_note = ""
    if est.fit is not None:
        factor, flow_note = _flow_factor(est, travellers, len(months))
        mult = mult * factor
    rng = np.random.default_rng(seed)
    lam = est.lam_draws
    cols = np.arange(n_draws) if n_draws == lam.shape[1] else rng.integers(0, lam.shape[1], n_draws)
    draws = today_draws(lam[:, cols].T, travellers, att.mode, empirical_sizes(est, att.mode), rng, multiplier=mult)
    legs = pd.DataFrame({"u": [e[0] for e in edges], "v": [e[1] for e in edges], "key": [e[2] for e in edges],
                         "leg": [e[2] for e in edges], "direction": att.direction, "mode": att.mode,
                         "corridor": att.corridor, "traversals": travellers, **_summary(draws, level)})
    row = {e: i for i, e in enumerate(edges)}
    groups = {u.name: [row[e] for e in u.edges] for u in scored_units(G, est)}
    groups_dir: dict[str, list[int]] = {
        str(d): [int(i) for i in np.flatnonzero((att.direction == d) & (travellers > 0))] for d in DIRECTIONS
    }

    def totals(sets: dict[str, list[int]], key: str) -> pd.DataFrame:
        sums = np.stack([draws[:, ix].sum(axis=1) for ix in sets.values()], axis=1)
        return pd.DataFrame({key: list(sets), "traversals": [travellers[ix].sum() for ix in sets.values()],
                             **_summary(sums, level)})

    text = "; ".join(f"{g['persons'].mean():,.0f} persons per month in {s} {d}bound"
                     for (s, d), g in scenario.groupby(["series", "direction"]))
    given = G.graph.get("risk_settings", {}).get("as_of")
    as_of = (f"{given} (--as-of)" if given else
             f"{pd.to_datetime(est.incidents['date']).max():%Y-%m-%d} (the snapshot's last incident)")
    notes = [f"split of each series among the legs: its last {SPLIT_MONTHS} months with travellers ("
             + "; ".join(f"{k}: {a} to {b}" for k, (a, b) in refs.items()) + ")",
             (f"model: the estimate as of {as_of}, with each leg's month-of-year factors{flow_note}; how often its "
              "90% intervals held on unseen years: route-risk backtest"),
             *([f"left out (they feed no leg): {', '.join(idle)}"] if idle else [])]
    attrs = {"period": [months[0], months[-1]], "period_text": f"{months[0]} to {months[-1]}",
             "scenario": scenario, "scenario_text": text, "split_months": refs, "notes": notes, "level": level,
             "n_draws": n_draws, "seed": seed}
    return DeathPrediction(legs, totals(groups, "unit"), totals(groups_dir, "direction"), attrs)


def _flow_factor(est: Estimate, travellers: FloatArray, n_months: int) -> tuple[FloatArray, str]:
    """v2: each leg's hazard moved from where it was quoted to the period's flow of its series,
    ``(F_period / F_ref) ** (rho - 1) / q`` (rho at its fit; ``q`` the estimate's quote factor), and the note."""
    fit = est.fit
    assert fit is not None
    rho = float(fit.params["elasticity"]) if fit.params.get("fitted_elasticity") else 1.0
    f_ref = fit.params["f_ref"]
    factor = 1.0 / np.where(fit.quote_factor > 0, fit.quote_factor, 1.0)
    for g in sorted(set(fit.groups.tolist())):
        legs = fit.groups == g
        period = float(travellers[legs].sum()) * 12.0 / max(n_months, 1)
        if g in f_ref and period > 0 and f_ref[g] > 0:
            factor[legs] *= (period / f_ref[g]) ** (rho - 1.0)
    if rho == 1.0:
        return factor, ", at a typical year's rate of each leg"
    return factor, (f", and the rate per traversal at the period's flow of each series (elasticity {rho:.2f}: the "
                    "fewer the travellers, the higher each one's risk)")


def _scenario(est: Estimate, flows: Mapping[str, float] | pd.DataFrame | None, months: list[str]) -> pd.DataFrame:
    """The scenario's persons per series, direction and month of the period."""
    base = est.flows[est.flows["month"].isin(months)][["series", "direction", "month", "persons"]]
    if flows is None:
        return base.reset_index(drop=True)
    have = {(str(s), str(d)) for s, d in zip(est.flows["series"], est.flows["direction"], strict=True)}
    if isinstance(flows, pd.DataFrame):
        given = flows[flows["month"].astype(str).isin(months)][["series", "direction", "month", "persons"]].copy()
        given["persons"] = pd.to_numeric(given["persons"], errors="coerce")
        if given["persons"].isna().any() or (given["persons"] < 0).any():
            raise ArgumentError("flows: persons must be numbers >= 0")
    else:
        rows = []
        for spec, persons in flows.items():
            series, direction, _ = parse_flow(f"{spec}=0") if "=" not in str(spec) else parse_flow(str(spec))
            ways = [direction] if direction else sorted({d for s, d in have if s == series})
            if not ways or any((series, w) not in have for w in ways):
                raise ArgumentError(f"flow: no series {series!r}{' ' + direction + 'bound' if direction else ''} in "
                                    f"the flows; known: {sorted(have)}")
            if len(ways) > 1:
                raise ArgumentError(f"flow: series {series!r} runs both ways; name the direction, e.g. "
                                    f"'{series}:north'")
            rows += [(series, ways[0], m, float(persons)) for m in months]
        given = pd.DataFrame(rows, columns=["series", "direction", "month", "persons"])
    named = set(zip(given["series"], given["direction"], strict=True))
    keep = [(s, d) not in named for s, d in zip(base["series"], base["direction"], strict=True)]
    out = pd.concat([base[keep], given], ignore_index=True)
    out.attrs["named"] = sorted(named)
    return out
