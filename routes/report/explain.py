"""Provenance of a risk estimate: which incidents, flow figures and assumptions made a leg's number.

:func:`explain_leg` answers "why is this leg this dangerous?" for a graph returned by
:func:`routes.estimate_risk` (or :func:`routes.load_network`); :func:`corridor_rate` recomputes the figure agencies
publish (deaths per 1,000 crossings of a corridor in given years) from the model's own attribution.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

import networkx as nx
import numpy as np
import pandas as pd

from routes.errors import DataError, UnknownLegError
from routes.model.estimate import Estimate, estimate_of
from routes.vocabulary import did_you_mean

INCIDENT_UNITS = "dead+missing and deaths here in persons; km from the leg"
RISK_HEAD = ("Risk per traversal (deaths per 1,000 traversals with its 90% interval; deaths attributed and "
             "travellers in persons)")


def _day_or_month(value: object, end: str) -> str:
    """A period end as ``YYYY-MM`` when it falls on the month's first (start) or last (end) day, else the date."""
    text = str(value or "")
    if len(text) <= 7:
        return text
    day = pd.Timestamp(text)
    whole = day.day == 1 if end == "start" else day.is_month_end
    return text[:7] if whole else text


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
    model: list[str] = field(default_factory=list)

    def _display(self) -> dict[str, pd.DataFrame]:
        """The tables rounded for reading, units in the headers, long sources cut to notes ``[n]``."""
        from routes.report import tables

        e = self.edges
        risk = pd.DataFrame({
            "direction": e["direction"], "towards": e["v"].astype(str),
            "per 1,000 [90%]": [tables.per_1000(r) + tables._prior_mark(r.get("prior_weight"))
                                for _, r in e.iterrows()],
            "prior": [tables._pct(r.get("prior_weight")) for _, r in e.iterrows()],
            "deaths": e["deaths"].map(lambda x: f"{x:.1f}"),
            "incidents": e["incidents"].map(lambda x: f"{x:.1f}"),
            "travellers [range]": [f"{r.exposure:,.0f} [{r.exposure_lo:,.0f}-{r.exposure_hi:,.0f}]"
                                   for r in e.itertuples()],
            "evidence": e["evidence"].map(lambda x: "no data" if x == "none" else x)})
        i = self.incidents
        inc = pd.DataFrame({
            "main_id": i["main_id"], "date": pd.to_datetime(i["date"]).dt.strftime("%Y-%m-%d").fillna("?"),
            "dead+missing": [f"{d}+{m}" for d, m in zip(i["dead"], i["missing"], strict=True)],
            "cause": i["cause"].map(lambda x: tables.shorten(str(x).split(" / ")[0].split(",")[0], 16)),
            "km": i["distance_m"].map(lambda x: "?" if pd.isna(x) else f"{x / 1000:.1f}"),
            "match": i["match"], "position": i.get("position", pd.Series("?", index=i.index)),
            "direction": i["direction"], "share": i["share"].map(lambda x: f"{x:.0%}"),
            "deaths here": i["deaths_here"].map(lambda x: f"{x:.2f}"), "basis": i["basis"]}) if len(i) else i
        years = self.exposure_by_year
        years = years.map(lambda x: f"{x:,.0f}") if len(years) else years
        r = self.exposure_rows
        sources = list(dict.fromkeys(r["source"].astype(str))) if len(r) else []
        flows = pd.DataFrame({
            "dir": r["direction"], "series": r["series"],
            "share [range]": [f"{x.share:.3g} [{x.share_lo:.3g}-{x.share_hi:.3g}]" for x in r.itertuples()],
            "months": [f"{_day_or_month(x.period_start, 'start') or '…'}..{_day_or_month(x.period_end, 'end') or '…'}"
                       if x.period_start or x.period_end else "all" for x in r.itertuples()],
            "method": r["method"],
            "source": [f"[{sources.index(str(x)) + 1}] {tables.shorten(x, 36)}" for x in r["source"]]}) if len(r) else r
        return {"risk": risk, "incidents": inc, "years": years, "flows": flows, "sources": pd.Series(sources)}

    def _title(self) -> str:
        modes = ", ".join(sorted({str(m) for m in self.edges["mode"]})) if len(self.edges) else "?"
        km = float(self.edges["length_km"].iloc[0]) if len(self.edges) else float("nan")
        return f"Leg {self.leg} ({modes}, {km:,.0f} km)"

    def _assumptions(self, sources: list[str]) -> list[str]:
        """The assumptions, a flow source repeated in full replaced by its note number."""
        out = []
        for a in self.assumptions:
            for n, src in enumerate(sources, 1):
                if a.endswith(": " + src):
                    a = f"{a[: -len(src)]}see [{n}]"
                    break
            out.append(a)
        return out

    def _notes(self) -> list[str]:
        from routes.report.tables import DEATHS_NOTE, NO_DATA_NOTE, PRIOR_DOMINATED, PRIOR_WEIGHT_NOTE

        none = (self.edges["evidence"] == "none").any() if len(self.edges) else False
        prior = (self.edges["prior_weight"].astype(float) > PRIOR_DOMINATED).any() \
            if len(self.edges) and "prior_weight" in self.edges else False
        return [DEATHS_NOTE[0].upper() + DEATHS_NOTE[1:] + ".",
                *([PRIOR_WEIGHT_NOTE.split("; prior:")[0] + "; prior: the prior weight."] if prior else []),
                *(["'no data' (evidence none) marks " + NO_DATA_NOTE.split(": ", 1)[1].replace(" (evidence none)", "")
                   + "."] if none else [])]

    def __str__(self) -> str:
        from routes.report.tables import footer, wrap
        from routes.report.tables import frame_text as text

        t = self._display()
        sources = list(t["sources"])
        lines = [self._title(), "", RISK_HEAD + ":", text(t["risk"])]
        lines += ["", f"Incidents attributed ({len(self.incidents)}; {INCIDENT_UNITS}):"]
        lines.append(text(t["incidents"].drop(columns="basis")) if len(self.incidents) else "  none")
        if len(self.incidents):
            basis = "; ".join(f"{b} ({n})" for b, n in t["incidents"]["basis"].value_counts().items())
            lines += wrap(f"share: the incident's share given to this leg and direction, by {basis}; km: distance "
                          "from the incident to the leg", indent="  ", hanging="    ")
        lines += ["", "Travellers per year (central estimate, persons):"]
        lines.append(text(t["years"].rename_axis("year").reset_index()) if len(t["years"]) else "  none")
        lines += ["", "Flow series and shares used (share of the series' persons):"]
        lines.append(text(t["flows"]) if len(t["flows"]) else "  none")
        lines += [line for n, src in enumerate(sources, 1) for line in wrap(src, indent=f"  [{n}] ", hanging="      ")]
        if self.model:
            lines += ["", "How the number is made (model v2; per 1,000 traversals):"]
            lines += [line for a in self.model for line in wrap(a, indent="  - ", hanging="    ")]
        lines += ["", "Assumptions:"]
        lines += [line for a in self._assumptions(sources) for line in wrap(a, indent="  - ", hanging="    ")]
        lines += ["", *footer(self._notes())]
        return "\n".join(lines)

    def __repr__(self) -> str:  # a REPL shows the readable text, not the dataclass fields
        return self.__str__()

    def _repr_html_(self) -> str:
        t = self._display()
        sources = list(t["sources"])
        parts = [f"<h4>{escape(self._title())}</h4>", f"<h5>{escape(RISK_HEAD)}</h5>",
                 t["risk"].to_html(index=False),
                 f"<h5>Incidents attributed ({len(self.incidents)}; {INCIDENT_UNITS})</h5>",
                 t["incidents"].to_html(index=False),
                 "<h5>Travellers per year (central estimate, persons)</h5>", t["years"].to_html(),
                 "<h5>Flow series and shares used (share of the series' persons)</h5>", t["flows"].to_html(index=False),
                 "<ol>" + "".join(f"<li>{escape(s)}</li>" for s in sources) + "</ol>" if sources else "",
                 ("<h5>How the number is made (model v2; per 1,000 traversals)</h5><ul>"
                  + "".join(f"<li>{escape(a)}</li>" for a in self.model) + "</ul>") if self.model else "",
                 "<h5>Assumptions</h5><ul>" + "".join(f"<li>{escape(a)}</li>" for a in self._assumptions(sources))
                 + "</ul>", "<p><small>" + "<br>".join(map(escape, self._notes())) + "</small></p>"]
        return "\n".join(p for p in parts if p)


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
    details: Estimate | None = estimate_of(G)
    if details is None:
        raise DataError("explain_leg: this graph has no risk estimate; use routes.load_network() or estimate_risk(G)")
    edges = [(u, v, k) for u, v, k in G.edges(keys=True) if k == leg]
    if not edges:
        corridors = sorted({str(d.get("corridor")) for *_, d in G.edges(data=True) if d.get("corridor")})
        hint = did_you_mean(str(leg), sorted({k for *_, k in G.edges(keys=True)})) or "list legs with `route-risk legs`"
        near = [c for c in corridors if c.startswith(str(leg))] or ([str(leg)] if str(leg) in corridors else [])
        if near:  # a corridor, not a leg
            hint = (f"{leg!r} names corridor(s) {', '.join(near)}, not a leg: `route-risk legs --corridor C` lists "
                    "their legs, `route-risk explain C --sensitivity` takes a corridor")
        try:  # a place, not a leg: name the legs that touch it
            from routes.network.places import find_place

            place = find_place(G, str(leg))
            touching = sorted({k for u, v, k in G.edges(keys=True) if place in (u, v)})
            hint = f"{leg!r} is a place; its legs: {', '.join(touching)}"
        except (KeyError, ValueError):
            pass
        raise UnknownLegError(f"unknown leg {leg!r}; {hint}")
    cols = ["direction", "p_death", "p_death_lo", "p_death_hi", "deaths", "incidents", "exposure", "exposure_lo",
            "exposure_hi", "evidence", "prior_weight", "mode", "length_km"]
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
        if "distance_m" in alloc.columns and "distance_m" in rows.columns:  # to this leg, where it was shared softly
            own = alloc["distance_m"].to_numpy(float)
            rows["distance_m"] = np.where(np.isnan(own), rows["distance_m"].to_numpy(float), own)
        inc_df = rows.sort_values(["date", "main_id"]).reset_index(drop=True)
    else:
        inc_df = pd.DataFrame(columns=[*keep, "direction", "share", "deaths_here", "basis"])
    exp = details.exposure
    idx = exp.edge_index()
    years = exp.months.year
    # only the years the estimate counts: from the incident record's first year (and within the window, if any)
    dates = pd.to_datetime(details.incidents["date"]).dropna()
    first = int(dates.min().year) if len(dates) else int(years.min())
    window = details.settings.get("window") or (first, int(years.max()))
    counted = (years >= max(first, int(window[0]))) & (years <= int(window[1]))
    by_year = {}
    for e in edges:
        s = pd.Series(exp.central[idx[e]][counted], index=years[counted]).groupby(level=0).sum()
        by_year[G.edges[e]["direction"]] = s[s > 0].round(0)
    ey = pd.DataFrame(by_year).fillna(0).astype(int) if by_year else pd.DataFrame()
    rows = sorted({r for e in edges for r in exp.rows.get(e, [])})
    erows = details.exposure_table.loc[rows] if rows else details.exposure_table.head(0)
    assumptions = [f"{r['direction']}bound: {r['share']:.3g} (range {r['share_lo']:.3g}-{r['share_hi']:.3g}) of series "
                   f"'{r['series']}' {r['period_start'] or '...'} to {r['period_end'] or '...'}: {r['source']}"
                   for _, r in erows.iterrows() if r["method"] != "observed"]
    modes = sorted({str(G.edges[e].get("mode")) for e in edges})
    length = float(G.edges[edges[0]].get("length_km") or 0.0)
    for m in modes if details.fit is None else ():
        a, _, pooled, phi = details.priors.get(m, (float("nan"),) * 4)
        assumptions.append(
            f"prior for mode {m}: Gamma shape {a:.3g} around the mode's pooled rate of {pooled * 1e6:.3g} deaths per "
            f"million traveller-km, i.e. {pooled * length * 1000:.3g} per 1,000 traversals of this {length:.0f} km "
            f"leg; deaths on this mode come {phi:.3g} at a time on average (clustering), which widens the interval")
    if not rows:
        assumptions.append(
            "no flow series is mapped to this leg: its exposure is zero and its risk is the pooled prior"
        )
    return LegExplanation(leg, edf, inc_df, ey, erows.reset_index(drop=True), details.priors, assumptions,
                          model_words(G, details, edges))


