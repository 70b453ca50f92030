"""Nearest lines on whole arrays (routes.model.nearest), the leg table attribution builds, and the collector pause.

The numpy distances must equal GEOS's bit for bit (attribution's ties and its recorded distances depend on them);
the leg table must say what a dict filled edge by edge says; the collector must come back as it was.
"""

from __future__ import annotations

import gc
import threading

import networkx as nx
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from routes.collector import paused, pausing
from routes.model.attribution import _candidate_legs
from routes.model.nearest import MAX_VERTICES, _Vertices, pairs_within

coordinate = st.floats(-2e6, 2e6, allow_nan=False, allow_infinity=False)
vertex = st.tuples(coordinate, coordinate)


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(st.lists(vertex, min_size=2, max_size=MAX_VERTICES + 3), min_size=1, max_size=6),
       points=st.lists(vertex, min_size=1, max_size=8))
def test_numpy_distances_equal_geos_bit_for_bit(lines: list[list[tuple[float, float]]],
                                                points: list[tuple[float, float]]) -> None:
    geoms = np.array([shapely.LineString(v) for v in lines], dtype=object)
    pts = shapely.points(np.array(points))
    pi, li = (a.ravel() for a in np.meshgrid(np.arange(len(pts)), np.arange(len(geoms)), indexing="ij"))
    got = _Vertices(geoms).distance(shapely.get_x(pts)[pi], shapely.get_y(pts)[pi], li, pts[pi])
    with np.errstate(divide="ignore", invalid="ignore"):  # GEOS on a segment too short to square: inf
        expected = shapely.distance(pts[pi], geoms[li])
    assert np.array_equal(got, expected)


def test_degenerate_and_other_geometries_are_measured_as_geos_does() -> None:
    geoms = np.array([
        shapely.LineString([(0, 0), (0, 0)]),  # a segment of length 0
        shapely.LineString([(0, 0), (0, 0), (3, 4)]),
        shapely.LineString([(i, (i % 2) * 1.0) for i in range(MAX_VERTICES + 4)]),  # measured by GEOS
        shapely.MultiLineString([[(10, 0), (11, 0)], [(20, 0), (21, 0)]]),  # parts are not one chain
    ], dtype=object)
    pts = shapely.points([[3.0, 0.0], [15.0, 1.0], [-1.0, -1.0], [0.0, 0.0]])
    pi, li = (a.ravel() for a in np.meshgrid(np.arange(len(pts)), np.arange(len(geoms)), indexing="ij"))
    vertices = _Vertices(geoms)
    assert vertices.simple.tolist() == [True, True, False, False]
    got = vertices.distance(shapely.get_x(pts)[pi], shapely.get_y(pts)[pi], li, pts[pi])
    assert np.array_equal(got, shapely.distance(pts[pi], geoms[li]))


def test_pairs_within_keeps_every_pair_inside_each_reach_and_no_other() -> None:
    rng = np.random.default_rng(4)
    geoms = np.array([shapely.LineString(rng.uniform(0, 100, (rng.integers(2, 9), 2))) for _ in range(40)])
    pts = shapely.points(rng.uniform(0, 100, (60, 2)))
    reach = rng.choice([3.0, 8.0, -1.0], len(geoms))
    pi, li, dist, _ = pairs_within(pts, geoms, reach)
    every = shapely.distance(pts[:, None], geoms[None, :])
    expected = {(int(p), int(q)) for p, q in zip(*np.nonzero(every <= reach[None, :]), strict=True) if reach[q] >= 0}
    assert set(zip(pi.tolist(), li.tolist(), strict=True)) == expected
    assert np.array_equal(dist, every[pi, li])


def _edge_by_edge(G: nx.MultiDiGraph) -> dict[object, dict[object, tuple[object, object, object]]]:
    """The reference: each leg's edges by direction, as a dict filled edge by edge keeps them (the last wins)."""
    ways: dict[object, dict[object, tuple[object, object, object]]] = {}
    for u, v, k, d in G.edges(keys=True, data=True):
        ways.setdefault(k, {})[d.get("direction")] = (u, v, k)
    return ways


def test_leg_table_says_what_the_edges_say() -> None:
    G = nx.MultiDiGraph(crs="EPSG:4326")
    for n, (x, y) in {"a": (-77.0, 8.0), "b": (-78.0, 9.0), "c": (-79.0, 8.5), "d": (-80.0, 9.5)}.items():
        G.add_node(n, x=x, y=y)
    G.add_edge("a", "b", key="two-way", direction="north", mode="foot", corridor="darien-x")
    G.add_edge("b", "a", key="two-way", direction="south", mode="foot", corridor="darien-x")
    G.add_edge("b", "c", key="doubled", direction="south", mode="bus")
    G.add_edge("c", "d", key="doubled", direction="south", mode="bus")  # same leg and way: the last edge is kept
    G.add_edge("c", "d", key="north-only", direction="north", mode="sea_boat", period_start="2025-01-01")
    G.add_edge("d", "a", key="no-way", mode="foot")
    legs = _candidate_legs(G)
    ways = _edge_by_edge(G)
    assert legs.key.tolist() == sorted(ways)
    for i, k in enumerate(legs.key):
        assert legs.north[i] == ways[k].get("north") and legs.south[i] == ways[k].get("south")
        assert legs.n_directions[i] == len(ways[k])
        assert legs.only_direction[i] == (next(iter(ways[k])) if len(ways[k]) == 1 else "")
    at = {k: i for i, k in enumerate(legs.key)}
    assert legs.south[at["doubled"]] == ("c", "d", "doubled")
    assert legs.only_direction[at["no-way"]] is None
    assert legs.mode[at["two-way"]] == "foot" and legs.corridor[at["two-way"]] == "darien-x"
    assert str(legs.period_start[at["north-only"]])[:10] == "2025-01-01" and np.isnat(legs.period_end[at["north-only"]])
    assert len(legs.lines_m) == legs.n and all(shapely.get_num_coordinates(legs.lines_m) == 2)


def test_collector_pause_restores_the_state_it_found() -> None:
    assert gc.isenabled()
    with paused():
        assert not gc.isenabled()
        with paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause still holds
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError), paused():
        1 / 0  # noqa: B018
    assert gc.isenabled()
    gc.disable()
    try:
        with paused():
            pass
        assert not gc.isenabled()  # off before, off after
    finally:
        gc.enable()

    @pausing
    def state(x: int) -> tuple[int, bool]:
        """Doc."""
        return x, gc.isenabled()

    assert state(3) == (3, False) and gc.isenabled() and state.__doc__ == "Doc."


def test_collector_pauses_of_two_threads_end_with_it_on() -> None:
    # the thread pauses first and ends first: a pause that saved and restored the state on its own would turn the
    # collector back on under the main thread's pause, and leave it off at the end
    entered, release = threading.Event(), threading.Event()

    def work() -> None:
        with paused():
            entered.set()
            release.wait()

    t = threading.Thread(target=work)
    t.start()
    entered.wait()
    with paused():
        release.set()
        t.join()
        assert not gc.isenabled()  # the other thread's pause ended first: this one still holds
    assert gc.isenabled()
