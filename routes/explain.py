"""Provenance of a risk estimate: which incidents, flow figures and assumptions made a leg's number.

:func:`explain_leg` answers "why is this leg this dangerous?" for a graph returned by
:func:`routes.estimate_risk` (or :func:`routes.load_network`); :func:`corridor_rate` recomputes the figure agencies
publish (deaths per 1,000 crossings of a corridor in given years) from the model's own attribution.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

import networkx as nx
import pandas as pd

from routes.errors import DataError, UnknownLegError
from routes.risk import RiskDetails


@dataclass
class LegExplanation:
    """The incidents, flows and assumptions behind one leg's risk (both directions)."""

    leg: str
    edges: pd.DataFrame
    incidents: pd.DataFrame
    exposure_by_year: pd.DataFrame
    exposure_rows: pd.DataFrame
    priors: dict[str, tuple[float, float, float, float]]
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
    alloc = details.allocation[details.allocation["key"] == leg]
    keep = [c for c in ("main_id", "date", "dead", "missing", "cause", "route", "distance_m", "match", "position")
            if c in inc.columns]
    if len(alloc):
        direction = {(u, v): G.edges[u, v, leg]["direction"] for u, v, _ in edges}
        rows = inc.iloc[alloc["row"].to_numpy()][keep].reset_index(drop=True)
        rows["direction"] = [direction[(u, v)] for u, v in zip(alloc["u"], alloc["v"], strict=True)]
        rows["share"] = alloc["weight"].round(4).to_numpy()
        rows["deaths_here"] = alloc["deaths"].round(3).to_numpy()
        rows["basis"] = alloc["basis"].to_numpy()
        inc_df = rows.sort_values(["date", "main_id"]).reset_index(drop=True)
    else:
        inc_df = pd.DataFrame(columns=[*keep, "direction", "share", "deaths_here", "basis"])
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
    length = float(G.edges[edges[0]].get("length_km") or 0.0)
    for m in modes:
        a, _, pooled, phi = details.priors.get(m, (float("nan"),) * 4)
        assumptions.append(
            f"prior for mode {m}: Gamma shape {a:.3g} around the mode's pooled rate of {pooled * 1e6:.3g} deaths per "
            f"million traveller-km, i.e. {pooled * length * 1000:.3g} per 1,000 traversals of this {length:.0f} km leg; "
            f"deaths on this mode come {phi:.3g} at a time on average (clustering), which widens the interval")
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
    edges = {(u, v, k) for u, v, k, d in G.edges(keys=True, data=True)
             if d.get("corridor") in set(corridors) and d.get("direction") == direction}
    a = details.allocation
    mine = [(u, v, k) in edges for u, v, k in zip(a["u"], a["v"], a["key"], strict=True)]
    sel = pd.Series(mine, index=a.index) & pd.to_datetime(a["date"]).dt.year.isin(list(years))
    deaths = float(a.loc[sel, "deaths"].sum())
    f = details.flows
    fsel = (f["series"] == series) & (f["direction"] == direction) & f["month"].str[:4].astype(int).isin(list(years))
    persons = float(f.loc[fsel, "persons"].sum())
    return {"deaths": deaths, "persons": persons, "per_1000": 1000 * deaths / persons if persons else float("nan")}
