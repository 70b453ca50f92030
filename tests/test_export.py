"""Tests of routes.report.export: RFC 7946 GeoJSON, GeoJSON Text Sequences and GeoPackage, read back through pyogrio.

Everything runs offline on the toy corridor of ``tests/toy.py``, its risk estimated from incidents written
in code.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
import sqlite3
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point
from toy import legs_doc, places_doc, toy_exposure, toy_flows, toy_incidents, write

from routes.errors import DataError, RouteError
from routes.io.resources import geodata_file
from routes.load import load_network
from routes.model.attribution import attribute_incidents
from routes.model.risk import estimate_risk
from routes.query.scoring import rank_paths
from routes.report import export
from routes.report.export import LEG_COLUMNS, PLACE_COLUMNS, to_geojson, to_geopackage
from routes.report.style import RISK_FIELD, incidents_qml, places_qml

REPR_MARKERS = ("Timestamp(", "np.float", "np.int", "array(", "datetime.", "Decimal(", "POINT", "LINESTRING")


# ------------------------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def bare(tmp_path_factory: pytest.TempPathFactory) -> nx.MultiDiGraph:
    d = tmp_path_factory.mktemp("toy")
    places, legs = write(d, "p.geojson", places_doc()), write(d, "l.geojson", legs_doc())
    return load_network(places=places, legs=legs, risk=False)


@pytest.fixture(scope="module")
def raw_incidents() -> gpd.GeoDataFrame:
    inc = toy_incidents([
        {"lon": -76.9, "lat": 8.45},                                        # at sea in the gulf
        {"lon": -77.31, "lat": 8.58, "cause": "Violence", "dead": 2},       # ashore, Acandí to Capurganá
        {"lon": -77.35, "lat": 8.64, "cause": "Sickness", "missing": 3},
        {"lon": -90.0, "lat": 15.0},                                        # off the network
        {"lon": math.nan, "lat": math.nan, "coord_quality": "missing"},     # no position
    ])
    inc.loc[2, "date"] = pd.NaT
    inc["year"] = pd.array([2024, 2024, None, 2024, 2023], dtype="Int64")
    inc.attrs["source"] = "test incidents"
    return inc


@pytest.fixture(scope="module")
def risky(bare: nx.MultiDiGraph, raw_incidents: gpd.GeoDataFrame) -> nx.MultiDiGraph:
    return estimate_risk(bare, raw_incidents, toy_flows(), exposure=toy_exposure(), draws=500)


@pytest.fixture(scope="module")
def attributed(risky: nx.MultiDiGraph, raw_incidents: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return attribute_incidents(risky, raw_incidents)


@pytest.fixture(scope="module")
def ranked(risky: nx.MultiDiGraph) -> gpd.GeoDataFrame:
    return rank_paths(risky, "necocli", "la-miel", k=3, draws=500)


# ------------------------------------------------------------------------------------ the RFC 7946 checker
def _no_constant(name: str) -> Any:
    raise AssertionError(f"JSON constant {name} (NaN or Infinity) is not JSON")


def _positions(coords: Any) -> list[list[Decimal]]:
    if coords and not isinstance(coords[0], list):
        return [coords]
    return [p for c in coords for p in _positions(c)]


def _check_plain(value: Any, where: str) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _check_plain(v, f"{where}.{k}")
    elif isinstance(value, list):
        for v in value:
            _check_plain(v, where)
    elif isinstance(value, str):
        assert not value.startswith(("[", "{", "(")), f"{where}: a Python repr {value!r} instead of JSON"
        missing = ("nan", "NaN", "NaT", "None", "<NA>", "inf")
        assert value not in missing, f"{where}: a missing value written as {value!r}"
        assert not any(m in value for m in REPR_MARKERS), f"{where}: a Python repr {value!r}"
    else:
        assert value is None or isinstance(value, bool | int | Decimal), f"{where}: {type(value).__name__}"


def check_feature(feature: dict[str, Any], where: str, max_decimals: int = 7) -> None:
    assert feature["type"] == "Feature", where
    assert "crs" not in feature, where
    props = feature["properties"]
    assert props is None or isinstance(props, dict), where
    _check_plain(props, f"{where}.properties")
    geom = feature["geometry"]
    if geom is None:
        return
    kinds = ("Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon")
    assert geom["type"] in kinds, where
    for pos in _positions(geom["coordinates"]):
        assert len(pos) in (2, 3), where
        lon, lat = pos[0], pos[1]
        assert -180 <= lon <= 180 and -90 <= lat <= 90, f"{where}: {pos} is not longitude, latitude"
        for v in pos:
            assert isinstance(v, Decimal | int), where
            decimals = -Decimal(v).as_tuple().exponent
            assert decimals <= max_decimals, f"{where}: {v} has more than {max_decimals} decimals"


def check_rfc7946(path: Path, max_decimals: int = 7) -> dict[str, Any]:
    """Check the issue's rules: FeatureCollection, no crs, lon/lat, <= 7 decimals, plain JSON properties."""
    raw = path.read_bytes()
    raw.decode("utf-8")  # RFC 7946: UTF-8
    doc = json.loads(raw, parse_constant=_no_constant, parse_float=Decimal)
    assert doc["type"] == "FeatureCollection"
    assert "crs" not in doc
    assert isinstance(doc["features"], list)
    _check_plain(doc.get("metadata"), "metadata")
    for i, f in enumerate(doc["features"]):
        check_feature(f, f"{path.name} feature {i}", max_decimals)
    return json.loads(raw)  # with plain floats, for the callers


