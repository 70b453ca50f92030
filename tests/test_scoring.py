"""Tests of routes.query.scoring and routes.query.paths on small multigraphs built in code, following the graph
contract."""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterable
from typing import Any

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString

import routes.model.risk
from routes.errors import NoPathError, RouteError, ScenarioError, UnknownPlaceError
from routes.query.paths import IndexedGraph, k_best, k_shortest_paths, pareto_front
from routes.query.scoring import Scenario, direction_summary, pareto_paths, rank_paths

# ------------------------------------------------------------------------------------------------ fixtures
PLACES: dict[str, tuple[float, float, str]] = {  # id: (lon, lat, country)
    "turbo": (-76.73, 8.09, "COL"),
    "necocli": (-76.78, 8.42, "COL"),
    "acandi": (-77.28, 8.51, "COL"),
    "capurgana": (-77.35, 8.63, "COL"),
    "jurado": (-77.76, 7.10, "COL"),
    "la-miel": (-77.37, 8.67, "PAN"),
    "bajo-chiquito": (-77.60, 8.07, "PAN"),
    "lajas-blancas": (-77.84, 8.32, "PAN"),
    "jaque": (-78.17, 7.52, "PAN"),
    "carti": (-78.98, 9.45, "PAN"),
    "panama-city": (-79.52, 8.98, "PAN"),
}

# id, from, to, mode, directions, corridor, p_death, duration_h, cost_usd
# fmt: off
LEGS: list[tuple[str, str, str, str, str, str, float, float | None, float | None]] = [
    ("turbo-necocli-road", "turbo", "necocli", "road", "both", "uraba", 0.0001, 1.5, 10.0),
    ("necocli-capurgana-boat", "necocli", "capurgana", "sea_boat", "both", "uraba", 0.002, 2.5, 60.0),
    ("necocli-acandi-boat", "necocli", "acandi", "sea_boat", "both", "uraba", 0.0015, 2.0, 50.0),
    ("necocli-acandi-fast", "necocli", "acandi", "sea_boat", "north", "uraba", 0.004, 1.0, 90.0),
    ("capurgana-la-miel-foot", "capurgana", "la-miel", "border_foot", "both", "guna-yala", 0.0005, 2.0, None),
    ("acandi-bajo-chiquito-jungle", "acandi", "bajo-chiquito", "jungle_foot", "north", "darien", 0.01, 96.0, 300.0),
    ("la-miel-bajo-chiquito-jungle", "la-miel", "bajo-chiquito", "jungle_foot", "north", "darien", 0.012, 110.0, 350.0),
    ("bajo-chiquito-lajas-blancas-river", "bajo-chiquito", "lajas-blancas", "river_boat", "north", "darien", 0.001, 4.0,
     25.0),
    ("lajas-blancas-panama-city-bus", "lajas-blancas", "panama-city", "road", "both", "panama", 0.0002, 6.0, 40.0),
    ("carti-panama-city-road", "carti", "panama-city", "road", "both", "guna-yala", 0.0001, 3.0, 30.0),
    ("carti-necocli-boat", "carti", "necocli", "sea_boat", "south", "guna-yala", 0.006, 30.0, 250.0),
    ("carti-la-miel-boat", "carti", "la-miel", "sea_boat", "south", "guna-yala", 0.003, 20.0, None),
    ("panama-city-jaque-boat", "panama-city", "jaque", "sea_boat", "south", "pacific", 0.008, 14.0, 200.0),
    ("jaque-jurado-boat", "jaque", "jurado", "sea_boat", "south", "pacific", 0.004, 3.0, 80.0),
    ("jurado-turbo-boat", "jurado", "turbo", "sea_boat", "south", "pacific", 0.002, 20.0, None),
]
# fmt: on

SEASON = tuple([1.0] * 6 + [1.5, 2.0, 1.5, 1.0, 0.8, 0.8])


def gamma_for(p: float, shape: float = 3.0) -> tuple[float, float]:
    """(shape, rate) of a Gamma hazard whose posterior mean probability is ``p``."""
    rate = 1.0 / math.expm1(-math.log1p(-p) / shape)
    return shape, rate


