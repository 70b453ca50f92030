"""Build the project's corridor geodata: ``geodata/places.geojson``, ``legs.geojson`` and ``countries.geojson``.

The places come from the shared gazetteer (``gazetteer/places.csv``, with ``places_resolved.csv`` replacing rows
of the same name), renamed to stable slugs and completed by ``geodata/sources/places_overrides.csv`` and
``geodata/sources/places_extra.csv``. The legs are authored in ``geodata/sources/legs.csv``: end points, mode,
directions, corridor, period, the intermediate vertices (``via``) that make each line follow the real way, and
the ``facts`` column naming which rows of ``flows/legs_facts.csv`` give its duration and cost.

The duration and cost of each leg are computed from ``flows/legs_facts.csv`` by :mod:`tools.leg_facts`, whose
docstring states the rules.

Run ``python -m tools.geodata build --shared ../shared/data`` from the repository root to rebuild the files.
"""

from __future__ import annotations

import csv
import itertools
import json
import logging
import math
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, mapping
from shapely.geometry.polygon import orient

from routes import vocabulary
from routes.errors import DataError
from routes.vocabulary import CONFIDENCES, GEOD, SEA_MODES, line_length_km
from tools.leg_facts import SPEED_KMH, leg_durations_and_costs, read_facts  # re-exported
from tools.topojson import features as topology_features

__all__ = [
    "CONFIDENCES", "DIRECTIONS", "ISO3_OF_NUMERIC", "KINDS", "LEG_PROPS", "MODES", "NATURAL_EARTH", "PLACE_PROPS",
    "REGION_BBOX",
    "SEA_MODES", "SPEED_KMH", "ascii_fold", "build", "build_countries", "build_legs", "build_places",
    "judged_samples", "leg_durations_and_costs", "line_length_km", "read_facts", "read_gazetteer",
    "sample_line", "write_geojson",
]  # fmt: skip

log = logging.getLogger(__name__)

MODES = frozenset(vocabulary.MODES)
KINDS = vocabulary.PLACE_KINDS
DIRECTIONS = frozenset(vocabulary.LEG_DIRECTIONS)
#: Region of the clipped country polygons: (min lon, min lat, max lon, max lat); it holds the whole network with a
#: margin (the network reaches Ixtepec, 95.1 W, and Coatzacoalcos, 18.1 N)
REGION_BBOX = (-97.0, 2.0, -74.0, 21.0)
#: ISO 3166-1 numeric id (the ``id`` of the world-atlas countries) -> ISO3, for the countries of the region
ISO3_OF_NUMERIC: dict[str, str] = {
    "084": "BLZ",
    "136": "CYM",
    "170": "COL",
    "188": "CRI",
    "192": "CUB",
    "222": "SLV",
    "320": "GTM",
    "332": "HTI",
    "340": "HND",
    "388": "JAM",
    "484": "MEX",
    "558": "NIC",
    "591": "PAN",
    "218": "ECU",
    "862": "VEN",
    "840": "USA",
    "581": "UMI",
}
PLACE_PROPS = ("id", "name", "alt_names", "country", "kind", "source", "confidence", "note")
LEG_PROPS = (
    "id",
    "from",
    "to",
    "mode",
    "directions",
    "corridor",
    "duration_h",
    "duration_source",
    "cost_usd",
    "cost_source",
    "period_start",
    "period_end",
    "source",
    "confidence",
)
NATURAL_EARTH = ("Natural Earth 1:10m Admin 0 countries (public domain), as TopoJSON in world-atlas 2.0.2 "
                 "countries-10m.json (npm, ISC licence; ../shared/data/basemap)")


def ascii_fold(text: str) -> str:
    """Return ``text`` without accents (``"Necoclí"`` -> ``"Necocli"``).

    Examples
    --------
    >>> ascii_fold("Peñas Blancas")
    'Penas Blancas'
    """
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def sample_line(line: LineString, step_km: float = 1.0) -> np.ndarray:
    """Return points every ``step_km`` (or closer) along a lon/lat line, ends and vertices included.

    Parameters
    ----------
    line
        A LineString in EPSG:4326 (lon, lat).
    step_km
        Largest geodesic gap between two samples.

    Returns
    -------
    numpy.ndarray
        Array of shape (n, 2) of (lon, lat).

    Examples
    --------
    >>> sample_line(LineString([(0, 0), (0.05, 0)]), step_km=1.0).shape
    (7, 2)
    """
    coords = list(line.coords)
    out: list[tuple[float, float]] = [coords[0][:2]]
    for (x0, y0, *_), (x1, y1, *_) in itertools.pairwise(coords):
        dist_km = GEOD.inv(x0, y0, x1, y1)[2] / 1000.0
        n_mid = max(0, math.ceil(dist_km / step_km) - 1)
        if n_mid:
            out.extend(GEOD.npts(x0, y0, x1, y1, n_mid))
        out.append((x1, y1))
    return np.asarray(out, dtype=float)


