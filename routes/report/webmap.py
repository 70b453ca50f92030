"""An offline web map: one self-contained HTML file with the legs by risk, the incidents and a query's ranked routes.

:func:`explore` writes a page that opens with no network: Leaflet (vendored from the npm registry, BSD-2-Clause, in
``routes/report/vendor/leaflet/``) and the map's data are inlined, and the base map is drawn from the shipped country
outlines (``geodata/countries.geojson``, Natural Earth), not from web tiles. Legs are coloured in the risk classes of
the QGIS style (:mod:`routes.report.style`), with a legend; one-way legs carry an arrow and a two-way leg is two
lines, each on the right of its direction of travel; width and dash follow the mode, and a leg whose estimate is
mostly prior (``prior_weight`` over one half, when the edges carry it) is dashed and pale. A leg's popup is its
:func:`routes.report.explain.explain_leg` summary; an incident's popup, its record; a ranked route's, its risk.
A dark base map is one click away. The page's footer and its ``routes-data`` JSON carry the provenance.
"""

from __future__ import annotations

import json
import logging
import os
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from importlib import resources
from pathlib import Path
from typing import Any, cast

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from shapely.geometry import LineString

from routes.errors import DataError, RouteError
from routes.io.atomic import atomic_write
from routes.io.resources import geodata_file
from routes.model.estimate import estimate_of
from routes.network.convert import graph_to_gdfs
from routes.query.scenario import Scenario
from routes.query.scoring import rank_paths
from routes.query.select import select_legs
from routes.report import style
from routes.report.classes import NO_ESTIMATE_COLOUR, RISK_UNIT, RiskClasses, leg_classes, risk_per_100km
from routes.report.explain import explain_leg
from routes.report.export import _check_target, _text_writer
from routes.report.provenance import provenance as _provenance

log = logging.getLogger(__name__)

#: colours of ranked routes 1, 2, 3, ... (drawn wide and translucent under the legs; visible on light and dark maps)
ROUTE_COLOURS = ("#ff4fa3", "#22c3e6", "#b5b82a", "#a0785a", "#8f8f8f")
PX_PER_MM = style.PX_PER_MM
#: how far each direction of a two-way leg is drawn to the right of its travel, in pixels
OFFSET_PX = 2.5
MAX_INCIDENTS_IN_POPUP = 6
MODE_NAMES = {"road": "road (bus, car)", "foot": "on foot", "jungle_foot": "jungle trail", "border_foot":
              "border crossing on foot", "river_boat": "river boat", "sea_boat": "sea boat"}


def _asset(*parts: str) -> str:
    return resources.files("routes.report").joinpath(*parts).read_text(encoding="utf-8")


def _leaflet() -> tuple[str, str]:
    """Leaflet's script and style, ready to inline (no source map, no image the page would fetch)."""
    js = _asset("vendor", "leaflet", "leaflet.js").replace("//# sourceMappingURL=leaflet.js.map", "")
    css = _asset("vendor", "leaflet", "leaflet.css")
    for image in ("layers.png", "layers-2x.png", "marker-icon.png"):
        css = css.replace(f"url(images/{image})", "none")
    return js, css


def _num(x: Any, digits: int = 3) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return "?"
    return "?" if not np.isfinite(v) else f"{v:,.{digits}g}" if abs(v) < 1000 else f"{v:,.0f}"


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    th = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><tr>{th}</tr>{body}</table>"


def _pairs(rows: Sequence[tuple[str, str]]) -> str:
    return "<table>" + "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows) + "</table>"