def add_leg(
    G: nx.MultiDiGraph,
    u: str,
    v: str,
    key: str,
    *,
    direction: str,
    mode: str = "foot",
    p: float = 0.01,
    corridor: str = "c",
    duration_h: float | None = 1.0,
    cost_usd: float | None = 10.0,
    period: tuple[str | None, str | None] = (None, None),
    season: tuple[float, ...] | None = None,
) -> None:
    """Add one directed edge carrying every attribute the contract promises."""
    (x0, y0), (x1, y1) = (G.nodes[u]["x"], G.nodes[u]["y"]), (G.nodes[v]["x"], G.nodes[v]["y"])
    geom = LineString([(x0, y0), ((x0 + x1) / 2, (y0 + y1) / 2 + 0.01), (x1, y1)])
    shape, rate = gamma_for(p) if p > 1e-9 else (None, None)
    G.add_edge(
        u,
        v,
        key=key,
        leg=key,
        direction=direction,
        mode=mode,
        corridor=corridor,
        geometry=geom,
        length_km=111.0 * math.hypot(x1 - x0, y1 - y0),
        duration_h=duration_h,
        cost_usd=cost_usd,
        period_start=period[0],
        period_end=period[1],
        p_death=p,
        p_death_lo=p / 3,
        p_death_hi=p * 2,
        risk_shape=shape,
        risk_rate=rate,
        season=season or tuple([1.0] * 12),
    )


def corridor_graph(order: Iterable[int] | None = None) -> nx.MultiDiGraph:
    """A small Uraba-Darien-Panama network; ``order`` permutes the order legs are added in."""
    G = nx.MultiDiGraph(crs="EPSG:4326", name="toy corridor")
    for pid, (x, y, country) in PLACES.items():
        G.add_node(
            pid, x=x, y=y, name=pid.replace("-", " ").title(), alt_names=[], country=country, kind="town"
        )
    rows = LEGS if order is None else [LEGS[i] for i in order]
    for lid, a, b, mode, dirs, corridor, p, hours, usd in rows:
        kw: dict[str, Any] = {
            "mode": mode,
            "p": p,
            "corridor": corridor,
            "duration_h": hours,
            "cost_usd": usd,
            "season": SEASON,
        }
        if dirs in ("north", "both"):
            add_leg(G, a, b, lid, direction="north", **kw)
        if dirs == "south":
            add_leg(G, a, b, lid, direction="south", **kw)
        if dirs == "both":
            add_leg(G, b, a, lid, direction="south", **kw)
    return G


def diamond() -> nx.MultiDiGraph:
    """a -> d directly (short, risky) or a -> b -> c -> d (long, safe), plus parallel legs a -> b."""
    G = nx.MultiDiGraph(crs="EPSG:4326")
    for i, n in enumerate("abcd"):
        G.add_node(n, x=-77.0 - i, y=8.0 + i, country="COL" if n == "a" else "PAN")
    add_leg(G, "a", "d", "a-d-boat", direction="north", mode="sea_boat", p=0.05)
    add_leg(G, "a", "b", "a-b-trail", direction="north", p=0.01)
    add_leg(G, "a", "b", "a-b-boat", direction="north", mode="sea_boat", p=0.02)
    add_leg(G, "b", "c", "b-c", direction="north", p=0.005)
    add_leg(G, "c", "d", "c-d", direction="north", p=0.005)
    return G


def leg_p(G: nx.MultiDiGraph, row: Any) -> list[float]:
    ps = []
    for (u, v), key in zip(zip(row["nodes"][:-1], row["nodes"][1:], strict=True), row["legs"], strict=True):
        ps.append(G.edges[u, v, key]["p_death"])
    return ps


def check_invariants(G: nx.MultiDiGraph, gdf: Any, origins: set[str], destinations: set[str]) -> None:
    assert len(gdf) >= 1
    assert list(gdf["rank"]) == list(range(1, len(gdf) + 1))
    assert list(gdf["p_death"]) == sorted(gdf["p_death"])
    assert len({tuple(x) for x in gdf["legs"]}) == len(gdf)  # distinct paths
    assert gdf["p_safest"].sum() == pytest.approx(1.0)
    for _, row in gdf.iterrows():
        nodes, legs = row["nodes"], row["legs"]
        assert len(set(nodes)) == len(nodes), "path must be simple"
        assert nodes[0] in origins and nodes[-1] in destinations
        assert len(legs) == len(nodes) - 1
        for (u, v), key in zip(itertools.pairwise(nodes), legs, strict=True):
            assert G.has_edge(u, v, key)
            assert G.edges[u, v, key]["direction"] == gdf.attrs["direction"]
        ps = leg_p(G, row)
        assert row["p_death"] == pytest.approx(1 - math.prod(1 - p for p in ps), rel=1e-9)
        prefix = [1 - math.prod(1 - p for p in ps[:i]) for i in range(len(ps) + 1)]
        assert all(a <= b + 1e-15 for a, b in itertools.pairwise(prefix)), "adding a leg lowered risk"
        for col in ("p_death", "p_death_lo", "p_death_hi", "p_safest"):
            assert 0.0 <= row[col] <= 1.0
        if row["p_death"] > 0:
            assert 0.0 < row["top_leg_share"] <= 1.0
        else:  # no hazard to share
            assert math.isnan(row["top_leg_share"])
        assert row["p_death_lo"] <= row["p_death_hi"]
        assert row["deaths_per_1000"] == pytest.approx(1000 * row["p_death"])
        assert row["top_leg"] in legs
        assert row.geometry.geom_type == "LineString"
        assert row.geometry.coords[0] == pytest.approx((G.nodes[nodes[0]]["x"], G.nodes[nodes[0]]["y"]))
        assert row.geometry.coords[-1] == pytest.approx((G.nodes[nodes[-1]]["x"], G.nodes[nodes[-1]]["y"]))