def read_seq(path: Path) -> list[dict[str, Any]]:
    """Parse RFC 8142 GeoJSON Text Sequences: RS + JSON + LF per record."""
    raw = path.read_bytes()
    assert raw.startswith(b"\x1e") and raw.endswith(b"\n")
    records = raw.split(b"\x1e")[1:]
    out = []
    for i, rec in enumerate(records):
        assert rec.endswith(b"\n") and rec.count(b"\n") == 1
        feature = json.loads(rec, parse_constant=_no_constant, parse_float=Decimal)
        check_feature(feature, f"{path.name} record {i}")
        out.append(json.loads(rec))
    return out


def _all_files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


# ------------------------------------------------------------------------------------------------ GeoJSON
def test_network_geojson_layout(risky: nx.MultiDiGraph, tmp_path: Path) -> None:
    written = to_geojson(risky, tmp_path / "network.geojson")
    assert [p.name for p in written] == ["network.geojson", "network.places.geojson", "network.qml",
                                         "network.places.qml"]
    legs = check_rfc7946(written[0])
    places = check_rfc7946(written[1])
    assert legs["name"] == "legs" and places["name"] == "places"
    assert legs["metadata"]["risk_settings"]["seed"] == 0

    # one feature per directed edge, with every documented column in order
    feats = legs["features"]
    assert len(feats) == risky.number_of_edges()
    assert list(feats[0]["properties"])[: len(LEG_COLUMNS)] == list(LEG_COLUMNS)
    assert len({f["properties"]["id"] for f in feats}) == len(feats)
    for f in feats:
        p = f["properties"]
        d = risky.edges[p["from"], p["to"], p["leg"]]
        assert p["id"] == f"{p['leg']}:{p['direction']}" and p["direction"] == d["direction"]
        for col in ("p_death", "p_death_lo", "p_death_hi", "deaths", "exposure", "incidents", "length_km"):
            assert p[col] == pytest.approx(d[col], rel=1e-12)
        assert p["evidence"] in ("none", "no deaths", "weak", "moderate", "strong")
        assert p["p_death_lo"] <= p["p_death"] <= p["p_death_hi"]
        assert p["duration_h"] is None  # unknown in the toy data: null, not NaN
        assert isinstance(p["season"], list) and len(p["season"]) == 12
        assert p["season"] == pytest.approx(list(d["season"]))
        # oriented along travel: starts at `from`
        start = f["geometry"]["coordinates"][0]
        assert start == pytest.approx([risky.nodes[p["from"]]["x"], risky.nodes[p["from"]]["y"]], abs=1e-7)
    assert [(f["properties"]["leg"], f["properties"]["direction"]) for f in feats] == sorted(
        (d["leg"], d["direction"]) for _, _, d in risky.edges(data=True))

    assert len(places["features"]) == risky.number_of_nodes()
    nec = next(f for f in places["features"] if f["properties"]["id"] == "necocli")
    assert list(nec["properties"])[: len(PLACE_COLUMNS)] == list(PLACE_COLUMNS)
    assert nec["properties"]["name"] == "Necoclí" and nec["properties"]["alt_names"] == ["Necocli"]
    assert nec["geometry"] == {"type": "Point", "coordinates": [-76.78926, 8.42627]}
    assert "Necoclí" in written[1].read_text(encoding="utf-8")  # UTF-8, not \\u escapes

    assert written[2].read_text(encoding="utf-8") == export.legs_style(risky)  # classes fitted to these legs
    assert written[3].read_text(encoding="utf-8") == places_qml()


