"""Tests of routes.query.alternatives (distinct routes) and the searches it reads lazily (routes.query.paths)."""

from __future__ import annotations

import functools
import itertools
import random

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import routes
from routes.errors import RouteError
from routes.query import alternatives
from routes.query.alternatives import distinct_routes, hazard_overlap
from routes.query.paths import IndexedGraph, cheapest_path, distances_to, iter_k_best, k_best, reverse
from routes.query.regions import _Query, _setup


def random_multigraph(seed: int, n: int, m: int) -> nx.MultiDiGraph:
    rng = random.Random(seed)
    G = nx.MultiDiGraph()
    G.add_nodes_from(range(n))
    for i in range(m):
        G.add_edge(rng.randrange(n), rng.randrange(n), key=f"e{i}", weight=rng.choice([0.5, 1.0, 1.5, 2.0, 3.0])
                   + rng.random() / 10)
    return G


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.integers(2, 8), m=st.integers(1, 26), k=st.integers(1, 30))
def test_lazy_k_best_yields_what_k_best_returns(seed: int, n: int, m: int, k: int) -> None:
    ig = IndexedGraph.from_graph(random_multigraph(seed, n, m))
    w = [d["weight"] for d in ig.data]
    active = [ig.src[e] != 1 and ig.dst[e] != 0 for e in range(len(w))]
    adj = ig.adjacency(w, active)
    full = k_best(ig, adj, w, [0], [1], k)
    assert list(iter_k_best(ig, adj, w, [0], [1], k)) == full
    # a prefix read and dropped is the same prefix
    assert list(itertools.islice(iter_k_best(ig, adj, w, [0], [1], k), 2)) == full[:2]


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.integers(3, 8), m=st.integers(1, 26))
def test_cheapest_path_is_the_first_k_best_path(seed: int, n: int, m: int) -> None:
    ig = IndexedGraph.from_graph(random_multigraph(seed, n, m))
    w = [d["weight"] for d in ig.data]
    S, T = [0, 2], [1]
    active = [not (ig.dst[e] in S or ig.src[e] in T) for e in range(len(w))]
    first = k_best(ig, ig.adjacency(w, active), w, S, T, 1)
    is_target = [i in T for i in range(ig.n_nodes)]
    lower = distances_to(reverse(ig.adjacency(w, active)), T)
    doubled = [2 * x for x in w]  # weights that grew: the first distances stay a lower bound
    second = k_best(ig, ig.adjacency(doubled, active), doubled, S, T, 1)
    for weights, best, bound in ((w, first, None), (w, first, lower), (doubled, second, lower)):
        got = cheapest_path(ig.links(active), weights, ig.src, S, is_target, lower=bound)
        if not best:
            assert got is None
            continue
        assert got is not None
        assert sum(weights[e] for e in got) == pytest.approx(best[0][0])
        assert ig.src[got[0]] in S and ig.dst[got[-1]] in T
        assert all(ig.dst[a] == ig.src[b] for a, b in itertools.pairwise(got))


def test_cheapest_path_without_a_way() -> None:
    assert cheapest_path([[], []], [], [], [0], [False, True]) is None
    assert cheapest_path([[], []], [], [], [], [False, True]) is None


def full_search(q: _Query, k: int, max_overlap: float = alternatives.MAX_OVERLAP) -> list[tuple[int, ...]]:
    """The routes of the search that reads every candidate (the code before the routes were settled early)."""
    pool = {p: float(c) for c, p in q.best(alternatives.POOL_PER_ROUTE * k)}
    uses = np.zeros(len(q.lam))
    for _ in range(alternatives.PENALTY_ROUNDS_PER_ROUTE * k):
        weights = [float(x) for x in q.lam * alternatives.PENALTY**uses]
        found = k_best(q.legs.ig, q.legs.ig.adjacency(weights, q.active.tolist()), weights, q.sources, q.targets, 1)
        if not found:
            break
        pool.setdefault(found[0][1], float(q.lam[list(found[0][1])].sum()))
        uses[list(found[0][1])] += 1
    chosen: list[tuple[int, ...]] = []
    for path in sorted(pool, key=lambda p: (pool[p], p)):
        if len(chosen) < k and all(hazard_overlap(path, c, q.lam) <= max_overlap for c in chosen):
            chosen.append(path)
    return chosen


@functools.cache
def network() -> nx.MultiDiGraph:
    return routes.load_network()


@pytest.mark.parametrize("k", [1, 3, 10])
def test_distinct_routes_are_those_of_the_full_search(k: int) -> None:
    G = network()
    hubs = sorted(G.nodes, key=lambda n: (-G.degree(n), str(n)))[:9]
    compared = 0
    for u, v in itertools.permutations(hubs, 2):
        try:
            q = _setup(G, u, v, None, None, None, 1)[0]
        except (RouteError, ValueError):
            continue
        listed = distinct_routes(q, k)
        assert [r.path for r in listed] == full_search(q, k), (u, v, k)
        for r in listed:  # every variant folded is a near-copy of its route
            assert all(hazard_overlap(p, r.path, q.lam) > alternatives.MAX_OVERLAP for _, p in r.variants)
        compared += 1
    assert compared > 20