# ------------------------------------------------------------------------------------------------ rank_paths
def test_rank_paths_invariants_north() -> None:
    G = corridor_graph()
    gdf = rank_paths(G, "necocli", "panama-city", direction="north", k=10, draws=2000, distinct=False)
    check_invariants(G, gdf, {"necocli"}, {"panama-city"})
    assert gdf.crs.to_string() == "EPSG:4326"
    assert gdf.attrs["direction"] == "north" and gdf.attrs["k"] == 10 and gdf.attrs["draws"] == 2000
    # only four northbound paths exist (two Acandi boats, one Capurgana boat... to the Darien)
    assert len(gdf) == 3
    assert gdf.iloc[0]["legs"] == [
        "necocli-acandi-boat",
        "acandi-bajo-chiquito-jungle",
        "bajo-chiquito-lajas-blancas-river",
        "lajas-blancas-panama-city-bus",
    ]
    assert gdf.iloc[0]["top_leg"] == "acandi-bajo-chiquito-jungle"
    assert gdf.iloc[0]["sea_legs"] == 1
    assert gdf.iloc[0]["duration_h"] == pytest.approx(2.0 + 96 + 4 + 6)


def test_rank_paths_invariants_south_and_sums() -> None:
    G = corridor_graph()
    gdf = rank_paths(G, "panama-city", "turbo", k=20, draws=2000)
    assert gdf.attrs["direction"] == "south" and gdf.attrs["direction_rule"] == "geography"
    check_invariants(G, gdf, {"panama-city"}, {"turbo"})
    # every southbound simple path found (brute force with networkx)
    H = nx.MultiDiGraph(
        [(u, v, k) for u, v, k, d in G.edges(keys=True, data=True) if d["direction"] == "south"]
    )
    assert len(gdf) == sum(1 for _ in nx.all_simple_edge_paths(H, "panama-city", "turbo"))
    for _, row in gdf.iterrows():
        data = [
            G.edges[u, v, k] for u, v, k in zip(row["nodes"][:-1], row["nodes"][1:], row["legs"], strict=True)
        ]
        assert row["length_km"] == pytest.approx(sum(d["length_km"] for d in data))
        assert row["cost_usd"] == pytest.approx(sum(d["cost_usd"] for d in data if d["cost_usd"] is not None))
        assert row["cost_unknown"] == sum(d["cost_usd"] is None for d in data)
        assert row["sea_legs"] == sum(d["mode"] == "sea_boat" for d in data)
        if row["duration_unknown"] == 0:
            assert row["duration_h"] == pytest.approx(sum(d["duration_h"] for d in data))
        else:
            assert math.isnan(row["duration_h"])


def test_safest_is_not_shortest_and_parallel_legs() -> None:
    G = diamond()
    gdf = rank_paths(G, "a", "d", k=5)
    assert [tuple(x) for x in gdf["legs"]] == [
        ("a-b-trail", "b-c", "c-d"),
        ("a-b-boat", "b-c", "c-d"),
        ("a-d-boat",),
    ]
    assert gdf.iloc[0]["n_legs"] == 3 and gdf.iloc[2]["n_legs"] == 1
    assert gdf.iloc[0]["nodes"] == gdf.iloc[1]["nodes"] == ["a", "b", "c", "d"]  # parallel legs: same nodes
    assert gdf.iloc[0]["p_death"] == pytest.approx(1 - 0.99 * 0.995 * 0.995)
    assert gdf.iloc[1]["sea_legs"] == 1
    assert rank_paths(G, "a", "d", k=1)["legs"].tolist() == [["a-b-trail", "b-c", "c-d"]]


def test_ranking_independent_of_insertion_order() -> None:
    base = rank_paths(corridor_graph(), "panama-city", "turbo", k=8, direction="south")
    rng = random.Random(3)
    for _ in range(3):
        order = list(range(len(LEGS)))
        rng.shuffle(order)
        other = rank_paths(corridor_graph(order), "panama-city", "turbo", k=8, direction="south")
        assert other["legs"].tolist() == base["legs"].tolist()
        assert np.allclose(other["p_death"], base["p_death"])
        assert np.allclose(other["p_safest"], base["p_safest"])