def test_bare_network_has_null_risk_columns(bare: nx.MultiDiGraph, tmp_path: Path) -> None:
    doc = check_rfc7946(to_geojson(bare, tmp_path / "bare.geojson")[0])
    props = doc["features"][0]["properties"]
    assert list(props)[: len(LEG_COLUMNS)] == list(LEG_COLUMNS)
    assert props["p_death"] is None and props["evidence"] is None and props["season"] is None


def test_incidents_geojson(attributed: gpd.GeoDataFrame, tmp_path: Path) -> None:
    doc = check_rfc7946(to_geojson(attributed, tmp_path / "incidents.geojson")[0])
    assert doc["name"] == "incidents"
    assert doc["metadata"]["metric_crs"] == attributed.attrs["metric_crs"]
    feats = doc["features"]
    assert len(feats) == len(attributed)
    assert [f["properties"]["main_id"] for f in feats] == list(attributed["main_id"])
    assert feats[0]["properties"]["date"] == "2024-06-15T00:00:00"
    dt.datetime.fromisoformat(feats[0]["properties"]["date"])
    assert feats[2]["properties"]["date"] is None and feats[2]["properties"]["year"] is None
    assert feats[0]["properties"]["year"] == 2024
    assert feats[3]["properties"]["match"] == "off_network" and feats[3]["properties"]["distance_m"] is None
    assert feats[4]["geometry"] is None  # no position: a null geometry
    assert isinstance(feats[0]["properties"]["dead"], int)


def test_paths_geojson(ranked: gpd.GeoDataFrame, tmp_path: Path) -> None:
    doc = check_rfc7946(to_geojson(ranked, tmp_path / "paths.geojson")[0])
    assert doc["name"] == "paths"
    assert doc["metadata"]["scenario"] == json.loads(json.dumps(ranked.attrs["scenario"]))
    assert doc["metadata"]["origin"] == "necocli"
    for f, (_, row) in zip(doc["features"], ranked.iterrows(), strict=True):
        assert f["properties"]["legs"] == list(row["legs"]) and f["properties"]["nodes"] == list(row["nodes"])
        assert f["properties"]["rank"] == row["rank"]
        assert f["properties"]["p_death"] == row["p_death"]  # full float precision in properties


def test_reprojects_to_wgs84_and_precision(tmp_path: Path) -> None:
    points = [Point(-77.123456789, 8.987654321), Point(0.1, -0.000000004)]
    gdf = gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=points, crs="EPSG:4326")
    doc = check_rfc7946(to_geojson(gdf.to_crs("EPSG:3857"), tmp_path / "m.geojson")[0])
    assert doc["features"][0]["geometry"]["coordinates"] == pytest.approx([-77.1234568, 8.9876543], abs=1e-12)
    assert doc["features"][1]["geometry"]["coordinates"] == [0.1, 0]  # no "-0", no 1e-09
    check_rfc7946(to_geojson(gdf, tmp_path / "p3.geojson", precision=3)[0], max_decimals=3)
    with pytest.raises(ValueError, match="precision"):
        to_geojson(gdf, tmp_path / "p8.geojson", precision=8)


def test_out_of_range_coordinates_are_refused(tmp_path: Path) -> None:
    # metres labelled as degrees
    gdf = gpd.GeoDataFrame({"a": [1]}, geometry=[Point(500000, 900000)], crs="EPSG:4326")
    with pytest.raises(DataError, match="outside longitude/latitude range.*set_crs"):
        to_geojson(gdf, tmp_path / "bad.geojson")
    assert list(tmp_path.iterdir()) == []


