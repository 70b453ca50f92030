"""Strict inputs (issue 12, part 5): the API refuses nonsense with a clear error instead of ranking it.

``rank_paths`` and ``estimate_risk`` check the attributes they read; a risk edited after the estimate is an error
that says to re-estimate, or is honoured when it is consistent; ``graph_from_gdfs`` reprojects or refuses frames that
are not in EPSG:4326; the network reader names the file and feature of a malformed feature; every command-line usage
error exits 2 and names the option. Inputs are never modified.
"""

from __future__ import annotations

import copy
import json
import math
import re
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pytest
from toy import LEGS, PLACES, legs_doc, places_doc, toy_exposure, toy_flows, toy_incidents, write

from routes.cli import main
from routes.errors import ArgumentError, DataError, NetworkError
from routes.load import load_network
from routes.model.estimate import estimate_of
from routes.model.posterior import gamma_risk
from routes.model.risk import estimate_risk
from routes.network.convert import graph_from_gdfs, graph_to_gdfs
from routes.network.graph import read_legs, read_places, validate_network
from routes.query.scoring import rank_paths


@pytest.fixture(scope="module")
def toy_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("toy")
    return write(d, "places.geojson", places_doc()), write(d, "legs.geojson", legs_doc())


@pytest.fixture(scope="module")
def bare(toy_files: tuple[Path, Path]) -> nx.MultiDiGraph:
    return load_network(places=toy_files[0], legs=toy_files[1], risk=False)


@pytest.fixture(scope="module")
def risky(bare: nx.MultiDiGraph) -> nx.MultiDiGraph:
    inc = toy_incidents([{"lon": -77.07, "lat": 8.55, "dead": 2, "date": f"2024-{m:02d}-10"} for m in (1, 2, 3)])
    return estimate_risk(bare, inc, toy_flows(), exposure=toy_exposure(), draws=500, seed=1)


def state(G: nx.MultiDiGraph) -> str:
    """Every node and edge attribute, to show a graph was not modified."""
    return json.dumps([sorted(G.nodes(data=True), key=str), sorted(G.edges(keys=True, data=True), key=str)],
                      default=str, sort_keys=True)


def edited(G: nx.MultiDiGraph, leg: str = "necocli-capurgana-boat", **values: Any) -> nx.MultiDiGraph:
    H = G.copy()  # keeps its estimate_id: the edit is on an estimated graph
    for _u, _v, k, d in H.edges(keys=True, data=True):
        if k == leg and d["direction"] == "north":
            d.update(values)
    return H


# ------------------------------------------------------------------------------------------- rank_paths
@pytest.mark.parametrize(("values", "pattern"), [
    ({"p_death": -0.5}, r"leg 'necocli-capurgana-boat' \(necocli -> capurgana\): p_death -0\.5 is not a probability"),
    ({"p_death": 1.5}, r"p_death 1\.5 is not a probability in \[0, 1\]"),
    ({"p_death": math.inf}, r"p_death inf is not a probability"),
    ({"p_death": "0.3"}, r"p_death '0\.3' is a str, not a number"),
    ({"p_death_hi": 2.0}, r"p_death_hi 2\.0 is not a probability"),
    ({"risk_rate": -1.0}, r"risk_rate -1\.0 must be a finite number > 0"),
    ({"risk_rate": math.inf}, r"risk_rate inf must be a finite number > 0"),
    ({"risk_shape": 0.0}, r"risk_shape 0\.0 must be a finite number > 0"),
    ({"risk_rate": None}, r"has risk_shape but no risk_rate"),
    ({"p_death": 0.3}, (r"p_death 0\.3 does not match its risk_shape and risk_rate.*edited after the estimate\. "
                       r"Re-estimate with routes\.estimate_risk\(G\)")),
    ({"risk_rate": 1.0}, r"p_death .* does not match its risk_shape and risk_rate"),
])  # fmt: skip
def test_rank_paths_refuses_risk_it_cannot_use(risky: nx.MultiDiGraph, values: dict[str, Any], pattern: str) -> None:
    H = edited(risky, **values)
    before = state(H)
    with pytest.raises(DataError, match=r"edge\(s\) carry risk attributes the scorer cannot use") as err:
        rank_paths(H, "necocli", "la-miel", k=2, draws=200)
    assert re.search(pattern, str(err.value), re.DOTALL), str(err.value)
    assert state(H) == before