def test_graph_not_mutated() -> None:
    G = corridor_graph()
    before = nx.node_link_data(G, edges="edges")
    rank_paths(G, "necocli", "panama-city", scenario=Scenario(advisory=3.0, month=8, closed="la-miel"))
    pareto_paths(G, "panama-city", "necocli")
    assert nx.node_link_data(G, edges="edges") == before


def test_monte_carlo_reproducible_and_dominance() -> None:
    G = diamond()
    a = rank_paths(G, "a", "d", seed=7, draws=5000)
    b = rank_paths(G, "a", "d", seed=7, draws=5000)
    c = rank_paths(G, "a", "d", seed=8, draws=5000)
    assert a["p_death_lo"].tolist() == b["p_death_lo"].tolist()
    assert a["p_safest"].tolist() == b["p_safest"].tolist()
    assert a["p_death_hi"].tolist() != c["p_death_hi"].tolist()
    assert a.attrs["seed"] == 7
    # trail and boat share b-c and c-d, so they are compared draw by draw on the same draws
    assert 0 < a.iloc[0]["p_safest"] < 1
    for _, row in a.iterrows():
        assert row["p_death_lo"] < row["p_death"] < row["p_death_hi"]


def test_p_safest_of_a_dominated_path_is_zero() -> None:
    G = nx.MultiDiGraph(crs="EPSG:4326")
    for i, n in enumerate("abc"):
        G.add_node(n, x=-77.0 - i, y=8.0 + i, country="PAN")
    add_leg(G, "a", "c", "a-c", direction="north", p=0.01)
    add_leg(G, "a", "b", "a-b", direction="north", p=0.0)  # certain safety: no Gamma, a point value
    add_leg(G, "b", "c", "b-c", direction="north", p=0.02)
    gdf = rank_paths(G, "a", "c", draws=3000)
    # a-b-c has b-c plus a zero-risk leg; a-c is independent: both can win
    assert gdf["p_safest"].sum() == pytest.approx(1.0)
    add_leg(G, "a", "c", "a-c-2", direction="north", p=0.01)
    G.edges["a", "c", "a-c-2"].update(risk_shape=G.edges["a", "c", "a-c"]["risk_shape"])
    gdf = rank_paths(G, "a", "c", draws=3000)
    assert gdf["p_safest"].sum() == pytest.approx(1.0)


# ------------------------------------------------------------------------------------------------ places, regions,
# direction
def test_region_to_region_journeys_start_where_travel_enters() -> None:
    G = corridor_graph()
    gdf = rank_paths(G, "COL", "PAN", k=10, distinct=False)
    assert gdf.attrs["direction"] == "north" and gdf.attrs["span"] == "journey"
    col = {n for n, d in G.nodes(data=True) if d["country"] == "COL"}
    pan = {n for n, d in G.nodes(data=True) if d["country"] == "PAN"}
    check_invariants(G, gdf, col, pan)
    # Turbo is the only Colombian place no northbound leg reaches from another Colombian place
    assert {nodes[0] for nodes in gdf["nodes"]} == {"turbo"}
    assert all(n not in pan for nodes in gdf["nodes"] for n in nodes[:-1])
    assert len(gdf) == 3


def test_region_to_region_crossings() -> None:
    G = corridor_graph()
    gdf = rank_paths(G, "COL", "PAN", k=10, span="crossing")
    col = {n for n, d in G.nodes(data=True) if d["country"] == "COL"}
    pan = {n for n, d in G.nodes(data=True) if d["country"] == "PAN"}
    check_invariants(G, gdf, col, pan)
    for nodes in gdf["nodes"]:  # starts at its last Colombian place, ends at its first Panamanian one
        assert all(n not in col and n not in pan for n in nodes[1:-1])
    assert {tuple(x) for x in gdf["legs"]} == {
        ("capurgana-la-miel-foot",),
        ("acandi-bajo-chiquito-jungle",),
    }
    with pytest.raises(ValueError, match="span must be 'journey' or 'crossing'"):
        rank_paths(G, "COL", "PAN", span="all")  # type: ignore[arg-type]