def model_words(G: nx.MultiDiGraph, details: Estimate, edges: Sequence[tuple[str, str, str]]) -> list[str]:
    """How the v2 model made each directed edge's number, in words and figures an analyst can recompute.

    Empty for the previous model (``model="v1"``, whose prior is stated among the assumptions).
    """
    fit = details.fit
    if fit is None:
        return []
    p = fit.params
    rows = details.edge_row()
    out = []
    for e in edges:
        d, r = G.edges[e], rows[e]
        mode, corridor = str(d.get("mode")), str(d.get("corridor") or "")
        n, E1, mu = float(fit.counts[r]), float(fit.exposure_eff[r]), float(fit.prior_mean[r])
        w, post, size = float(fit.prior_weight[r]), float(fit.post_mean[r]), float(fit.mean_size[r])
        own = f"{1000 * n / E1:.3g}" if E1 > 0 else "none (nobody known to travel it)"
        sizes = p["sizes"].get(mode, p["sizes"]["*"])
        text = (f"{d['direction']}bound: {n:.1f} fatal incidents over {E1:,.0f} effective traversals (each year's "
                f"travellers times its series' multiplier and flow factor), own rate {own}; the pooled prior expects "
                f"{1000 * mu:.3g} "
                f"for a {mode} leg of {float(d.get('length_km') or 0):.0f} km on corridor {corridor or '-'} (it counts "
                f"as {p['shape'] / mu:,.0f} traversals); prior weight w = {w:.2f}, so the rate is w x prior + (1 - w) "
                f"x own = {1000 * post:.3g} fatal incidents; times {size:.2f} dead and missing per incident of this "
                f"mode (fitted on {sizes['incidents']:.0f} incidents) = {1000 * post * size:.3g} deaths at the "
                f"series' reference flow")
        g, q = str(fit.groups[r]), float(fit.quote_factor[r])
        if p.get("quote") == "now" and g in p.get("f_now", {}):
            text += (f"; quoted at the last 12 months' flow of {g} ({p['f_now'][g]:,.0f} leg traversals a year against "
                     f"a typical {p['f_ref'].get(g, 1.0):,.0f}): x {q:.2f}, since the rate per traversal scales as "
                     f"flow^{p['elasticity'] - 1:.2f}")
        elif E1 > 0:
            text += (f"; quoted for the record's average traveller: x {q:.2f} (effective over actual traversals"
                     + (f"; the rate per traversal scales as flow^{p['elasticity'] - 1:.2f} of series {g}"
                        if p.get("fitted_elasticity") else "") + ")")
        if p.get("year_shape"):
            text += (f"; a new year's multiplier varies by {1 / p['year_shape'] ** 0.5:.0%} (Gamma shape "
                     f"{p['year_shape']:.2f}), which widens the interval")
        closed = 1000 * post * size * q
        shown = 1000 * float(d.get("p_death") or 0.0)
        text += (f". By hand: {closed:.3g} per 1,000 with the fit's hyperparameters; the figure shown, {shown:.3g}, is "
                 "the mean over the joint draws, which also carry the hyperparameters' uncertainty (it raises the mean "
                 "most where the prior weighs most), the shares and a new year's multiplier")
        out.append(text + ".")
    return out


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
    details: Estimate | None = estimate_of(G)
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
