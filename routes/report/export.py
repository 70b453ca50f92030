"""Write the network, attributed incidents and ranked paths as GIS files (GeoJSON and GeoPackage).

Layouts (columns, types and units of every layer: ``docs/COLUMNS.md``)
----------------------------------------------------------------------
* A network as GeoJSON is two files with one geometry type each, as QGIS expects: ``PATH`` holds the
  **legs** (one LineString per directed edge), the sibling ``<stem>.places<suffix>`` the **places** (Points),
  and ``<stem>.qml`` and ``<stem>.places.qml`` beside them are their QGIS styles (QGIS loads a ``.qml`` named
  like the layer's file as its default style): the legs coloured by risk in classes fitted to the legs written
  (:mod:`routes.report.style`, :mod:`routes.report.classes`), the places by kind.
* Attributed incidents or ranked paths (a GeoDataFrame) as GeoJSON is one file; incidents get their style
  (circles sized by dead and missing) in ``<stem>.qml``.
* A GeoPackage (version 1.2, which QGIS 3.22 and GDAL 3.4 read without a warning) holds the layers ``places``,
  ``legs``, ``incidents`` and ``paths`` (those given) and a ``layer_styles`` table with the default style of
  ``legs``, ``places`` and ``incidents``. The legs' ``period_start`` and ``period_end`` are DATE fields.

Every output says where it came from (:func:`routes.report.provenance.provenance`: package version, incident
snapshot and its sha256, incident window, ``as_of``, direction, scenario): the GeoJSON ``metadata`` member and, in a
GeoPackage, the dataset metadata item ``routes_provenance`` and each layer's ``routes`` item. Metadata holds no
absolute local path (:func:`routes.report.provenance.scrub_paths`).

GeoJSON follows RFC 7946: a FeatureCollection in WGS84 longitude/latitude, no ``crs`` member,
coordinates rounded to at most 7 decimals, plain-JSON properties (arrays, objects, ISO 8601 datetimes,
``null`` for missing values); ``seq=True`` or a ``.geojsons`` suffix writes GeoJSON Text Sequences
(RFC 8142). A GeoPackage stores arrays and objects as JSON text. Every file is written to a temporary file
in its directory, flushed to disk and renamed over the target (:func:`routes.io.atomic.atomic_write`), so an
error, a full disk or Ctrl-C leaves the previous file as it was. A GeoPackage is the same bytes on every run with
the same inputs: its timestamps are :data:`GPKG_TIMESTAMP` (or ``SOURCE_DATE_EPOCH`` when set), not the clock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import math
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from enum import Enum
from numbers import Integral, Real
from pathlib import Path
from typing import Any, cast

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from routes.errors import ArgumentError, ArgumentTypeError, DataError
from routes.io.atomic import atomic_write
from routes.io.resources import geodata_file
from routes.model.estimate import estimate_of
from routes.network.convert import graph_to_gdfs
from routes.report.classes import RISK_FIELD, leg_classes, risk_per_100km
from routes.report.provenance import provenance as _provenance
from routes.report.provenance import scrub_paths
from routes.report.style import incidents_qml, legs_qml, places_qml

log = logging.getLogger(__name__)

LAYERS = ("places", "legs", "incidents", "paths")
#: leading columns of the places layer (other node attributes follow, sorted; ``x``, ``y`` are the geometry)
PLACE_COLUMNS = ("id", "name", "alt_names", "country", "kind", "confidence", "source", "note")
#: leading columns of the legs layer, always present (other edge attributes follow, sorted)
LEG_COLUMNS = ("id", "leg", "direction", "from", "to", "from_name", "to_name", "mode", "corridor", "length_km",
               "duration_h", "cost_usd", "p_death", "p_death_lo", "p_death_hi", "deaths_per_1000",
               "deaths_per_1000_lo", "deaths_per_1000_hi", RISK_FIELD, "deaths", "exposure", "exposure_lo",
               "exposure_hi", "incidents", "evidence", "risk_shape", "risk_rate", "season")
#: columns of the legs layer written only when an edge has them (the share of the estimate that is prior, and the
#: leg's own deaths over its travellers)
OPTIONAL_LEG_COLUMNS = ("prior_weight", "crude_rate")
_LEG_FLOATS = frozenset({"length_km", "duration_h", "cost_usd", "p_death", "p_death_lo", "p_death_hi",
                         "deaths_per_1000", "deaths_per_1000_lo", "deaths_per_1000_hi", RISK_FIELD, "deaths",
                         "exposure", "exposure_lo", "exposure_hi", "incidents", "risk_shape", "risk_rate",
                         "prior_weight", "crude_rate"})
#: columns written as DATE fields in a GeoPackage (ISO dates "YYYY-MM-DD" in GeoJSON)
DATE_COLUMNS = ("period_start", "period_end")
GEOJSON_SUFFIXES = (".geojson", ".json", ".geojsons")
STYLE_FILE, STYLE_NAME = "legs_risk.qml", "legs_risk"
#: GeoPackage version written (GDAL's VERSION creation option); SQLite ``user_version`` 10200
GPKG_VERSION = "1.2"
_GEOMETRY_TYPES = {"places": "Point", "legs": "LineString", "incidents": "Point", "paths": "LineString"}
_RS = b"\x1e"
#: the time written in a GeoPackage's ``gpkg_contents.last_change`` and ``layer_styles.update_time``, so that a rerun
#: writes the same bytes (``SOURCE_DATE_EPOCH``, the reproducible-builds convention, overrides it)
GPKG_TIMESTAMP = "2000-01-01T00:00:00Z"


# ----------------------------------------------------------------------------------------- plain JSON values
_NOT_SCALAR = object()


def _json_scalar(value: Any) -> Any:
    """A scalar as plain JSON (None for every missing value, ISO 8601 strings), or ``_NOT_SCALAR``."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Real):
        f = float(value)
        return f if math.isfinite(f) else None
    if isinstance(value, str):
        return value
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else pd.Timestamp(value).isoformat()
    if isinstance(value, dt.date | dt.time):  # pandas Timestamp and datetime included
        return value.isoformat()
    return _NOT_SCALAR