def test_place_names_and_inferred_direction() -> None:
    G = corridor_graph()
    gdf = rank_paths(G, "Panama City", "Necocli", k=3)
    assert gdf.attrs["direction"] == "south"
    assert gdf.iloc[0]["nodes"][0] == "panama-city"
    # within one country: Turbo -> Acandi gets closer to the border: northbound
    assert rank_paths(G, "turbo", "acandi").attrs["direction"] == "north"
    # the geography says north but only a southbound path exists: the graph decides
    g2 = corridor_graph()
    add_leg(g2, "turbo", "acandi", "turbo-acandi-odd", direction="south")
    g2.remove_edges_from(
        [(u, v, k) for u, v, k, d in list(g2.edges(keys=True, data=True)) if d["direction"] == "north"]
    )
    out = rank_paths(g2, "turbo", "acandi")
    assert out.attrs["direction"] == "south"
    assert out.attrs["direction_rule"] == "the only direction with a path"


def test_wrong_direction_raises_no_path() -> None:
    G = corridor_graph()
    with pytest.raises(
        NoPathError, match=r"no southbound path from 'Necocli' to 'Panama City'.*northbound path exists"
    ):
        rank_paths(G, "necocli", "panama-city", direction="south")


# ------------------------------------------------------------------------------------------------ scenarios
def test_scenario_compose_and_record() -> None:
    s = Scenario(closed=["a"], advisory=2.0) | Scenario(closed="b", advisory=1.5, month=3)
    assert s.closed == frozenset({"a", "b"}) and s.advisory == pytest.approx(3.0) and s.month == 3
    assert s == Scenario(closed="a", advisory=2.0).combine(Scenario(closed="b", advisory=1.5, month=3))
    assert s.to_dict() == {"closed": ["a", "b"], "advisory": 3.0, "month": 3, "window": None, "date": None}
    with pytest.raises(ScenarioError, match="cannot combine scenarios with month=3 and month=4"):
        Scenario(month=3) | Scenario(month=4)
    with pytest.raises(ScenarioError, match="advisory must be a finite multiplier > 0"):
        Scenario(advisory=0)
    with pytest.raises(ScenarioError, match="date must be 'YYYY-MM-DD'"):
        Scenario(date="March 2024")
    with pytest.raises(ScenarioError, match=r"the first year is after the last; try \(2020, 2024\)"):
        Scenario(window=(2024, 2020))


def test_closed_leg_and_place() -> None:
    G = corridor_graph()
    base = rank_paths(G, "necocli", "panama-city", direction="north", k=10, distinct=False)
    shut = rank_paths(
        G, "necocli", "panama-city", k=10, scenario=Scenario(closed="necocli-acandi-boat"), distinct=False
    )
    assert len(shut) == len(base) - 1
    assert all("necocli-acandi-boat" not in legs for legs in shut["legs"])
    assert shut.attrs["scenario"]["closed"] == ["necocli-acandi-boat"]
    assert shut.attrs["closed"]["legs"] == ["necocli-acandi-boat"]
    station = rank_paths(G, "necocli", "panama-city", scenario=Scenario(closed="acandi"), distinct=False)
    assert all("acandi" not in nodes for nodes in station["nodes"])


def test_closing_everything_names_the_closures() -> None:
    G = corridor_graph()
    scen = Scenario(closed=["acandi", "la-miel"])
    with pytest.raises(
        NoPathError, match=r"scenario closed places 'acandi', 'la-miel'; without those closures"
    ):
        rank_paths(G, "necocli", "panama-city", direction="north", scenario=scen)
    with pytest.raises(NoPathError, match=r"scenario closed places 'necocli'"):
        rank_paths(G, "necocli", "panama-city", direction="north", scenario=Scenario(closed="necocli"))


def test_closing_unknown_id_suggests() -> None:
    with pytest.raises(
        ScenarioError, match=r"unknown leg or place id\(s\): 'necocly' \(did you mean 'necocli'"
    ):
        rank_paths(corridor_graph(), "necocli", "panama-city", scenario=Scenario(closed="necocly"))


def test_advisory_and_month_raise_sea_risk_only() -> None:
    G = corridor_graph()
    base = rank_paths(G, "panama-city", "turbo", k=20, direction="south")
    storm = rank_paths(G, "panama-city", "turbo", k=20, direction="south", scenario=Scenario(advisory=3.0))
    b = dict(zip(map(tuple, base["legs"]), base["p_death"], strict=True))
    s = dict(zip(map(tuple, storm["legs"]), storm["p_death"], strict=True))
    assert b.keys() == s.keys()
    for legs, p in b.items():
        assert s[legs] > p  # every southbound path to Turbo here has a sea leg
    # a single land leg is untouched by the advisory
    land = rank_paths(G, "turbo", "necocli", direction="north", scenario=Scenario(advisory=3.0))
    assert land.iloc[0]["p_death"] == pytest.approx(0.0001)
    # the exact posterior mean under the multiplier: 1 - (rate / (rate + m)) ** shape
    one = rank_paths(G, "jaque", "jurado", direction="south", month=8)
    shape, rate = gamma_for(0.004)
    assert one.iloc[0]["p_death"] == pytest.approx(1 - (rate / (rate + 2.0)) ** shape)
    assert one.attrs["month"] == 8 and one.attrs["scenario"]["month"] == 8
    jan = rank_paths(G, "jaque", "jurado", direction="south", scenario=Scenario(month=1))
    assert jan.iloc[0]["p_death"] == pytest.approx(0.004)


