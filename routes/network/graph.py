"""The corridor network: places and legs read from the shipped geodata into a ``networkx.MultiDiGraph``.

The graph contract
------------------
This is the one place where the graph is described; every other module relies on it.

* ``G`` is a :class:`networkx.MultiDiGraph`. ``G.graph["crs"] == "EPSG:4326"``, as in OSMnx.
* A node is a place, keyed by its id (a stable ASCII slug such as ``"necocli"``). Node attributes:
  ``x`` (longitude), ``y`` (latitude), ``name``, ``alt_names`` (list), ``country`` (ISO3), ``kind``
  (``town``, ``port``, ``border_post``, ``reception_station``, ``waypoint``), ``source``, ``confidence``, ``note``.
* A leg is travelled in one or both directions of the migration, and each direction is its own edge:
  a leg whose ``directions`` is ``"north"`` or ``"south"`` gives one edge ``from -> to``; ``"both"`` gives the edge
  ``from -> to`` (northbound) and the edge ``to -> from`` (southbound). The edge key is the leg id, so a boat and a
  trail between the same two towns stay separate edges.
* Edge attributes: ``leg`` (the id, equal to the key), ``direction`` (``"north"`` or ``"south"``), ``mode``,
  ``corridor``, ``geometry`` (a LineString oriented along travel, from ``u`` to ``v``), ``length_km`` (geodesic on the
  WGS84 ellipsoid over the whole line, :class:`pyproj.Geod`) and ``length`` (the same in metres, the unit OSMnx's
  routing expects), ``duration_h``, ``cost_usd``, ``period_start``, ``period_end`` and every other leg property of
  ``legs.geojson``.
* After :func:`routes.model.risk.estimate_risk` every edge also carries ``p_death``, ``p_death_lo``, ``p_death_hi``,
  ``risk_shape``, ``risk_rate``, ``deaths``, ``exposure``, ``incidents``, ``evidence`` and ``season``
  (see :mod:`routes.model.risk`).

Units are in the names: ``length_km``, ``duration_h``, ``cost_usd``.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import shapely.ops
from shapely.geometry import LineString, Point, shape
from shapely.geometry.base import BaseGeometry

from routes.errors import NetworkError
from routes.io.resources import geodata_file
from routes.network.convert import _plain, graph_from_gdfs, graph_to_gdfs  # noqa: F401  (re-exported)
from routes.network.places import _suggest_ids, find_place, normalise_name, search_places  # noqa: F401  (re-exported)
from routes.vocabulary import (
    CRS,
    DIRECTIONS,
    LEG_DIRECTIONS,
    MODES,
    PLACE_KINDS,
    geodesic_km,
    line_length_km,
)

log = logging.getLogger(__name__)

PLACE_REQUIRED = ("id", "name", "country", "kind")
LEG_REQUIRED = ("id", "from", "to", "mode", "directions", "corridor")
#: how far (km) a leg's end may lie from its place before the file is rejected
ENDPOINT_TOLERANCE_KM = 2.0
#: how far (km) a place may lie outside its country's polygon: the shipped Natural Earth 1:10m outlines put the
#: shipped places at most 3.8 km outside (Dos Banderas, a border marker in the Darién); a margin for places users add
COUNTRY_TOLERANCE_KM = 10.0


# --------------------------------------------------------------------------------------------------- reading files
def _read_feature_collection(path: Path | Any, what: str) -> tuple[str, list[dict[str, Any]]]:
    """Read a GeoJSON FeatureCollection, returning its display name and its features."""
    label = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NetworkError(
            f"{what} file {label!r} does not exist; pass the path of a GeoJSON FeatureCollection"
        ) from None
    except UnicodeDecodeError as exc:
        raise NetworkError(
            f"{what} file {label!r} is not UTF-8 text ({exc.reason}); save it as UTF-8 GeoJSON"
        ) from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NetworkError(
            f"{what} file {label!r} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "export it again as GeoJSON"
        ) from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        got = doc.get("type") if isinstance(doc, dict) else type(doc).__name__
        raise NetworkError(f"{what} file {label!r} must be a GeoJSON FeatureCollection, got {got!r}")
    crs = doc.get("crs")
    if crs is not None:
        name = str((crs.get("properties") or {}).get("name", crs)) if isinstance(crs, dict) else str(crs)
        if not re.search(r"(4326|CRS84)$", name):
            raise NetworkError(
                f"{what} file {label!r} declares crs {name!r}; GeoJSON must be WGS84 longitude/latitude "
                "(RFC 7946). Reproject it to EPSG:4326, e.g. ogr2ogr -t_srs EPSG:4326"
            )
    return label, doc["features"]


def _feature_label(label: str, i: int, props: Mapping[str, Any]) -> str:
    fid = props.get("id")
    return f"{label}, feature {i}" + (f" (id {fid!r})" if fid is not None else "")


#: the type of each property the reader uses (``None`` is always allowed where the property is optional)
PROPERTY_TYPES: dict[str, dict[str, tuple[type, ...]]] = {
    "place": {"id": (str,), "name": (str,), "country": (str,), "kind": (str,), "alt_names": (list, str),
              "source": (str,), "confidence": (str,), "note": (str,)},
    "leg": {"id": (str,), "from": (str,), "to": (str,), "mode": (str,), "directions": (str,), "corridor": (str,),
            "duration_h": (int, float), "cost_usd": (int, float), "period_start": (str,), "period_end": (str,),
            "source": (str,), "confidence": (str,), "duration_source": (str,), "cost_source": (str,)},
}  # fmt: skip
_TYPE_WORDS = {str: "a string", list: "a list of strings", int: "a number", float: "a number"}


def _type_problems(props: Mapping[str, Any], what: str, where: str) -> list[str]:
    """A property whose value has the wrong JSON type (a list where a string is expected, text for a number)."""
    out = []
    for key, types in PROPERTY_TYPES[what].items():
        value = props.get(key)
        if value is None:
            continue
        wrong = isinstance(value, bool) or not isinstance(value, types)
        if key == "alt_names" and isinstance(value, list):
            wrong = not all(isinstance(a, str) for a in value)
        if wrong:
            expected = " or ".join(dict.fromkeys(_TYPE_WORDS[t] for t in types))
            out.append(f"{where}: property {key!r} must be {expected}, got {type(value).__name__} {value!r:.60}")
    return out


def _identified(
    features: list[Any], label: str, required: Sequence[str], what: str, problems: list[str]
) -> Iterator[tuple[dict[str, Any], dict[str, Any], str]]:
    """Features that are GeoJSON Feature objects with every required property, of the right type, and an id of their
    own, with their properties and label.

    The others are reported in ``problems`` (not a Feature object, a property of the wrong type, a missing property,
    a duplicate id) and skipped.
    """
    seen: dict[str, int] = {}
    for i, feat in enumerate(features):
        if not isinstance(feat, dict):
            problems.append(f"{label}, feature {i}: expected a GeoJSON Feature object, got {type(feat).__name__} "
                            f"{feat!r:.60}")
            continue
        raw_props = feat.get("properties")
        if raw_props is not None and not isinstance(raw_props, dict):
            problems.append(f"{label}, feature {i}: 'properties' must be an object, got {type(raw_props).__name__} "
                            f"{raw_props!r:.60}")
            continue
        props = dict(raw_props or {})
        where = _feature_label(label, i, props)
        wrong = _type_problems(props, what, where)
        if wrong:
            problems.extend(wrong)
            continue
        missing = [c for c in required if props.get(c) in (None, "")]
        if missing:
            problems.append(f"{where}: missing property {', '.join(missing)}")
            continue
        fid = str(props["id"])
        if fid in seen:
            problems.append(f"{where}: duplicate id {fid!r} (first used by feature {seen[fid]}); give each {what} its "
                            "own id")
            continue
        seen[fid] = i
        yield feat, props, where


def _geometry(feature: Mapping[str, Any]) -> BaseGeometry | None:
    geom = feature.get("geometry")
    if not geom or not isinstance(geom, dict):
        return None
    try:
        g = shape(geom)
    except Exception:  # noqa: BLE001 - any malformed geometry is reported the same way
        return None
    return None if g.is_empty else g


def read_places(path: str | Path | None = None) -> gpd.GeoDataFrame:
    """Read and check a places file (``geodata/places.geojson`` by default).

    Parameters
    ----------
    path
        A GeoJSON FeatureCollection of Points with the properties of the graph contract; the shipped file if omitted.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per place, indexed by ``id``, in EPSG:4326.

    Raises
    ------
    NetworkError
        Listing every problem found: a missing id or name, a duplicate id, a missing or non-point geometry, a
        coordinate out of range, an unknown kind.

    Examples
    --------
    >>> places = read_places()
    >>> places.loc["necocli", "country"]
    'COL'
    """
    source = geodata_file("places.geojson") if path is None else Path(path)
    label, features = _read_feature_collection(source, "places")
    problems: list[str] = []
    rows: list[dict[str, Any]] = []
    for feat, props, where in _identified(features, label, PLACE_REQUIRED, "place", problems):
        geom = _geometry(feat)
        if geom is None or not isinstance(geom, Point):
            raw = feat.get("geometry") or {}
            raw = raw if isinstance(raw, dict) else {"type": type(raw).__name__}
            coords = raw.get("coordinates")
            if raw.get("type") == "Point" and isinstance(coords, list) and coords and not all(
                    isinstance(c, (int, float)) for c in coords):
                problems.append(f"{where}: coordinates must be numbers in decimal degrees [longitude, latitude], "
                                f"got {coords!r}; convert degrees-minutes-seconds to decimals")
            else:
                problems.append(f"{where}: geometry must be a non-empty Point, got {raw.get('type')!r}")
            continue
        lon, lat = geom.x, geom.y
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            problems.append(f"{where}: coordinates ({lon!r}, {lat!r}) out of range; GeoJSON order is [longitude, "
                            "latitude]")
            continue
        if props["kind"] not in PLACE_KINDS:
            problems.append(f"{where}: unknown kind {props['kind']!r}; expected one of {sorted(PLACE_KINDS)}")
            continue
        alt = props.get("alt_names") or []
        if isinstance(alt, str):
            alt = [a.strip() for a in alt.split(";") if a.strip()]
        props["alt_names"] = list(alt)
        props["geometry"] = geom
        rows.append(props)
    if problems:
        raise NetworkError(f"{label}: {len(problems)} problem(s) in the places file", problems)
    if not rows:
        raise NetworkError(f"{label}: the places file has no features; a network needs at least two places")
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS).set_index("id", drop=False).rename_axis(None)


def read_legs(path: str | Path | None = None) -> gpd.GeoDataFrame:
    """Read and check a legs file (``geodata/legs.geojson`` by default).

    Parameters
    ----------
    path
        A GeoJSON FeatureCollection of LineStrings with the properties of the graph contract; the shipped file if
        omitted.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per leg (not per direction), in EPSG:4326.

    Raises
    ------
    NetworkError
        Listing every problem found: a missing property, a duplicate id, a self-loop, an empty or non-line geometry,
        an unknown mode or direction.

    Examples
    --------
    >>> legs = read_legs()
    >>> bool((legs["mode"] == "sea_boat").any())
    True
    """
    source = geodata_file("legs.geojson") if path is None else Path(path)
    label, features = _read_feature_collection(source, "legs")
    problems: list[str] = []
    rows: list[dict[str, Any]] = []
    for feat, props, where in _identified(features, label, LEG_REQUIRED, "leg", problems):
        if props["from"] == props["to"]:
            problems.append(f"{where}: self-loop, 'from' and 'to' are both {props['from']!r}; a leg joins two places")
        if props["mode"] not in MODES:
            problems.append(f"{where}: unknown mode {props['mode']!r}; expected one of {sorted(MODES)}")
        if props["directions"] not in LEG_DIRECTIONS:
            problems.append(
                f"{where}: unknown directions {props['directions']!r}; expected 'north', 'south' or 'both'"
            )
        geom = _geometry(feat)
        if geom is None or not isinstance(geom, LineString) or len(geom.coords) < 2:
            raw = feat.get("geometry") or {}
            got = raw.get("type") if isinstance(raw, dict) else type(raw).__name__
            problems.append(f"{where}: geometry must be a LineString of at least two points, got {got!r}")
            continue
        props["geometry"] = geom
        rows.append(props)
    if problems:
        raise NetworkError(f"{label}: {len(problems)} problem(s) in the legs file", problems)
    if not rows:
        raise NetworkError(f"{label}: the legs file has no features; a network needs at least one leg between two "
                           "places")
    legs = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)
    legs.attrs["source"] = label
    return legs


# --------------------------------------------------------------------------------------------------- building
def build_graph(
    places: gpd.GeoDataFrame, legs: gpd.GeoDataFrame, *, name: str = "routes corridor network"
) -> nx.MultiDiGraph:
    """Build the directed multigraph from checked places and legs tables.

    Parameters
    ----------
    places, legs
        As returned by :func:`read_places` and :func:`read_legs`.
    name
        Stored as ``G.graph["name"]``.

    Returns
    -------
    networkx.MultiDiGraph
        One edge per direction a leg is travelled in (see the module docstring).

    Raises
    ------
    NetworkError
        If a leg names a place that is not in ``places`` or its line does not start and end at its places
        (within :data:`ENDPOINT_TOLERANCE_KM`), listing every such leg.
    """
    G = nx.MultiDiGraph(crs=CRS, name=name)
    for pid, row in zip(places.index, places.to_dict("records"), strict=True):  # records: no Series per row
        attrs = {k: _plain(v) for k, v in row.items() if k not in ("geometry", "id")}
        G.add_node(pid, x=float(row["geometry"].x), y=float(row["geometry"].y), **attrs)
    problems: list[str] = []
    for i, row in enumerate(legs.to_dict("records")):
        lid, a, b = str(row["id"]), row["from"], row["to"]
        unknown = [p for p in (a, b) if p not in G]
        if unknown:
            hint = "; ".join(_suggest_ids(p, G) for p in unknown)
            problems.append(f"leg {lid!r} (feature {i}): unknown place id {', '.join(map(repr, unknown))}; {hint}")
            continue
        line: LineString = row["geometry"]
        (x0, y0), (x1, y1) = line.coords[0], line.coords[-1]
        for end, (x, y), pid in (("start", (x0, y0), a), ("end", (x1, y1), b)):
            gap = geodesic_km(x, y, G.nodes[pid]["x"], G.nodes[pid]["y"])
            if gap > ENDPOINT_TOLERANCE_KM:
                problems.append(
                    f"leg {lid!r} (feature {i}): line {end} ({x:.5f}, {y:.5f}) is {gap:.1f} km from place {pid!r}; "
                    "the line must run from 'from' to 'to' (are longitude and latitude swapped?)"
                )
        attrs = {k: _plain(v) for k, v in row.items() if k not in ("geometry", "id", "from", "to", "directions")}
        attrs["length_km"] = line_length_km(line)
        attrs["length"] = attrs["length_km"] * 1000.0  # metres, as OSMnx expects
        want = (
            ("north",) if row["directions"] == "north" else ("south",) if row["directions"] == "south" else DIRECTIONS
        )
        for direction in want:
            reverse = row["directions"] == "both" and direction == "south"
            u, v = (b, a) if reverse else (a, b)
            geom = LineString(line.coords[::-1]) if reverse else line
            G.add_edge(
                u, v, key=lid, leg=lid, direction=direction, directions=row["directions"], geometry=geom, **attrs
            )
    if problems:
        source = legs.attrs.get("source")
        where = f"{source}: " if source else ""
        raise NetworkError(f"{where}{len(problems)} problem(s) joining legs to places (fix the legs' 'from'/'to' ids, "
                           "or add the places)", problems)
    return G


def read_network(
    *,
    places: str | Path | None = None,
    legs: str | Path | None = None,
    validate: bool = True,
) -> nx.MultiDiGraph:
    """Read the corridor network, without risk, from the shipped geodata (or given files).

    :func:`routes.load_network` calls this, then estimates the risk of every edge.

    Parameters
    ----------
    places, legs
        Paths of a places and a legs GeoJSON file; the shipped ``geodata/`` files when omitted.
    validate
        If true, run :func:`validate_network` and raise on any problem.

    Returns
    -------
    networkx.MultiDiGraph
        The network described in the module docstring.

    Raises
    ------
    NetworkError
        If a file is unreadable or the network is invalid; the message lists every problem.

    Examples
    --------
    >>> G = read_network()
    >>> G.graph["crs"]
    'EPSG:4326'
    >>> find_place(G, "Necocli")
    'necocli'
    """
    G = build_graph(read_places(places), read_legs(legs))
    if validate:
        validate_network(G)
    return G


# --------------------------------------------------------------------------------------------------- validation
def _country_outlines() -> dict[str, BaseGeometry]:
    """The shipped country outlines by ISO3 code (``geodata/countries.geojson``; empty if it is not there).

    Read as plain GeoJSON: a dozen polygons need no GDAL, and validating the network then imports no GIS driver.
    """
    path = geodata_file("countries.geojson")
    if not path.is_file():
        return {}
    features = json.loads(path.read_text(encoding="utf-8")).get("features") or []
    outlines: dict[str, BaseGeometry] = {}
    for feature in features:
        props = feature.get("properties") or {}
        iso = next((props[c] for c in ("iso3", "iso_a3", "ISO3", "ISO_A3") if c in props), None)
        geom = _geometry(feature)
        if iso is not None and geom is not None:
            outlines[str(iso)] = geom
    return outlines


def _km_outside(poly: BaseGeometry, x: float, y: float) -> float:
    """Geodesic distance (km) from the point ``(x, y)`` to the nearest point of ``poly`` (0 inside it)."""
    near = shapely.ops.nearest_points(poly, Point(x, y))[0]
    return float(geodesic_km(x, y, near.x, near.y))


def validate_network(
    G: nx.MultiDiGraph, *, raise_errors: bool = True, country_tolerance_km: float = COUNTRY_TOLERANCE_KM
) -> list[str]:
    """Check the network and report every problem at once.

    Checks: the CRS; every node has coordinates in range and lies in (or within ``country_tolerance_km`` of) its
    country; every edge joins known nodes, is not a self-loop, has a known mode and direction, a non-empty line that
    starts at ``u`` and ends at ``v``, and a positive ``length_km``; the network is not empty.

    Parameters
    ----------
    G
        The network.
    raise_errors
        Raise :class:`NetworkError` listing the problems (default), or only return them.
    country_tolerance_km
        How far a place may lie outside its country's polygon (the shipped Natural Earth 1:10m outlines are
        generalised by up to a few km and border posts sit on the line). Swapped latitude/longitude puts a place
        thousands of km away.

    Returns
    -------
    list of str
        The problems found (empty when the network is valid).

    Examples
    --------
    >>> validate_network(read_network())
    []
    """
    problems: list[str] = []
    if G.graph.get("crs") != CRS:
        problems.append(f"graph crs is {G.graph.get('crs')!r}; expected {CRS!r}")
    if G.number_of_nodes() == 0 or G.number_of_edges() == 0:
        problems.append(f"the network is empty ({G.number_of_nodes()} places, {G.number_of_edges()} legs)")
    problems += _place_problems(G, country_tolerance_km)
    problems += _leg_problems(G)
    if problems and raise_errors:
        raise NetworkError(f"the network has {len(problems)} problem(s)", problems)
    return problems


def _place_problems(G: nx.MultiDiGraph, country_tolerance_km: float) -> list[str]:
    """Places without coordinates, out of range, or outside their country (see :func:`validate_network`)."""
    problems: list[str] = []
    polys = _country_outlines()
    for n, d in G.nodes(data=True):
        x, y = d.get("x"), d.get("y")
        if not isinstance(x, (int, float)) or not isinstance(y, (int, float)) or math.isnan(x) or math.isnan(y):
            problems.append(f"place {n!r}: missing coordinates x/y")
            continue
        if not (-180 <= x <= 180 and -90 <= y <= 90):
            problems.append(f"place {n!r}: coordinates ({x}, {y}) out of range")
            continue
        poly = polys.get(str(d.get("country")))
        if poly is not None:
            gap_km = _km_outside(poly, x, y)
            if gap_km > country_tolerance_km:
                problems.append(
                    f"place {n!r} ({d.get('name')}): ({x:.5f}, {y:.5f}) lies {gap_km:.0f} km outside its country "
                    f"{d.get('country')!r}; check the coordinates (latitude and longitude swapped?) or the country"
                )
    return problems


def _leg_problems(G: nx.MultiDiGraph) -> list[str]:
    """Edges that loop, have an unknown mode or direction, a bad line or length (see :func:`validate_network`)."""
    problems: list[str] = []
    for u, v, k, d in G.edges(keys=True, data=True):
        where = f"edge ({u!r}, {v!r}, {k!r})"
        if u == v:
            problems.append(f"{where}: self-loop")
        if d.get("mode") not in MODES:
            problems.append(f"{where}: unknown mode {d.get('mode')!r}")
        if d.get("direction") not in DIRECTIONS:
            problems.append(f"{where}: direction {d.get('direction')!r} is not 'north' or 'south'")
        geom = d.get("geometry")
        if not isinstance(geom, LineString) or geom.is_empty:
            problems.append(f"{where}: missing or empty LineString geometry")
            continue
        for end, (px, py), node in (("start", geom.coords[0], u), ("end", geom.coords[-1], v)):
            nd = G.nodes[node]
            if "x" in nd and geodesic_km(px, py, nd["x"], nd["y"]) > ENDPOINT_TOLERANCE_KM:
                problems.append(f"{where}: line {end} is not at place {node!r}")
        if not (isinstance(d.get("length_km"), (int, float)) and d["length_km"] > 0):
            problems.append(f"{where}: length_km must be positive, got {d.get('length_km')!r}")
    return problems


def iter_legs(G: nx.MultiDiGraph) -> Iterable[str]:
    """Leg ids in the graph, each once, sorted."""
    return sorted({k for _, _, k in G.edges(keys=True)})
