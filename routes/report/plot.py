"""Maps and tables for notebooks: static maps (matplotlib), an interactive map (folium) and tidy summaries.

Every static map draws land and country borders from the shipped ``geodata/countries.geojson`` (Natural Earth
1:10m, clipped to the region), so it reads offline with no tile server. Legs are coloured by their risk per traversal
on a log scale (``deaths per 1,000 traversals``); sea legs are dashed, land legs solid. matplotlib and folium are
imported
only when a function needs them, so ``import routes`` stays quick; with no display, matplotlib uses Agg.
"""

from __future__ import annotations

import functools
import math
import os
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, cast

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from routes.errors import ArgumentError
from routes.io.resources import geodata_file
from routes.network.convert import graph_to_gdfs
from routes.network.places import find_place
from routes.query.summary import _sig, summary_table  # noqa: F401 - summary_table re-exported for notebooks
from routes.vocabulary import SEA_MODES

if TYPE_CHECKING:
    from matplotlib.axes import Axes

RISK_LABEL = "deaths per 1,000 traversals"
#: places labelled by default: those named in the news
NEWS_PLACES = ("necocli", "capurgana", "la-miel", "mansukun", "bajo-chiquito", "palenque-colon", "panama-city",
               "trojes", "las-manos", "el-guasaule", "tecun-uman", "tapachula")
#: map extents ``(min_lon, min_lat, max_lon, max_lat)`` by name, for ``bbox=``
REGIONS: dict[str, tuple[float, float, float, float]] = {
    "uraba": (-78.2, 7.8, -76.5, 9.3),
    "darien": (-80.2, 7.2, -76.4, 9.9),
    "pacific": (-80.2, 3.4, -76.4, 9.7),
    "honduras": (-92.5, 12.5, -85.4, 16.2),
    "san-andres": (-85.6, 11.0, -81.2, 13.3),
    "southern-mexico": (-95.6, 13.3, -88.3, 18.6),
}
Bbox = tuple[float, float, float, float]
_LAND, _SEA, _BORDER, _INCIDENT = "#efebe4", "#dce8f2", "#9b9b9b", "#138d75"