def test_date_closes_legs_out_of_period() -> None:
    G = diamond()
    G.edges["a", "b", "a-b-trail"].update(period_start="2023-01-01", period_end="2023-12-31")
    gdf = rank_paths(G, "a", "d", scenario=Scenario(date="2024-06-01"))
    assert all("a-b-trail" not in legs for legs in gdf["legs"])
    assert gdf.attrs["closed"]["out_of_period"] == ["a-b-trail"]
    inside = rank_paths(G, "a", "d", scenario=Scenario(date="2023-06-01"))
    assert inside.iloc[0]["legs"][0] == "a-b-trail"


def test_window_calls_estimate_risk(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def fake_estimate_risk(G: nx.MultiDiGraph, *, window: tuple[int, int]) -> nx.MultiDiGraph:
        seen["window"] = window
        H = G.copy()
        for *_, d in H.edges(keys=True, data=True):
            d.update(p_death=0.5, risk_shape=None, risk_rate=None)
        return H

    monkeypatch.setattr(routes.model.risk, "estimate_risk", fake_estimate_risk)  # imported when a window asks
    gdf = rank_paths(diamond(), "a", "d", scenario=Scenario(window=(2021, 2023)))
    assert seen["window"] == (2021, 2023)
    assert gdf.iloc[0]["legs"] == ["a-d-boat"]  # every leg 0.5: the one-leg path wins
    assert gdf.attrs["scenario"]["window"] == [2021, 2023]


# ------------------------------------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"origin": "necocly"}, UnknownPlaceError, r"unknown origin 'necocly'.*did you mean"),
        ({"destination": "Atlantis"}, UnknownPlaceError, r"unknown destination 'Atlantis'"),
        ({"destination": "USA"}, UnknownPlaceError, r"no place in United States \(USA\) is on the network"),
        ({"destination": "necocli"}, ValueError, r"are the same place"),
        ({"origin": "COL", "destination": "necocli"}, ValueError, r"are overlapping"),
        ({"k": 0}, ValueError, r"k must be an integer >= 1"),
        ({"month": 13}, ScenarioError, r"month must be an integer from 1 \(January\) to 12"),
        ({"month": 0}, ValueError, r"month must be"),
        ({"direction": "east"}, ValueError, r"direction must be 'north', 'south' or None"),
        ({"draws": 0}, ValueError, r"draws must be an integer >= 1"),
        ({"scenario": {"closed": "x"}}, ScenarioError, r"scenario must be a routes.query.scoring.Scenario"),
    ],
)
def test_errors(kwargs: dict[str, Any], error: type[Exception], match: str) -> None:
    args: dict[str, Any] = {"origin": "necocli", "destination": "panama-city", **kwargs}
    with pytest.raises(error, match=match) as info:
        rank_paths(corridor_graph(), args.pop("origin"), args.pop("destination"), **args)
    if error is not ValueError:
        assert isinstance(info.value, RouteError)


def test_missing_risk_is_a_data_error() -> None:
    G = diamond()
    for *_, d in G.edges(keys=True, data=True):
        for attr in ("p_death", "risk_shape", "risk_rate"):
            d.pop(attr)
    with pytest.raises(ValueError, match=r"have no p_death.*estimate the risk first"):
        rank_paths(G, "a", "d")


# ------------------------------------------------------------------------------------------------ pareto and summary
def test_pareto_front_is_non_dominated() -> None:
    G = corridor_graph()
    front = pareto_paths(G, "panama-city", "turbo")
    everything = rank_paths(G, "panama-city", "turbo", k=50, direction="south")
    inf = math.inf

    def vec(row: Any) -> tuple[float, float, float]:
        dur = row["duration_h"] if not math.isnan(row["duration_h"]) else inf
        cost = row["cost_usd"] if row["cost_unknown"] == 0 else inf
        return (row["p_death"], dur, cost)

    all_vecs = [vec(r) for _, r in everything.iterrows()]
    expected = {
        v
        for v in all_vecs
        if not any(o != v and all(a <= b for a, b in zip(o, v, strict=True)) for o in all_vecs)
    }
    got = {vec(r) for _, r in front.iterrows()}
    assert {tuple(round(x, 12) for x in v) for v in got} == {tuple(round(x, 12) for x in v) for v in expected}
    assert front.attrs["exact"] is True
    assert front.iloc[0]["legs"] == everything.iloc[0]["legs"]  # the safest is on the front
    assert "p_death" in front.iloc[0]["best_for"]
    assert any("duration_h" in b for b in front["best_for"])
    assert front["p_safest"].sum() == pytest.approx(1.0)
    with pytest.raises(ValueError, match=r"criteria must be two or more of"):
        pareto_paths(G, "panama-city", "turbo", criteria=("p_death", "beauty"))
    with pytest.raises(ValueError, match=r"unknown must be 'worst' or 'zero'"):
        pareto_paths(G, "panama-city", "turbo", unknown="guess")  # type: ignore[arg-type]