def _json_value(value: Any, where: str) -> Any:
    """One value as plain JSON: None for every missing value, arrays, objects, ISO 8601 strings."""
    scalar = _json_scalar(value)
    if scalar is not _NOT_SCALAR:
        return scalar
    if isinstance(value, Mapping):
        return {str(k): _json_value(v, f"{where}[{k!r}]") for k, v in value.items()}
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, list | tuple):
        return [_json_value(v, where) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((_json_value(v, where) for v in value), key=repr)
    if isinstance(value, Enum):
        return _json_value(value.value, where)
    if isinstance(value, BaseGeometry):
        raise DataError(f"{where}: holds a shapely geometry ({value.geom_type}); a feature has one geometry: "
                        "drop that column or store it as WKT text (geometry.wkt)")
    raise DataError(f"{where}: cannot write a {type(value).__name__} value ({value!r:.60}) as plain JSON; "
                    "convert the column to numbers, strings, lists or dicts first")


def _metadata(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON-ready part of ``attrs`` (objects that are not plain JSON are left out), with no local path."""
    out: dict[str, Any] = {}
    for key, value in attrs.items():
        try:
            out[str(key)] = _json_value(value, f"attrs[{key!r}]")
        except DataError:
            log.debug("metadata %r is not plain JSON; left out", key)
    return cast(dict[str, Any], scrub_paths(out))


# ---------------------------------------------------------------------------------------------- layer tables
def _wgs84(gdf: gpd.GeoDataFrame, what: str) -> gpd.GeoDataFrame:
    if gdf.crs is None:
        log.warning("%s has no CRS; assuming EPSG:4326 longitude/latitude", what)
        return gdf.set_crs("EPSG:4326")
    return gdf if gdf.crs.equals("EPSG:4326") else gdf.to_crs("EPSG:4326")


def _network_tables(G: nx.MultiDiGraph, provenance: Mapping[str, Any] | None = None,
                    ) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The places and legs layers of a graph, columns in their documented order, rows sorted by id."""
    nodes, edges = graph_to_gdfs(G)
    meta = _metadata({**{k: v for k, v in G.graph.items() if k not in ("crs", "provenance")},
                      "provenance": provenance if provenance is not None else _provenance(G)})
    places = nodes.drop(columns=[c for c in ("x", "y", "id") if c in nodes.columns]).reset_index()
    places = places.sort_values("id", kind="stable").reset_index(drop=True)
    legs = edges.drop(columns=[c for c in ("id", "from", "to") if c in edges.columns]).reset_index()
    legs = legs.rename(columns={"u": "from", "v": "to"})
    legs["leg"] = legs["leg"].fillna(legs["key"]) if "leg" in legs.columns else legs["key"]
    legs = legs.drop(columns="key")
    if "direction" not in legs.columns:
        legs["direction"] = None
    legs["id"] = [f"{leg}:{d}" if isinstance(d, str) and d else str(leg)
                  for leg, d in zip(legs["leg"], legs["direction"], strict=True)]
    if "p_death" not in legs.columns:
        log.info("the graph has no risk estimate; the risk columns of the legs layer are null")
    names = {n: d.get("name", n) for n, d in G.nodes(data=True)}
    legs["from_name"], legs["to_name"] = legs["from"].map(names), legs["to"].map(names)
    missing = pd.Series(np.nan, index=legs.index)
    for end in ("", "_lo", "_hi"):
        legs[f"deaths_per_1000{end}"] = 1000.0 * pd.to_numeric(legs.get(f"p_death{end}", missing), errors="coerce")
    legs[RISK_FIELD] = [risk_per_100km(p, km) for p, km in
                        zip(legs.get("p_death", missing), legs.get("length_km", missing), strict=True)]
    lead_legs = (*LEG_COLUMNS, *(c for c in OPTIONAL_LEG_COLUMNS if c in legs.columns))
    for col in lead_legs:
        if col not in legs.columns:
            legs[col] = np.nan if col in _LEG_FLOATS else None
        elif col in _LEG_FLOATS:
            legs[col] = pd.to_numeric(legs[col], errors="coerce").astype("float64")
    legs = legs.sort_values(["leg", "direction"], kind="stable").reset_index(drop=True)
    out = []
    for gdf, lead in ((places, PLACE_COLUMNS), (legs, lead_legs)):
        for col in lead:
            if col not in gdf.columns:
                gdf[col] = None
        rest = sorted(c for c in gdf.columns if c not in lead and c != gdf.geometry.name)
        gdf = gdf[[*lead, *rest, gdf.geometry.name]]
        gdf = gdf if gdf.geometry.name == "geometry" else gdf.rename_geometry("geometry")
        gdf.attrs = dict(meta)
        out.append(_wgs84(gdf, "the network"))
    return out[0], out[1]


def _frame_table(gdf: gpd.GeoDataFrame, provenance: Mapping[str, Any] | None = None) -> gpd.GeoDataFrame:
    """A copy ready to write: named index levels as columns, one geometry, no NaN points, WGS84, provenance."""
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf._geometry_column_name not in gdf.columns:
        raise DataError("expected a GeoDataFrame with an active geometry column; "
                        "set one with set_geometry(...)")
    out = gdf.reset_index() if any(n is not None for n in gdf.index.names) else gdf.reset_index(drop=True)
    extra = [c for c in out.columns
             if c != out.geometry.name and isinstance(out[c].dtype, gpd.array.GeometryDtype)]
    if extra:
        log.info("dropping extra geometry column(s) %s: a feature has one geometry", extra)
        out = out.drop(columns=extra)
    out.columns = [str(c) for c in out.columns]
    out = out if out.geometry.name == "geometry" else out.rename_geometry("geometry")
    geoms = out.geometry.to_numpy()
    no_position = (shapely.get_type_id(geoms) == 0) & np.isnan(shapely.get_x(geoms))  # Point(nan, nan)
    if no_position.any():
        out.loc[no_position, "geometry"] = None
    given = provenance if provenance is not None else gdf.attrs.get("provenance") or _provenance(
        direction=gdf.attrs.get("direction"), scenario=gdf.attrs.get("scenario"))
    out.attrs = _metadata({**gdf.attrs, "provenance": given})
    return _wgs84(out, "the frame")


def _kind(gdf: gpd.GeoDataFrame) -> str | None:
    cols = set(map(str, gdf.columns))
    return "paths" if {"legs", "nodes"} <= cols else "incidents" if "main_id" in cols else None


# --------------------------------------------------------------------------------------------- atomic writes
def _gpkg_time() -> pd.Timestamp:
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return pd.Timestamp(int(epoch), unit="s", tz="UTC")
    return pd.Timestamp(GPKG_TIMESTAMP)


@contextlib.contextmanager
def _fixed_gdal_date() -> Iterator[None]:
    """Make GDAL stamp the GeoPackage with :func:`_gpkg_time` instead of the clock (``OGR_CURRENT_DATE``)."""
    old = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": _gpkg_time().strftime("%Y-%m-%dT%H:%M:%S.000Z")})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": old})


