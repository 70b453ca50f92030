"""The TopoJSON reader of the build tools (``tools.topojson``): arcs, transforms, shared and reversed arcs, holes,
errors;
a round trip over random polygons; and the shipped base map decoded as GDAL decodes it."""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import MultiPolygon, Point, Polygon
from shared import SHARED, needs_shared

from routes.errors import DataError
from tools import topojson

# Two unit squares side by side sharing the edge x = 1 (arc 1), in a quantized topology (scale 0.5, translate 10, 20):
# arc 0 runs from (1, 0) round the left square to (1, 1); arc 1 is the shared edge (1, 1) -> (1, 0); arc 2 runs
# round the right square from (1, 0) to (1, 1). Positions are integer deltas in units of 0.5.
TWO_SQUARES: dict[str, Any] = {
    "type": "Topology",
    "transform": {"scale": [0.5, 0.5], "translate": [10, 20]},
    "arcs": [
        [[2, 0], [-2, 0], [0, 2], [2, 0]],   # (1,0) -> (0,0) -> (0,1) -> (1,1)
        [[2, 2], [0, -2]],                   # (1,1) -> (1,0)
        [[2, 0], [2, 0], [0, 2], [-2, 0]],   # (1,0) -> (2,0) -> (2,1) -> (1,1)
    ],
    "objects": {"countries": {"type": "GeometryCollection", "geometries": [
        {"type": "Polygon", "arcs": [[0, 1]], "id": "001", "properties": {"name": "West"}},
        {"type": "Polygon", "arcs": [[2, ~1]], "id": "002", "properties": {"name": "East"}},
        {"type": None, "id": "003", "properties": {"name": "Nowhere"}},
        {"type": "Point", "coordinates": [4, 2], "properties": {"name": "capital"}},
    ]}},
}


def test_quantized_arcs_are_delta_decoded_and_transformed() -> None:
    arcs = topojson.decode_arcs(TWO_SQUARES)
    assert arcs[1].tolist() == [[11.0, 21.0], [11.0, 20.0]]
    assert arcs[0][0].tolist() == [11.0, 20.0] and arcs[0][-1].tolist() == [11.0, 21.0]


def test_shared_and_reversed_arcs_close_both_rings() -> None:
    west, east, nowhere, capital = topojson.features(TWO_SQUARES, "countries")
    assert west["id"] == "001" and west["properties"] == {"name": "West"}
    assert west["geometry"].equals(shapely.box(10, 20, 11, 21))
    assert east["geometry"].equals(shapely.box(11, 20, 12, 21))  # arc ~1 is the shared edge read backwards
    assert west["geometry"].intersection(east["geometry"]).length == pytest.approx(1.0)  # they meet along x = 11
    assert nowhere["geometry"] is None
    assert capital["geometry"].equals(Point(12, 21))  # a point's position is absolute, not a delta


def test_holes_multipolygons_and_unquantized_arcs() -> None:
    topo = {
        "type": "Topology",
        "arcs": [
            [[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]],
            [[1, 1], [1, 2], [2, 2], [2, 1], [1, 1]],
            [[5, 5], [6, 5], [6, 6], [5, 5]],
        ],
        "objects": {"o": {"type": "MultiPolygon", "arcs": [[[0], [1]], [[2]]]}},
    }
    (feat,) = topojson.features(topo, "o")
    geom = feat["geometry"]
    assert isinstance(geom, MultiPolygon) and len(geom.geoms) == 2
    assert geom.area == pytest.approx(16 - 1 + 0.5)


def test_a_ring_collapsed_by_quantization_is_dropped() -> None:
    topo = {"type": "Topology", "arcs": [[[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]], [[1, 1], [1, 1], [1, 1]]],
            "objects": {"o": {"type": "Polygon", "arcs": [[0], [1]]}}}
    (feat,) = topojson.features(topo, "o")
    assert feat["geometry"].equals(shapely.box(0, 0, 4, 4))


def test_bbox_keeps_only_the_geometries_that_meet_it() -> None:
    names = [f["properties"]["name"] for f in topojson.features(TWO_SQUARES, "countries", bbox=(11.5, 20, 13, 22))]
    assert names == ["East", "capital"]


@pytest.mark.parametrize(
    ("topo", "name", "message"),
    [
        ({"type": "Topology", "objects": {"countries": {"type": "Polygon", "arcs": [[0]]}}}, "countries",
         "'arcs' must be a list"),
        (TWO_SQUARES, "land", "has no object 'land'; it has ['countries']"),
        ({"type": "Topology", "arcs": [], "objects": {"o": {"type": "Polygon", "arcs": [[0]]}}}, "o",
         "arc index 0 out of range"),
        ({"type": "Topology", "arcs": [], "objects": {"o": {"type": "Circle"}}}, "o",
         "unknown TopoJSON geometry type 'Circle'"),
    ],
)
def test_errors_name_what_is_wrong(topo: dict[str, Any], name: str, message: str) -> None:
    with pytest.raises(DataError, match=re.escape(message)):
        list(topojson.features(topo, name))


def _encode(rings: list[list[tuple[int, int]]]) -> dict[str, Any]:
    """A quantized topology holding one polygon, each ring one arc, positions as deltas (the encoder's job)."""
    arcs = []
    for ring in rings:
        xy = np.asarray(ring, dtype=int)
        arcs.append(np.vstack([xy[:1], np.diff(xy, axis=0)]).tolist())
    return {"type": "Topology", "transform": {"scale": [0.25, 0.125], "translate": [-80, 8]}, "arcs": arcs,
            "objects": {"o": {"type": "Polygon", "arcs": [[i] for i in range(len(rings))]}}}


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 500), st.integers(0, 500), st.integers(3, 200), st.integers(3, 200), st.booleans())
def test_round_trip_of_a_quantized_polygon(x: int, y: int, w: int, h: int, hole: bool) -> None:
    outer = [(x, y), (x + w, y), (x + w, y + h), (x, y + h), (x, y)]
    inner = [(x + 1, y + 1), (x + 1, y + 2), (x + 2, y + 2), (x + 2, y + 1), (x + 1, y + 1)]
    rings = [outer, inner] if hole else [outer]
    (feat,) = topojson.features(_encode(rings), "o")
    expected = Polygon(*[[(-80 + 0.25 * a, 8 + 0.125 * b) for a, b in r] for r in rings[:1]],
                       [[(-80 + 0.25 * a, 8 + 0.125 * b) for a, b in r] for r in rings[1:]])
    assert feat["geometry"].equals_exact(expected, 1e-12)


@needs_shared("basemap", "countries-10m.json")
def test_the_region_decodes_as_gdal_decodes_it() -> None:
    """Every country of the region read by our decoder covers what GDAL's TopoJSON driver reads, to 1e-9 deg²."""
    pyogrio = pytest.importorskip("pyogrio")
    path = SHARED / "basemap" / "countries-10m.json"
    bbox = (-97.0, 2.0, -74.0, 21.0)
    ours = {f["properties"]["name"]: f["geometry"]
            for f in topojson.features(json.loads(path.read_text(encoding="utf-8")), "countries", bbox=bbox)}
    gdal = pyogrio.read_dataframe(path, layer="countries").set_index("name")
    assert {"Colombia", "Panama", "Costa Rica", "Nicaragua", "Honduras", "Guatemala", "Mexico"} <= set(ours)
    for name, geom in ours.items():
        theirs = shapely.make_valid(gdal.loc[name, "geometry"])
        assert geom.symmetric_difference(theirs).area < 1e-9, name
