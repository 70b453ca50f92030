"""Tests of the corridor geodata: the shipped geojson files and the builder in ``tools.geodata``.

The shipped files are tested without the shared data; the build tests skip cleanly when ``../shared/data`` is absent.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict, deque
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point
from shared import SHARED
from shared import needs_shared as _needs

from routes.errors import DataError
from routes.io.resources import geodata_file
from tools import geodata as gd

needs_shared = _needs("gazetteer", "places.csv")
#: Natural Earth 1:10m (as quantized by world-atlas: ~0.4 x 0.2 km) still moves borders in the jungle and coasts by a
#: few km: the worst shipped case is Dos Banderas, the Colombia-Panama border marker, 3.8 km outside the 1:10m Panama
#: polygon. A point swapped or misplaced by a country is 50+ km off.
COUNTRY_TOLERANCE_KM = 5.0
SEA_SHARE_MIN = 0.9
#: legs that are neither all land nor all sea, judged against the 1:10m coast with the share they can reach, and why
MIXED_LEGS = {
    "la-palma-meteti-road": (0.65, ("the boat from La Palma across the Tuira mouth to Puerto Quimba (about 6 km of "
                                    "26, water in 1:10m; the 1 km mask merges the estuary into land), then the road")),
}

REQUIRED_PLACES = {
    "necocli",
    "turbo",
    "capurgana",
    "acandi",
    "sapzurro",
    "camp-2",
    "dos-banderas",
    "cerro-de-haiti",
    "carreto",
    "rio-tacarti",
    "canaan-membrillo",
    "bajo-chiquito",
    "la-penita",
    "lajas-blancas",
    "san-vicente",
    "meteti",
    "yaviza",
    "miramar",
    "palenque-colon",
    "nombre-de-dios",
    "carti",
    "carti-dock",
    "el-porvenir",
    "ustupo",
    "mansukun",
    "mulatupo",
    "caledonia",
    "puerto-obaldia",
    "la-miel",
    "armila",
    "panama-city",
    "jaque",
    "jurado",
    "buenaventura",
    "chepo",
    "colon",
    "david",
    "los-planes",
    "paso-canoas",
    "penas-blancas",
    "los-chiles",
    "rivas",
    "managua",
    "ocotal",
    "chinandega",
    "somotillo",
    "trojes",
    "las-manos",
    "el-paraiso",
    "danli",
    "el-guasaule",
    "choluteca",
    "tegucigalpa",
    "san-pedro-sula",
    "corinto",
    "agua-caliente",
    "el-florido",
    "esquipulas",
    "chiquimula",
    "guatemala-city",
    "tecun-uman",
    "ciudad-hidalgo",
    "tapachula",
    "palenque-chiapas",
    # issue 14: the San Andrés boats, the Chocó coast, southern Mexico, the Guatemala - Mexico crossings, El Salvador
    "san-andres",
    "corn-island",
    "bluefields",
    "bahia-solano",
    "talisman",
    "ciudad-cuauhtemoc",
    "el-ceibo",
    "tenosique",
    "arriaga",
    "ixtepec",
    "coatzacoalcos",
    "el-amatillo",
    "san-salvador",
    "la-hachadura",
}
#: (from, to, mode): legs the issue names; "both" legs count for either order.
REQUIRED_LEGS = [
    ("necocli", "capurgana", "sea_boat"),
    ("necocli", "acandi", "sea_boat"),
    ("turbo", "capurgana", "sea_boat"),
    ("turbo", "acandi", "sea_boat"),
    ("acandi", "camp-2", "jungle_foot"),
    ("camp-2", "dos-banderas", "jungle_foot"),
    ("dos-banderas", "cerro-de-haiti", "jungle_foot"),
    ("cerro-de-haiti", "bajo-chiquito", "jungle_foot"),
    ("capurgana", "carreto", "sea_boat"),
    ("carreto", "rio-tacarti", "jungle_foot"),
    ("rio-tacarti", "canaan-membrillo", "jungle_foot"),
    ("sapzurro", "la-miel", "border_foot"),
    ("armila", "bajo-chiquito", "jungle_foot"),
    ("bajo-chiquito", "lajas-blancas", "river_boat"),
    ("bajo-chiquito", "la-penita", "river_boat"),
    ("canaan-membrillo", "san-vicente", "river_boat"),
    ("yaviza", "meteti", "road"),
    ("meteti", "chepo", "road"),
    ("chepo", "panama-city", "road"),
    ("panama-city", "david", "road"),
    ("gualaca", "los-planes", "road"),
    ("los-planes", "paso-canoas", "road"),
    ("mansukun", "la-miel", "sea_boat"),
    ("ustupo", "mansukun", "sea_boat"),
    ("mansukun", "mulatupo", "sea_boat"),
    ("mulatupo", "caledonia", "sea_boat"),
    ("caledonia", "carreto", "sea_boat"),
    ("carreto", "puerto-obaldia", "sea_boat"),
    ("puerto-obaldia", "capurgana", "sea_boat"),
    ("miramar", "chocosano", "sea_boat"),
    ("palenque-colon", "la-miel", "sea_boat"),
    ("carti-dock", "carti", "sea_boat"),
    ("capurgana", "caledonia", "sea_boat"),
    ("panama-city", "jaque", "sea_boat"),
    ("jaque", "jurado", "sea_boat"),
    ("jurado", "buenaventura", "sea_boat"),
    ("buenaventura", "jaque", "sea_boat"),
    ("paso-canoas", "ciudad-neily", "road"),
    ("la-cruz", "penas-blancas", "road"),
    ("san-jose-cr", "los-chiles", "road"),
    ("ocotal", "trojes", "road"),
    ("ocotal", "las-manos", "road"),
    ("las-manos", "el-paraiso", "road"),
    ("el-paraiso", "danli", "road"),
    ("el-guasaule", "el-triunfo", "road"),
    ("el-triunfo", "choluteca", "road"),
    ("tegucigalpa", "san-pedro-sula", "road"),
    ("omoa", "corinto", "road"),
    ("nueva-ocotepeque", "agua-caliente", "road"),
    ("copan-ruinas", "el-florido", "road"),
    ("agua-caliente", "esquipulas", "road"),
    ("guatemala-city", "escuintla", "road"),  # the road to Tecún Umán, cut at Escuintla and Pajapita (issue 14)
    ("escuintla", "pajapita", "road"),
    ("pajapita", "tecun-uman", "road"),
    ("tecun-uman", "ciudad-hidalgo", "border_foot"),
    ("ciudad-hidalgo", "tapachula", "road"),
    # issue 14
    ("san-andres", "corn-island", "sea_boat"),
    ("corn-island", "bluefields", "sea_boat"),
    ("san-andres", "bluefields", "sea_boat"),
    ("buenaventura", "bahia-solano", "sea_boat"),
    ("bahia-solano", "jurado", "sea_boat"),
    ("jurado", "jaque", "sea_boat"),
    ("malacatan", "talisman", "road"),
    ("talisman", "tapachula", "road"),
    ("huehuetenango", "ciudad-cuauhtemoc", "road"),
    ("ciudad-cuauhtemoc", "comitan", "road"),
    ("flores", "el-ceibo", "road"),
    ("el-ceibo", "tenosique", "road"),
    ("tenosique", "palenque-chiapas", "rail"),
    ("palenque-chiapas", "coatzacoalcos", "rail"),
    ("arriaga", "ixtepec", "rail"),
    ("villahermosa", "coatzacoalcos", "road"),
    ("choluteca", "el-amatillo", "road"),
    ("san-salvador", "la-hachadura", "road"),
    ("san-cristobal-sv", "guatemala-city", "road"),
]
CORRIDORS = {
    "uraba",
    "darien-acandi",
    "darien-carreto",
    "darien-capurgana",
    "darien-rivers",
    "darien-paya",
    "caribbean-bypass",
    "guna-yala-sea",
    "pacific",
    "panama-road",
    "colon-road",
    "costa-rica",
    "nicaragua",
    "honduras-trojes",
    "honduras-las-manos",
    "honduras-guasaule",
    "honduras",
    "guatemala",
    "mexico",
    # issue 14
    "san-andres-sea",
    "nicaragua-caribbean",
    "guatemala-peten",
    "el-salvador",
    "mexico-rail",
}


def _features(name: str) -> list[dict[str, Any]]:
    return json.loads(geodata_file(name).read_text(encoding="utf-8"))["features"]


@pytest.fixture(scope="module")
def places() -> gpd.GeoDataFrame:
    return gpd.read_file(str(geodata_file("places.geojson")))


@pytest.fixture(scope="module")
def legs() -> gpd.GeoDataFrame:
    return gpd.read_file(str(geodata_file("legs.geojson")))


# ---------------------------------------------------------------- shipped files


def test_places_schema() -> None:
    feats = _features("places.geojson")
    ids = [f["properties"]["id"] for f in feats]
    assert len(ids) == len(set(ids))
    for f in feats:
        p = f["properties"]
        assert list(p) == list(gd.PLACE_PROPS)
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", p["id"]), p["id"]
        assert p["kind"] in gd.KINDS and p["confidence"] in gd.CONFIDENCES
        assert re.fullmatch(r"[A-Z]{3}", p["country"])
        assert isinstance(p["alt_names"], list) and all(isinstance(a, str) for a in p["alt_names"])
        assert f["geometry"]["type"] == "Point" and p["source"]


def test_legs_schema() -> None:
    feats = _features("legs.geojson")
    ids = [f["properties"]["id"] for f in feats]
    assert len(ids) == len(set(ids))
    for f in feats:
        p = f["properties"]
        assert list(p) == list(gd.LEG_PROPS)
        assert (
            p["mode"] in gd.MODES and p["directions"] in gd.DIRECTIONS and p["confidence"] in gd.CONFIDENCES
        )
        assert p["corridor"] in CORRIDORS
        assert p["from"] != p["to"]
        assert p["duration_h"] > 0 and p["duration_source"]
        assert (p["cost_usd"] is None) == (p["cost_source"] is None)
        for col in ("period_start", "period_end"):
            assert p[col] is None or re.fullmatch(r"\d{4}-\d{2}-\d{2}", p[col])
        if p["period_start"] and p["period_end"]:
            assert p["period_start"] <= p["period_end"]
        assert f["geometry"]["type"] == "LineString" and len(f["geometry"]["coordinates"]) >= 2


def test_no_dangling_ids_and_ends_match(places: gpd.GeoDataFrame, legs: gpd.GeoDataFrame) -> None:
    xy = {i: (g.x, g.y) for i, g in zip(places["id"], places.geometry, strict=True)}
    missing = (set(legs["from"]) | set(legs["to"])) - set(xy)
    assert not missing
    for _, leg in legs.iterrows():
        line = list(leg.geometry.coords)
        assert np.allclose(line[0], xy[leg["from"]]) and np.allclose(line[-1], xy[leg["to"]]), leg["id"]


def test_alternative_spellings(places: gpd.GeoDataFrame) -> None:
    alts = dict(zip(places["id"], places["alt_names"], strict=True))
    assert "Necocli" in alts["necocli"]
    assert {"Manuscum", "Mansucun", "Mansukum"} <= set(alts["mansukun"])
    folded = defaultdict(set)
    for pid, name, names in zip(places["id"], places["name"], places["alt_names"], strict=True):
        for n in [name, *names]:
            folded[gd.ascii_fold(n).casefold()].add(pid)
    assert not {k: v for k, v in folded.items() if len(v) > 1}, "a spelling names two places"


def test_coverage(places: gpd.GeoDataFrame, legs: gpd.GeoDataFrame) -> None:
    assert set(places["id"]) >= REQUIRED_PLACES
    have = {(f, t, m) for f, t, m in zip(legs["from"], legs["to"], legs["mode"], strict=True)}
    have |= {
        (t, f, m)
        for f, t, m, d in zip(legs["from"], legs["to"], legs["mode"], legs["directions"], strict=True)
        if d == "both"
    }
    assert [r for r in REQUIRED_LEGS if r not in have] == []


def test_mansukun_la_miel_leg(legs: gpd.GeoDataFrame) -> None:
    leg = legs.set_index("id").loc["mansukun-la-miel-boat"]
    assert (leg["from"], leg["to"], leg["mode"], leg["directions"]) == (
        "mansukun",
        "la-miel",
        "sea_boat",
        "south",
    )


def _directed_edges(legs: gpd.GeoDataFrame, direction: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for f, t, d in zip(legs["from"], legs["to"], legs["directions"], strict=True):
        if d in (direction, "both"):
            a, b = (f, t) if (d == direction or direction == "north") else (t, f)
            out[a].add(b)
    return out


def _reaches(adj: dict[str, set[str]], a: str, b: str) -> bool:
    seen, todo = {a}, deque([a])
    while todo:
        for v in adj[todo.popleft()] - seen:
            seen.add(v)
            todo.append(v)
    return b in seen


@pytest.mark.parametrize(
    ("direction", "a", "b"),
    [
        ("north", "necocli", "tapachula"),
        ("south", "tapachula", "necocli"),
        ("south", "tapachula", "buenaventura"),
        ("north", "san-andres", "tapachula"),  # the boats to Nicaragua join the Central American roads
        ("north", "buenaventura", "jaque"),
        ("north", "necocli", "coatzacoalcos"),
        ("north", "necocli", "ixtepec"),
    ],
)
def test_connectivity(legs: gpd.GeoDataFrame, direction: str, a: str, b: str) -> None:
    assert _reaches(_directed_edges(legs, direction), a, b)


def test_places_inside_their_country(places: gpd.GeoDataFrame) -> None:
    countries = gpd.read_file(str(geodata_file("countries.geojson"))).set_index("iso3")
    local = "EPSG:32617"  # UTM 17N: metres for distances in the corridor (distortion < 1% here)
    pts = places.to_crs(local)
    polys = countries.to_crs(local).geometry
    far = {
        pid: round(polys[c].distance(g) / 1000.0, 1)
        for pid, c, g in zip(pts["id"], pts["country"], pts.geometry, strict=True)
        if polys[c].distance(g) / 1000.0 > COUNTRY_TOLERANCE_KM
    }
    assert far == {}


def test_countries_file() -> None:
    c = gpd.read_file(str(geodata_file("countries.geojson")))
    assert {"COL", "PAN", "CRI", "NIC", "HND", "GTM", "MEX", "SLV", "BLZ"} <= set(c["iso3"])
    minx, miny, maxx, maxy = c.total_bounds
    assert minx >= gd.REGION_BBOX[0] and miny >= gd.REGION_BBOX[1] and maxx <= gd.REGION_BBOX[2]
    assert maxy <= gd.REGION_BBOX[3] and c["source"].str.contains("Natural Earth 1:10m").all()
    assert c.geometry.is_valid.all() and c.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).all()


def _rings(geometry: dict[str, Any]) -> list[tuple[bool, list[list[float]]]]:
    polys = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    return [(i == 0, ring) for poly in polys for i, ring in enumerate(poly)]


def _signed_area(ring: list[list[float]]) -> float:
    xy = np.asarray(ring)
    return float(np.sum(xy[:-1, 0] * xy[1:, 1] - xy[1:, 0] * xy[:-1, 1]) / 2)


def test_countries_rings_follow_rfc7946() -> None:
    """RFC 7946 section 3.1.6: exterior rings counter-clockwise, holes clockwise; rings closed."""
    wrong = [(f["properties"]["name"], "exterior" if outer else "hole")
             for f in _features("countries.geojson") for outer, ring in _rings(f["geometry"])
             if ring[0] != ring[-1] or (_signed_area(ring) > 0) != outer]
    assert wrong == []


@pytest.fixture(scope="module")
def land_10m() -> Any:
    """The union of the shipped Natural Earth 1:10m country polygons (land), prepared for point tests."""
    import shapely

    land = shapely.union_all(gpd.read_file(str(geodata_file("countries.geojson"))).geometry.values)
    shapely.prepare(land)
    return land


def _far_from_ends(line: LineString, xy: np.ndarray, end_km: float = 1.0) -> np.ndarray:
    """The points of ``xy`` farther than ``end_km`` from both ends of ``line`` (where a coastal place sits)."""
    ends = np.asarray([line.coords[0], line.coords[-1]])[:, :2]
    far = np.ones(len(xy), dtype=bool)
    for ex, ey in ends:
        far &= gd.GEOD.inv(xy[:, 0], xy[:, 1], np.full(len(xy), ex), np.full(len(xy), ey))[2] / 1000.0 > end_km
    return far


def test_legs_on_the_right_side_of_the_coast(legs: gpd.GeoDataFrame, land_10m: Any) -> None:
    """Sea legs at sea and land legs on land, against the 1 km land mask and against the 1:10m coast."""
    import shapely

    globe = pytest.importorskip("global_land_mask.globe")
    bad: dict[str, list[str]] = defaultdict(list)
    for _, leg in legs.iterrows():
        sea = leg["mode"] in gd.SEA_MODES
        inner = np.asarray(leg.geometry.coords)[1:-1, :2]
        pts = gd.judged_samples(leg.geometry, 1.0)
        need = MIXED_LEGS.get(leg["id"], (SEA_SHARE_MIN, ""))[0]
        for name, is_land in (("1 km mask", lambda x, y: globe.is_land(y, x)),
                              ("1:10m", lambda x, y: shapely.contains_xy(land_10m, x, y))):
            judged = (
                inner if name == "1 km mask" else inner[_far_from_ends(leg.geometry, inner)] if len(inner) else inner
            )
            mixed = name == "1:10m" and leg["id"] in MIXED_LEGS
            if len(judged) and (is_land(judged[:, 0], judged[:, 1]) == sea).any() and not mixed:
                bad[leg["id"]].append(f"{name}: a vertex on the wrong side")
            if len(pts):
                share = float((is_land(pts[:, 0], pts[:, 1]) != sea).mean())
                if share < (SEA_SHARE_MIN if name == "1 km mask" else need):
                    bad[leg["id"]].append(f"{name}: {share:.0%} of samples on the right side")
    assert dict(bad) == {}


# ---------------------------------------------------------------- builder units


def test_sample_line_spacing() -> None:
    line = LineString([(-77.0, 8.0), (-77.0, 8.1), (-76.9, 8.1)])
    pts = gd.sample_line(line, 1.0)
    gaps = gd.GEOD.inv(pts[:-1, 0], pts[:-1, 1], pts[1:, 0], pts[1:, 1])[2] / 1000.0
    assert (
        gaps.max() <= 1.0 + 1e-9 and np.allclose(pts[0], (-77.0, 8.0)) and np.allclose(pts[-1], (-76.9, 8.1))
    )
    assert len(gd.judged_samples(LineString([(0, 0), (0.01, 0)]))) == 0


def test_line_length_matches_geod() -> None:
    line = LineString([(-79.5, 9.0), (-78.0, 8.5), (-77.3, 8.6)])
    expected = (
        sum(gd.GEOD.inv(*a, *b)[2] for a, b in zip(line.coords[:-1], line.coords[1:], strict=True)) / 1000
    )
    assert gd.line_length_km(line) == pytest.approx(expected, rel=1e-9)


def _facts(rows: list[tuple[str, str, str, str, str, str]]) -> pd.DataFrame:
    cols = ["from_place", "to_place", "duration_h_low", "duration_h_high", "cost_usd_low", "cost_usd_high"]
    df = pd.DataFrame(rows, columns=cols)
    df["source"] = "https://example.org/" + df.index.astype(str)
    return df


def test_durations_and_costs_rules() -> None:
    legs = pd.DataFrame(
        {
            "id": ["boat", "walk", "bus"],
            "mode": ["sea_boat", "jungle_foot", "road"],
            "length_km": [25.0, 15.0, 100.0],
            "facts": ["A>C$; A>B", "A>C", ""],
        }
    )
    facts = _facts(
        [("A", "C", "20", "40", "400", "400"), ("A", "B", "1", "1", "", ""), ("A", "B", "2", "4", "50", "60")]
    )
    out = gd.leg_durations_and_costs(legs, facts)
    assert out.loc["boat", "duration_h"] == 2.0  # direct rows (1 h and 3 h) beat the chain share
    assert out.loc["boat", "cost_usd"] == 55.0  # direct rows win for cost too
    # the walk gets the chain's 30 h in proportion of assumed time: 10 h of 11 h
    assert out.loc["walk", "duration_h"] == pytest.approx(30 * 10 / 11, abs=0.01)
    assert pd.isna(out.loc["walk", "cost_usd"])  # not marked '$' in a chain: no cost
    assert out.loc["bus", "duration_h"] == 2.0 and out.loc["bus", "duration_source"] == "assumption: 50 km/h"


def test_facts_entry_without_rows_raises() -> None:
    legs = pd.DataFrame({"id": ["x"], "mode": ["road"], "length_km": [1.0], "facts": ["Nowhere>Else"]})
    with pytest.raises(DataError, match="'Nowhere>Else' matches no row"):
        gd.leg_durations_and_costs(legs, _facts([]))


def _places_fixture() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"id": ["a", "b"]}, geometry=[Point(-77.0, 8.0), Point(-77.1, 8.1)], crs="EPSG:4326"
    )


LEG_HEADER = "id,from,to,mode,directions,corridor,via,period_start,period_end,facts,source,confidence\n"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("x,a,zz,road,both,c,,,,,s,high", "unknown place id 'zz'"),
        ("x,a,b,bus,both,c,,,,,s,high", "mode 'bus' not in"),
        ("x,a,b,road,up,c,,,,,s,high", "directions 'up' not in"),
        ("x,a,b,road,both,c,,2024-13-01,,,s,high", "period_start '2024-13-01' is not a YYYY-MM-DD date"),
        ("x,a,a,road,both,c,,,,,s,high", "from and to are the same place"),
        ("x,a,b,road,both,c,-77 8 1,,,,s,high", "via must be 'lon lat, lon lat"),
    ],
)
def test_bad_leg_rows_raise(tmp_path: Path, row: str, message: str) -> None:
    (tmp_path / "legs.csv").write_text(LEG_HEADER + row + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=re.escape(message)):
        gd.build_legs(_places_fixture(), tmp_path, None)


def test_duplicate_leg_ids_raise(tmp_path: Path) -> None:
    row = "x,a,b,road,both,c,,,,,s,high\n"
    (tmp_path / "legs.csv").write_text(LEG_HEADER + row + row, encoding="utf-8")
    with pytest.raises(DataError, match="leg id 'x' used 2 times"):
        gd.build_legs(_places_fixture(), tmp_path, None)


def test_build_legs_small(tmp_path: Path) -> None:
    (tmp_path / "legs.csv").write_text(
        LEG_HEADER + 'x,a,b,road,both,c,"-77.05 8.02",,,,s,high\n', encoding="utf-8"
    )
    legs = gd.build_legs(_places_fixture(), tmp_path, None)
    assert list(legs.columns) == [*gd.LEG_PROPS, "geometry"]
    assert list(legs.geometry[0].coords) == [(-77.0, 8.0), (-77.05, 8.02), (-77.1, 8.1)]
    assert legs.loc[0, "period_start"] is None and legs.loc[0, "cost_usd"] is None


# ---------------------------------------------------------------- build from the shared data


@needs_shared
def test_gazetteer_merge_drops_unresolved() -> None:
    kept, dropped = gd.read_gazetteer(SHARED)
    assert {r["name"] for r in dropped} == {"Las Tecas", "Loma de la Muerte", "Cañas Blancas"}
    la_miel = next(r for r in kept if r["name"] == "La Miel")
    assert la_miel["confidence"] == "high"  # places_resolved.csv replaced the approximate row


@needs_shared
def test_build_is_reproducible_and_matches_shipped(tmp_path: Path) -> None:
    sources = Path(str(geodata_file("sources")))
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    gd.build(SHARED, first, sources=sources)
    gd.build(SHARED, second, sources=sources)
    for name in ("places.geojson", "legs.geojson", "countries.geojson"):
        built = (first / name).read_bytes()
        assert built == (second / name).read_bytes(), name
        assert built == geodata_file(name).read_bytes(), (
            f"{name} is stale: run python -m tools.geodata build"
        )


@needs_shared
def test_missing_override_raises(tmp_path: Path) -> None:
    (tmp_path / "places_overrides.csv").write_text("name,id\nNecoclí,necocli\n", encoding="utf-8")
    with pytest.raises(DataError, match="no row \\(id\\) for gazetteer place 'Turbo'"):
        gd.build_places(SHARED, tmp_path)