def test_geojson_text_sequences(risky: nx.MultiDiGraph, ranked: gpd.GeoDataFrame, tmp_path: Path) -> None:
    written = to_geojson(risky, tmp_path / "net.geojsons")
    assert [p.name for p in written] == ["net.geojsons", "net.places.geojsons", "net.qml", "net.places.qml"]
    legs = read_seq(written[0])
    assert len(legs) == risky.number_of_edges() and len(read_seq(written[1])) == risky.number_of_nodes()
    # the same features as the FeatureCollection
    fc = json.loads(to_geojson(risky, tmp_path / "net.geojson")[0].read_text(encoding="utf-8"))
    assert legs == fc["features"]
    seq = to_geojson(ranked, tmp_path / "paths.geojson", seq=True)[0]
    assert len(read_seq(seq)) == len(ranked)
    back = pyogrio.read_dataframe(written[0])
    assert pyogrio.read_info(written[0])["driver"] == "GeoJSONSeq" and len(back) == risky.number_of_edges()


def test_output_is_deterministic(
    risky: nx.MultiDiGraph, attributed: gpd.GeoDataFrame, ranked: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    for name, obj in (("net", risky), ("inc", attributed), ("paths", ranked)):
        for suffix in (".geojson", ".geojsons"):
            a = to_geojson(obj, tmp_path / f"a-{name}{suffix}")
            b = to_geojson(obj, tmp_path / f"b-{name}{suffix}")
            for pa, pb in zip(a, b, strict=True):
                assert pa.read_bytes() == pb.read_bytes(), pa.name
    # a graph with the same content built in another order gives the same bytes
    shuffled = nx.MultiDiGraph(**risky.graph)
    shuffled.add_nodes_from(reversed(list(risky.nodes(data=True))))
    shuffled.add_edges_from(reversed(list(risky.edges(keys=True, data=True))))
    a, b = to_geojson(risky, tmp_path / "x.geojson"), to_geojson(shuffled, tmp_path / "y.geojson")
    assert a[0].read_bytes() == b[0].read_bytes() and a[1].read_bytes() == b[1].read_bytes()


# ---------------------------------------------------------------------------------- reading back (GDAL)
def _ogr_family(values: pd.Series) -> str | None:
    """The OGR field type a column should read back as, or None when it has no value to tell."""
    present = [v for v in values
               if not (v is None or v is pd.NaT or v is pd.NA or (isinstance(v, float) and math.isnan(v)))]
    if not present:
        return None
    if pd.api.types.is_datetime64_any_dtype(values):
        return "OFTDateTime"
    if pd.api.types.is_bool_dtype(values):
        return "OFTInteger"
    if pd.api.types.is_integer_dtype(values):
        return "OFTInteger64"
    if pd.api.types.is_float_dtype(values):
        return "OFTReal"
    if all(isinstance(v, list | tuple) for v in present):
        if all(isinstance(x, str) for v in present for x in v):
            return "OFTStringList"
        return "OFTRealList"
    return "OFTString"


def _check_read_back(path: Path, source: gpd.GeoDataFrame, columns: list[str], *, layer: str | None = None,
                     json_lists: bool = False) -> None:
    back = pyogrio.read_dataframe(path, layer=layer)
    info = pyogrio.read_info(path, layer=layer)
    assert len(back) == len(source) == info["features"]
    assert list(back.columns[:-1]) == columns
    types = dict(zip(info["fields"], info["ogr_types"], strict=True))
    subtypes = dict(zip(info["fields"], info["ogr_subtypes"], strict=True))
    for col in columns:
        want = _ogr_family(source[col]) if col in source.columns else None
        if want is None:
            continue
        if col in export.DATE_COLUMNS:  # ISO dates: a DATE field in GeoPackage, and GDAL reads GeoJSON's as dates
            assert types[col] == "OFTDate", col
            got = [None if pd.isna(v) else pd.Timestamp(v).date().isoformat() for v in back[col]]
            assert got == [None if v is None or pd.isna(v) else str(v) for v in source[col]], col
            continue
        if want in ("OFTStringList", "OFTRealList"):
            expected = [None if v is None else list(v) for v in source[col]]
            if json_lists:  # GeoPackage: JSON text
                want = "OFTString"
                got = [None if v is None else json.loads(v) for v in back[col]]
            else:  # GeoJSON: a list field, or a JSON field when GDAL first meets an empty array
                if types[col] == "OFTString":
                    assert subtypes[col] == "OFSTJSON", col
                    want = "OFTString"
                got = [v if v is None or isinstance(v, list) else None if isinstance(v, float) else list(v)
                       for v in back[col]]
            assert got == expected, col
        if want == "OFTInteger64":
            assert types[col] in ("OFTInteger", "OFTInteger64"), col
        else:
            assert types[col] == want, (col, types[col], want)
        if want == "OFTReal":
            np.testing.assert_array_equal(back[col].to_numpy(float), source[col].to_numpy(float), err_msg=col)
    src = source.geometry.to_numpy()
    got = back.geometry.to_numpy()
    for i, (g0, g1) in enumerate(zip(src, got, strict=True)):
        if g0 is None or g0.is_empty or (g0.geom_type == "Point" and math.isnan(g0.x)):
            assert g1 is None or g1.is_empty, i
        else:
            assert shapely.equals_exact(g0, g1, tolerance=1e-7), (i, g0, g1)


def test_geojson_reads_back_through_pyogrio(risky: nx.MultiDiGraph, attributed: gpd.GeoDataFrame,
                                            ranked: gpd.GeoDataFrame, tmp_path: Path) -> None:
    places, legs = export._network_tables(risky)
    written = to_geojson(risky, tmp_path / "net.geojson")
    _check_read_back(written[0], legs, [c for c in legs.columns if c != "geometry"])
    _check_read_back(written[1], places, [c for c in places.columns if c != "geometry"])
    for name, frame in (("inc", attributed), ("paths", ranked)):
        path = to_geojson(frame, tmp_path / f"{name}.geojson")[0]
        _check_read_back(path, frame, [c for c in frame.columns if c != "geometry"])
    assert pyogrio.read_info(written[0])["layer_name"] == "legs"


def test_geopackage_round_trip(risky: nx.MultiDiGraph, attributed: gpd.GeoDataFrame, ranked: gpd.GeoDataFrame,
                               tmp_path: Path) -> None:
    out = to_geopackage(risky, tmp_path / "routes.gpkg", incidents=attributed, paths=ranked)
    assert out == tmp_path / "routes.gpkg"
    layers = {str(name): kind for name, kind in pyogrio.list_layers(out)}
    assert layers == {"places": "Point", "legs": "LineString", "incidents": "Point", "paths": "LineString",
                      "layer_styles": None}
    places, legs = export._network_tables(risky)
    for layer, frame in (("places", places), ("legs", legs), ("incidents", attributed), ("paths", ranked)):
        columns = [c for c in frame.columns if c != "geometry"]
        _check_read_back(out, frame, columns, layer=layer, json_lists=True)
        # the same column names as the GeoJSON of that layer
        gj = to_geojson(risky if layer in ("places", "legs") else frame, tmp_path / f"{layer}.geojson")
        gj_path = gj[1] if layer == "places" else gj[0]
        fields = list(pyogrio.read_info(out, layer=layer)["fields"])
        assert list(pyogrio.read_info(gj_path)["fields"]) == fields
    meta = pyogrio.read_info(out, layer="paths")["layer_metadata"]
    assert json.loads(meta["routes"])["scenario"] == json.loads(json.dumps(ranked.attrs["scenario"]))
    season = pyogrio.read_dataframe(out, layer="legs")["season"]
    assert all(len(json.loads(s)) == 12 for s in season)
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".gpkg") == ["routes.gpkg"]