def test_pareto_unknown_costs() -> None:
    G = diamond()
    for *_, d in G.edges(keys=True, data=True):
        d["cost_usd"] = None
    worst = pareto_paths(G, "a", "d", criteria=("p_death", "cost_usd"))
    assert worst["legs"].tolist() == [["a-b-trail", "b-c", "c-d"]]  # cost unknown everywhere: risk decides
    assert worst.iloc[0]["best_for"] == ["p_death"]  # nobody is "cheapest" when no cost is known
    G.edges["a", "d", "a-d-boat"]["cost_usd"] = 50.0
    zero = pareto_paths(G, "a", "d", criteria=("p_death", "cost_usd"), unknown="zero")
    assert zero["legs"].tolist() == [["a-b-trail", "b-c", "c-d"]]  # unknown counted as free: 0 < 50
    assert zero.attrs["unknown"] == "zero"


def test_direction_summary_groups_corridors() -> None:
    G = corridor_graph()
    out = direction_summary(G, "PAN", "COL", direction="south", k=20)
    pan = {n for n, d in G.nodes(data=True) if d["country"] == "PAN"}
    col = {n for n, d in G.nodes(data=True) if d["country"] == "COL"}
    check_invariants(G, out, pan, col)
    assert set(out["group"]) == {"guna-yala", "pacific"}
    assert {nodes[0] for nodes in out["nodes"]} == {"panama-city"}  # where southbound travel enters Panama
    by_group = {g["group"]: g for g in out.attrs["groups"]}
    assert sum(g["paths"] for g in by_group.values()) == len(out)
    assert sum(g["p_safest"] for g in by_group.values()) == pytest.approx(1.0)
    assert (out.groupby("group")["group_rank"].min() == 1).all()
    modes = direction_summary(G, "PAN", "COL", direction="south", by="mode")
    assert set(modes["group"]) <= {"sea_boat", "border_foot"}
    with pytest.raises(ValueError, match="by must be 'corridor' or 'mode'"):
        direction_summary(G, "PAN", "COL", direction="south", by="country")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="direction must be 'north' or 'south'"):
        direction_summary(G, "PAN", "COL", direction=None)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------------ Yen vs brute force
def random_multigraph(seed: int, n: int, m: int) -> nx.MultiDiGraph:
    rng = random.Random(seed)
    G = nx.MultiDiGraph()
    G.add_nodes_from(range(n))
    for i in range(m):
        u, v = rng.sample(range(n), 2)
        G.add_edge(u, v, key=f"e{i}", weight=rng.choice([0.0, 1.0, rng.random(), rng.random()]))
    return G


def brute_force(G: nx.MultiDiGraph, s: int, t: int) -> list[tuple[float, list[tuple[int, int, str]]]]:
    out = []
    for path in nx.all_simple_edge_paths(G, s, t):
        cost = 0.0
        for u, v, k in path:
            cost += G.edges[u, v, k]["weight"]
        out.append((cost, list(path)))
    return sorted(out, key=lambda cp: cp[0])


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.integers(2, 7), m=st.integers(1, 22), k=st.integers(1, 40))
def test_yen_agrees_with_brute_force(seed: int, n: int, m: int, k: int) -> None:
    G = random_multigraph(seed, n, m)
    expected = brute_force(G, 0, 1)
    got = k_shortest_paths(G, 0, 1, k=k, weight="weight")
    assert len(got) == min(k, len(expected))
    costs = [sum(G.edges[e]["weight"] for e in p) for p in got]
    assert costs == pytest.approx([c for c, _ in expected[:k]])
    assert len({tuple(p) for p in got}) == len(got)
    valid = {tuple(p) for _, p in expected}
    assert all(tuple(p) in valid for p in got)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10**6))