def _pyplot() -> Any:
    """Import pyplot, choosing Agg when there is no display and nobody chose a backend."""
    import matplotlib

    headless = sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if headless and "matplotlib.pyplot" not in sys.modules and "ipykernel" not in sys.modules \
            and not os.environ.get("MPLBACKEND"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


@functools.lru_cache(maxsize=1)
def countries() -> gpd.GeoDataFrame:
    """The shipped country polygons of the region (Natural Earth 1:10m, public domain), EPSG:4326.

    Examples
    --------
    >>> "PAN" in set(countries()["iso3"])
    True
    """
    with geodata_file("countries.geojson").open("rb") as f:
        return gpd.read_file(f)


def _bbox(bbox: Bbox | str | None, fallback: gpd.GeoSeries, margin: float = 0.4) -> Bbox:
    if isinstance(bbox, str):
        if bbox not in REGIONS:
            raise ArgumentError(f"unknown region {bbox!r}; use one of {sorted(REGIONS)} or (min_lon, min_lat, max_lon, "
                                "max_lat)")
        return REGIONS[bbox]
    if bbox is not None:
        x0, y0, x1, y1 = (float(v) for v in bbox)
        if not (x0 < x1 and y0 < y1):
            raise ArgumentError(f"bbox must be (min_lon, min_lat, max_lon, max_lat), got {bbox!r}")
        return x0, y0, x1, y1
    x0, y0, x1, y1 = fallback.total_bounds
    return x0 - margin, y0 - margin, x1 + margin, y1 + margin


def _base_map(ax: Axes | None, bbox: Bbox, figsize: tuple[float, float]) -> Axes:
    """An axis showing sea, land and borders over ``bbox`` in lon/lat, with the aspect of the mid latitude.

    Land and borders are the shipped Natural Earth 1:10m countries: their coasts follow the Gulf of Urabá, the Gulf
    of San Miguel and the Guna Yala islands closely enough that the boats along them stay at sea on the map.
    """
    if ax is None:
        _, ax = _pyplot().subplots(figsize=figsize, layout="constrained")
    x0, y0, x1, y1 = bbox
    ax.set_facecolor(_SEA)
    land = countries().clip((x0 - 1, y0 - 1, x1 + 1, y1 + 1))
    land.plot(ax=ax, color=_LAND, edgecolor=_BORDER, linewidth=0.6, zorder=0)
    for _, row in land[land["iso3"].notna()].iterrows():  # country names where they fit
        p = row.geometry.representative_point()
        if x0 < p.x < x1 and y0 < p.y < y1:
            ax.annotate(row["name"].upper(), (p.x, p.y), color="#8a8a8a", fontsize=7, ha="center", zorder=1)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect(1 / math.cos(math.radians((y0 + y1) / 2)))
    ax.tick_params(labelsize=7)
    ax.set_xlabel("longitude", fontsize=8)
    ax.set_ylabel("latitude", fontsize=8)
    return ax


def _label_places(ax: Axes, G: nx.MultiDiGraph, names: Iterable[str], bbox: Bbox) -> None:
    from matplotlib import patheffects

    halo = [patheffects.withStroke(linewidth=2.5, foreground="white")]
    for name in names:
        pid = name if name in G else find_place(G, name)
        d = G.nodes[pid]
        if bbox[0] < d["x"] < bbox[2] and bbox[1] < d["y"] < bbox[3]:
            ax.plot(d["x"], d["y"], "o", color="black", markersize=3.5, zorder=6)
            ax.annotate(d.get("name", pid), (d["x"], d["y"]), xytext=(4, 3), textcoords="offset points",
                        fontsize=8, zorder=7, path_effects=halo)


def leg_table(G: nx.MultiDiGraph, *, direction: str | None = None) -> gpd.GeoDataFrame:
    """One row per leg (both directions merged unless ``direction`` is given), keeping its riskier direction.

    ``u`` and ``v`` are the ends of the edge kept; ``directions`` says which directions the leg is travelled in.

    Examples
    --------
    >>> from routes import load_network
    >>> legs = leg_table(load_network())
    >>> legs.index.is_unique and {"p_death", "sea", "directions"} <= set(legs.columns)
    True
    """
    edges = cast(gpd.GeoDataFrame, graph_to_gdfs(G, nodes=False)).reset_index()
    if direction is not None:
        if direction not in ("north", "south"):
            raise ArgumentError(f"direction must be 'north', 'south' or None, got {direction!r}")
        edges = edges[edges["direction"] == direction]
    if "p_death" not in edges:
        edges["p_death"] = np.nan
    dirs = edges.groupby("key")["direction"].agg(lambda s: "both" if s.nunique() > 1 else s.iloc[0])
    edges = edges.sort_values("p_death", ascending=False, na_position="last").drop_duplicates("key")
    edges = edges.set_index("key").loc[dirs.index]
    edges["directions"] = dirs
    edges["sea"] = edges["mode"].isin(SEA_MODES)
    return gpd.GeoDataFrame(edges, geometry="geometry", crs="EPSG:4326")


def _draw_lines(ax: Axes, geoms: Sequence[Any], sea: Sequence[bool], **kw: Any) -> None:
    from matplotlib.collections import LineCollection

    colors = kw.pop("colors", None)
    label = kw.pop("label", None)
    for flag, style in ((False, "solid"), (True, (0, (3, 1.6)))):
        idx = [i for i, s in enumerate(sea) if bool(s) == flag]
        if idx:
            segs = [np.asarray(geoms[i].coords)[:, :2] for i in idx]
            c = [colors[i] for i in idx] if colors is not None and not isinstance(colors, str) else colors
            ax.add_collection(LineCollection(segs, colors=c, linestyles=style, label=label, **kw))
            label = None


def plot_network(
    G: nx.MultiDiGraph, *, ax: Axes | None = None, color_by: str | None = "p_death", direction: str | None = None,
    incidents: gpd.GeoDataFrame | None = None, bbox: Bbox | str | None = None, annotate: Iterable[str] = NEWS_PLACES,
    figsize: tuple[float, float] = (9.0, 7.0), title: str | None = None, cmap: str = "plasma_r",
) -> Axes:
    """Draw the network over land and borders, legs coloured by risk, sea legs dashed.

    Parameters
    ----------
    G
        The network (with risk for ``color_by="p_death"``).
    ax
        Draw into this axis; a new figure otherwise.
    color_by
        ``"p_death"`` (log colour bar in deaths per 1,000 traversals), another numeric edge attribute (linear
        scale), a categorical one (``"mode"``, ``"corridor"``: one colour each), or None (all grey).
    direction
        ``"north"`` or ``"south"``: only edges travelled that way; None keeps every leg, with its riskier direction.
    incidents
        Points sized by deaths (``dead + missing``); attributed ones green, ``match == "off_network"`` grey.
    bbox
        ``(min_lon, min_lat, max_lon, max_lat)`` or a name in :data:`REGIONS`; the network's extent by default.
    annotate
        Place ids or names to label (those outside the map are skipped).
    figsize, title, cmap
        Figure size (inches) for a new figure, the title, the colour map of numeric values.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from routes import load_network
    >>> ax = plot_network(load_network(), bbox="uraba", annotate=["Necoclí", "La Miel"])  # doctest: +SKIP
    """
    plt = _pyplot()
    from matplotlib.colors import LogNorm, Normalize
    from matplotlib.lines import Line2D

    legs = leg_table(G, direction=direction)
    box = _bbox(bbox, legs.geometry)
    ax = _base_map(ax, box, figsize)
    handles: list[Any] = []
    values = legs[color_by] if color_by is not None and color_by in legs else None
    if color_by is not None and values is None:
        raise ArgumentError(f"color_by={color_by!r} is not an edge attribute; try 'p_death', 'mode' or 'corridor'")
    if values is None:
        colors: Any = "#555555"
    elif pd.api.types.is_numeric_dtype(values):
        risk = str(color_by).startswith("p_death")
        v = values.astype(float) * (1000 if risk else 1)
        pos = v[v > 0]
        norm = (LogNorm(pos.min(), pos.max()) if risk and len(pos) else Normalize(v.min(), v.max()))
        cm = plt.get_cmap(cmap)
        colors = [cm(norm(x)) if np.isfinite(x) and (x > 0 or not risk) else "#bbbbbb" for x in v]
        sm = plt.cm.ScalarMappable(norm=norm, cmap=cm)
        ax.figure.colorbar(sm, ax=ax, shrink=0.7, label=RISK_LABEL if risk else color_by)
    else:
        cats = sorted(values.astype(str).unique())
        cm = plt.get_cmap("tab20" if len(cats) > 10 else "tab10")
        lut = {c: cm(i % cm.N) for i, c in enumerate(cats)}  # colours do not depend on the extent
        colors = [lut[str(x)] for x in values]
        seen = set(values[legs.intersects(shapely.box(*box))].astype(str))
        handles += [Line2D([], [], color=lut[c], lw=2.5, label=c) for c in cats if c in seen]
    _draw_lines(ax, list(legs.geometry), list(legs["sea"]), colors=colors, linewidths=2.2, zorder=3)
    handles += [Line2D([], [], color="#444", lw=2, label="land leg"),
                Line2D([], [], color="#444", lw=2, ls=(0, (3, 1.6)), label="sea leg")]
    if incidents is not None and len(incidents):
        handles += _draw_incidents(ax, incidents, box)
    _label_places(ax, G, annotate, box)
    ax.legend(handles=handles, loc="best", fontsize=7, framealpha=0.9)
    ax.set_title(title if title is not None else f"{G.graph.get('name', 'network')}"
                 + (f" ({direction}bound)" if direction else ""), fontsize=10)
    return ax


def _area(deaths: Any) -> Any:
    """Marker area (points²) proportional to the dead and missing, with a floor so one death shows."""
    return 14 + 12 * deaths


def _draw_incidents(ax: Axes, incidents: gpd.GeoDataFrame, box: Bbox) -> list[Any]:
    from matplotlib.lines import Line2D

    inc = incidents[incidents.geometry.notna() & ~incidents.geometry.is_empty]
    inc = inc.cx[box[0]:box[2], box[1]:box[3]]
    deaths = (inc["dead_missing"] if "dead_missing" in inc else inc["dead"] + inc["missing"]).astype(float)
    off = (inc["match"] == "off_network").to_numpy() if "match" in inc else np.zeros(len(inc), bool)
    colors = np.where(off, "#7f7f7f", _INCIDENT)
    ax.scatter(inc.geometry.x, inc.geometry.y, s=_area(deaths.clip(lower=1)), c=colors, alpha=0.6,
               edgecolors="white", linewidths=0.5, zorder=6.5)
    size = [Line2D([], [], ls="", marker="o", color=_INCIDENT, alpha=0.6, markersize=math.sqrt(_area(n)),
                   label=f"{n} dead or missing") for n in (1, 10, 40)]
    if off.any():
        size.append(Line2D([], [], ls="", marker="o", color="#7f7f7f", alpha=0.55, markersize=5,
                           label="incident not on a leg"))
    return size


def plot_paths(
    ranked: gpd.GeoDataFrame, *, G: nx.MultiDiGraph | None = None, ax: Axes | None = None,
    bbox: Bbox | str | None = None, annotate: Iterable[str] | None = None,
    figsize: tuple[float, float] = (9.0, 7.0), title: str | None = None,
) -> Axes:
    """Draw ranked paths (:func:`routes.rank_paths`) on the base map, with a legend of rank and risk.

    The safest path is drawn thinnest and on top, riskier ones wider underneath, so shared legs show every path.

    Parameters
    ----------
    ranked
        The result of :func:`routes.rank_paths` (or :func:`routes.direction_summary`).
    G
        The network: drawn faintly for context, names places, and dashes the sea legs of each path.
    ax, bbox, figsize, title
        As in :func:`plot_network`; the paths' extent by default.
    annotate
        Places to label; the origins and destinations of the paths by default (needs ``G``).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from routes import load_network, rank_paths
    >>> G = load_network()
    >>> ax = plot_paths(rank_paths(G, "Necoclí", "Bajo Chiquito", k=3), G=G)  # doctest: +SKIP
    """
    plt = _pyplot()
    if len(ranked) == 0:
        raise ArgumentError("plot_paths: no paths to draw (the ranked frame is empty)")
    box = _bbox(bbox, ranked.geometry, margin=0.25)
    ax = _base_map(ax, box, figsize)
    if G is not None:
        context = leg_table(G)
        _draw_lines(ax, list(context.geometry), list(context["sea"]), colors="#b5b5b5", linewidths=0.9, zorder=2)
    cm = plt.get_cmap("tab10")
    n = len(ranked)
    for i in reversed(range(n)):  # the worst widest underneath, the safest thinnest on top
        row = ranked.iloc[i]
        lo, hi = 1000 * row["p_death_lo"], 1000 * row["p_death_hi"]
        label = (f"{row['rank']}. {1000 * row['p_death']:.3g} per 1,000 (90%: {lo:.2g}-{hi:.2g})"
                 + (f", {row['main_corridor']}" if row.get("main_corridor") else ""))
        kw = {"colors": [cm(i % 10)], "linewidths": 2.0 + 4.5 * i / max(n - 1, 1), "zorder": 3 + n - i,
              "label": label, "alpha": 0.9}
        if G is not None:
            geoms, sea = _path_legs(G, row)
            kw["colors"] = [cm(i % 10)] * len(geoms)
            _draw_lines(ax, geoms, sea, **kw)
        else:
            _draw_lines(ax, [row.geometry], [False], **kw)
    if annotate is None and G is not None:
        annotate = list(dict.fromkeys([*ranked["origin"], *ranked["destination"]]))
    if annotate and G is not None:
        _label_places(ax, G, annotate, box)
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], labels[::-1], title="rank, deaths per 1,000", loc="best", fontsize=7, title_fontsize=7)
    a = ranked.attrs
    ends = [str(a.get(k, "")) for k in ("origin", "destination")]
    if G is not None:
        ends = [str(G.nodes[e].get("name", e)) if e in G else e for e in ends]
    ax.set_title(title if title is not None else f"{ends[0]} to {ends[1]} ({a.get('direction', '')}bound)", fontsize=10)
    return ax