# ---------------------------------------------------------------------------------------------------- popups
def _leg_popup(G: nx.MultiDiGraph, leg: str, edges: list[dict[str, Any]]) -> str:
    """The explain summary of one leg (both directions): risk, incidents, assumptions, in short."""
    first = edges[0]
    names = f"{first['from_name']} – {first['to_name']}"
    head = (f"<h4>{escape(names)}</h4><div class='note'>{escape(leg)} · "
            f"{escape(MODE_NAMES.get(first['mode'], str(first['mode'])))}"
            f" · {escape(str(first['corridor']))} · {_num(first['length_km'])} km</div>")
    prior = any(e.get("prior_weight") is not None for e in edges)
    rows = [[e["direction"], f"{_num(e['per_1000'])} [{_num(e['per_1000_lo'])}–{_num(e['per_1000_hi'])}]",
             _num(e["risk"]), _num(e.get("deaths"), 2), _num(e.get("exposure")),
             "no data" if e.get("evidence") == "none" else str(e.get("evidence")),
             *([_num(e.get("prior_weight"), 2)] if prior else [])] for e in edges]
    parts = [head, _table(["way", "deaths per 1,000 [90%]", "per 100 km", "deaths", "travellers", "evidence",
                           *(["prior share"] if prior else [])], rows)]
    try:
        ex = explain_leg(G, leg)
    except RouteError:  # no estimate: the leg's numbers are all there is
        return "<div class='popup'>" + "".join(parts) + "</div>"
    inc = ex.incidents
    if len(inc):
        shown = inc.sort_values("date", ascending=False).head(MAX_INCIDENTS_IN_POPUP)
        irows = [[pd.Timestamp(r.date).strftime("%Y-%m-%d") if pd.notna(r.date) else "?", str(r.main_id),
                  f"{r.dead}+{r.missing}", str(r.cause).split(",")[0][:28], f"{r.direction} {r.share:.0%}"]
                 for r in shown.itertuples()]
        more = len(inc) - len(shown)
        parts += [f"<b>Incidents attributed: {len(inc)}</b>",
                  _table(["date", "IOM id", "dead+missing", "cause", "share here"], irows),
                  f"<div class='note'>… and {more} earlier</div>" if more > 0 else ""]
    else:
        parts.append("<b>No incident attributed.</b>")
    assumptions = [a if len(a) < 220 else a[:217] + "…" for a in ex.assumptions]
    parts.append(
        f"<b>Assumptions ({len(assumptions)})</b><ul>"
        + "".join(f"<li>{escape(a)}</li>" for a in assumptions[-2:])
        + "</ul>"
        + (
            f"<div class='note'>{len(assumptions) - 2} more: route-risk explain {escape(leg)}</div>"
            if len(assumptions) > 2
            else ""
        )
    )
    return "<div class='popup'>" + "".join(parts) + "</div>"


def _incident_popup(r: Any) -> str:
    date = pd.Timestamp(r.date).strftime("%Y-%m-%d") if pd.notna(r.date) else "date unknown"
    where = (
        f"{r.leg} ({r.direction}, {r.match})"
        if getattr(r, "leg", "")
        else f"off the network ({getattr(r, 'match', '?')})"
    )
    rows = [("dead", str(r.dead)), ("missing", str(r.missing)), ("cause", str(r.cause)), ("attributed to", where)]
    return f"<div class='popup'><h4>{escape(date)} · IOM {escape(str(r.main_id))}</h4>{_pairs(rows)}</div>"


def _path_popup(G: nx.MultiDiGraph, r: Any) -> str:
    names = [G.nodes[n].get("name", n) if n in G else n for n in r.nodes]
    via = " → ".join(names if len(names) <= 8 else [*names[:3], "…", *names[-3:]])
    rows = [("deaths per 1,000 [90%]", f"{_num(1000 * r.p_death)} "
                                       f"[{_num(1000 * r.p_death_lo)}–{_num(1000 * r.p_death_hi)}]"),
            ("safest of these in", f"{r.p_safest:.0%} of draws" if pd.notna(r.p_safest) else "?"),
            ("duration", f"{_num(r.duration_h)} h"), ("length", f"{_num(r.length_km)} km"),
            ("sea legs", str(r.sea_legs)), ("riskiest leg", str(r.top_leg))]
    return f"<div class='popup'><h4>Route {r.rank}: {escape(via)}</h4>{_pairs(rows)}</div>"


# ---------------------------------------------------------------------------------------------------- layers
def _coords(geom: Any) -> list[list[float]]:
    return [[round(float(x), 5), round(float(y), 5)] for x, y, *_ in geom.coords]