def test_multi_source_and_pareto_agree_with_brute_force(seed: int) -> None:
    rng = random.Random(seed)
    G = random_multigraph(seed, 7, 20)
    for *_, d in G.edges(keys=True, data=True):
        d["c"] = (d["weight"], rng.choice([1.0, 2.0, 3.0]))
    ig = IndexedGraph.from_graph(G)
    S, T = {0, 1}, {2, 3}
    w = [d["weight"] for d in ig.data]
    active = [not (ig.dst[e] in S or ig.src[e] in T) for e in range(len(w))]
    adj = ig.adjacency(w, active)
    H = nx.MultiDiGraph([(ig.src[e], ig.dst[e], e) for e in range(len(w)) if active[e]])
    H.add_nodes_from(range(7))
    paths = [tuple(k for *_, k in p) for s in S for t in T for p in nx.all_simple_edge_paths(H, s, t)]
    costs = sorted(sum(w[e] for e in p) for p in paths)
    got = k_best(ig, adj, w, sorted(S), sorted(T), 10)
    assert [c for c, _ in got] == pytest.approx(costs[:10])
    vecs = {tuple(sum(ig.data[e]["c"][j] for e in p) for j in range(2)) for p in paths}
    front = {
        v for v in vecs if not any(o != v and all(a <= b for a, b in zip(o, v, strict=True)) for o in vecs)
    }
    found, exact = pareto_front(adj, [d["c"] for d in ig.data], sorted(S), sorted(T))
    assert exact
    assert {tuple(round(x, 9) for x in v) for v, _ in found} == {tuple(round(x, 9) for x in v) for v in front}


# ------------------------------------------------------------------------------------------------ property test
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ps=st.lists(st.floats(0.0, 0.3, allow_nan=False), min_size=len(LEGS), max_size=len(LEGS)),
    k=st.integers(1, 12),
    advisory=st.one_of(st.none(), st.floats(0.5, 4.0)),
    month=st.one_of(st.none(), st.integers(1, 12)),
)
def test_invariants_hold_for_any_risks(
    ps: list[float], k: int, advisory: float | None, month: int | None
) -> None:
    G = corridor_graph()
    for (lid, *_), p in zip(LEGS, ps, strict=True):
        for _u, _v, key, d in G.edges(keys=True, data=True):
            if key == lid:
                shape, rate = gamma_for(p) if p > 1e-9 else (None, None)
                d.update(p_death=p, risk_shape=shape, risk_rate=rate)
    scen = Scenario(advisory=advisory, month=month)
    gdf = rank_paths(G, "panama-city", "COL", k=k, scenario=scen, draws=500)
    assert len(gdf) <= k
    assert list(gdf["p_death"]) == sorted(gdf["p_death"])
    assert gdf["p_safest"].sum() == pytest.approx(1.0)
    for col in ("p_death", "p_death_lo", "p_death_hi", "p_safest"):
        assert gdf[col].between(0.0, 1.0).all()
    if advisory is None and month is None:
        colombia = {n for n, d in G.nodes(data=True) if d["country"] == "COL"}
        check_invariants(G, gdf, {"panama-city"}, colombia)


def test_closing_a_place_never_lowers_the_risk_between_regions() -> None:
    """A closure removes options: the safest path between the same two regions can only get riskier."""
    from routes import load_network

    G = load_network()
    base = rank_paths(G, "PAN", "COL", direction="south", k=1)
    for closed in ("mansukun", "la-miel", "carti"):
        shut = rank_paths(G, "PAN", "COL", direction="south", k=1, scenario=Scenario(closed=closed))
        assert shut["p_death"].iloc[0] >= base["p_death"].iloc[0] - 1e-15, closed
        assert shut["origin"].iloc[0] == base["origin"].iloc[0]  # the journey starts at the same border


def test_region_destination_ends_at_a_town() -> None:
    from routes import load_network

    G = load_network()
    ranked = rank_paths(G, "PAN", "COL", direction="south", k=10)
    assert {G.nodes[n]["kind"] for n in ranked["destination"]} <= {"town", "port", "reception_station"}


def test_ranked_paths_display_as_a_tidy_table() -> None:
    from routes import load_network

    G = load_network()
    ranked = rank_paths(G, "Panama City", "Necoclí", direction="south", k=3)
    text = repr(ranked)
    assert text.startswith("3 southbound paths from Panama City to Necoclí")
    assert "POINT" not in text and "LINESTRING" not in text and "p_death_lo" in text and "ratio_to_1" in text
    assert all(len(line) <= 170 for line in text.splitlines())
    assert "<table" in ranked._repr_html_()
    import geopandas as gpd

    assert isinstance(ranked, gpd.GeoDataFrame) and ranked.geometry.is_valid.all()
    plain = ranked.drop(columns=["p_death"])  # without its main columns it shows as any GeoDataFrame
    assert repr(plain) == gpd.GeoDataFrame.__repr__(plain)