def test_a_consistent_edit_is_honoured(risky: nx.MultiDiGraph) -> None:
    """p_death, risk_shape and risk_rate set together on an estimated graph: the ranking uses them, draws included."""
    shape, rate = 4.0, 40.0  # a mean risk near 0.095, far above the estimate's
    H = edited(risky, p_death=float(gamma_risk(shape, rate)), risk_shape=shape, risk_rate=rate)
    ranked = rank_paths(H, "necocli", "la-miel", k=6, draws=2000)
    via = ranked[ranked["legs"].map(lambda legs: "necocli-capurgana-boat" in legs)].iloc[0]
    lam = sum(-math.log1p(-H.edges[u, v, k]["p_death"])
              for u, v, k in zip(via["nodes"][:-1], via["nodes"][1:], via["legs"], strict=True))
    assert via["p_death"] == pytest.approx(-math.expm1(-lam))
    assert via["p_death_lo"] > 0.02  # the interval comes from the edited Gamma, not from the estimate's draws
    assert ranked.iloc[0]["legs"][0] != "necocli-capurgana-boat"
    rows = estimate_of(H).rows_matching([("necocli", "capurgana", "necocli-capurgana-boat")], np.array([shape]),
                                        np.array([rate]))
    assert rows.tolist() == [-1]


def test_p_death_alone_ranks_as_a_fixed_value(risky: nx.MultiDiGraph) -> None:
    H = edited(risky, p_death=0.2)
    for _, _, k, d in H.edges(keys=True, data=True):
        if k == "necocli-capurgana-boat" and d["direction"] == "north":
            del d["risk_shape"], d["risk_rate"]  # no posterior: p_death is a fixed value, as documented
    ranked = rank_paths(H, "necocli", "capurgana", direction="north", k=5, draws=500)
    boat = ranked[ranked["legs"].map(lambda legs: legs == ["necocli-capurgana-boat"])].iloc[0]
    assert boat["p_death"] == pytest.approx(0.2) and boat["p_death_lo"] == pytest.approx(0.2)


# ------------------------------------------------------------------------------------------- estimate_risk
def _estimate(G: nx.MultiDiGraph, incidents: Any) -> Any:
    return estimate_risk(G, incidents, toy_flows(), exposure=toy_exposure(), draws=200)


@pytest.mark.parametrize(("leg", "values", "pattern"), [
    ("acandi-capurgana-foot", {"length_km": -3.0}, (r"leg 'acandi-capurgana-foot' \(acandi -> capurgana\): length_km "
                                                   r"-3\.0 must be a finite number of km > 0")),
    ("acandi-capurgana-foot", {"length_km": "12"}, r"length_km '12' must be a finite number"),
    ("acandi-capurgana-foot", {"length_km": math.nan}, r"length_km nan must be a finite number"),
    ("acandi-capurgana-foot", {"mode": "teleport"}, r"mode 'teleport' is not one of \['border_foot'"),
])  # fmt: skip
def test_estimate_risk_checks_the_edges(bare: nx.MultiDiGraph, leg: str, values: dict[str, Any],
                                        pattern: str) -> None:
    H = edited(bare, leg, **values)
    before = state(H)
    inc = toy_incidents([{"lon": -77.07, "lat": 8.55}])
    with pytest.raises(DataError, match=r"estimate_risk: \d+ problem\(s\) in its inputs") as err:
        _estimate(H, inc)
    assert re.search(pattern, str(err.value)), str(err.value)
    assert state(H) == before


@pytest.mark.parametrize(("row", "pattern"), [
    ({"dead": -1}, r"main_id 'T0': dead -1 and missing 0: dead and dead \+ missing must be >= 0"),
    ({"dead": 1, "missing": -3}, r"dead 1 and missing -3"),
    ({"dead": math.nan}, r"main_id 'T0': dead nan must be a whole number"),
    ({"dead": 1.5}, r"dead 1\.5 must be a whole number"),
    ({"lat": 95.0}, r"lat 95 is out of range"),
])  # fmt: skip
def test_estimate_risk_checks_the_incidents(bare: nx.MultiDiGraph, row: dict[str, Any], pattern: str) -> None:
    inc = toy_incidents([{"lon": -77.07, "lat": 8.55} | row])
    before = inc.copy()
    with pytest.raises(DataError, match=pattern):
        _estimate(bare, inc)
    assert inc.equals(before)


