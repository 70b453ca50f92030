"""Exact path enumeration on an integer-indexed view of a keyed multigraph.

The corridor graph is a :class:`networkx.MultiDiGraph` whose edge key is the leg id, so a boat and a trail
between the same two towns are two edges and give two different paths. This module holds the algorithms
that :mod:`routes.query.scoring` uses, written over plain Python lists of integers so that the hot loops pay no
networkx overhead:

- :class:`IndexedGraph` numbers nodes and edges in a canonical order (nodes sorted by id, edges by
  ``(from, to, key)``), so every result is independent of the order in which edges were added.
- :func:`k_best` gives the exact ``k`` cheapest loopless paths under an additive non-negative weight
  (Yen's algorithm with Lawler's restriction of spur nodes, each spur search an A* guided by exact reverse
  distances, and pruned once enough cheaper candidates are known). Paths are sequences of edge indices, so
  parallel edges are told apart. Several sources and several targets are allowed (a region): it behaves
  as Yen on a graph with a virtual source joined to every source and every target joined to a virtual sink.
- :func:`pareto_front` gives the non-dominated set over several additive non-negative criteria with a
  label-setting search (Martins); exact for the set of criteria vectors, or a true subset of it when the
  label cap is hit.
- :func:`k_shortest_paths` is a networkx-level wrapper: k cheapest simple paths as lists of ``(u, v, key)``.

Ties in cost are broken by the canonical edge indices, so results are reproducible.
"""

from __future__ import annotations

import heapq
import logging
import math
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from routes.errors import ArgumentError

logger = logging.getLogger(__name__)

INF = math.inf

#: Adjacency: for each node, a list of ``(head, weight, edge index)``.
Adjacency = list[list[tuple[int, float, int]]]
#: Links: for each node, the ``(head, edge index)`` of its active edges (an adjacency without weights, so that a
#: search under changing weights need not rebuild it).
Links = list[list[tuple[int, int]]]
#: A path: ``(cost, edge indices in travel order)``.
Path = tuple[float, tuple[int, ...]]


@dataclass(frozen=True)
class IndexedGraph:
    """Canonical integer numbering of a keyed multigraph.

    Attributes
    ----------
    nodes
        Node ids, sorted; node ``i`` is ``nodes[i]``.
    index
        Node id -> integer.
    src, dst
        Tail and head of each edge (integers), edges sorted by ``(src, dst, str(key))``.
    keys
        Edge key of each edge.
    data
        Edge attribute dict of each edge (the graph's own dicts: read, never write).

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_edge("b", "a", key="ba")
    'ba'
    >>> G.add_edge("a", "b", key="ab")
    'ab'
    >>> IndexedGraph.from_graph(G).keys
    ('ab', 'ba')
    """

    nodes: tuple[Hashable, ...]
    index: dict[Hashable, int]
    src: tuple[int, ...]
    dst: tuple[int, ...]
    keys: tuple[Hashable, ...]
    data: tuple[dict[str, Any], ...]

    @classmethod
    def from_graph(cls, G: nx.MultiDiGraph) -> IndexedGraph:
        """Number the nodes and edges of ``G`` canonically."""
        nodes = tuple(sorted(G.nodes, key=str))
        index = {n: i for i, n in enumerate(nodes)}
        edges = sorted(
            ((index[u], index[v], k, d) for u, v, k, d in G.edges(keys=True, data=True)),
            key=lambda e: (e[0], e[1], str(e[2])),
        )
        return cls(
            nodes=nodes,
            index=index,
            src=tuple(e[0] for e in edges),
            dst=tuple(e[1] for e in edges),
            keys=tuple(e[2] for e in edges),
            data=tuple(e[3] for e in edges),
        )

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.nodes)

    def adjacency(self, weight: Sequence[float], active: Sequence[bool] | None = None) -> Adjacency:
        """Forward adjacency lists over the active edges (``weight[e]`` must be finite and >= 0)."""
        adj: Adjacency = [[] for _ in self.nodes]
        for e, (u, v) in enumerate(zip(self.src, self.dst, strict=True)):
            if active is None or active[e]:
                adj[u].append((v, float(weight[e]), e))
        return adj

    def links(self, active: Sequence[bool] | None = None) -> Links:
        """For each node, the ``(head, edge index)`` of its active edges (:func:`cheapest_path`)."""
        out: Links = [[] for _ in self.nodes]
        for e, (u, v) in enumerate(zip(self.src, self.dst, strict=True)):
            if active is None or active[e]:
                out[u].append((v, e))
        return out

    def node_path(self, edges: Sequence[int]) -> list[int]:
        """Nodes visited by a non-empty edge sequence."""
        return [self.src[edges[0]], *(self.dst[e] for e in edges)]