def _legs(G: nx.MultiDiGraph, classes: RiskClasses) -> tuple[list[dict[str, Any]], dict[str, str]]:
    names = {n: d.get("name", n) for n, d in G.nodes(data=True)}
    by_leg: dict[str, list[dict[str, Any]]] = {}
    feats: list[dict[str, Any]] = []
    for u, v, k, d in G.edges(keys=True, data=True):
        risk = risk_per_100km(d.get("p_death"), d.get("length_km"))
        e = {**d, "leg": d.get("leg", k), "from_name": names[u], "to_name": names[v], "risk": risk,
             **{f"per_1000{s}": None if d.get(f"p_death{s}") is None else 1000 * float(d[f"p_death{s}"])
                for s in ("", "_lo", "_hi")}}
        by_leg.setdefault(e["leg"], []).append(e)
        width, _, dash = style.MODE_LINES.get(str(d.get("mode")), (0.6, "solid", None))
        prior_weight = d.get("prior_weight")
        prior = prior_weight is not None and float(prior_weight) > style.PRIOR_DOMINATED
        one_way = d.get("directions") != "both"
        tip = (f"{names[u]} → {names[v]}: {_num(e['per_1000'])} deaths per 1,000 ({d.get('direction')}bound, "
               f"{MODE_NAMES.get(str(d.get('mode')), d.get('mode'))})")
        line = d.get("geometry") or LineString([(G.nodes[n]["x"], G.nodes[n]["y"]) for n in (u, v)])
        feats.append({"c": _coords(line), "r": -1.0 if risk is None else risk, "p": {
            "leg": e["leg"], "colour": classes.colour(risk), "weight": round(width * PX_PER_MM, 1),
            "dash": style.PRIOR_DASH[1] if prior else dash, "prior": prior, "arrow": one_way,
            "offset": 0 if one_way else OFFSET_PX, "tip": tip}})
    feats.sort(key=lambda f: float(f.pop("r")))  # the riskiest drawn last, on top
    popups = {leg: _leg_popup(G, leg, sorted(edges, key=lambda e: e["direction"])) for leg, edges in by_leg.items()}
    return feats, popups


def _incidents(table: gpd.GeoDataFrame | None) -> list[dict[str, Any]]:
    if table is None or not len(table):
        return []
    t = table[table.geometry.notna() & ~table.geometry.is_empty].to_crs("EPSG:4326")
    t = t[np.isfinite(t.geometry.x) & np.isfinite(t.geometry.y)]
    t = t.sort_values("dead_missing", ascending=False) if "dead_missing" in t else t
    return [{"x": round(float(r.geometry.x), 5), "y": round(float(r.geometry.y), 5),
             "r": round(style.incident_radius(getattr(r, "dead_missing", 1)), 1), "popup": _incident_popup(r)}
            for r in t.itertuples()]


def _places(G: nx.MultiDiGraph, labelled: set[str]) -> list[dict[str, Any]]:
    out = []
    for n, d in G.nodes(data=True):
        _, colour, size = style.PLACE_MARKERS.get(str(d.get("kind")), ("circle", "#4d4d4d", 2.0))
        out.append({"x": d["x"], "y": d["y"], "r": round(size * 1.6, 1), "colour": colour, "permanent": n in labelled,
                    "label": f"{d.get('name', n)} ({str(d.get('kind', '')).replace('_', ' ')})"})
    return out


def _legend(classes: RiskClasses, G: nx.MultiDiGraph, paths: list[dict[str, Any]]) -> str:
    def line(colour: str, width: float, dash: str | None, opacity: float = 0.95) -> str:
        d = f' stroke-dasharray="{dash}"' if dash else ""
        return (f'<svg width="34" height="12"><path d="M 2 6 L 32 6" stroke="{colour}" stroke-width="{width}"'
                f' stroke-opacity="{opacity}"{d}/></svg>')

    counts = [f"{n} leg{'s' * (n != 1)}" for n in classes.counts] or [""] * len(classes.colours)
    rows = [f"<tr><td>{line(c, 4, None)}</td><td>{escape(label)}</td><td class='note'>{n}</td></tr>"
            for c, label, n in zip(classes.colours, classes.labels, counts, strict=True)]
    if any(risk_per_100km(d.get("p_death"), d.get("length_km")) is None for *_, d in G.edges(data=True)):
        rows.append(f"<tr><td>{line(NO_ESTIMATE_COLOUR, 4, None)}</td><td>no estimate</td><td></td></tr>")
    modes = sorted({str(d.get("mode")) for *_, d in G.edges(data=True)})
    mode_rows = [f"<tr><td>{line('#777777', w * PX_PER_MM, dash)}</td><td colspan='2'>{escape(MODE_NAMES.get(m, m))}"
                 "</td></tr>" for m in sorted(modes, key=lambda m: style.MODE_LINES.get(m, (0.6,))[0])
                 for (w, _, dash) in [style.MODE_LINES.get(m, (0.6, 'solid', None))]]
    if any(d.get("prior_weight") is not None for *_, d in G.edges(data=True)):
        mode_rows.append(f"<tr><td>{line('#777777', 3, style.PRIOR_DASH[1], 0.45)}</td><td colspan='2'>dashed, pale: "
                         f"estimate mostly prior (prior_weight over {style.PRIOR_DOMINATED:g}): little data</td></tr>")
    sizes = "".join(f'<svg width="{2 * style.incident_radius(n) + 4:.0f}" height="22"><circle cx="'
                    f'{style.incident_radius(n) + 2:.1f}" cy="11" r="{style.incident_radius(n):.1f}" fill="'
                    f'{style.INCIDENT_COLOUR}" fill-opacity="0.55" stroke="white"/></svg> {n} ' for n in (1, 10, 50))
    unit = (f"<h3>Risk of dying per 100 km</h3><p class='unit'>{escape(RISK_UNIT)}; classes fitted to the "
            "legs shown (natural breaks of the logarithm)</p>")
    direction = ("<p class='note'>Direction: one-way legs carry an arrow; a two-way leg is two lines, each on the "
                 "right of its direction of travel. Click a leg for what its number rests on.</p>")
    out = [unit, "<table>" + "".join(rows) + "</table>", "<h4>Mode</h4><table>" + "".join(mode_rows) + "</table>",
           direction, f"<h4>Incidents, dead and missing</h4><div>{sizes}</div>"]
    if paths:
        items = "".join(f"<li data-rank='{p['rank']}'><span class='swatch' style='background:{p['colour']}'></span> "
                        f"{escape(p['label'])}</li>" for p in paths)
        out.append(f"<h4>Ranked routes (click to zoom)</h4><ol>{items}</ol>")
    return "".join(out)


