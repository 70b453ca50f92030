"""Tests of routes.query.select: part of the network by direction, corridor and date."""

from __future__ import annotations

import networkx as nx
import pytest

from routes.errors import ScenarioError
from routes.load import load_network
from routes.model.estimate import estimate_of
from routes.query.select import corridors, select_legs


@pytest.fixture(scope="module")
def G() -> nx.MultiDiGraph:
    return load_network(snapshot="shipped")


def test_filters_compose_and_keep_the_estimate(G: nx.MultiDiGraph) -> None:
    H = select_legs(G, direction="north", corridor="darien", date="2024-06-01")
    data = [d for *_, d in H.edges(data=True)]
    assert data and all(d["direction"] == "north" and d["corridor"].startswith("darien-") for d in data)
    assert all((d["period_start"] or "0") <= "2024-06-01" <= (d["period_end"] or "9") for d in data)
    assert set(H.nodes) == {n for e in H.edges for n in e[:2]}  # only the places the legs join
    assert estimate_of(H) is estimate_of(G) and H.graph == G.graph
    assert G.number_of_edges() > H.number_of_edges()  # the input is unchanged


def test_a_date_keeps_only_the_legs_in_use(G: nx.MultiDiGraph) -> None:
    ended = [k for *_, k, d in G.edges(keys=True, data=True) if d.get("period_end") and d["period_end"] < "2023-01-01"]
    assert ended
    kept = {k for *_, k in select_legs(G, date="2024-01-01").edges(keys=True)}
    assert not kept & set(ended)


def test_corridor_families(G: nx.MultiDiGraph) -> None:
    assert corridors(G, "uraba") == ["uraba"]
    assert all(c.startswith("honduras") for c in corridors(G, "honduras"))  # itself, when it exists
    assert len(corridors(G, "darien")) >= 4


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"direction": "east"}, "direction must be 'north' or 'south'.*'east'"),
    ({"date": "June 2024"}, "date must be an ISO date YYYY-MM-DD, got 'June 2024'"),
    ({"corridor": "urabaa"}, "unknown corridor 'urabaa'; did you mean 'uraba'"),
    ({"corridor": "darien-paya", "direction": "south"}, "no leg is left with direction='south', corridor"),
])
def test_errors_say_what_was_wrong(G: nx.MultiDiGraph, kwargs: dict[str, str], match: str) -> None:
    with pytest.raises(ScenarioError, match=match):
        select_legs(G, **kwargs)