def reverse(adj: Adjacency) -> Adjacency:
    """Reverse adjacency of ``adj``: for each node, the ``(tail, weight, edge)`` of edges entering it."""
    radj: Adjacency = [[] for _ in adj]
    for u, out in enumerate(adj):
        for v, w, e in out:
            radj[v].append((u, w, e))
    return radj


def distances_to(radj: Adjacency, targets: Iterable[int]) -> list[float]:
    """Cost of the cheapest path from every node to the nearest target (Dijkstra on the reverse graph)."""
    dist = [INF] * len(radj)
    heap: list[tuple[float, int]] = []
    for t in targets:
        dist[t] = 0.0
        heap.append((0.0, t))
    heapq.heapify(heap)
    while heap:
        d, v = heapq.heappop(heap)
        if d > dist[v]:
            continue
        for u, w, _ in radj[v]:
            nd = d + w
            if nd < dist[u]:
                dist[u] = nd
                heapq.heappush(heap, (nd, u))
    return dist


def _search(
    adj: Adjacency,
    h: list[float],
    src: Sequence[int],
    starts: Iterable[int],
    is_target: list[bool],
    banned_nodes: set[int],
    banned_edges: set[int],
    bound: float,
) -> tuple[int, ...] | None:
    """A* from ``starts`` to the nearest target avoiding banned nodes and edges; ``None`` if over ``bound``."""
    dist: dict[int, float] = {}
    pred: dict[int, int] = {}
    heap: list[tuple[float, int]] = []
    for s in starts:
        if h[s] < INF:
            dist[s] = 0.0
            pred[s] = -1
            heap.append((h[s], s))
    heapq.heapify(heap)
    done: set[int] = set()
    while heap:
        f, u = heapq.heappop(heap)
        if u in done:
            continue
        if f > bound:
            return None
        if is_target[u]:
            out: list[int] = []
            e = pred[u]
            while e >= 0:
                out.append(e)
                e = pred[src[e]]
            return tuple(reversed(out))
        done.add(u)
        du = dist[u]
        for v, w, e in adj[u]:
            if v in done or v in banned_nodes or e in banned_edges:
                continue
            nd = du + w
            if nd < dist.get(v, INF):
                hv = h[v]
                if hv == INF:
                    continue
                dist[v] = nd
                pred[v] = e
                heapq.heappush(heap, (nd + hv, v))
    return None


def _cost(weight: Sequence[float], edges: Iterable[int]) -> float:
    total = 0.0
    for e in edges:
        total += weight[e]
    return total