def test_geopackage_layer_selection(risky: nx.MultiDiGraph, ranked: gpd.GeoDataFrame, tmp_path: Path) -> None:
    out = to_geopackage(risky, tmp_path / "p.gpkg", paths=ranked, layers=["paths"])
    assert [str(n) for n, _ in pyogrio.list_layers(out)] == ["paths"]  # no legs, so no style table
    with pytest.raises(ValueError, match="unknown layer.*'roads'"):
        to_geopackage(risky, tmp_path / "q.gpkg", layers=["legs", "roads"])
    bare = risky.copy()
    bare.graph.pop("estimate_id", None)  # no estimate, so no incidents to write by default
    with pytest.raises(ValueError, match="nothing to write"):
        to_geopackage(bare, tmp_path / "q.gpkg", layers=["incidents"])
    out = to_geopackage(risky, tmp_path / "i.gpkg", layers=["incidents"])  # the estimate's incidents, by default
    assert [str(n) for n, _ in pyogrio.list_layers(out)] == ["incidents", "layer_styles"]  # with its style


def test_layer_styles_table_names_the_legs_layer(risky: nx.MultiDiGraph, tmp_path: Path) -> None:
    out = to_geopackage(risky, tmp_path / "routes.gpkg")
    geom_col = pyogrio.read_info(out, layer="legs")["geometry_name"]
    with sqlite3.connect(out) as con:
        cols = [r[1] for r in con.execute("PRAGMA table_info(layer_styles)")]
        rows = con.execute("SELECT f_table_catalog, f_table_schema, f_table_name, f_geometry_column, "
                           "styleName, styleQML, useAsDefault FROM layer_styles").fetchall()
        contents = {r[0] for r in con.execute("SELECT table_name FROM gpkg_contents")}
    assert set(cols) >= {"f_table_catalog", "f_table_schema", "f_table_name", "f_geometry_column",
                         "styleName", "styleQML", "styleSLD", "useAsDefault", "description", "owner", "ui",
                         "update_time"}
    assert "layer_styles" in contents
    assert [r[2] for r in rows] == ["legs", "places", "incidents"]
    catalog, schema, table, column, name, qml, default = rows[0]
    assert (catalog, schema, table, column, name, default) == ("", "", "legs", geom_col, "legs_risk", 1)
    assert qml == export.legs_style(risky)
    assert rows[1][5] == places_qml() and rows[2][5] == incidents_qml() and {r[6] for r in rows} == {1}


