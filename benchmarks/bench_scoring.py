"""Benchmark of routes.query.scoring: prints median timings (targets from issue 4), asserts nothing.

Run with ``python benchmarks/bench_scoring.py [--repeat N]``. Uses the shipped corridor graph when
``routes.load.load_network()`` works, otherwise a synthetic corridor-sized graph (~80 places,
~250 directed edges); the large case is a synthetic network of 100,000 legs.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import math
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

import networkx as nx
from shapely.geometry import LineString

from routes.errors import NoPathError
from routes.query.paths import k_best
from routes.query.scoring import _setup, _simulate, rank_paths


def _gamma(p: float, shape: float) -> tuple[float, float]:
    return shape, 1.0 / math.expm1(-math.log1p(-p) / shape)


def _edge(
    G: nx.MultiDiGraph, u: Any, v: Any, key: str, direction: str, rng: random.Random, sea: bool
) -> None:
    x0, y0, x1, y1 = G.nodes[u]["x"], G.nodes[u]["y"], G.nodes[v]["x"], G.nodes[v]["y"]
    p = rng.uniform(1e-4, 2e-2)
    shape, rate = _gamma(p, rng.uniform(0.5, 20.0))
    G.add_edge(
        u, v, key=key, leg=key, direction=direction, mode="sea_boat" if sea else "foot",
        corridor=f"c{rng.randrange(6)}", geometry=LineString([(x0, y0), (x1, y1)]),
        length_km=111.0 * math.hypot(x1 - x0, y1 - y0), duration_h=rng.uniform(1, 40),
        cost_usd=rng.choice([None, rng.uniform(5, 300)]), p_death=p, risk_shape=shape, risk_rate=rate,
        season=tuple(rng.uniform(0.7, 1.5) for _ in range(12)),
    )  # fmt: skip


def synthetic_corridor(seed: int = 0, columns: int = 10, rows: int = 8) -> nx.MultiDiGraph:
    """~80 places in ``columns`` countries from Uraba to Mexico; ~125 two-way legs (~250 edges)."""
    rng = random.Random(seed)
    countries = ["COL", "PAN", "CRI", "NIC", "HND", "GTM", "MEX", "MEX", "MEX", "USA"]
    G = nx.MultiDiGraph(crs="EPSG:4326", name="synthetic corridor")
    for c in range(columns):
        for r in range(rows):
            G.add_node(f"p{c}-{r}", x=-76.5 - 2.5 * c + rng.uniform(-0.3, 0.3), y=8.0 + 1.2 * c + 0.3 * r,
                       country=countries[c % len(countries)], name=f"Place {c}-{r}")  # fmt: skip
    n = 0
    for c in range(columns):
        for r in range(rows):
            targets = []
            if c + 1 < columns:
                targets += [(c + 1, r)] + ([(c + 1, rng.randrange(rows))] if rng.random() < 0.4 else [])
            if r + 1 < rows and rng.random() < 0.4:
                targets.append((c, r + 1))
            for tc, tr in targets:
                n += 1
                a, b, key, sea = f"p{c}-{r}", f"p{tc}-{tr}", f"leg{n}", rng.random() < 0.3
                _edge(G, a, b, key, "north", rng, sea)
                if rng.random() < 0.95:
                    _edge(G, b, a, key, "south", rng, sea)
    return G


def synthetic_large(n_legs: int = 100_000, seed: int = 1) -> tuple[nx.MultiDiGraph, str, str]:
    """A northbound lattice of about ``n_legs`` legs (each place joined to 2 places of the next column)."""
    rng = random.Random(seed)
    rows = 200
    cols = n_legs // (2 * rows) + 1
    G = nx.MultiDiGraph(crs="EPSG:4326", name="synthetic large")
    for c in range(cols):
        for r in range(rows):
            G.add_node(f"n{c * rows + r}", x=-76.0 - 0.1 * c, y=8.0 + 0.05 * r, country="MEX" if c else "COL")
    n = 0
    for c in range(cols - 1):
        for r in range(rows):
            for dr in (0, rng.choice((-1, 1))):
                if n >= n_legs:
                    break
                n += 1
                _edge(
                    G,
                    f"n{c * rows + r}",
                    f"n{(c + 1) * rows + (r + dr) % rows}",
                    f"l{n}",
                    "north",
                    rng,
                    False,
                )
    return G, f"n{rows // 2}", f"n{(cols - 1) * rows + rows // 2}"


def median_ms(fn: Callable[[], Any], repeat: int) -> float:
    fn()  # warm up
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return 1000 * statistics.median(times)


def line(label: str, ms: float, target_ms: float) -> None:
    verdict = "ok" if ms < target_ms else "OVER"
    print(f"{label:<62} {ms:10.2f} ms   (target < {target_ms:g} ms: {verdict})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    R = args.repeat

    try:
        from routes.load import load_network

        G = load_network()
        source = "shipped corridor graph"
    except Exception as err:  # noqa: BLE001 - any failure means: use the synthetic graph
        G = synthetic_corridor()
        source = f"synthetic corridor graph (real one unavailable: {type(err).__name__})"
    print(f"{source}: {G.number_of_nodes()} places, {G.number_of_edges()} directed edges")

    # choose a far-apart pair that has at least 10 paths
    nodes = sorted(G.nodes, key=lambda n: (G.nodes[n]["x"], str(n)))
    pair = None
    for a, b in itertools.product(nodes[-10:], nodes[:10]):
        try:
            found_paths = _setup(G, a, b, "north", None, None, 10)[3]
        except (NoPathError, ValueError):
            continue
        if len(found_paths) == 10:
            pair = (a, b)
            break
    assert pair is not None, "no pair with 10 paths"
    a, b = pair
    q, _, _, best = _setup(G, a, b, "north", None, None, 10)
    adj = q.adjacency()
    paths = [p for _, p in best]
    print(f"pair {a!r} -> {b!r}: 10 paths of {min(map(len, paths))}-{max(map(len, paths))} legs")
    line("one pair, k=10: exact k-best search only", median_ms(
        lambda: k_best(q.legs.ig, adj, q.weights, q.sources, q.targets, 10), R), 20)  # fmt: skip
    line("one pair, k=10: search incl. graph indexing and scenario", median_ms(
        lambda: _setup(G, a, b, "north", None, None, 10), R), 20)  # fmt: skip
    line("one pair, k=10: rank_paths end to end (10,000 draws)", median_ms(
        lambda: rank_paths(G, a, b, direction="north", k=10), R), 20)  # fmt: skip
    line(
        "Monte Carlo: 10,000 draws for 10 paths", median_ms(lambda: _simulate(q, paths, draws=10_000), R), 200
    )

    hubs = sorted(G.nodes, key=lambda n: -G.degree(n))[:25]
    ordered = list(itertools.permutations(hubs, 2))
    found = {"paths": 0, "none": 0}

    def all_pairs_search() -> None:
        found.update(paths=0, none=0)
        for u, v in ordered:
            try:
                found["paths"] += len(_setup(G, u, v, None, None, None, 5)[3])
            except NoPathError:
                found["none"] += 1

    def all_pairs_rank(draws: int) -> None:
        for u, v in ordered:
            with contextlib.suppress(NoPathError):
                rank_paths(G, u, v, k=5, draws=draws)

    r_small = max(3, R // 5)
    ms = median_ms(all_pairs_search, r_small)
    print(
        f"25 hubs: {len(ordered)} ordered pairs, {found['paths']} paths, {found['none']} pairs without a path"
    )
    line("all ordered pairs among 25 hubs, k=5: search (direction inferred)", ms, 5000)
    line("all ordered pairs among 25 hubs, k=5: rank_paths, 1,000 draws", median_ms(
        lambda: all_pairs_rank(1000), r_small), 5000)  # fmt: skip
    line("all ordered pairs among 25 hubs, k=5: rank_paths, 10,000 draws", median_ms(
        lambda: all_pairs_rank(10_000), r_small), 5000)  # fmt: skip

    t = time.perf_counter()
    big, s, d = synthetic_large()
    print(f"synthetic network: {big.number_of_nodes()} places, {big.number_of_edges()} legs "
          f"(built in {time.perf_counter() - t:.1f} s)")  # fmt: skip
    t = time.perf_counter()
    qb, _, _, best_b = _setup(big, s, d, "north", None, None, 5)
    print(f"  first search incl. indexing: {time.perf_counter() - t:.2f} s; path of {len(best_b[0][1])} legs")
    adj_b = qb.adjacency()
    r_big = max(3, R // 5)
    line("100,000 legs, one pair, k=5: search incl. graph indexing", median_ms(
        lambda: _setup(big, s, d, "north", None, None, 5), r_big), 2000)  # fmt: skip
    line("100,000 legs, one pair, k=5: search only", median_ms(
        lambda: k_best(qb.legs.ig, adj_b, qb.weights, qb.sources, qb.targets, 5), r_big), 2000)  # fmt: skip
    line("100,000 legs, one pair, k=5: rank_paths end to end", median_ms(
        lambda: rank_paths(big, s, d, direction="north", k=5), r_big), 2000)  # fmt: skip


if __name__ == "__main__":
    main()