def cheapest_path(
    links: Links, weight: Sequence[float], src: Sequence[int], sources: Iterable[int], is_target: Sequence[bool],
    *, lower: Sequence[float] | None = None,
) -> tuple[int, ...] | None:
    """The cheapest path from any source to the nearest target (A*, or Dijkstra without ``lower``; stopped at the
    first target settled).

    The one path :func:`k_best` with ``k=1`` finds, found in one forward search: for repeated searches under changing
    weights, as the penalty method of :mod:`routes.query.alternatives` makes. Weights that only ever grow keep the
    distances to the targets under the first weights (:func:`distances_to`) a valid ``lower`` bound, and the search
    then settles little more than the path's own neighbourhood.

    Parameters
    ----------
    links
        For each node, ``(head, edge index)`` of the active edges.
    weight
        Weight of each edge index (finite, ``>= 0``).
    src
        Tail of each edge index.
    sources
        Where a path may start.
    is_target
        For each node, whether a path ends there.
    lower
        For each node, a lower bound of the cost from there to a target that is consistent (``lower[u] <=
        weight[e] + lower[v]`` for every edge ``e`` from ``u`` to ``v``); ``inf`` where no target can be reached.

    Returns
    -------
    tuple of int or None
        Edge indices in travel order; ``None`` when no target can be reached.

    Examples
    --------
    >>> links = [[(1, 0), (1, 1)], []]
    >>> cheapest_path(links, [2.0, 1.0], [0, 0], [0], [False, True])
    (1,)
    """
    h = lower if lower is not None else [0.0] * len(links)
    dist: dict[int, float] = {}
    pred: dict[int, int] = {}
    heap: list[tuple[float, int]] = []
    for s in sources:
        if s not in dist and h[s] < INF:
            dist[s] = 0.0
            pred[s] = -1
            heap.append((h[s], s))
    heapq.heapify(heap)
    done: set[int] = set()
    while heap:
        _, u = heapq.heappop(heap)
        if u in done:
            continue
        if is_target[u]:
            out: list[int] = []
            e = pred[u]
            while e >= 0:
                out.append(e)
                e = pred[src[e]]
            return tuple(reversed(out))
        done.add(u)
        du = dist[u]
        for v, e in links[u]:
            nd = du + weight[e]
            if v not in done and nd < dist.get(v, INF) and h[v] < INF:
                dist[v] = nd
                pred[v] = e
                heapq.heappush(heap, (nd + h[v], v))
    return None


def k_best(
    graph: IndexedGraph,
    adj: Adjacency,
    weight: Sequence[float],
    sources: Sequence[int],
    targets: Sequence[int],
    k: int,
    *,
    to_targets: list[float] | None = None,
) -> list[Path]:
    """The ``k`` cheapest loopless paths from any source to any target, cheapest first.

    Parameters
    ----------
    graph
        The indexed graph (for edge tails and heads).
    adj
        Forward adjacency of the active edges (weights ``>= 0``).
    weight
        Weight of each edge index (same values as in ``adj``).
    sources, targets
        Disjoint node sets. A path starts at a source and ends at the first target it reaches; to keep a
        region path from passing through another place of the region, leave edges into sources and out of
        targets out of ``adj``.
    k
        Number of paths wanted (``>= 1``); fewer are returned when fewer exist.

    Returns
    -------
    list of (cost, edges)
        Cost is the sum of the weights in travel order; ties in cost are ordered by edge indices.

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> _ = G.add_edge("a", "b", key="boat", w=1.0)
    >>> _ = G.add_edge("a", "b", key="trail", w=2.0)
    >>> ig = IndexedGraph.from_graph(G)
    >>> w = [d["w"] for d in ig.data]
    >>> [[ig.keys[e] for e in p] for _, p in k_best(ig, ig.adjacency(w), w, [0], [1], 5)]
    [['boat'], ['trail']]
    """
    return list(iter_k_best(graph, adj, weight, sources, targets, k, to_targets=to_targets))