def _path_legs(G: nx.MultiDiGraph, row: pd.Series) -> tuple[list[Any], list[bool]]:
    geoms, sea = [], []
    for u, v, key in zip(row["nodes"][:-1], row["nodes"][1:], row["legs"], strict=True):
        d = G.edges[u, v, key]
        geoms.append(d["geometry"])
        sea.append(d.get("mode") in SEA_MODES)
    return geoms, sea


def plot_rates(G: nx.MultiDiGraph, legs: Sequence[str], *, ax: Axes | None = None,
               figsize: tuple[float, float] = (8.0, 4.5)) -> Axes:
    """Risk per traversal of some legs, each direction with its 90% interval, on a log axis.

    Examples
    --------
    >>> from routes import load_network
    >>> ax = plot_rates(load_network(), ["necocli-capurgana-boat", "mansukun-la-miel-boat"])  # doctest: +SKIP
    """
    plt = _pyplot()
    rows = [(k, d) for _, _, k, d in G.edges(keys=True, data=True) if k in set(legs)]
    if not rows:
        raise ArgumentError(f"plot_rates: none of the legs {list(legs)!r} is in the network")
    rows.sort(key=lambda kd: (list(legs).index(kd[0]), kd[1]["direction"]))
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    color = {"north": "#1f77b4", "south": "#d62728"}
    for i, (_key, d) in enumerate(rows):
        p, lo, hi = (1000 * d[c] for c in ("p_death", "p_death_lo", "p_death_hi"))
        ax.errorbar(p, i, xerr=[[p - lo], [hi - p]], fmt="o", color=color[d["direction"]], capsize=3)
        ax.annotate(f"{d.get('deaths', 0):.3g} dead or missing / {d.get('exposure', 0):,.0f} traversals", (hi, i),
                    xytext=(5, -3), textcoords="offset points", fontsize=7)
    ax.set_yticks(range(len(rows)), [f"{k} ({d['direction']})" for k, d in rows], fontsize=7)
    ax.set_xlim(right=max(1000 * d["p_death_hi"] for _, d in rows) * 300)  # room for the labels
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel(f"{RISK_LABEL} (posterior mean, 90% interval)")
    return ax