def _routes(G: nx.MultiDiGraph, paths: gpd.GeoDataFrame | None) -> list[dict[str, Any]]:
    """The ranked routes as the page draws them: rank, colour, legend label, popup, coordinates."""
    out = []
    for r in ([] if paths is None else paths.itertuples()):
        label = (f"{_num(1000 * r.p_death)} per 1,000 [{_num(1000 * r.p_death_lo)}–{_num(1000 * r.p_death_hi)}], "
                 f"via {r.main_corridor}")
        coords = _coords(r.geometry) if r.geometry.geom_type == "LineString" else \
            [c for g in r.geometry.geoms for c in _coords(g)]
        out.append({"rank": int(r.rank), "colour": ROUTE_COLOURS[(int(r.rank) - 1) % len(ROUTE_COLOURS)],
                    "label": label, "popup": _path_popup(G, r), "coords": coords})
    return out


def _page(data: Mapping[str, Any], title: str, version: str) -> str:
    """The HTML page: the template with Leaflet and the data inlined (``<`` escaped, so no text closes a script)."""
    js, css = _leaflet()
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":")).replace("<", "\\u003c")
    return string.Template(_asset("templates", "webmap.html")).substitute(
        TITLE=escape(title), GENERATOR=escape(f"routes {version}"), LEAFLET_CSS=css, LEAFLET_JS=js, DATA=text)


def _scenario_text(scenario: Mapping[str, Any] | None) -> str:
    """The scenario's settings that change something, in words ('' when none)."""
    set_ = {k: v for k, v in (scenario or {}).items() if v not in (None, [], {}, "", 1.0)}
    return "scenario " + ", ".join(f"{k} {v}" for k, v in set_.items()) if set_ else ""


def _provenance_html(prov: Mapping[str, Any]) -> str:
    window = prov.get("incident_window") or [None, None]
    sha = prov.get("snapshot_sha256") or ""
    parts = [f"routes {prov.get('routes_version')}",
             f"incident snapshot {prov.get('snapshot_id') or 'unknown'}" + (f" (sha256 {sha[:12]}…)" if sha else ""),
             f"incidents {window[0]} to {window[1]}" if window[0] else "", f"as of {prov.get('as_of')}"
             if prov.get("as_of") else "", f"direction {prov.get('direction')}",
             _scenario_text(prov.get("scenario"))]
    return escape(" · ".join(p for p in parts if p))