def iter_k_best(
    graph: IndexedGraph,
    adj: Adjacency,
    weight: Sequence[float],
    sources: Sequence[int],
    targets: Sequence[int],
    k: int,
    *,
    to_targets: list[float] | None = None,
) -> Iterator[Path]:
    """The paths of :func:`k_best`, cheapest first, each yielded as soon as it is known.

    A caller that needs only a prefix of the ``k`` paths stops early and pays only for what it read; the paths
    yielded are the same, in the same order, as :func:`k_best` with the same ``k`` returns (``k`` bounds the
    spur searches). ``to_targets``, when given, is ``distances_to(reverse(adj), targets)`` computed once by the
    caller for several searches.

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> _ = G.add_edge("a", "b", key="boat", w=1.0)
    >>> _ = G.add_edge("a", "b", key="trail", w=2.0)
    >>> ig = IndexedGraph.from_graph(G)
    >>> w = [d["w"] for d in ig.data]
    >>> next(iter_k_best(ig, ig.adjacency(w), w, [0], [1], 5))
    (1.0, (0,))
    """
    if k < 1:
        raise ArgumentError(f"k must be >= 1, got {k!r}")
    is_target = [False] * len(adj)
    for t in targets:
        is_target[t] = True
    h = distances_to(reverse(adj), targets) if to_targets is None else to_targets
    first = _search(adj, h, graph.src, sources, is_target, set(), set(), INF)
    if first is None:
        return
    yen = _Yen(graph, adj, weight, h, sources, is_target)
    last: tuple[float, tuple[int, ...], int] = (_cost(weight, first), first, -1)
    for n_found in range(1, k):
        yen.found(last[1])
        yield last[0], last[1]
        yen.deviations(last[1], last[2], k - n_found)
        if not yen.candidates:
            return
        last = heapq.heappop(yen.candidates)
    yield last[0], last[1]


@dataclass
class _Yen:
    """The state of :func:`iter_k_best` between two paths: the paths found, and the candidates not yet taken."""

    graph: IndexedGraph
    adj: Adjacency
    weight: Sequence[float]
    h: list[float]
    sources: Sequence[int]
    is_target: list[bool]
    #: the found paths as a trie from their first place: the edges leaving a node of the trie are those already taken
    #: after that root (Yen's banned edges), found in one step instead of a scan of every path found
    tries: dict[int, dict[int, Any]] = field(default_factory=dict)
    used_sources: set[int] = field(default_factory=set)
    seen: set[tuple[int, ...]] = field(default_factory=set)
    candidates: list[tuple[float, tuple[int, ...], int]] = field(default_factory=list)

    def found(self, path: tuple[int, ...]) -> None:
        """Record ``path`` as found."""
        self.seen.add(path)
        self.used_sources.add(self.graph.src[path[0]])
        node = self.tries.setdefault(self.graph.src[path[0]], {})
        for e in path:
            node = node.setdefault(e, {})

    def deviations(self, path: tuple[int, ...], dev: int, needed: int) -> None:
        """Push the candidates that leave ``path`` at or after its position ``dev`` (Lawler), cheaper than the
        ``needed``-th candidate known."""
        slack, weight, src = 1e-9, self.weight, self.graph.src
        nodes = self.graph.node_path(path)
        start = max(dev, 0)
        node = self.tries[nodes[0]]
        root_cost = 0.0
        for e in path[:start]:  # the root shared with the path this one deviated from
            node = node[e]
            root_cost += weight[e]
        root_nodes = set(nodes[:start])
        # the costs of the ``needed`` cheapest candidates, as a max-heap (negated): the largest is the bound past which
        # a spur cannot be among the paths still needed
        cheapest = [-c for c, _, _ in heapq.nsmallest(needed, self.candidates)]
        heapq.heapify(cheapest)
        for i in range(dev, len(path)):
            bound = -cheapest[0] if len(cheapest) >= needed else INF
            if i < 0:  # spur from the virtual source: a different first place
                root: tuple[int, ...] = ()
                spur = _search(self.adj, self.h, src, [s for s in self.sources if s not in self.used_sources],
                               self.is_target, set(), set(), bound * (1 + slack) + slack)
            else:
                if i > start:  # one edge further along the root
                    node = node[path[i - 1]]
                    root_cost += weight[path[i - 1]]
                    root_nodes.add(nodes[i - 1])
                root = path[:i]
                spur = _search(self.adj, self.h, src, [nodes[i]], self.is_target, root_nodes, set(node),
                               (bound - root_cost) * (1 + slack) + slack)
            if spur is not None and root + spur not in self.seen:
                full = root + spur
                cost = _cost(weight, full)
                self.seen.add(full)
                heapq.heappush(self.candidates, (cost, full, i))
                if len(cheapest) < needed:
                    heapq.heappush(cheapest, -cost)
                elif cost < -cheapest[0]:
                    heapq.heapreplace(cheapest, -cost)