def explore(obj: nx.MultiDiGraph | gpd.GeoDataFrame, *, tiles: str | None = "CartoDB positron",
            direction: str | None = None, m: Any = None) -> Any:
    """An interactive folium map of the network (legs coloured by risk), ranked paths or incidents.

    Parameters
    ----------
    obj
        A network, ranked paths (a frame with ``rank``) or any GeoDataFrame in EPSG:4326.
    tiles
        A folium tile name, or None for no tiles (offline): the shipped country outlines are always drawn.
    direction
        For a network: ``"north"``/``"south"`` only.
    m
        Add to this ``folium.Map`` instead of a new one.

    Raises
    ------
    ImportError
        If folium is not installed.

    Examples
    --------
    >>> from routes import load_network
    >>> explore(load_network(), tiles=None)  # doctest: +SKIP
    """
    try:
        import branca.colormap as bcm
        import folium
    except ImportError:
        raise ImportError("routes.explore needs folium for interactive maps: pip install folium") from None
    if m is None:
        m = folium.Map(location=[11.0, -84.0], zoom_start=5, tiles=tiles)
    folium.GeoJson(countries().to_json(), name="countries", style_function=lambda _: {
        "fillColor": _LAND, "color": _BORDER, "weight": 1, "fillOpacity": 0.6}).add_to(m)
    if isinstance(obj, nx.MultiDiGraph):
        legs = leg_table(obj, direction=direction).reset_index()
        per = (legs["p_death"].astype(float) * 1000).clip(lower=1e-6)
        lo, hi = float(per.min()), max(float(per.max()), float(per.min()) * 10)
        cmap = bcm.LinearColormap(["#fde725", "#f89540", "#cc4778", "#7e03a8", "#0d0887"],
                                  vmin=math.log10(lo), vmax=math.log10(hi),
                                  caption=f"log10 {RISK_LABEL}")
        legs["per_1000"] = per.map(_sig)
        cols = [c for c in ("key", "mode", "corridor", "directions", "per_1000", "deaths", "exposure", "evidence")
                if c in legs]
        gj = gpd.GeoDataFrame(legs[[*cols, "sea", "geometry"]], crs="EPSG:4326")
        folium.GeoJson(gj.to_json(), name="legs", tooltip=folium.GeoJsonTooltip(cols), style_function=lambda f: {
            "color": cmap(math.log10(max(f["properties"]["per_1000"] or 1e-6, 1e-6))), "weight": 4,
            "dashArray": "6 4" if f["properties"]["sea"] else None}).add_to(m)
        cmap.add_to(m)
        nodes = cast(gpd.GeoDataFrame, graph_to_gdfs(obj, edges=False))
        for pid, row in nodes.iterrows():
            folium.CircleMarker([row.geometry.y, row.geometry.x], radius=3, color="black", fill=True,
                                tooltip=f"{row.get('name', pid)} ({pid})").add_to(m)
    else:
        gdf = obj.to_crs("EPSG:4326")
        plain = [c for c in gdf.columns if c != gdf.geometry.name and gdf[c].map(np.isscalar).all()]
        table = gpd.GeoDataFrame(gdf[plain].astype(str), geometry=gdf.geometry.to_numpy(), crs="EPSG:4326")
        palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]
        folium.GeoJson(table.to_json(), name="features", tooltip=folium.GeoJsonTooltip(plain[:12]),
                       style_function=lambda f: {"weight": 5, "color": palette[(int(f["properties"].get("rank", 1)) - 1)
                                                                                % len(palette)]},
                       marker=folium.CircleMarker(radius=5, fill=True)).add_to(m)
    b = (obj if isinstance(obj, gpd.GeoDataFrame) else leg_table(obj)).total_bounds
    m.fit_bounds([[b[1], b[0]], [b[3], b[2]]])
    folium.LayerControl().add_to(m)
    return m