def _check_target(path: str | os.PathLike[str], suffixes: Iterable[str], fix: str) -> Path:
    target = Path(path)
    if target.suffix.lower() not in tuple(suffixes):
        raise DataError(f"cannot write {str(target)!r}: unsupported suffix {target.suffix!r}; {fix}")
    if not target.parent.is_dir():
        raise DataError(f"cannot write {str(target)!r}: the directory {str(target.parent)!r} does not exist; "
                        "create it first (mkdir -p) or choose another path")
    if target.is_dir():
        raise DataError(f"cannot write {str(target)!r}: it is a directory; give a file name")
    return target


# -------------------------------------------------------------------------------------------------- GeoJSON
def _number(x: float, precision: int) -> str:
    if not math.isfinite(x):
        raise DataError(f"a coordinate is {x!r}; GeoJSON needs finite longitude/latitude: fix or drop it")
    text = f"{x:.{precision}f}".rstrip("0").rstrip(".") if precision else f"{x:.0f}"
    return "0" if text in ("-0", "") else text


def _coords(c: Any, precision: int, where: str) -> str:
    if c and isinstance(c[0], Real):
        if not (-180 <= float(c[0]) <= 180 and -90 <= float(c[1]) <= 90):
            raise DataError(f"{where}: position {tuple(c)} is outside longitude/latitude range; set the "
                            "frame's real CRS (set_crs) so it is reprojected to EPSG:4326")
        return "[" + ", ".join(_number(float(v), precision) for v in c) + "]"
    return "[" + ", ".join(_coords(v, precision, where) for v in c) + "]"