def test_negative_missing_as_an_iom_correction_is_accepted(bare: nx.MultiDiGraph) -> None:
    inc = toy_incidents([{"lon": -77.07, "lat": 8.55, "dead": 3, "missing": -1}])
    assert all(0 <= d["p_death"] <= 1 for *_, d in _estimate(bare, inc).edges(data=True))


def test_estimate_risk_refuses_dates_as_text(bare: nx.MultiDiGraph) -> None:
    inc = toy_incidents([{"lon": -77.07, "lat": 8.55}])
    inc["date"] = inc["date"].dt.strftime("%d/%m/%Y")
    with pytest.raises(DataError, match=r"column 'date' holds .*not dates.*pandas\.to_datetime"):
        _estimate(bare, inc)


# ------------------------------------------------------------------------------------------- graph_from_gdfs
def test_graph_from_gdfs_reprojects_web_mercator(risky: nx.MultiDiGraph) -> None:
    nodes, edges = graph_to_gdfs(risky)
    merc_nodes, merc_edges = nodes.to_crs("EPSG:3857"), edges.to_crs("EPSG:3857")
    merc_nodes["x"], merc_nodes["y"] = merc_nodes.geometry.x, merc_nodes.geometry.y  # metres in the columns too
    H = graph_from_gdfs(merc_nodes, merc_edges)
    assert H.graph["crs"] == "EPSG:4326" and validate_network(H, raise_errors=False) == []
    for n, d in risky.nodes(data=True):
        assert H.nodes[n]["x"] == pytest.approx(d["x"], abs=1e-9) and H.nodes[n]["y"] == pytest.approx(d["y"], abs=1e-9)
    for u, v, k, d in risky.edges(keys=True, data=True):
        assert H.edges[u, v, k]["geometry"].equals_exact(d["geometry"], 1e-9)
    assert merc_nodes.crs == "EPSG:3857" and merc_nodes["x"].abs().max() > 1e6  # the frames are not modified


def test_graph_from_gdfs_without_a_crs(risky: nx.MultiDiGraph) -> None:
    nodes, edges = graph_to_gdfs(risky)
    merc_nodes = nodes.to_crs("EPSG:3857").set_crs(None, allow_override=True)
    with pytest.raises(NetworkError, match=r"gdf_nodes has no CRS and coordinates from \(-8\.\d+e\+06.*not longitudes "
                                           r"and latitudes; set its CRS \(e\.g\. gdf_nodes\.set_crs\('EPSG:3857'\)\)"):
        graph_from_gdfs(merc_nodes, edges)
    plain = graph_from_gdfs(nodes.set_crs(None, allow_override=True), edges.set_crs(None, allow_override=True))
    assert plain.graph["crs"] == "EPSG:4326"  # longitudes and latitudes without a CRS are taken as such
    with pytest.raises(ArgumentError, match=r"graph_attrs crs 'EPSG:3857'.*always in EPSG:4326"):
        graph_from_gdfs(nodes, edges, graph_attrs={"crs": "EPSG:3857"})


# ------------------------------------------------------------------------------------------- the network reader
def _legs_with(tmp_path: Path, change: Any) -> Path:
    doc = legs_doc()
    change(doc["features"])
    return write(tmp_path, "legs.geojson", doc)


def _places_with(tmp_path: Path, change: Any) -> Path:
    doc = places_doc()
    change(doc["features"])
    return write(tmp_path, "places.geojson", doc)


def _set(i: int, key: str, value: Any) -> Any:
    def change(features: list[Any]) -> None:
        features[i]["properties"][key] = value
    return change