def judged_samples(line: LineString, step_km: float = 1.0, end_km: float = 1.0) -> np.ndarray:
    """Return the samples of :func:`sample_line` that lie more than ``end_km`` (along the line) from both ends.

    A land/sea check of a leg judges these points only: its end points are places on the coastline (ports,
    beaches), where a 1 km land mask cannot tell land from sea. A leg shorter than ``2 * end_km`` has none.

    Examples
    --------
    >>> judged_samples(LineString([(0, 0), (0.05, 0)])).shape
    (3, 2)
    """
    pts = sample_line(line, step_km)
    steps = GEOD.inv(pts[:-1, 0], pts[:-1, 1], pts[1:, 0], pts[1:, 1])[2] / 1000.0
    along = np.concatenate([[0.0], np.cumsum(steps)])
    keep = (along > end_km + 1e-9) & (along[-1] - along > end_km + 1e-9)
    return np.asarray(pts[keep])


def _read_csv(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        raise DataError(f"{path}: file not found; pass the folder that holds it (--shared or --sources)")
    with path.open(encoding="utf-8", newline="") as fh:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)]


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(";") if part.strip()]


def read_gazetteer(shared: Path) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Read the shared gazetteer, rows of ``places_resolved.csv`` replacing rows of the same name.

    Parameters
    ----------
    shared
        The shared data folder (holds ``gazetteer/``).

    Returns
    -------
    tuple of list of dict
        The resolved rows (with coordinates) and the unresolved rows (dropped), each in file order.
    """
    rows = _read_csv(shared / "gazetteer" / "places.csv")
    resolved = {r["name"]: r for r in _read_csv(shared / "gazetteer" / "places_resolved.csv")}
    merged = [resolved.pop(r["name"], r) for r in rows] + list(resolved.values())
    keep = [r for r in merged if r["confidence"] != "unresolved" and r["lat"] and r["lon"]]
    dropped = [r for r in merged if r not in keep]
    return keep, dropped


def build_places(shared: Path, sources: Path) -> gpd.GeoDataFrame:
    """Build the places table from the gazetteer, the overrides and the extra places.

    Parameters
    ----------
    shared
        The shared data folder.
    sources
        ``geodata/sources``: ``places_overrides.csv`` (id, fixes, added spellings, note per gazetteer name)
        and ``places_extra.csv`` (places not in the gazetteer, each with its own source).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per place, columns :data:`PLACE_PROPS` and a Point ``geometry``, in EPSG:4326.

    Raises
    ------
    DataError
        If a gazetteer name has no override row, an id repeats, or a value is outside its vocabulary.
    """
    rows, _ = read_gazetteer(shared)
    overrides = {r["name"]: r for r in _read_csv(sources / "places_overrides.csv")}
    extra_path = sources / "places_extra.csv"
    extra = _read_csv(extra_path) if extra_path.is_file() else []
    problems: list[str] = []
    records: list[dict[str, Any]] = []
    for row in rows + extra:
        fix = overrides.get(row["name"], {}) if "id" not in row else row
        if not fix.get("id"):
            problems.append(f"places_overrides.csv: no row (id) for gazetteer place {row['name']!r}; add one")
            continue
        name = row["name"]
        drop = set(_split(fix.get("alt_names_drop", "")))
        alts = _split(row.get("alt_names", "")) + _split(fix.get("alt_names_add", ""))
        if "(" in name:  # "Lajas Blancas (ETRM)" is also called "Lajas Blancas"
            alts.append(name.split("(")[0].strip())
        alts += [ascii_fold(a) for a in [name, *alts]]
        seen: dict[str, None] = {}
        for alt in alts:
            if alt and alt != name and alt not in drop:
                seen.setdefault(alt, None)
        record = {
            "id": fix["id"],
            "name": name,
            "alt_names": list(seen),
            "country": fix.get("country") or row.get("country_iso3") or row.get("country", ""),
            "kind": fix.get("kind") or row["kind"],
            "source": row["source"],
            "confidence": fix.get("confidence") or row["confidence"],
            "note": fix.get("note") or None,
            "geometry": Point(round(float(row["lon"]), 5), round(float(row["lat"]), 5)),
        }
        if record["kind"] not in KINDS:
            problems.append(f"place {record['id']!r}: kind {record['kind']!r} not in {sorted(KINDS)}")
        if record["confidence"] not in CONFIDENCES:
            problems.append(
                f"place {record['id']!r}: confidence {record['confidence']!r} not in {sorted(CONFIDENCES)}"
            )
        records.append(record)
    ids = [r["id"] for r in records]
    problems += [
        f"place id {i!r} used {ids.count(i)} times; ids must be unique"
        for i in sorted(set(ids))
        if ids.count(i) > 1
    ]
    if problems:
        raise DataError("cannot build places", problems)
    return gpd.GeoDataFrame(records, geometry="geometry", crs="EPSG:4326")


def _parse_via(text: str, leg_id: str) -> list[tuple[float, float]]:
    pairs = [p.split() for p in text.split(",") if p.strip()]
    if any(len(p) != 2 for p in pairs):
        raise DataError(f"legs.csv leg {leg_id!r}: via must be 'lon lat, lon lat, ...'; got {text!r}")
    return [(float(x), float(y)) for x, y in pairs]


def _leg_row_problems(row: dict[str, str], where: str, xy: dict[str, tuple[float, float]]) -> list[str]:
    """What is wrong with one row of ``legs.csv``: unknown places, modes, directions or confidence, bad dates, a
    loop."""
    problems: list[str] = []
    for end in ("from", "to"):
        if row[end] not in xy:
            problems.append(f"{where}: unknown place id {row[end]!r} in {end!r}")
    for col, vocab in (("mode", MODES), ("directions", DIRECTIONS), ("confidence", CONFIDENCES)):
        if row[col] not in vocab:
            problems.append(f"{where}: {col} {row[col]!r} not in {sorted(vocab)}")
    for col in ("period_start", "period_end"):
        if row[col] and not pd.notna(pd.to_datetime(row[col], format="%Y-%m-%d", errors="coerce")):
            problems.append(f"{where}: {col} {row[col]!r} is not a YYYY-MM-DD date")
    if row["from"] == row["to"]:
        problems.append(f"{where}: from and to are the same place")
    return problems


def build_legs(places: gpd.GeoDataFrame, sources: Path, facts: pd.DataFrame | None) -> gpd.GeoDataFrame:
    """Build the legs table from ``sources/legs.csv``, the places and the leg facts.

    Parameters
    ----------
    places
        Output of :func:`build_places`.
    sources
        ``geodata/sources``.
    facts
        ``flows/legs_facts.csv`` as strings, or None.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per leg, columns :data:`LEG_PROPS` and a LineString ``geometry`` from ``from`` to ``to``.

    Raises
    ------
    DataError
        Listing every unknown place, mode, direction, confidence, bad date or duplicate id.
    """
    rows = _read_csv(sources / "legs.csv")
    xy = {pid: (geom.x, geom.y) for pid, geom in zip(places["id"], places.geometry, strict=True)}
    problems: list[str] = []
    records = []
    for n, row in enumerate(rows, start=2):
        problems += _leg_row_problems(row, f"legs.csv line {n} leg {row['id']!r}", xy)
        if problems:
            continue
        coords = [xy[row["from"]], *_parse_via(row["via"], row["id"]), xy[row["to"]]]
        records.append({**row, "geometry": LineString(coords)})
    ids = [r["id"] for r in rows]
    problems += [f"leg id {i!r} used {ids.count(i)} times" for i in sorted(set(ids)) if ids.count(i) > 1]
    if problems:
        raise DataError("cannot build legs", problems)
    legs = gpd.GeoDataFrame(records, geometry="geometry", crs="EPSG:4326")
    legs["length_km"] = [line_length_km(g) for g in legs.geometry]
    values = leg_durations_and_costs(legs, facts)
    for col in values.columns:
        legs[col] = [values.loc[i, col] for i in legs["id"]]
    for col in ("period_start", "period_end"):
        legs[col] = [v or None for v in legs[col]]
    return legs[[*LEG_PROPS, "geometry"]]


def build_countries(shared: Path, bbox: tuple[float, float, float, float] = REGION_BBOX) -> gpd.GeoDataFrame:
    """The Natural Earth 1:10m countries of ``shared``/basemap/countries-10m.json (TopoJSON), clipped to ``bbox``.

    The TopoJSON is decoded by :mod:`tools.topojson`; the ISO 3166-1 numeric ids of the file become ISO3 codes by
    :data:`ISO3_OF_NUMERIC`. Units without an ISO id (USNB Guantánamo Bay, Bajo Nuevo Bank, Serranilla Bank) are kept
    with a null ``iso3``: they are land. Coordinates are snapped to 5 decimals and every ring is oriented as RFC 7946
    asks (exterior rings counter-clockwise, holes clockwise).

    Raises
    ------
    DataError
        If the base map file is missing, or a country in the region has an ISO numeric id the table lacks.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``name``, ``iso3``, ``source`` and the clipped ``geometry``, sorted by ``iso3`` then ``name``.
    """
    path = shared / "basemap" / "countries-10m.json"
    if not path.is_file():
        raise DataError(f"{path}: file not found; pass the shared data folder that holds basemap/ (--shared)")
    topo = json.loads(path.read_text(encoding="utf-8"))
    region = shapely.box(*bbox)
    rows, problems = [], []
    for feat in topology_features(topo, "countries", bbox=bbox):
        geom = shapely.set_precision(feat["geometry"].intersection(region), 1e-5)
        polys = [g for g in getattr(geom, "geoms", [geom]) if isinstance(g, Polygon) and not g.is_empty]
        if not polys:
            continue
        code = feat["id"]
        if code is not None and code not in ISO3_OF_NUMERIC:
            problems.append(f"{path.name}: country {feat['properties'].get('name')!r} has ISO numeric id {code!r}, "
                            "which ISO3_OF_NUMERIC lacks; add it")
            continue
        oriented = [orient(p, sign=1.0) for p in polys]
        rows.append({"name": feat["properties"].get("name"), "iso3": ISO3_OF_NUMERIC.get(code) if code else None,
                     "source": NATURAL_EARTH,
                     "geometry": oriented[0] if len(oriented) == 1 else MultiPolygon(oriented)})
    if problems:
        raise DataError("cannot build countries", problems)
    rows.sort(key=lambda r: (r["iso3"] or "~", r["name"]))
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def _round_coords(obj: Any) -> Any:
    if isinstance(obj, (list, tuple)):
        return [_round_coords(v) for v in obj]
    return round(float(obj), 5)


def _clean(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def write_geojson(gdf: gpd.GeoDataFrame, path: Path, props: Sequence[str], name: str) -> Path:
    """Write ``gdf`` as a deterministic RFC 7946 FeatureCollection, one feature per line, 5-decimal coordinates.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    lines = []
    for row, geom in zip(gdf[list(props)].to_dict("records"), gdf.geometry, strict=True):
        g = mapping(geom)
        feature = {
            "type": "Feature",
            "properties": {k: _clean(v) for k, v in row.items()},
            "geometry": {"type": g["type"], "coordinates": _round_coords(g["coordinates"])},
        }
        lines.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
    text = (
        '{"type":"FeatureCollection","name":'
        + json.dumps(name)
        + ',"features":[\n'
        + ",\n".join(lines)
        + "\n]}\n"
    )
    path.write_text(text, encoding="utf-8")
    return path


def build(shared: Path, out: Path, *, sources: Path | None = None, countries: bool = True) -> list[Path]:
    """Build ``places.geojson``, ``legs.geojson`` and (optionally) ``countries.geojson`` into ``out``.

    Parameters
    ----------
    shared
        The shared data folder (``gazetteer/``, ``flows/``, ``basemap/``).
    out
        Output folder (normally the repository's ``geodata/``).
    sources
        Leg and place sources; default ``out / "sources"``.
    countries
        Also write the clipped Natural Earth 1:10m countries.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    sources = sources or out / "sources"
    places = build_places(shared, sources)
    legs = build_legs(places, sources, read_facts(shared))
    written = [
        write_geojson(places, out / "places.geojson", PLACE_PROPS, "places"),
        write_geojson(legs, out / "legs.geojson", LEG_PROPS, "legs"),
    ]
    if countries:
        written.append(
            write_geojson(
                build_countries(shared), out / "countries.geojson", ("name", "iso3", "source"), "countries"
            )
        )
    log.info("wrote %d places and %d legs to %s", len(places), len(legs), out)
    return written