def _geometry_text(geom: BaseGeometry | None, precision: int, where: str) -> str:
    if geom is None or geom.is_empty:
        return "null"
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        geom = shapely.orient_polygons(geom)  # RFC 7946: exterior rings counterclockwise
    if geom.geom_type == "GeometryCollection":
        inner = ", ".join(_geometry_text(g, precision, where) for g in geom.geoms)
        return f'{{"type": "GeometryCollection", "geometries": [{inner}]}}'
    m = mapping(geom)
    return f'{{"type": "{m["type"]}", "coordinates": {_coords(m["coordinates"], precision, where)}}}'


def _feature_text(props: dict[str, Any], geom: BaseGeometry | None, precision: int, where: str) -> str:
    body = json.dumps(props, ensure_ascii=False, allow_nan=False)
    geometry = _geometry_text(geom, precision, where)
    return f'{{"type": "Feature", "properties": {body}, "geometry": {geometry}}}'


def _features(gdf: gpd.GeoDataFrame, name: str, precision: int) -> Iterable[str]:
    columns = [c for c in gdf.columns if c != "geometry"]
    geoms = gdf.geometry.to_numpy()
    for i, row in enumerate(gdf[columns].itertuples(index=False, name=None)):
        where = f"layer {name!r}, row {i}"
        props = {c: _json_value(v, f"{where}, column {c!r}") for c, v in zip(columns, row, strict=True)}
        yield _feature_text(props, geoms[i], precision, where)