# ------------------------------------------------------------------------------------------------------- API
@dataclass(frozen=True)
class WebMap:
    """A self-contained web map: ``html`` is the whole page; ``path`` the file it was written to, if any."""

    html: str
    path: Path | None = None

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the page to ``path`` (``.html`` or ``.htm``), atomically; return the path."""
        target = _check_target(path, (".html", ".htm"), "use a .html file")
        atomic_write([(target, _text_writer(self.html))])
        return target

    def _repr_html_(self) -> str:  # Jupyter: the page in a frame
        return (f'<iframe srcdoc="{escape(self.html, quote=True)}" style="width:100%;height:600px;border:0" '
                'sandbox="allow-scripts allow-popups"></iframe>')


def explore(G: nx.MultiDiGraph, path: str | os.PathLike[str] | None = None, *, origin: str | None = None,
            destination: str | None = None, direction: str | None = None, k: int = 3,
            scenario: Scenario | None = None, paths: gpd.GeoDataFrame | None = None,
            incidents: gpd.GeoDataFrame | bool | None = None, title: str | None = None) -> WebMap:
    """An offline web map of the network: legs by risk with a legend, incidents, and a query's ranked routes.

    Parameters
    ----------
    G
        The network, with risk estimated (:func:`routes.load_network`); its legs are drawn. Not modified.
    path
        Write the page there (one ``.html`` file that opens with no network).
    origin, destination
        Rank the ``k`` safest routes between them (:func:`routes.query.scoring.rank_paths`) and draw them.
    direction
        The direction of those routes, and of the legs drawn (``"north"``/``"south"``; default: both ways drawn).
    k, scenario
        Passed to :func:`routes.query.scoring.rank_paths`.
    paths
        Ranked paths already computed, drawn instead.
    incidents
        The incidents to draw; by default those the risk estimate attributed; ``False`` for none.
    title
        The page title.

    Returns
    -------
    WebMap
        The page (``html``) and where it was written (``path``); in Jupyter it shows inline.

    Raises
    ------
    DataError
        If ``path`` has another suffix than ``.html``/``.htm`` or its directory does not exist, or only one of
        ``origin`` and ``destination`` is given.
    UnknownPlaceError, NoPathError
        From the ranking, for an unknown place or no path.

    Examples
    --------
    >>> import tempfile
    >>> from routes.load import load_network
    >>> m = explore(load_network(), Path(tempfile.mkdtemp()) / "map.html", origin="Necoclí", destination="Tapachula")
    >>> m.path.name, "<script src" in m.html  # one file: Leaflet and the data inline
    ('map.html', False)
    """
    if (origin is None) != (destination is None):
        raise DataError(f"explore: give both origin and destination to draw ranked routes, got origin={origin!r}, "
                        f"destination={destination!r}")
    if origin is not None and destination is not None and paths is None:
        paths = rank_paths(G, origin, destination, direction=direction, k=k, scenario=scenario)  # type: ignore[arg-type]
    shown = G if direction is None else select_legs(G, direction=direction)
    classes = leg_classes(shown)
    legs, popups = _legs(shown, classes)
    estimate = estimate_of(G)
    table = None if incidents is False else incidents if isinstance(incidents, gpd.GeoDataFrame) else \
        None if estimate is None else estimate.incidents
    attrs = dict(paths.attrs) if paths is not None else {}
    prov = _provenance(G, direction=attrs.get("direction", direction), scenario=attrs.get("scenario"))
    routes = _routes(G, paths)
    ends = {str(n) for r in ([] if paths is None else paths.itertuples()) for n in (r.nodes[0], r.nodes[-1])}
    nodes = cast(gpd.GeoDataFrame, graph_to_gdfs(shown, edges=False))
    b = nodes.total_bounds if paths is None or not len(paths) else paths.total_bounds
    data = {"countries": json.loads(geodata_file("countries.geojson").read_text(encoding="utf-8")), "legs": legs,
            "popups": popups, "incidents": _incidents(table), "places": _places(shown, ends), "paths": routes,
            "legend": _legend(classes, shown, routes), "incident_colour": style.INCIDENT_COLOUR,
            "bounds": [[float(b[1]), float(b[0])], [float(b[3]), float(b[2])]], "provenance": prov,
            "provenance_html": _provenance_html(prov),
            "attribution": "Incidents: IOM Missing Migrants Project (CC BY 4.0) · countries: Natural Earth · "
                           f"routes {prov['routes_version']}"}
    if title is None:
        title = (f"Safest routes from {origin} to {destination}" if origin else
                 "Migrant route risk between Colombia and Mexico")
    m = WebMap(_page(data, title, str(prov["routes_version"])))
    if path is not None:
        m = WebMap(m.html, m.save(path))
        log.info("wrote the web map %s (%d legs, %d incidents, %d routes)", m.path, len(legs), len(data["incidents"]),
                 len(routes))
    return m