def pareto_front(
    adj: Adjacency,
    costs: Sequence[tuple[float, ...]],
    sources: Sequence[int],
    targets: Sequence[int],
    *,
    max_labels: int = 200_000,
) -> tuple[list[tuple[tuple[float, ...], tuple[int, ...]]], bool]:
    """Pareto-optimal loopless paths over several additive criteria (label setting).

    Parameters
    ----------
    adj
        Forward adjacency of the active edges (its weights are ignored; ``costs`` are used).
    costs
        For each edge index, a tuple of non-negative criteria (``inf`` allowed: worse than any value).
    sources, targets
        As in :func:`k_best`.
    max_labels
        Cap on labels created; when reached the search stops.

    Returns
    -------
    front : list of (vector, edges)
        Non-dominated paths in lexicographic order of their vectors; of paths with equal vectors one is kept.
    exact : bool
        ``False`` when the cap stopped the search: ``front`` is then a true subset of the exact front.

    Notes
    -----
    Labels are settled in lexicographic order of their vectors; a label dominated (weakly) by another at
    the same node, or by a path already reaching a target after adding a lower bound of the remaining
    cost, is dropped. With non-negative criteria every kept label is a simple path and the set of vectors
    found is exactly the Pareto front.

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> _ = G.add_edge("a", "b", key="boat", c=(1.0, 5.0))
    >>> _ = G.add_edge("a", "b", key="trail", c=(2.0, 1.0))
    >>> _ = G.add_edge("a", "b", key="bad", c=(3.0, 6.0))
    >>> ig = IndexedGraph.from_graph(G)
    >>> c = [d["c"] for d in ig.data]
    >>> front, exact = pareto_front(ig.adjacency([0.0] * 3), c, [0], [1])
    >>> [[ig.keys[e] for e in p] for _, p in front], exact
    ([['boat'], ['trail']], True)
    """
    n_crit = len(costs[0]) if costs else 1
    radj = reverse(adj)
    reach = distances_to(radj, targets)  # finite iff a target can be reached
    lower = _lower_bounds(radj, costs, targets, n_crit)
    is_target = set(targets)

    vecs: list[tuple[float, ...]] = []
    node_of: list[int] = []
    parent: list[int] = []
    via: list[int] = []
    alive: list[bool] = []
    at_node: list[list[int]] = [[] for _ in adj]
    heap: list[tuple[tuple[float, ...], int]] = []
    front: list[int] = []

    def add(vec: tuple[float, ...], node: int, par: int, edge: int) -> None:
        lab = len(vecs)
        vecs.append(vec)
        node_of.append(node)
        parent.append(par)
        via.append(edge)
        alive.append(True)
        at_node[node].append(lab)
        heapq.heappush(heap, (vec, lab))

    zero = tuple(0.0 for _ in range(n_crit))
    for s in sorted({s for s in sources if reach[s] < INF}):  # sources that can reach a target
        add(zero, s, -1, -1)
    exact = True
    while heap and exact:  # the cap on labels ends the search: exact is then False
        vec, lab = heapq.heappop(heap)
        if not alive[lab]:
            continue
        u = node_of[lab]
        if u in is_target:
            if not _dominated(vec, (vecs[i] for i in front)):
                front.append(lab)
            continue
        for v, _, e in adj[u]:
            c = costs[e]
            new = tuple(a + b for a, b in zip(vec, c, strict=True))
            optimistic = tuple(a + lower[j][v] for j, a in enumerate(new))
            if reach[v] == INF or _dominated(optimistic, (vecs[i] for i in front)):
                continue
            kept = _admitted(new, [i for i in at_node[v] if alive[i]], vecs, alive)
            if kept is None:
                continue
            at_node[v] = kept
            add(new, v, lab, e)
            if len(vecs) >= max_labels:
                exact = False
                break
    if not exact:
        logger.warning("pareto search stopped at %d labels: the front found is a subset", max_labels)
    return [(vecs[lab], _traced_edges(lab, parent, via)) for lab in front], exact