def _text_writer(text: str) -> Callable[[Path], None]:
    def write(tmp: Path) -> None:
        tmp.write_bytes(text.encode("utf-8"))

    return write


def _geojson_writer(gdf: gpd.GeoDataFrame, name: str, seq: bool, precision: int) -> Callable[[Path], None]:
    def write(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            if seq:
                fh.writelines(_RS + text.encode() + b"\n" for text in _features(gdf, name, precision))
                return
            head: dict[str, Any] = {"type": "FeatureCollection", "name": name}
            if gdf.attrs:
                head["metadata"] = gdf.attrs
            fh.write(json.dumps(head, ensure_ascii=False, allow_nan=False)[:-1].encode() + b', "features": [')
            fh.writelines((b",\n" if i else b"\n") + text.encode()
                          for i, text in enumerate(_features(gdf, name, precision)))
            fh.write(b"\n]}\n")

    return write


def legs_style(G: nx.MultiDiGraph | None = None) -> str:
    """The QGIS style (QML) of the legs layer, graduated on the risk per 100 km (:mod:`routes.report.style`,
    :mod:`routes.report.classes`).

    Parameters
    ----------
    G
        The network whose legs are styled: the classes are fitted to its legs, and legs whose estimate is mostly
        prior are drawn dashed and pale when its edges carry ``prior_weight``. Without it, the shipped style
        ``geodata/legs_risk.qml``, fitted to the shipped network (``python -m tools.style`` rebuilds it).

    Examples
    --------
    >>> 'type="graduatedSymbol"' in legs_style() and "deaths_per_1000_100km" in legs_style()
    True
    """
    if G is None:
        return geodata_file(STYLE_FILE).read_text(encoding="utf-8")
    prior = any("prior_weight" in d for *_, d in G.edges(data=True))
    return legs_qml(leg_classes(G), prior_weight=prior)


def to_geojson(obj: nx.MultiDiGraph | gpd.GeoDataFrame, path: str | os.PathLike[str], *, seq: bool = False,
               precision: int = 7, provenance: Mapping[str, Any] | None = None) -> list[Path]:
    """Write a network, attributed incidents or ranked paths as RFC 7946 GeoJSON.

    Parameters
    ----------
    obj
        A network graph: the legs go to ``path``, the places to ``<stem>.places<suffix>``, their QGIS styles to
        ``<stem>.qml`` and ``<stem>.places.qml``. Or a GeoDataFrame: attributed incidents (with their style in
        ``<stem>.qml``), ranked paths or any other. Not modified.
    path
        ``.geojson`` or ``.json`` for a FeatureCollection; ``.geojsons`` for GeoJSON Text Sequences.
    seq
        Write GeoJSON Text Sequences (RFC 8142: each feature after an RS character, ending in a newline).
    precision
        Decimals of the coordinates, 0 to 7.
    provenance
        The ``provenance`` member of ``metadata`` (:func:`routes.report.provenance.provenance`); by default that of
        the network, or the frame's ``attrs["provenance"]``, else the package version alone.

    Returns
    -------
    list of pathlib.Path
        The files written, ``path`` first.

    Raises
    ------
    DataError
        If the directory of ``path`` does not exist, its suffix is not a GeoJSON one, a position is not
        longitude/latitude, or a value cannot be written as plain JSON. The previous file is left intact.

    Examples
    --------
    >>> import tempfile
    >>> from routes.load import load_network
    >>> G = load_network(risk=False)
    >>> written = to_geojson(G, Path(tempfile.mkdtemp()) / "network.geojson")
    >>> [p.name for p in written]
    ['network.geojson', 'network.places.geojson', 'network.qml', 'network.places.qml']
    >>> legs = json.loads(written[0].read_text(encoding="utf-8"))
    >>> len(legs["features"]) == G.number_of_edges()
    True
    """
    if not (isinstance(precision, int) and 0 <= precision <= 7):
        raise ArgumentError(f"precision must be an integer from 0 to 7 (RFC 7946 advice), got {precision!r}")
    target = _check_target(path, GEOJSON_SUFFIXES, "use .geojson (or .geojsons for GeoJSON Text Sequences), "
                           "or to_geopackage for .gpkg")
    seq = seq or target.suffix.lower() == ".geojsons"
    if isinstance(obj, nx.Graph):
        places, legs = _network_tables(obj, provenance)
        places_path = target.with_name(f"{target.stem}.places{target.suffix}")
        jobs = [(target, _geojson_writer(legs, "legs", seq, precision)),
                (places_path, _geojson_writer(places, "places", seq, precision)),
                (target.with_suffix(".qml"), _text_writer(legs_style(obj))),
                (places_path.with_suffix(".qml"), _text_writer(places_qml()))]
        log.info("writing %d legs to %s and %d places to %s", len(legs), target, len(places), places_path)
    elif isinstance(obj, gpd.GeoDataFrame):
        table = _frame_table(obj, provenance)
        jobs = [(target, _geojson_writer(table, _kind(obj) or target.stem, seq, precision))]
        if _kind(obj) == "incidents":
            jobs.append((target.with_suffix(".qml"), _text_writer(incidents_qml())))
        log.info("writing %d features to %s", len(table), target)
    else:
        raise ArgumentTypeError(f"to_geojson: expected a network graph or a GeoDataFrame, got {type(obj).__name__}")
    atomic_write(jobs)
    return [t for t, _ in jobs]


# ----------------------------------------------------------------------------------------------- GeoPackage
def _gpkg_frame(gdf: gpd.GeoDataFrame, name: str) -> gpd.GeoDataFrame:
    """Object columns as GeoPackage stores them: text as is, anything else (arrays, objects) as JSON text."""
    out = gdf.copy()
    for col in out.columns:
        dtype = out[col].dtype
        if col == "geometry" or not (dtype == np.dtype(object) or isinstance(dtype, pd.CategoricalDtype)):
            continue
        plain = [_json_value(v, f"layer {name!r}, column {col!r}") for v in out[col].astype(object)]
        if not all(v is None or isinstance(v, str) for v in plain):
            plain = [None if v is None else json.dumps(v, ensure_ascii=False) for v in plain]
        out[col] = pd.Series(plain, index=out.index, dtype=object)
    return out


def _gpkg_dates(values: pd.Series) -> np.ndarray:
    """ISO dates (text, dates or timestamps; None for open) as numpy days, which GDAL writes as a DATE field."""
    days = [pd.Timestamp(v).date().isoformat() if isinstance(v, dt.date | np.datetime64) and not pd.isna(v)
            else str(v)[:10] if isinstance(v, str) and v else "NaT" for v in values]
    try:
        return np.array(days, dtype="datetime64[D]")
    except ValueError as err:
        raise DataError(f"column {values.name!r}: expected ISO dates YYYY-MM-DD or null, got {err}; fix the legs' "
                        "period_start/period_end") from None


def _write_gpkg_layer(table: gpd.GeoDataFrame, path: Path, name: str, **options: Any) -> None:
    """Write one layer; the columns of :data:`DATE_COLUMNS` become DATE fields (GDAL's raw writer keeps numpy days)."""
    dates = [c for c in DATE_COLUMNS if c in table.columns]
    geometry_type = None if len(table) else _GEOMETRY_TYPES.get(name)
    if not dates:
        pyogrio.write_dataframe(table, path, layer=name, driver="GPKG", geometry_type=geometry_type, **options)
        return
    fields = [c for c in table.columns if c != "geometry"]
    data: list[np.ndarray] = []
    masks: list[np.ndarray | None] = []
    for col in fields:
        values = table[col].array
        if col in dates:
            data.append(_gpkg_dates(table[col]))
            masks.append(None)
        elif isinstance(values, pd.arrays.IntegerArray | pd.arrays.FloatingArray | pd.arrays.BooleanArray):
            data.append(values._data)
            masks.append(values._mask)
        elif isinstance(values, pd.api.extensions.ExtensionArray) and not isinstance(
            values, pd.arrays.NumpyExtensionArray
        ):
            data.append(np.asarray(values, dtype=object))
            masks.append(np.asarray(values.isna()))
        else:
            data.append(table[col].to_numpy())
            masks.append(None)
    kinds = sorted({t for t in table.geometry.geom_type.dropna()})
    pyogrio.raw.write(path, shapely.to_wkb(table.geometry.to_numpy()), data, fields, field_mask=masks, layer=name,
                      driver="GPKG", crs="EPSG:4326",
                      geometry_type=kinds[0] if len(kinds) == 1 else geometry_type or "Unknown", **options)


def _styles_table(styles: Mapping[str, tuple[str, str, str]]) -> pd.DataFrame:
    """The ``layer_styles`` rows QGIS reads default styles from (GDAL's geometry column is ``geom``)."""
    now = _gpkg_time().tz_localize(None)  # fixed, so a rerun writes the same bytes
    return pd.DataFrame({
        "f_table_catalog": "", "f_table_schema": "", "f_table_name": list(styles), "f_geometry_column": "geom",
        "styleName": [s[0] for s in styles.values()], "styleQML": [s[1] for s in styles.values()], "styleSLD": "",
        "useAsDefault": True, "description": [s[2] for s in styles.values()], "owner": "", "ui": "",
        "update_time": now,
    })


def to_geopackage(G: nx.MultiDiGraph, path: str | os.PathLike[str], *,
                  incidents: gpd.GeoDataFrame | None = None, paths: gpd.GeoDataFrame | None = None,
                  layers: Iterable[str] = LAYERS, provenance: Mapping[str, Any] | None = None) -> Path:
    """Write one GeoPackage 1.2 with the layers ``places``, ``legs``, ``incidents`` and ``paths`` (those given).

    Parameters
    ----------
    G
        The network, ideally with risk estimated; not modified.
    path
        A ``.gpkg`` file; replaced atomically if it exists.
    incidents
        Attributed incidents (:func:`routes.model.attribution.attribute_incidents`): the layer ``incidents``; by default
        the incidents the graph's risk estimate attributed (:func:`routes.model.estimate.estimate_of`), when it has one.
    paths
        Ranked paths (:func:`routes.query.scoring.rank_paths`): the layer ``paths``.
    layers
        Which layers to write (``incidents`` when given or estimated, ``paths`` only when given).
    provenance
        Where the file comes from (:func:`routes.report.provenance.provenance`); by default that of ``G``, with the
        direction and scenario of ``paths`` when given.

    Returns
    -------
    pathlib.Path
        The file, GeoPackage version 1.2. Arrays and objects are JSON text, ``period_start`` and ``period_end``
        DATE fields; the provenance is the dataset metadata item ``routes_provenance`` (JSON) and a frame's
        ``attrs`` are the layer metadata item ``routes`` (JSON); the ``layer_styles`` table holds the default QGIS
        style of ``legs`` (risk classes fitted to these legs), ``places`` and ``incidents``.

    Raises
    ------
    DataError
        If the directory does not exist, the suffix is not ``.gpkg`` or a value cannot be written.
    ValueError
        If ``layers`` names an unknown layer or leaves nothing to write.

    Examples
    --------
    >>> import sqlite3, tempfile
    >>> from routes.load import load_network
    >>> G = load_network(risk=False)
    >>> out = to_geopackage(G, Path(tempfile.mkdtemp()) / "routes.gpkg")
    >>> [str(name) for name, _ in pyogrio.list_layers(out)]
    ['places', 'legs', 'layer_styles']
    >>> sqlite3.connect(out).execute("PRAGMA user_version").fetchone()  # GeoPackage 1.2
    (10200,)
    """
    wanted = list(dict.fromkeys(layers))
    unknown = [name for name in wanted if name not in LAYERS]
    if unknown:
        raise ArgumentError(f"to_geopackage: unknown layer(s) {unknown!r}; choose from {list(LAYERS)!r}")
    target = _check_target(path, (".gpkg",), "use .gpkg (or to_geojson for .geojson)")
    estimate = estimate_of(G)
    if incidents is None and "incidents" in wanted and estimate is not None:
        incidents = estimate.incidents  # the incidents the estimate attributed, by default
    if provenance is None:
        attrs = paths.attrs if paths is not None else {}
        provenance = _provenance(G, direction=attrs.get("direction"), scenario=attrs.get("scenario"))
    places, legs = _network_tables(G, provenance) if {"places", "legs"} & set(wanted) else (None, None)
    given = {"places": places, "legs": legs,
             "incidents": None if incidents is None else _frame_table(incidents, provenance),
             "paths": None if paths is None else _frame_table(paths, provenance)}
    tables = {name: _gpkg_frame(given[name], name) for name in wanted if given[name] is not None}
    if not tables:
        raise ArgumentError(f"to_geopackage: nothing to write for layers={wanted!r}; pass incidents= or paths=, "
                         "or keep 'places' and 'legs'")
    styles = {name: style for name, style in (
        ("legs", (STYLE_NAME, legs_style(G), "legs coloured by risk per 100 km, classes fitted to these legs")),
        ("places", ("places_kind", places_qml(), "places by kind")),
        ("incidents", ("incidents_size", incidents_qml(), "incidents sized by dead and missing")),
    ) if name in tables}

    def write_layers(tmp: Path) -> None:
        for i, (name, table) in enumerate(tables.items()):
            meta = {"routes": json.dumps(table.attrs, ensure_ascii=False)} if table.attrs else None
            first = {"dataset_options": {"VERSION": GPKG_VERSION},
                     "dataset_metadata": {"routes_provenance": json.dumps(scrub_paths(dict(provenance)),
                                                                          ensure_ascii=False)}} if i == 0 else {}
            _write_gpkg_layer(table, tmp, name, layer_metadata=meta, **first)
        if styles:
            pyogrio.write_dataframe(_styles_table(styles), tmp, layer="layer_styles", driver="GPKG",
                                    layer_options={"FID": "id"})

    def write(tmp: Path) -> None:
        tmp.unlink()  # GDAL creates the file itself
        try:
            write_layers(tmp)
        except (DataSourceError, DataLayerError) as err:  # GDAL's errors, in the user's words
            raise DataError(f"cannot write the GeoPackage {str(target)!r}: GDAL says {str(err).strip()!r}; check "
                            "the free space of the disk and the layers' columns (numbers, text, lists); the "
                            "previous file, if any, is unchanged") from None

    log.info("writing %s to %s", ", ".join(f"{n} ({len(t)})" for n, t in tables.items()), target)
    with _fixed_gdal_date():
        atomic_write([(target, write)])
    return target