def test_period_dates_must_be_iso_dates(bare: nx.MultiDiGraph, tmp_path: Path) -> None:
    H = bare.copy()
    next(iter(H.edges(data=True)))[2]["period_start"] = "soon"
    with pytest.raises(DataError, match="column 'period_start': expected ISO dates YYYY-MM-DD or null"):
        to_geopackage(H, tmp_path / "bad.gpkg")
    assert list(tmp_path.iterdir()) == []


def test_shipped_style_is_a_graduated_renderer_on_risk_per_100km() -> None:
    root = ET.fromstring(geodata_file("legs_risk.qml").read_text(encoding="utf-8").split("\n", 1)[1])
    renderer = root.find("renderer-v2")
    assert renderer is not None and renderer.get("type") == "graduatedSymbol"
    assert RISK_FIELD in (renderer.get("attr") or "")
    ranges = renderer.findall("ranges/range")
    symbols = {s.get("name"): s for s in renderer.findall("symbols/symbol")}
    assert len(ranges) >= 5 and {r.get("symbol") for r in ranges} == set(symbols)
    bounds = [(float(r.get("lower")), float(r.get("upper"))) for r in ranges]
    assert bounds == sorted(bounds) and bounds[-1][1] >= 1.0
    colours = [s.find("layer/Option/Option[@name='line_color']").get("value") for s in symbols.values()]
    assert len(set(colours)) == len(colours)


# --------------------------------------------------------------------------------------------- atomicity
@pytest.mark.parametrize("exc", [RuntimeError("disk full"), KeyboardInterrupt()])
def test_crash_half_way_leaves_previous_geojson(risky: nx.MultiDiGraph, bare: nx.MultiDiGraph, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch, exc: BaseException) -> None:
    to_geojson(bare, tmp_path / "net.geojson")
    before = _all_files(tmp_path)
    real = export._feature_text
    calls = {"n": 0}

    def crash(*args: Any, **kwargs: Any) -> str:
        calls["n"] += 1
        if calls["n"] == risky.number_of_edges() + 2:  # half-way through the places, after all the legs
            temps = sorted(p for p in tmp_path.iterdir() if p.name.startswith("."))
            # the legs, written, and the places, half-way
            assert [p.name.split(".")[1] for p in temps] == ["net", "net"]
            assert max(p.stat().st_size for p in temps) > 1000
            raise exc
        return real(*args, **kwargs)

    monkeypatch.setattr(export, "_feature_text", crash)
    with pytest.raises(type(exc)):
        to_geojson(risky, tmp_path / "net.geojson")
    assert _all_files(tmp_path) == before  # previous files byte-identical, no temporary files