@pytest.mark.parametrize(("reader", "change", "pattern"), [
    ("legs", lambda f: f.__setitem__(1, 42),
     r"legs\.geojson, feature 1: expected a GeoJSON Feature object, got int 42"),
    ("legs", lambda f: f.__setitem__(2, ["Feature"]), r"feature 2: expected a GeoJSON Feature object, got list"),
    ("legs", lambda f: f[0].__setitem__("properties", ["id", "x"]), r"feature 0: 'properties' must be an object, got "
                                                                    r"list"),
    ("legs", _set(0, "mode", ["sea_boat"]), (r"feature 0 \(id 'necocli-capurgana-boat'\): property 'mode' must be a "
                                           r"string, got list \['sea_boat'\]")),
    ("legs", _set(3, "id", ["capurgana-la-miel-foot"]), (r"feature 3 \(id \['capurgana-la-miel-foot'\]\): property "
                                                         r"'id' "
                                                        r"must be a string, got list")),
    ("legs", _set(1, "duration_h", "12 h"), (r"feature 1 \(id 'necocli-acandi-boat'\): property 'duration_h' must be a "
                                            r"number, got str '12 h'")),
    ("legs", _set(1, "cost_usd", True), r"property 'cost_usd' must be a number, got bool True"),
    ("legs", _set(2, "directions", {"north": True}), r"property 'directions' must be a string, got dict"),
    ("legs", lambda f: f[4].__setitem__("geometry", [[-77.8, 9.0], [-77.4, 8.7]]),
     r"feature 4 \(id 'mansukun-la-miel-boat'\): geometry must be a LineString of at least two points, got 'list'"),
    ("places", lambda f: f.__setitem__(0, "necocli"), (r"places\.geojson, feature 0: expected a GeoJSON Feature "
                                                       r"object, "
                                                      r"got str 'necocli'")),
    ("places", _set(1, "alt_names", [1, 2]), (r"feature 1 \(id 'capurgana'\): property 'alt_names' must be a list of "
                                            r"strings or a string, got list \[1, 2\]")),
    ("places", _set(2, "country", ["COL"]), r"property 'country' must be a string, got list"),
    ("places", lambda f: f[3].__setitem__("geometry", 7), (r"feature 3 \(id 'la-miel'\): geometry must be a non-empty "
                                                          r"Point, got 'int'")),
])  # fmt: skip
def test_network_reader_names_file_and_feature(tmp_path: Path, reader: str, change: Any, pattern: str) -> None:
    path = (_legs_with if reader == "legs" else _places_with)(tmp_path, change)
    before = path.read_bytes()
    with pytest.raises(NetworkError) as err:
        (read_legs if reader == "legs" else read_places)(path)
    assert re.search(pattern, str(err.value)), str(err.value)
    assert str(path) in str(err.value) and path.read_bytes() == before


def test_the_toy_network_still_reads(toy_files: tuple[Path, Path]) -> None:
    assert len(read_places(toy_files[0])) == len(PLACES) and len(read_legs(toy_files[1])) == len(LEGS)
    assert copy.deepcopy(LEGS) == LEGS


# ------------------------------------------------------------------------------------------- the command line
@pytest.mark.parametrize(("argv", "option"), [
    (["rank", "Necoclí", "Tapachula", "--advisory", "nan"], "--advisory"),
    (["rank", "Necoclí", "Tapachula", "--advisory", "0"], "--advisory"),
    (["rank", "Necoclí", "Tapachula", "--advisory", "-inf"], "--advisory"),
    (["rank", "Necoclí", "Tapachula", "--seed", "-1"], "--seed"),
    (["rank", "Necoclí", "Tapachula", "--seed", "1.5"], "--seed"),
    (["rank", "Necoclí", "Tapachula", "-k", "0"], "-k"),
    (["rank", "Necoclí", "Tapachula", "-k", "-3"], "-k"),
    (["rank", "Necoclí", "Tapachula", "--month", "13"], "--month"),
    (["rank", "Necoclí", "Tapachula", "--window", "1900", "2024"], "--window"),
    (["rank", "Necoclí", "Tapachula", "--window", "2024", "2022"], "--window"),
    (["rank", "Necoclí", "Tapachula", "--date", "2024-02-30"], "--date"),
    (["rank", "Necoclí", "Tapachula", "--direction", "up"], "--direction"),
    (["rank", "Necoclí", "Tapachula", "-o", "out.shp"], "-o"),
    (["compare", "PAN", "COL", "--direction", "south", "--seed", "x"], "--seed"),
    (["compare", "PAN", "COL", "--direction", "south", "--advisory", "nan"], "--advisory"),
    (["legs", "--sort", "colour"], "--sort"),
    (["data", "update", "export.csv", "--wait", "-3"], "--wait"),
    (["export", "network.shp"], "FILE"),
])  # fmt: skip
def test_usage_errors_exit_2_and_name_the_option(capsys: pytest.CaptureFixture[str], argv: list[str],
                                                  option: str) -> None:
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and "usage:" in err and option in err and "Traceback" not in err, err
