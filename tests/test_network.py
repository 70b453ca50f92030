"""Tests of routes.network.graph on small networks written in code, and on the shipped geodata."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from pyproj import Geod
from shapely.geometry import LineString
from toy import LEGS, PLACES, _xy, legs_doc, places_doc, write

import routes
from routes.errors import NetworkError, UnknownPlaceError
from routes.load import load_network
from routes.network.graph import (
    build_graph,
    find_place,
    graph_from_gdfs,
    graph_to_gdfs,
    normalise_name,
    read_legs,
    read_places,
    search_places,
    validate_network,
)


@pytest.fixture()
def toy(tmp_path: Path) -> nx.MultiDiGraph:
    return load_network(
        places=write(tmp_path, "p.geojson", places_doc()), legs=write(tmp_path, "l.geojson", legs_doc()), risk=False
    )


# --------------------------------------------------------------------------------------------- the graph contract
def test_toy_graph_contract(toy: nx.MultiDiGraph) -> None:
    assert isinstance(toy, nx.MultiDiGraph)
    assert toy.graph["crs"] == "EPSG:4326"
    assert toy.nodes["necocli"]["x"] == pytest.approx(-76.78926)
    assert toy.nodes["necocli"]["y"] == pytest.approx(8.42627)
    # one edge per direction a leg is travelled in
    n_expected = sum(2 if leg["directions"] == "both" else 1 for leg in LEGS)
    assert toy.number_of_edges() == n_expected
    # parallel legs stay separate edges, keyed by leg id
    assert set(toy["necocli"]["capurgana"]) == {"necocli-capurgana-boat", "necocli-capurgana-fast"}
    # a two-way leg: from->to northbound, to->from southbound, geometry oriented along travel
    north = toy.edges["necocli", "capurgana", "necocli-capurgana-boat"]
    south = toy.edges["capurgana", "necocli", "necocli-capurgana-boat"]
    assert (north["direction"], south["direction"]) == ("north", "south")
    assert list(south["geometry"].coords) == list(north["geometry"].coords)[::-1]
    assert south["geometry"].coords[0] == pytest.approx(_xy("capurgana"))
    # a southbound-only leg exists only from->to
    assert toy.has_edge("mansukun", "la-miel", "mansukun-la-miel-boat")
    assert not toy.has_edge("la-miel", "mansukun")
    assert toy.edges["mansukun", "la-miel", "mansukun-la-miel-boat"]["direction"] == "south"


def test_lengths_are_geodesic_over_the_whole_line(toy: nx.MultiDiGraph) -> None:
    geod = Geod(ellps="WGS84")
    for _, _, d in toy.edges(data=True):
        lons, lats = zip(*d["geometry"].coords, strict=True)
        independent = sum(geod.inv(lons[i], lats[i], lons[i + 1], lats[i + 1])[2] for i in range(len(lons) - 1)) / 1000
        assert d["length_km"] == pytest.approx(independent, rel=0.01)
        ends = geod.inv(lons[0], lats[0], lons[-1], lats[-1])[2] / 1000
        assert d["length_km"] >= ends  # never shorter than the straight line between the ends


def test_gdfs_round_trip_is_lossless(toy: nx.MultiDiGraph) -> None:
    nodes, edges = graph_to_gdfs(toy)
    assert list(edges.index.names) == ["u", "v", "key"]
    assert len(nodes) == toy.number_of_nodes() and len(edges) == toy.number_of_edges()
    H = graph_from_gdfs(nodes, edges)
    assert H.graph["crs"] == toy.graph["crs"]
    assert dict(H.nodes(data=True)) == dict(toy.nodes(data=True))
    for u, v, k, d in toy.edges(keys=True, data=True):
        h = H.edges[u, v, k]
        assert set(h) == set(d)
        assert h["geometry"].equals(d["geometry"])
        assert {a: b for a, b in h.items() if a != "geometry"} == {a: b for a, b in d.items() if a != "geometry"}


def test_graph_to_gdfs_does_not_mutate(toy: nx.MultiDiGraph) -> None:
    before = copy.deepcopy(dict(toy.edges["necocli", "capurgana", "necocli-capurgana-boat"]))
    graph_to_gdfs(toy)
    assert dict(toy.edges["necocli", "capurgana", "necocli-capurgana-boat"]) == before


# --------------------------------------------------------------------------------------------- finding places
@pytest.mark.parametrize(
    ("query", "expected"),
    [("Necocli", "necocli"), ("NECOCLÍ", "necocli"), ("necoclí", "necocli"), ("Manuscum", "mansukun"),
     ("Mansucun", "mansukun"), ("mansukum", "mansukun"), ("la-miel", "la-miel"), ("Playa  la miel", "la-miel")],
)
def test_find_place_accent_case_and_spelling(toy: nx.MultiDiGraph, query: str, expected: str) -> None:
    assert find_place(toy, query) == expected


def test_find_place_suggests(toy: nx.MultiDiGraph) -> None:
    with pytest.raises(UnknownPlaceError, match=r"unknown place 'Necocly'; did you mean 'Necoclí'"):
        find_place(toy, "Necocly")
    with pytest.raises(KeyError):  # UnknownPlaceError is also a KeyError
        find_place(toy, "Atlantis")
    with pytest.raises(UnknownPlaceError, match="non-empty string"):
        find_place(toy, "  ")


def test_search_places(toy: nx.MultiDiGraph) -> None:
    assert search_places(toy, "miel") == ["la-miel"]
    assert "necocli" in search_places(toy, "necoly")  # nothing contains it: closest names instead


def test_normalise_name_is_idempotent() -> None:
    for s in ["Necoclí", "Cartí Sugdub (Gardi Sugdub)", "Peñas Blancas", "  x  "]:
        assert normalise_name(normalise_name(s)) == normalise_name(s)


# --------------------------------------------------------------------------------------------- bad input
def _legs_with(tmp_path: Path, change: dict[str, Any], index: int = 0) -> Path:
    legs = copy.deepcopy(LEGS)
    legs[index].update(change)
    return write(tmp_path, "bad_legs.geojson", legs_doc(legs))


def test_unknown_place_id_in_legs(tmp_path: Path) -> None:
    p = write(tmp_path, "p.geojson", places_doc())
    doc = legs_doc()
    doc["features"][0]["properties"]["to"] = "capurgna"
    with pytest.raises(NetworkError, match=r"leg 'necocli-capurgana-boat' \(feature 0\): unknown place id 'capurgna'; "
                                           r"did you mean 'Capurganá'"):
        load_network(places=p, legs=write(tmp_path, "l.geojson", doc), risk=False)


def test_self_loop(tmp_path: Path) -> None:
    path = _legs_with(tmp_path, {"to": "necocli"})
    with pytest.raises(NetworkError, match=r"bad_legs.geojson, feature 0 \(id 'necocli-capurgana-boat'\): self-loop"):
        read_legs(path)


@pytest.mark.parametrize(
    "geometry", [None, {"type": "LineString", "coordinates": []}, {"type": "Point", "coordinates": [0, 0]}]
)
def test_missing_or_empty_geometry(tmp_path: Path, geometry: Any) -> None:
    doc = legs_doc()
    doc["features"][2]["geometry"] = geometry
    with pytest.raises(NetworkError, match=r"feature 2 \(id 'acandi-capurgana-foot'\): geometry must be a LineString"):
        read_legs(write(tmp_path, "l.geojson", doc))
    pdoc = places_doc()
    pdoc["features"][1]["geometry"] = geometry if geometry is None or geometry["type"] != "Point" else {
        "type": "LineString", "coordinates": [[0, 0], [1, 1]]}
    with pytest.raises(NetworkError, match=r"feature 1 \(id 'capurgana'\): geometry must be a non-empty Point"):
        read_places(write(tmp_path, "p.geojson", pdoc))


def test_swapped_lat_lon_is_caught(tmp_path: Path) -> None:
    places = copy.deepcopy(PLACES)
    places[0]["xy"] = (8.42627, -76.78926)  # latitude and longitude swapped: Antarctica's ocean
    p = write(tmp_path, "p.geojson", places_doc(places))
    with pytest.raises(NetworkError, match=r"line start .* is \d+\.\d km from place 'necocli'.*swapped"):
        load_network(places=p, legs=write(tmp_path, "l.geojson", legs_doc()), risk=False)
    # the validator alone names the place and its country
    no_legs = read_legs(write(tmp_path, "l2.geojson", legs_doc())).iloc[:0]
    G = build_graph(read_places(p), no_legs)
    problems = validate_network(G, raise_errors=False)
    assert any("place 'necocli'" in s and "outside its country 'COL'" in s for s in problems)


def test_duplicate_ids(tmp_path: Path) -> None:
    legs = copy.deepcopy(LEGS)
    legs[1]["id"] = legs[0]["id"]
    with pytest.raises(NetworkError, match=r"feature 1 \(id 'necocli-capurgana-boat'\): duplicate id .*first used by "
                                           r"feature 0"):
        read_legs(write(tmp_path, "l.geojson", legs_doc(legs)))
    places = copy.deepcopy(PLACES)
    places[2]["id"] = "necocli"
    with pytest.raises(NetworkError, match=r"feature 2 \(id 'necocli'\): duplicate id"):
        read_places(write(tmp_path, "p.geojson", places_doc(places)))


def test_unknown_mode_and_direction(tmp_path: Path) -> None:
    legs = copy.deepcopy(LEGS)
    legs[0]["mode"] = "helicopter"
    legs[1]["directions"] = "east"
    with pytest.raises(NetworkError, match=r"2 problem\(s\)") as info:
        read_legs(write(tmp_path, "l.geojson", legs_doc(legs)))
    assert any("unknown mode 'helicopter'" in p for p in info.value.problems)
    assert any("unknown directions 'east'" in p for p in info.value.problems)


def test_every_problem_reported_at_once(tmp_path: Path) -> None:
    legs = copy.deepcopy(LEGS)
    legs[0]["mode"] = "helicopter"
    legs[2]["to"] = "acandi"  # self-loop
    del legs[3]["corridor"]
    with pytest.raises(NetworkError) as info:
        read_legs(write(tmp_path, "l.geojson", legs_doc(legs)))
    assert len(info.value.problems) == 3


def test_not_geojson_and_foreign_crs(tmp_path: Path) -> None:
    bad = tmp_path / "p.geojson"
    bad.write_bytes(b"\x00\x01binary")
    with pytest.raises(NetworkError, match="not valid JSON|not UTF-8"):
        read_places(bad)
    doc = places_doc()
    doc["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}}
    with pytest.raises(NetworkError, match=r"declares crs .*3857.*Reproject"):
        read_places(write(tmp_path, "p2.geojson", doc))
    with pytest.raises(NetworkError, match="does not exist"):
        read_places(tmp_path / "nope.geojson")
    with pytest.raises(NetworkError, match="no features"):
        read_places(write(tmp_path, "p3.geojson", {"type": "FeatureCollection", "features": []}))


def test_empty_network_is_invalid() -> None:
    G = nx.MultiDiGraph(crs="EPSG:4326")
    with pytest.raises(NetworkError, match="the network is empty"):
        validate_network(G)


def test_input_files_unchanged(tmp_path: Path) -> None:
    p, l_ = write(tmp_path, "p.geojson", places_doc()), write(tmp_path, "l.geojson", legs_doc())
    before = (p.read_bytes(), l_.read_bytes())
    load_network(places=p, legs=l_, risk=False)
    assert (p.read_bytes(), l_.read_bytes()) == before


def test_graph_from_gdfs_rejects_wrong_index(toy: nx.MultiDiGraph) -> None:
    nodes, edges = graph_to_gdfs(toy)
    with pytest.raises(NetworkError, match=r"indexed by \['u', 'v', 'key'\]"):
        graph_from_gdfs(nodes, edges.reset_index())


def test_validate_catches_mutated_edge(toy: nx.MultiDiGraph) -> None:
    H = toy.copy()
    H.edges["necocli", "acandi", "necocli-acandi-boat"]["geometry"] = LineString([(0, 0), (1, 1)])
    H.edges["necocli", "acandi", "necocli-acandi-boat"]["mode"] = "teleport"
    problems = validate_network(H, raise_errors=False)
    assert any("unknown mode 'teleport'" in p for p in problems)
    assert any("line start is not at place 'necocli'" in p for p in problems)


# --------------------------------------------------------------------------------------------- the shipped network
def test_shipped_network_loads_and_is_valid() -> None:
    G = routes.load_network(risk=False) if hasattr(routes, "load_network") else load_network(risk=False)
    assert validate_network(G, raise_errors=False) == []
    assert G.number_of_nodes() > 50
    for a, b, direction in (("Necoclí", "Tapachula", "north"), ("Tapachula", "Necoclí", "south")):
        sub = nx.subgraph_view(G, filter_edge=lambda u, v, k, d=direction: G.edges[u, v, k]["direction"] == d)
        assert nx.has_path(sub, find_place(G, a), find_place(G, b)), f"no {direction}bound path {a} -> {b}"
    assert G.has_edge("mansukun", "la-miel", "mansukun-la-miel-boat")


def test_shipped_gdfs_round_trip_keeps_missing_values() -> None:
    """Unknown values (a cost no source gives) survive the round trip as None, not as a missing key."""
    G = load_network(risk=False)
    H = graph_from_gdfs(*graph_to_gdfs(G))
    for u, v, k, d in G.edges(keys=True, data=True):
        h = H.edges[u, v, k]
        assert set(h) == set(d)
        assert all((h[a] is None) == (d[a] is None) for a in d if a != "geometry")


def test_shipped_lengths_agree_with_an_independent_computation() -> None:
    """length_km (pyproj.Geod on the ellipsoid) within 1% of a spherical haversine sum over the same vertices."""
    import itertools
    import math

    G = load_network(risk=False)
    for u, v, k, d in G.edges(keys=True, data=True):
        pts = list(d["geometry"].coords)
        hav = 0.0
        for (x1, y1), (x2, y2) in itertools.pairwise(pts):
            p1, p2, dl = math.radians(y1), math.radians(y2), math.radians(x2 - x1)
            a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
            hav += 2 * 6371.0088 * math.asin(math.sqrt(a))
        assert d["length_km"] == pytest.approx(hav, rel=0.01), (u, v, k)