@pytest.mark.parametrize("exc", [RuntimeError("GDAL error"), KeyboardInterrupt()])
def test_crash_half_way_leaves_previous_geopackage(
    risky: nx.MultiDiGraph, bare: nx.MultiDiGraph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    exc: BaseException,
) -> None:
    to_geopackage(bare, tmp_path / "routes.gpkg")
    before = _all_files(tmp_path)
    real = pyogrio.write_dataframe
    calls = {"n": 0}

    def crash(*args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:  # the places layer is written, the legs are not
            raise exc
        real(*args, **kwargs)

    monkeypatch.setattr(export.pyogrio, "write_dataframe", crash)
    with pytest.raises(type(exc)):
        to_geopackage(risky, tmp_path / "routes.gpkg")
    assert calls["n"] == 2
    assert _all_files(tmp_path) == before
    monkeypatch.undo()
    assert len(pyogrio.read_dataframe(tmp_path / "routes.gpkg", layer="legs")) == bare.number_of_edges()


def test_bad_value_leaves_no_file(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame({"thing": [object()]}, geometry=[Point(0, 0)], crs="EPSG:4326")
    with pytest.raises(DataError, match=r"column 'thing'.*cannot write a object"):
        to_geojson(gdf, tmp_path / "x.geojson")
    with pytest.raises(DataError, match=r"column 'thing'"):
        empty = nx.MultiDiGraph(crs="EPSG:4326")
        to_geopackage(empty, tmp_path / "x.gpkg", incidents=gdf, layers=["incidents"])
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------------------------------- errors
def test_missing_directory_and_suffix_errors(
    risky: nx.MultiDiGraph, ranked: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    missing = tmp_path / "no" / "such" / "out.geojson"
    with pytest.raises(DataError, match=r"out\.geojson.*directory .* does not exist; create it") as err:
        to_geojson(risky, missing)
    assert isinstance(err.value, RouteError) and isinstance(err.value, ValueError)
    with pytest.raises(DataError, match=r"does not exist"):
        to_geopackage(risky, tmp_path / "no" / "out.gpkg")
    with pytest.raises(DataError, match=r"out\.shp.*unsupported suffix '\.shp'.*\.geojson"):
        to_geojson(ranked, tmp_path / "out.shp")
    with pytest.raises(DataError, match=r"unsupported suffix '\.geojson'.*\.gpkg"):
        to_geopackage(risky, tmp_path / "out.geojson")
    (tmp_path / "dir.geojson").mkdir()
    with pytest.raises(DataError, match="is a directory"):
        to_geojson(ranked, tmp_path / "dir.geojson")
    with pytest.raises(TypeError, match="graph or a GeoDataFrame"):
        to_geojson({"type": "FeatureCollection"}, tmp_path / "x.geojson")  # type: ignore[arg-type]
    with pytest.raises(DataError, match="GeoDataFrame with an active geometry"):
        to_geojson(gpd.GeoDataFrame({"a": [1]}), tmp_path / "x.geojson")


def test_geometry_in_properties_is_refused(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame({"other": [{"where": Point(1, 2)}]}, geometry=[Point(0, 0)], crs="EPSG:4326")
    with pytest.raises(DataError, match="shapely geometry"):
        to_geojson(gdf, tmp_path / "g.geojson")
    # an extra geometry column is dropped, never written as text
    two = gpd.GeoDataFrame({"a": [1], "centre": gpd.GeoSeries([Point(3, 4)])}, geometry=[Point(0, 0)],
                           crs="EPSG:4326")
    doc = check_rfc7946(to_geojson(two, tmp_path / "two.geojson")[0])
    assert doc["features"][0]["properties"] == {"a": 1}


# ---------------------------------------------------------------------------------------- inputs unchanged
def test_inputs_are_not_modified(
    risky: nx.MultiDiGraph, attributed: gpd.GeoDataFrame, ranked: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    G0, inc0, paths0 = copy.deepcopy(risky), attributed.copy(deep=True), ranked.copy(deep=True)
    attrs0 = copy.deepcopy((attributed.attrs, ranked.attrs))
    to_geojson(risky, tmp_path / "a.geojson")
    to_geojson(attributed, tmp_path / "b.geojson")
    to_geojson(ranked.to_crs("EPSG:3857"), tmp_path / "c.geojson")
    to_geopackage(risky, tmp_path / "d.gpkg", incidents=attributed, paths=ranked)
    assert list(risky.edges(keys=True)) == list(G0.edges(keys=True))
    assert dict(risky.nodes(data=True)) == dict(G0.nodes(data=True))
    for u, v, k, d in risky.edges(keys=True, data=True):
        assert d.keys() == G0.edges[u, v, k].keys()
        for key, value in d.items():
            other = G0.edges[u, v, k][key]
            both_nan = isinstance(value, float) and math.isnan(value) and math.isnan(other)
            assert value == other or both_nan, key
    pd.testing.assert_frame_equal(attributed, inc0)
    pd.testing.assert_frame_equal(ranked, paths0)
    assert (attributed.attrs, ranked.attrs) == attrs0
    assert ranked.crs == "EPSG:4326"


# ------------------------------------------------------------------------------------------- property test
_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**53), 2**53), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8), st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 1, 1)),
)
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=3) | st.tuples(inner, inner)
                       | st.dictionaries(st.text(max_size=4), inner, max_size=3), max_leaves=6)


