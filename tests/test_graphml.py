"""Graph interchange: GraphML and pickle round trips, and OSMnx's own functions on the network.

OSMnx (in the test extra) reads the graph as it reads a street network: ``length`` in metres on every edge,
``x``/``y`` on every node, ``G.graph["crs"]``.
"""

from __future__ import annotations

import itertools
import math
import pickle
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry

from routes.errors import DataError
from routes.load import load_network
from routes.model.estimate import estimate_of
from routes.network.graphml import ENCODING_KEY, read_graphml, to_graphml


@pytest.fixture(scope="module")
def G() -> nx.MultiDiGraph:
    return load_network(snapshot="shipped")


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, BaseGeometry):
        return isinstance(b, BaseGeometry) and a.equals_exact(b, 0)
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    return type(a) is type(b) and a == b


def _assert_same_graph(G: nx.MultiDiGraph, H: nx.MultiDiGraph) -> None:
    assert isinstance(H, nx.MultiDiGraph)
    assert list(G.nodes) == list(H.nodes) and set(G.edges(keys=True)) == set(H.edges(keys=True))
    for n, d in G.nodes(data=True):
        assert set(d) == set(H.nodes[n]), n
        assert all(_same(v, H.nodes[n][k]) for k, v in d.items()), n
    for u, v, k, d in G.edges(keys=True, data=True):
        e = H.edges[u, v, k]
        assert set(d) == set(e), (u, v, k)
        bad = [a for a, x in d.items() if not _same(x, e[a])]
        assert not bad, (u, v, k, bad)


def test_edges_carry_length_in_metres(G: nx.MultiDiGraph) -> None:
    assert all(d["length"] == pytest.approx(1000 * d["length_km"], rel=1e-12) for *_, d in G.edges(data=True))


def test_graphml_round_trip_of_the_network_with_its_risk(G: nx.MultiDiGraph, tmp_path: Path) -> None:
    path = to_graphml(G, tmp_path / "routes.graphml")
    H = read_graphml(path)
    _assert_same_graph(G, H)
    assert {k: v for k, v in H.graph.items() if k != "risk_settings"} == \
        {k: v for k, v in G.graph.items() if k != "risk_settings"}
    assert H.graph["risk_settings"]["exposure_source"] == Path(G.graph["risk_settings"]["exposure_source"]).name
    assert ENCODING_KEY not in H.graph
    text = path.read_text(encoding="utf-8")
    assert str(Path.home()) not in text and str(Path(__file__).resolve().parents[1]) not in text
    assert "LINESTRING" in text  # geometries as WKT, readable by any GIS
    assert isinstance(H.edges["necocli", "capurgana", "necocli-capurgana-boat"]["season"], tuple)
    assert estimate_of(H) is estimate_of(G)  # same process: the estimate is found by its id


def test_plain_networkx_reads_the_file(G: nx.MultiDiGraph, tmp_path: Path) -> None:
    plain = nx.read_graphml(to_graphml(G, tmp_path / "routes.graphml"))
    assert plain.number_of_edges() == G.number_of_edges()


def test_pickle_round_trip(G: nx.MultiDiGraph) -> None:
    H = pickle.loads(pickle.dumps(G))
    _assert_same_graph(G, H)
    assert H.graph == G.graph and estimate_of(H) is not None


_values = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12),
                    st.floats(allow_nan=False, allow_infinity=False),
                    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12),
                    st.lists(st.integers(0, 9), max_size=3), st.tuples(st.floats(-1, 1), st.floats(-1, 1)),
                    st.dictionaries(st.text("abc", min_size=1, max_size=3), st.integers(0, 9), max_size=2))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.dictionaries(st.sampled_from(["a", "b", "c", "season"]), _values, max_size=4), min_size=1,
                max_size=5))
def test_graphml_round_trip_of_any_attribute_values(tmp_path: Path, attrs: list[dict[str, Any]]) -> None:
    G = nx.MultiDiGraph(crs="EPSG:4326", settings={"window": [2022, 2024]})
    for i, d in enumerate(attrs):
        G.add_node(f"p{i}", x=float(i), y=0.5, **d)
        G.add_edge(f"p{i}", "p0", key=f"leg-{i}", geometry=LineString([(i, 0.5), (0, 0.5)]), **d)
    H = read_graphml(to_graphml(G, tmp_path / "any.graphml"))
    _assert_same_graph(G, H)
    assert H.graph == G.graph


def test_graphml_errors_name_the_file(tmp_path: Path, G: nx.MultiDiGraph) -> None:
    with pytest.raises(DataError, match=r"cannot read GraphML '.*absent\.graphml': no such file"):
        read_graphml(tmp_path / "absent.graphml")
    (tmp_path / "bad.graphml").write_text("<graphml><graph>", encoding="utf-8")
    with pytest.raises(DataError, match=r"bad\.graphml.*is it a GraphML file"):
        read_graphml(tmp_path / "bad.graphml")
    with pytest.raises(DataError, match="directory .* does not exist"):
        to_graphml(G, tmp_path / "no" / "such" / "dir.graphml")


# ---------------------------------------------------------------------------------------------------- OSMnx
def test_osmnx_reads_and_routes_the_network(G: nx.MultiDiGraph) -> None:
    ox = pytest.importorskip("osmnx")
    nodes, edges = ox.graph_to_gdfs(G)
    assert len(nodes) == G.number_of_nodes() and len(edges) == G.number_of_edges()
    assert str(edges.crs) == "EPSG:4326" and edges["length"].gt(0).all()

    # place ids are strings, which OSMnx would take for lists of origins: one-element lists ask for one route
    route = ox.routing.shortest_path(G, ["necocli"], ["tapachula"], weight="length")[0]
    assert route is not None and route[0] == "necocli" and route[-1] == "tapachula"
    metres = sum(min(d["length"] for d in G[u][v].values()) for u, v in itertools.pairwise(route))
    assert metres == pytest.approx(nx.shortest_path_length(G, "necocli", "tapachula", weight="length"))

    routes = list(ox.routing.k_shortest_paths(G, "necocli", "tapachula", 3, weight="length"))
    assert len(routes) == 3 and len({tuple(r) for r in routes}) == 3 and routes[0] == route

    H = G.copy()  # the risk as an additive weight: -log(1 - p) per leg
    for *_, d in H.edges(data=True):
        d["hazard"] = -math.log1p(-d["p_death"])
    safest = ox.routing.shortest_path(H, ["necocli"], ["tapachula"], weight="hazard")[0]
    assert safest == nx.shortest_path(H, "necocli", "tapachula", weight="hazard")