def _dominated(vec: tuple[float, ...], by: Iterable[tuple[float, ...]]) -> bool:
    """Whether a vector of ``by`` is at most ``vec`` in every criterion."""
    return any(all(a <= b for a, b in zip(other, vec, strict=True)) for other in by)


def _admitted(new: tuple[float, ...], here: list[int], vecs: Sequence[tuple[float, ...]],
              alive: list[bool]) -> list[int] | None:
    """The live labels ``here`` at a node once ``new`` joins them: ``None`` if one of them dominates ``new``, else
    those ``new`` does not dominate (the others are marked dead in ``alive``)."""
    if _dominated(new, (vecs[i] for i in here)):
        return None
    for i in here:
        if all(a <= b for a, b in zip(new, vecs[i], strict=True)):
            alive[i] = False
    return [i for i in here if alive[i]]


def _lower_bounds(radj: Adjacency, costs: Sequence[tuple[float, ...]], targets: Sequence[int],
                  n_crit: int) -> list[list[float]]:
    """For each criterion, a lower bound of the cost still to go from every node to a target."""
    lower: list[list[float]] = []
    for j in range(n_crit):
        rj: Adjacency = [[(u, costs[e][j], e) for u, _, e in ins] for ins in radj]
        lower.append(distances_to(rj, targets))
    return lower


def _traced_edges(lab: int, parent: Sequence[int], via: Sequence[int]) -> tuple[int, ...]:
    """The edges of label ``lab``'s path, from its source on, traced back through its parents."""
    edges: list[int] = []
    i = lab
    while via[i] >= 0:
        edges.append(via[i])
        i = parent[i]
    return tuple(reversed(edges))


WeightFn = Callable[[Hashable, Hashable, dict[str, Any]], float]


def k_shortest_paths(
    G: nx.MultiDiGraph,
    source: Hashable,
    target: Hashable,
    *,
    k: int = 5,
    weight: str | WeightFn = "weight",
) -> list[list[tuple[Hashable, Hashable, Hashable]]]:
    """The ``k`` cheapest simple paths of a keyed multigraph, as lists of ``(u, v, key)``.

    Parameters
    ----------
    G
        A directed multigraph.
    source, target
        Node ids (different).
    k
        Number of paths (``>= 1``).
    weight
        Edge attribute name (missing = 1), or a callable ``weight(u, v, data)`` called once per edge with
        that edge's own attribute dict. Weights must be finite and ``>= 0``; ``None`` hides the edge.

    Returns
    -------
    list of list of (u, v, key)
        Cheapest first; parallel edges give distinct paths.

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> _ = G.add_edge("a", "b", key="boat", weight=1.0)
    >>> _ = G.add_edge("a", "b", key="trail", weight=2.0)
    >>> k_shortest_paths(G, "a", "b", k=3)
    [[('a', 'b', 'boat')], [('a', 'b', 'trail')]]
    """
    if source not in G or target not in G:
        missing = source if source not in G else target
        raise nx.NodeNotFound(f"node {missing!r} is not in the graph")
    if source == target:
        raise ArgumentError(f"source and target are the same node {source!r}")
    ig = IndexedGraph.from_graph(G)
    ws: list[float] = []
    active: list[bool] = []
    for e, d in enumerate(ig.data):
        w = weight(ig.nodes[ig.src[e]], ig.nodes[ig.dst[e]], d) if callable(weight) else d.get(weight, 1.0)
        active.append(w is not None)
        w = 0.0 if w is None else float(w)
        if not (w >= 0 and math.isfinite(w)):
            raise ArgumentError(f"weight of edge {ig.keys[e]!r} must be finite and >= 0, got {w!r}")
        ws.append(w)
    paths = k_best(ig, ig.adjacency(ws, active), ws, [ig.index[source]], [ig.index[target]], k)
    return [[(ig.nodes[ig.src[e]], ig.nodes[ig.dst[e]], ig.keys[e]) for e in p] for _, p in paths]
