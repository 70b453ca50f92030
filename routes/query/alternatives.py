"""Distinct routes: the safest paths that differ materially, with their near-copies folded under them.

The plain k safest paths of a long journey are mostly one route with small detours (twenty Necoclí → Tapachula paths
through the same Darién trail, differing by a bus in Honduras). A list that informs shows different ways through the
dangerous parts. This module finds them by *k shortest paths with limited overlap* (Chondrogiannis et al., "Finding
k-shortest paths with limited overlap", VLDB J. 2020), with candidates from two sources:

* the plain k-best paths (Yen's algorithm, exact, :func:`routes.query.paths.k_best`), and
* the penalty method (Akgün, Erkut & Batta 2000): after each search the hazards of the legs used so far are multiplied
  by a penalty, so the next search is pushed off the dangerous legs already shown.

Candidates are then ranked by their true hazard and accepted greedily when they overlap every accepted route by at
most ``max_overlap``. The overlap of routes A and B is the hazard ``Λ = -log(1 - p)`` of the directed legs (edge keys)
they share, over the smaller of their two hazards, at the posterior mean under the query's scenario. A candidate
that overlaps an accepted route by more is a *variant* of the route it overlaps most, folded under it.

The plain candidates are read safest first and no further than needed: once ``k`` routes are accepted and a costlier
path has been read, no candidate still to come could change them (Yen's algorithm is exact), so the rest of the
search and the penalty method are skipped; only the variants folded under the routes are then fewer. The penalty
searches are one forward Dijkstra each (:func:`routes.query.paths.cheapest_path`) on links built once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from routes.errors import ArgumentError
from routes.query.paths import cheapest_path
from routes.query.regions import _Query

__all__ = ["MAX_OVERLAP", "Route", "distinct_routes", "hazard_overlap"]

#: by default no two listed routes share more than this fraction of the smaller one's hazard
MAX_OVERLAP = 0.5
#: plain k-best candidates searched, and penalty-method searches, per route asked
POOL_PER_ROUTE = 6
PENALTY_ROUNDS_PER_ROUTE = 3
#: hazard multiplier per earlier use of a leg, in the penalty searches
PENALTY = 2.0


@dataclass(frozen=True)
class Route:
    """A listed route: its summed hazard, its legs (edge indices) and its folded variants, safest first."""

    hazard: float
    path: tuple[int, ...]
    variants: tuple[tuple[float, tuple[int, ...]], ...] = field(default=())


def hazard_overlap(a: Sequence[int], b: Sequence[int], lam: np.ndarray) -> float:
    """The hazard of the legs ``a`` and ``b`` share, over the smaller of their hazards (0: disjoint, 1: nested).

    Examples
    --------
    >>> lam = np.array([0.1, 0.1, 0.3, 0.0])
    >>> round(hazard_overlap([0, 2], [1, 2], lam), 6)
    0.75
    >>> hazard_overlap([0], [1], lam)
    0.0
    """
    shared = set(a) & set(b)
    if not shared:
        return 0.0
    smaller = min(float(lam[list(a)].sum()), float(lam[list(b)].sum()))
    if smaller <= 0.0:
        return 1.0
    return min(1.0, float(lam[sorted(shared)].sum()) / smaller)


class _Overlaps:
    """:func:`hazard_overlap` of many pairs of paths of one query, each path's legs and hazard computed once (the same
    numbers, in the same order of summation)."""

    def __init__(self, lam: np.ndarray) -> None:
        self.lam = lam
        self._legs: dict[tuple[int, ...], frozenset[int]] = {}
        self._hazard: dict[tuple[int, ...], float] = {}
        self._pairs: dict[tuple[tuple[int, ...], tuple[int, ...]], float] = {}

    def legs(self, path: tuple[int, ...]) -> frozenset[int]:
        legs = self._legs.get(path)
        if legs is None:
            legs = self._legs[path] = frozenset(path)
        return legs

    def hazard(self, path: tuple[int, ...]) -> float:
        hazard = self._hazard.get(path)
        if hazard is None:
            hazard = self._hazard[path] = float(self.lam[list(path)].sum())
        return hazard

    def __call__(self, a: tuple[int, ...], b: tuple[int, ...]) -> float:
        value = self._pairs.get((a, b))
        if value is None:
            value = self._pairs[a, b] = self._overlap(a, b)
        return value

    def _overlap(self, a: tuple[int, ...], b: tuple[int, ...]) -> float:
        shared = self.legs(a) & self.legs(b)
        if not shared:
            return 0.0
        smaller = min(self.hazard(a), self.hazard(b))
        if smaller <= 0.0:
            return 1.0
        return min(1.0, float(self.lam[sorted(shared)].sum()) / smaller)


def _costlier(cost: float, than: float) -> bool:
    """Whether ``cost`` exceeds ``than`` by more than rounding (a hazard summed in another order may differ in its
    last bits)."""
    return cost > than * (1 + 1e-9) + 1e-15


def _plain_candidates(q: _Query, k: int, max_overlap: float,
                      overlap: _Overlaps) -> tuple[dict[tuple[int, ...], float], bool]:
    """The plain k-best candidates, read safest first until they settle the routes, and whether they did.

    The routes are settled when ``k`` of the paths read are chosen (greedily, as :func:`distinct_routes` does) and a
    path costlier than the last chosen has been read: every path not read, plain or from the penalty method, is at
    least that costly (Yen's algorithm is exact), so it would come after the ``k`` routes and could change none of them.
    They are settled too when every path has been read (fewer exist than asked for). Only the variants folded under
    the routes can differ from a full search.
    """
    n = POOL_PER_ROUTE * k
    pool: dict[tuple[int, ...], float] = {}
    chosen: list[tuple[int, ...]] = []
    for cost, path in q.iter_best(n):
        if len(chosen) == k and _costlier(cost, pool[chosen[-1]]):
            return pool, True
        pool[path] = float(cost)
        if len(chosen) < k and all(overlap(path, c) <= max_overlap for c in chosen):
            chosen.append(path)
    return pool, len(pool) < n


def _penalty_candidates(q: _Query, k: int, pool: dict[tuple[int, ...], float]) -> None:
    """Add the penalty method's paths to ``pool``: each search avoids the legs the earlier ones used."""
    ig = q.legs.ig
    links = ig.links(q.active.tolist())  # built once: only the weights change between searches
    is_target = [False] * ig.n_nodes
    for t in q.targets:
        is_target[t] = True
    lower = q.to_targets()  # penalties only raise weights: the unpenalised distances stay a consistent bound
    uses = np.zeros(len(q.lam))
    for _ in range(PENALTY_ROUNDS_PER_ROUTE * k):
        path = cheapest_path(links, (q.lam * PENALTY**uses).tolist(), ig.src, q.sources, is_target,
                             lower=lower)
        if path is None:
            break
        pool.setdefault(path, float(q.lam[list(path)].sum()))
        uses[list(path)] += 1


def _candidates(q: _Query, k: int, max_overlap: float, overlap: _Overlaps) -> dict[tuple[int, ...], float]:
    """Candidate paths and their true hazards: the plain k-best, and the penalty method's searches when the plain
    ones do not settle the routes."""
    pool, settled = _plain_candidates(q, k, max_overlap, overlap)
    if not settled:
        _penalty_candidates(q, k, pool)
    return pool


def distinct_routes(q: _Query, k: int, *, max_overlap: float = MAX_OVERLAP) -> list[Route]:
    """Up to ``k`` routes, safest first, no two overlapping by more than ``max_overlap`` of their hazard.

    Fewer routes when fewer such exist. Every other candidate found is folded, as a variant, under the listed route it
    overlaps most (when that overlap exceeds ``max_overlap``).

    Raises
    ------
    ArgumentError
        If ``max_overlap`` is not in [0, 1].
    """
    if not 0.0 <= float(max_overlap) <= 1.0:
        raise ArgumentError("max_overlap must be a fraction from 0 to 1 (0.5: at most half shared), got "
                            f"{max_overlap!r}")
    overlap = _Overlaps(q.lam)
    pool = _candidates(q, k, float(max_overlap), overlap)
    order = sorted(pool, key=lambda p: (pool[p], p))
    chosen: list[tuple[int, ...]] = []
    for path in order:
        if all(overlap(path, c) <= max_overlap for c in chosen):
            chosen.append(path)
            if len(chosen) == k:
                break
    folded: dict[tuple[int, ...], list[tuple[float, tuple[int, ...]]]] = {c: [] for c in chosen}
    for path in order:
        if path in folded:
            continue
        overlaps = [overlap(path, c) for c in chosen]
        best = max(range(len(overlaps)), key=overlaps.__getitem__)  # the first of equals, as np.argmax
        if overlaps[best] > max_overlap:
            folded[chosen[best]].append((pool[path], path))
    return [Route(pool[c], c, tuple(folded[c])) for c in chosen]