def _expected(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_expected(v) for v in value]
    if isinstance(value, dict):
        return {k: _expected(v) for k, v in value.items()}
    return value


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=_values, lon=st.floats(-180, 180), lat=st.floats(-90, 90))
def test_any_value_becomes_plain_json(value: Any, lon: float, lat: float, tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame({"v": pd.Series([value, None], dtype=object)}, geometry=[Point(lon, lat), None],
                           crs="EPSG:4326")
    path = tmp_path / "prop.geojson"
    to_geojson(gdf, path)
    raw = path.read_bytes()
    doc = json.loads(raw, parse_constant=_no_constant)
    assert "crs" not in doc and doc["features"][1]["geometry"] is None
    assert doc["features"][0]["properties"]["v"] == _expected(value)
    assert doc["features"][0]["geometry"]["coordinates"] == pytest.approx([lon, lat], abs=5.1e-8)
    assert to_geojson(gdf, path) and path.read_bytes() == raw


# ------------------------------------------------------------------------------------------ shipped data
@pytest.mark.skipif(not (geodata_file("places.geojson").is_file() and geodata_file("legs.geojson").is_file()),
                    reason="the shipped network is not built yet")
def test_shipped_network_exports(tmp_path: Path) -> None:
    from routes.io.snapshot import load_incidents

    G = load_network()
    incidents = attribute_incidents(G, load_incidents())
    paths = rank_paths(G, "Necoclí", "Tapachula", k=3, draws=500)
    written = to_geojson(G, tmp_path / "network.geojson")
    legs = check_rfc7946(written[0])
    assert len(legs["features"]) == G.number_of_edges()
    assert sum(f["properties"]["p_death"] is not None for f in legs["features"]) == G.number_of_edges()
    assert len(check_rfc7946(written[1])["features"]) == G.number_of_nodes()
    check_rfc7946(to_geojson(incidents, tmp_path / "incidents.geojson")[0])
    check_rfc7946(to_geojson(paths, tmp_path / "paths.geojson")[0])
    out = to_geopackage(G, tmp_path / "network.gpkg", incidents=incidents, paths=paths)
    places_t, legs_t = export._network_tables(G)
    for layer, frame in (("places", places_t), ("legs", legs_t), ("incidents", incidents), ("paths", paths)):
        columns = [c for c in frame.columns if c != "geometry"]
        _check_read_back(out, frame, columns, layer=layer, json_lists=True)


def test_written_files_are_not_private(tmp_path: Path) -> None:
    """Temporary files are made 0600; the result must get the usual permissions (here 0666 less the umask)."""
    import os
    import stat

    G = load_network(risk=False)
    out = tmp_path / "net.geojson"
    to_geojson(G, out)
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~mask
