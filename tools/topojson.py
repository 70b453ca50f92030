"""Read TopoJSON (the format of the ``world-atlas`` base maps in ``../shared/data/basemap/``) into shapely geometries.

A TopoJSON *topology* stores every shared boundary once, as an *arc*; a polygon ring is a list of arc indices, an index
``~i`` (that is ``-i - 1``) meaning arc ``i`` reversed. A *quantized* topology stores each arc's positions as integer
deltas from the previous position, and a ``transform`` (``scale``, ``translate``) turns them back into longitude and
latitude. This module implements exactly that part of the specification (https://github.com/topojson/topojson-specification):
arcs, transforms, and the geometry types Point, MultiPoint, LineString, MultiLineString, Polygon, MultiPolygon and
GeometryCollection. It is a build tool: :func:`tools.geodata.build_countries` uses it for ``geodata/countries.geojson``.

Examples
--------
>>> topo = {"type": "Topology", "transform": {"scale": [1, 1], "translate": [0, 0]},
...         "arcs": [[[0, 0], [2, 0], [0, 2], [-2, 0], [0, -2]]],
...         "objects": {"sq": {"type": "GeometryCollection", "geometries": [
...             {"type": "Polygon", "arcs": [[0]], "id": "1", "properties": {"name": "square"}}]}}}
>>> [(f["id"], f["properties"]["name"], f["geometry"].area) for f in features(topo, "sq")]
[('1', 'square', 4.0)]
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from routes.errors import DataError

__all__ = ["decode_arcs", "features", "geometry"]


def decode_arcs(topology: Mapping[str, Any]) -> list[np.ndarray]:
    """The arcs of a topology as arrays of absolute ``(lon, lat)`` positions (delta-decoded and transformed).

    Raises
    ------
    DataError
        If the topology has no ``arcs`` list.

    Examples
    --------
    >>> topo = {"transform": {"scale": [0.5, 2], "translate": [10, 20]}, "arcs": [[[2, 1], [2, 0], [0, -1]]]}
    >>> decode_arcs(topo)[0].tolist()
    [[11.0, 22.0], [12.0, 22.0], [12.0, 20.0]]
    """
    arcs = topology.get("arcs")
    if not isinstance(arcs, list):
        raise DataError(f"not a TopoJSON topology: 'arcs' must be a list, got {type(arcs).__name__}")
    transform = topology.get("transform")
    out = []
    for arc in arcs:
        xy = np.asarray(arc, dtype=float).reshape(-1, 2)[:, :2] if len(arc) else np.empty((0, 2))
        if transform:
            xy = np.cumsum(xy, axis=0) * np.asarray(transform["scale"], dtype=float) + np.asarray(
                transform["translate"], dtype=float)
        out.append(xy)
    return out


def _position(p: Sequence[float], transform: Mapping[str, Any] | None) -> tuple[float, float]:
    """A Point's position: quantized positions are absolute (not deltas), only scaled and translated."""
    if not transform:
        return float(p[0]), float(p[1])
    (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
    return float(p[0]) * sx + tx, float(p[1]) * sy + ty


def _line(indices: Sequence[int], arcs: Sequence[np.ndarray]) -> np.ndarray:
    """The positions of a line or ring made of arcs; each arc after the first starts where the previous one ended."""
    parts = []
    for n, i in enumerate(indices):
        if not -len(arcs) <= i < len(arcs):
            raise DataError(f"TopoJSON arc index {i} out of range (the topology has {len(arcs)} arcs)")
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        parts.append(arc if n == 0 else arc[1:])
    return np.concatenate(parts) if parts else np.empty((0, 2))


def _polygon(rings: Sequence[Sequence[int]], arcs: Sequence[np.ndarray]) -> Polygon:
    """A polygon from its rings of arcs; a ring that quantization collapsed (under 4 positions) encloses nothing and is
    dropped (an exterior ring with its polygon)."""
    coords = [_line(r, arcs) for r in rings]
    if not coords or len(coords[0]) < 4:
        return Polygon()
    return Polygon(coords[0], [c for c in coords[1:] if len(c) >= 4])


def geometry(obj: Mapping[str, Any], arcs: Sequence[np.ndarray], transform: Mapping[str, Any] | None = None, *,
             repair: bool = True) -> BaseGeometry | None:
    """The shapely geometry of one TopoJSON geometry object (``None`` for a null geometry).

    With ``repair``, a polygon that the decoded rings leave invalid (a ring touching itself, a ring crossing the
    antimeridian) is repaired with :func:`shapely.make_valid`, keeping only its polygonal parts.

    Raises
    ------
    DataError
        If the type is not a TopoJSON geometry type.
    """
    kind = obj.get("type")
    if kind is None:
        return None
    if kind == "Point":
        return Point(_position(obj["coordinates"], transform))
    if kind == "MultiPoint":
        return MultiPoint([_position(p, transform) for p in obj["coordinates"]])
    if kind == "LineString":
        return LineString(_line(obj["arcs"], arcs))
    if kind == "MultiLineString":
        return MultiLineString([_line(a, arcs) for a in obj["arcs"]])
    if kind in ("Polygon", "MultiPolygon"):
        polys = [_polygon(obj["arcs"], arcs)] if kind == "Polygon" else [_polygon(p, arcs) for p in obj["arcs"]]
        geom: BaseGeometry = polys[0] if kind == "Polygon" else MultiPolygon([p for p in polys if not p.is_empty])
        return _repaired(geom) if repair else geom
    raise DataError(f"unknown TopoJSON geometry type {kind!r}; expected Point, MultiPoint, LineString, "
                    "MultiLineString, Polygon, MultiPolygon or GeometryCollection")


def _repaired(geom: BaseGeometry) -> BaseGeometry:
    if geom.is_valid:
        return geom
    fixed = shapely.make_valid(geom)
    parts = [g for g in getattr(fixed, "geoms", [fixed]) if isinstance(g, (Polygon, MultiPolygon))]
    return shapely.union_all(parts) if parts else Polygon()


def features(topology: Mapping[str, Any], name: str, *,
             bbox: tuple[float, float, float, float] | None = None) -> Iterator[dict[str, Any]]:
    """Each geometry of the object ``name`` of a topology: ``{"id", "properties", "geometry"}`` (shapely).

    Parameters
    ----------
    topology
        The parsed TopoJSON document.
    name
        The object to read (``"countries"``, ``"land"``).
    bbox
        ``(min_lon, min_lat, max_lon, max_lat)``: only the geometries whose bounds meet it (the others are not
        repaired, which is most of the work for a whole-world file).

    Raises
    ------
    DataError
        If the topology has no object of that name.
    """
    objects = topology.get("objects") or {}
    if name not in objects:
        raise DataError(f"the TopoJSON topology has no object {name!r}; it has {sorted(objects)}")
    arcs = decode_arcs(topology)
    transform = topology.get("transform")
    obj = objects[name]
    members = obj.get("geometries", []) if obj.get("type") == "GeometryCollection" else [obj]
    for member in members:
        geom = geometry(member, arcs, transform, repair=False)
        if bbox is not None and (
            geom is None or geom.is_empty or not shapely.box(*bbox).intersects(shapely.box(*geom.bounds))
        ):
            continue
        if isinstance(geom, (Polygon, MultiPolygon)):
            geom = _repaired(geom)
        yield {"id": member.get("id"), "properties": dict(member.get("properties") or {}), "geometry": geom}
