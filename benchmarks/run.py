"""The benchmark of `routes`: prints a table of figures measured on this machine, each against its target.

Usage::

    python benchmarks/run.py            # medians over repeated runs (a few minutes)
    python benchmarks/run.py --quick    # each figure once, small sizes: a few seconds, for CI
    python benchmarks/run.py --shared ../shared/data --repeat 9

Figures (targets from issues 3, 4 and 18; "-" where no target was set):

* cold starts (a new process, as a user types it) of ``route-risk rank Necoclí Tapachula``, ``legs``,
  ``explain necocli-acandi-boat`` and ``export out.geojson``, (a) with the estimate cache (warmed first, in a folder of
  the benchmark's own) and (c) without it (``ROUTES_NO_CACHE=1``: computed), and for ``rank`` also (b) with an empty
  user cache, so that the estimate shipped in the package is read; each as a ratio to the bare import of the stack
  (``python -c "import geopandas, networkx, pyproj, shapely, numpy"``) measured in the same rounds: every round runs
  each command once, in turn, so a change in the machine's load hits all of them alike (the note gives the ratio of
  CPU times too, which a busy machine disturbs less). Bytecode is written and reused, as in an installed package.
  ``route-risk`` starts through ``routes.__main__``, which pauses the garbage collector while the libraries load
  (the bare import does not), so a cached run can come in under 1x;
  Targets for ``rank``: at most 1.3x the bare import with the cache (a), 1.8x without (issue 18), printed against
  both (b) the shipped estimate and (c) the computed one;
* the estimate in process: ``load_network()`` read from the cache, and built afresh (read, validate, attribute,
  estimate);
* deepcopy calls in one ``rank`` without the cache, on the shipped snapshot and on one whose metadata lists 20,000
  skipped rows (issue 18: pandas deep-copied ``attrs`` on every row read);
* reading the full global IOM allData export (19,255 rows), attributing it and estimating every leg: < 0.5 s in all
  (the file is ``iom_mmp/Missing_Migrants_Global_Figures_allData.csv`` under ``--shared`` or ``ROUTES_SHARED_DATA``;
  the row is skipped with a note when it is absent), beside the estimate from the shipped snapshot for scale
  (the fits and Monte Carlo draws cost the same whatever the export);
* one ranking with k = 10 on the corridor graph: < 20 ms; 10,000 Monte Carlo draws for 10 paths: < 200 ms;
* every ordered pair among about 25 hub places with k = 5: < 5 s;
* a synthetic network of 100,000 legs with 100,000 incidents: attribution (< 3 s) and one ranking with
  k = 5 (< 2 s), with their peak memory (``tracemalloc``, one extra run);
* the rolling-origin backtest on the shipped data (``routes.backtest()``, as ``route-risk backtest`` runs it): < 1 min
  (issue 13), in a section of its own.
* ``route-risk data update`` of a generated allData-shaped export of 1,000,000 rows (a quarter in the corridor), in a
  child process: its wall time (< 60 s) and its peak RSS (< 2 GB, ``os.wait4`` of that child: issue 12).

The script reports, it does not assert: it exits 0 when a target is missed, 1 only when a benchmark fails to run
(so CI notices when it rots).
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for p in (str(HERE), str(ROOT)):  # run from a checkout without installing
    if p not in sys.path:
        sys.path.insert(0, p)

HEADER = "| figure | median | CPU | x bare import | runs | target | result | peak memory | note |"
ALLDATA = Path("iom_mmp") / "Missing_Migrants_Global_Figures_allData.csv"


@dataclass
class Row:
    figure: str
    seconds: float | None = None
    runs: int = 0
    target_s: float | None = None
    peak_mb: float | None = None
    note: str = ""
    error: bool = False
    ratio: float | None = None  # to the bare import of the stack, measured in the same rounds
    target_ratio: float | None = None
    count: int | None = None  # a figure that is a count, not a time
    cpu_s: float | None = None  # median CPU time of the same runs (less disturbed by a busy machine)

    def __post_init__(self) -> None:
        if self.cpu_s is None and isinstance(self.seconds, Seconds):
            self.cpu_s = self.seconds.cpu

    def cells(self) -> list[str]:
        ratio = "-" if self.ratio is None else f"{self.ratio:.2f}x"
        if self.count is not None:
            median, result = f"{self.count:,}", "-"
        elif self.seconds is None:
            median, result = "-", ("ERROR" if self.error else "skipped")
        else:
            median = _duration(self.seconds)
            result = "-" if self.target_s is None else ("ok" if self.seconds < self.target_s else "MISSED")
        if self.target_ratio is not None:
            target = f"<= {self.target_ratio:g}x"
            result = "-" if self.ratio is None else ("ok" if self.ratio <= self.target_ratio else "MISSED")
        else:
            target = "-" if self.target_s is None else f"< {_duration(self.target_s)}"
        peak = "-" if self.peak_mb is None else f"{self.peak_mb:,.0f} MB"
        cpu = "-" if self.cpu_s is None else _duration(self.cpu_s)
        return [self.figure, median, cpu, ratio, str(self.runs or "-"), target, result, peak, self.note]

    @property
    def missed(self) -> bool:
        if self.target_ratio is not None:
            return self.ratio is not None and self.ratio > self.target_ratio
        return self.seconds is not None and self.target_s is not None and self.seconds >= self.target_s


def _duration(s: float) -> str:
    return f"{s * 1000:,.1f} ms" if s < 1 else f"{s:,.2f} s"


class Seconds(float):
    """A median wall time that also carries the median CPU time (``time.process_time``) of the same runs."""

    cpu: float | None = None


def measure(fn: Callable[[], Any], repeat: int, *, warm: bool = True) -> tuple[Seconds, int, Any]:
    """Median wall time of ``fn`` over ``repeat`` runs (after one untimed warm-up run when ``warm``), with its CPU
    time."""
    result = fn() if warm else None
    times, cpu = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    median = Seconds(statistics.median(times))
    median.cpu = statistics.median(cpu)
    return median, repeat, result


def peak_mb(fn: Callable[[], Any]) -> float:
    """Peak memory allocated by one run of ``fn`` (Python and numpy allocations, via tracemalloc)."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def max_rss_mb() -> float | None:
    try:
        import resource
    except ImportError:  # Windows
        return None
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 2**20 if sys.platform == "darwin" else rss / 2**10


# ------------------------------------------------------------------------------------------------ the figures
BARE = "import geopandas, networkx, pyproj, shapely, numpy"
#: the commands timed from a cold start: (label, route-risk arguments, targets by how the estimate is had)
COLD = [("rank Necoclí Tapachula", ["rank", "Necoclí", "Tapachula"], {"cache": 1.3, "shipped": 1.8, "no cache": 1.8}),
        ("legs", ["legs"], None),
        ("explain necocli-acandi-boat", ["explain", "necocli-acandi-boat"], None),
        ("export out.geojson", ["export", "{tmp}/out.geojson"], None)]
#: how a cold start has its estimate: (a) from the user's cache, warmed first; (b) with an empty user cache, from the
#: estimate shipped in the package; (c) computed (ROUTES_NO_CACHE=1). Only rank is timed all three ways.
HOW = {"cache": "(a) with the user's cache warmed",
       "shipped": "(b) with an empty user cache: the shipped estimate",
       "no cache": "(c) without cache (ROUTES_NO_CACHE=1): computed"}


def _route_risk() -> str | None:
    return shutil.which("route-risk", path=str(Path(sys.executable).parent)) or shutil.which("route-risk")


def cold_starts(repeat: int) -> list[Row]:
    """Each command in a new process, with and without the cache, as a ratio to the bare stack import (same rounds)."""
    exe = _route_risk()
    if exe is None:
        return [Row("cold start: route-risk", note="skipped: the route-risk console script is not installed "
                                                    "(pip install -e .)")]
    with tempfile.TemporaryDirectory(prefix="routes-bench-") as tmp:
        # bytecode is written (in a folder of the benchmark's own) and read, as in any installed package, even where
        # the environment sets PYTHONDONTWRITEBYTECODE: compiling the package's source on every start is not a start
        env = {**os.environ, "ROUTES_SNAPSHOT": "shipped", "ROUTES_CACHE_DIR": str(Path(tmp) / "cache"),
               "PYTHONPYCACHEPREFIX": str(Path(tmp) / "bytecode")}
        for name in ("ROUTES_NO_CACHE", "PYTHONDONTWRITEBYTECODE"):
            env.pop(name, None)
        runs: dict[str, tuple[list[str], dict[str, str]]] = {"bare": ([sys.executable, "-c", BARE], env)}
        empty = Path(tmp) / "empty-cache"  # (b): a user cache that stays empty, so the shipped estimate is read
        for label, argv, targets in COLD:
            cmd = [exe, *(a.format(tmp=tmp) for a in argv)]
            runs[f"{label}|cache"] = (cmd, env)
            if targets is not None:
                runs[f"{label}|shipped"] = (cmd, {**env, "ROUTES_CACHE_DIR": str(empty)})
            runs[f"{label}|no cache"] = (cmd, {**env, "ROUTES_NO_CACHE": "1"})
        for name, (cmd, e) in runs.items():  # warm the disk cache and the estimate cache; check every command works
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False, env=e)
            if done.returncode != 0:
                tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or [""]
                return [Row(f"cold start: {name}", error=True, note=f"exit {done.returncode}: {tail[0][:120]}")]
        stale = _shipped_is_stale()
        times: dict[str, list[float]] = {name: [] for name in runs}
        cpu: dict[str, list[float]] = {name: [] for name in runs}
        for _ in range(repeat):  # rounds: each command once, in turn
            for name, (cmd, e) in runs.items():
                shutil.rmtree(empty, ignore_errors=True)
                before, t = _children_cpu(), time.perf_counter()
                subprocess.run(cmd, capture_output=True, timeout=300, check=True, env=e)
                times[name].append(time.perf_counter() - t)
                cpu[name].append(_children_cpu() - before)
    return _cold_rows({name: statistics.median(ts) for name, ts in times.items()},
                      {name: statistics.median(ts) for name, ts in cpu.items()}, repeat, stale)


def _shipped_is_stale() -> bool:
    """Whether the shipped estimate is missing or made under another key than the shipped data's now (then (b) is a
    computed run, not a read)."""
    from routes.load import estimate_key_parts
    from routes.model.cache import estimate_key_of_parts, shipped_header

    header = shipped_header()
    return header is None or header.get("key") != estimate_key_of_parts(estimate_key_parts(snapshot="shipped"))


def _cold_rows(median: dict[str, float], median_cpu: dict[str, float], repeat: int, stale: bool) -> list[Row]:
    """The rows of the cold starts, from the median wall and CPU times of each run (``"<label>|<how>"``)."""
    bare, bare_cpu = median["bare"], median_cpu["bare"]
    rows = [Row(f"cold start: bare `python -c \"{BARE}\"`", bare, repeat, ratio=1.0, cpu_s=bare_cpu,
                note="the yardstick")]
    for label, _, targets in COLD:
        for how, words in HOW.items():
            if f"{label}|{how}" not in median:
                continue
            t, c = median[f"{label}|{how}"], median_cpu[f"{label}|{how}"]
            target = None if targets is None else targets[how]
            note = f"CPU time {c / bare_cpu:.2f}x the bare import's"
            if targets is not None:
                note = ("issue 18 target (with the cache)" if how == "cache" else "issue 18 target without the cache") \
                    + "; " + note
            if how == "shipped" and stale:
                note = ("the shipped estimate is STALE or missing, so this run computed it (rebuild: python -m "
                        "tools.build --only estimate); ") + note
            rows.append(Row(f"cold start: `route-risk {label}`, {words}", t,
                            repeat, ratio=t / bare, target_ratio=target, cpu_s=c, note=note))
    return rows


def _children_cpu() -> float:
    """CPU seconds (user + system) of the finished child processes so far (0 where the platform does not say)."""
    try:
        import resource
    except ImportError:  # Windows
        return 0.0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def estimate_in_process(repeat: int) -> list[Row]:
    """``load_network()`` from the cache and built afresh, in this process (no import time)."""
    from routes.load import load_network

    with tempfile.TemporaryDirectory(prefix="routes-bench-") as tmp:
        old = {k: os.environ.get(k) for k in ("ROUTES_CACHE_DIR", "ROUTES_NO_CACHE", "ROUTES_SNAPSHOT")}
        os.environ.update(ROUTES_CACHE_DIR=tmp, ROUTES_SNAPSHOT="shipped")
        os.environ.pop("ROUTES_NO_CACHE", None)
        try:
            t_fresh, n, _ = measure(lambda: load_network(cache=False), repeat)
            load_network()  # kept
            t_cached, _, _ = measure(lambda: load_network(), repeat)
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
    return [Row("the estimate: load_network() without the cache (read, validate, attribute, estimate)", t_fresh, n),
            Row("the estimate: load_network() read from the cache (checksums, read, verify, unpickle)", t_cached, n,
                note=f"{t_fresh / t_cached:.0f}x faster")]


DEEPCOPIES = """
import cProfile, contextlib, io, pstats, sys
from routes.cli import main
profile = cProfile.Profile()
with contextlib.redirect_stdout(io.StringIO()):
    profile.enable(); main(["rank", "Necoclí", "Tapachula", "--snapshot", sys.argv[1]]); profile.disable()
print(sum(v[1] for (f, _, name), v in pstats.Stats(profile).stats.items() if name == "deepcopy" and
f.endswith("copy.py")))
"""


#: the same counts on the code before issue 18 (commit 137b2d1)
BEFORE = {
    "the shipped snapshot": "1,355,716 (10.4 s under cProfile)",
    "20,000 skipped rows in the snapshot's metadata": "290,371,098 (620 s under cProfile; 149 s per rank without)",
}


def deepcopies() -> list[Row]:
    """copy.deepcopy calls in one uncached ``rank``, on the shipped snapshot and on one with a long list of skipped
    rows."""
    import json

    from routes.io.snapshot import resolve_snapshot

    shipped = resolve_snapshot("shipped")
    rows = []
    with tempfile.TemporaryDirectory(prefix="routes-bench-") as tmp:
        big = Path(tmp) / "snapshot"
        big.mkdir()
        shutil.copy(shipped, big / "incidents.csv")
        meta = json.loads(shipped.with_name("snapshot.json").read_text(encoding="utf-8"))
        meta.setdefault("sources", []).append({"file": "synthetic.csv", "skipped": [
            {"row": i + 2, "reason": f"unreadable date {i!r}"} for i in range(20_000)]})
        (big / "snapshot.json").write_text(json.dumps(meta), encoding="utf-8")
        env = {**os.environ, "ROUTES_NO_CACHE": "1"}
        for label, snap in (
            ("the shipped snapshot", "shipped"),
            ("20,000 skipped rows in the snapshot's metadata", big),
        ):
            t = time.perf_counter()
            done = subprocess.run([sys.executable, "-c", DEEPCOPIES, str(snap)], capture_output=True, text=True,
                                  timeout=600, check=True, env=env)
            rows.append(Row(f"deepcopy calls in one `rank` without the cache, {label}",
                            count=int(done.stdout.split()[-1]),
                            note=f"{time.perf_counter() - t:.1f} s under cProfile; before issue 18: "
                                 + BEFORE[label]))
    return rows


def global_export(shared: Path | None, repeat: int, quick: bool) -> list[Row]:
    from routes.io.incidents import read_incidents
    from routes.io.snapshot import load_incidents
    from routes.load import load_network
    from routes.model.attribution import attribute_incidents
    from routes.model.risk import estimate_risk
    from routes.vocabulary import DRAWS_ESTIMATE

    path = shared / ALLDATA if shared is not None else None
    labels = ["global allData export: read (19,255 rows)", "global allData export: attribute to legs",
              "global allData export: estimate every leg (attribution included)",
              "global allData export: read + attribute + estimate"]
    if path is None or not path.is_file():
        where = str(path) if path is not None else "no --shared folder or ROUTES_SHARED_DATA"
        return [Row(labels[-1], note=f"skipped: {where} not found", target_s=0.5)]
    G = load_network(risk=False)
    t_read, n, inc = measure(lambda: read_incidents(path), repeat, warm=not quick)
    t_attr, _, att = measure(lambda: attribute_incidents(G, inc), repeat, warm=not quick)
    t_est, _, _ = measure(lambda: estimate_risk(G, inc), repeat, warm=not quick)
    total, _, _ = measure(lambda: estimate_risk(G, read_incidents(path)), repeat, warm=not quick)
    shipped = load_incidents()
    t_fixed, _, _ = measure(lambda: estimate_risk(G, shipped), repeat, warm=not quick)
    on = int((att["match"] != "off_network").sum())
    return [
        Row(labels[0], t_read, n, note=f"{len(inc):,} incidents, {len(inc.attrs['skipped'])} rows skipped"),
        Row(labels[1], t_attr, n, note=f"{on} on the corridor's {G.number_of_edges()} directed legs, "
                                       f"{len(att) - on:,} off the network (reported)"),
        Row(labels[2], t_est, n),
        Row(f"for scale: estimate every leg from the shipped snapshot ({len(shipped):,} incidents)", t_fixed, n,
            note=f"the model's own cost, whatever the export: fits, {DRAWS_ESTIMATE:,} draws of every leg"),
        Row(labels[3], total, n, 0.5, None if quick else peak_mb(lambda: estimate_risk(G, read_incidents(path))),
            note="issue 18 target (issue 3: 1 s)"),
    ]


def _internal(name: str) -> Any:
    """A private helper of routes.query.scoring (``_setup``, ``_simulate``): the benchmark times the search and the
    Monte
    Carlo apart from the rest of rank_paths, as bench_scoring.py does; the names moved once, so look for both."""
    from routes.query import scoring

    for candidate in (name, name.lstrip("_"), "_" + name.lstrip("_")):
        if hasattr(scoring, candidate):
            return getattr(scoring, candidate)
    raise ImportError(f"routes.query.scoring has no {name!r} (internal; update benchmarks/run.py)")


def corridor_graph() -> tuple[nx.MultiDiGraph, str]:
    try:
        from routes.load import load_network

        G = load_network()
        return G, f"shipped corridor graph ({G.number_of_nodes()} places, {G.number_of_edges()} directed legs)"
    except Exception as err:  # noqa: BLE001 - the synthetic stand-in keeps the benchmark running
        from bench_scoring import synthetic_corridor

        G = synthetic_corridor()
        return G, f"synthetic corridor graph (the shipped one failed to load: {type(err).__name__})"


def pair_with_k_paths(G: nx.MultiDiGraph, k: int) -> tuple[str, str] | None:
    from routes.errors import RouteError

    _setup = _internal("_setup")
    preferred = [("necocli", "tapachula")]
    nodes = sorted(G.nodes, key=lambda n: (G.nodes[n].get("y", 0), str(n)))
    for a, b in itertools.chain(preferred, itertools.product(nodes[:10], nodes[-10:])):
        if a in G and b in G and a != b:
            try:
                if len(_setup(G, a, b, "north", None, None, k)[3]) == k:
                    return a, b
            except (RouteError, ValueError):
                continue
    return None


def ranking(G: nx.MultiDiGraph, repeat: int) -> list[Row]:
    from routes.query.scoring import rank_paths

    _setup, simulate = _internal("_setup"), _internal("_simulate")
    pair = pair_with_k_paths(G, 10)
    if pair is None:
        return [Row("one ranking, k=10", note="no pair with 10 paths in this graph", error=True)]
    a, b = pair
    t_rank, n, ranked = measure(lambda: rank_paths(G, a, b, direction="north", k=10), repeat)
    t_search, _, _ = measure(lambda: _setup(G, a, b, "north", None, None, 10), repeat)
    q, _, _, best = _setup(G, a, b, "north", None, None, 10)
    paths = [p for _, p in best]
    t_mc, _, _ = measure(lambda: simulate(q, paths, draws=10_000), repeat)
    legs = f"{min(map(len, paths))}-{max(map(len, paths))} legs"
    return [
        Row(f"one ranking {a} -> {b}, k=10 (rank_paths, 10,000 draws)", t_rank, n, 0.020,
            note=f"issue 4 target; {len(ranked)} paths of {legs}"),
        Row("  of which: the exact k-best search", t_search, n, note="graph indexing and scenario included"),
        Row("Monte Carlo: 10,000 draws for 10 paths", t_mc, n, 0.200, note="issue 4 target"),
    ]


def hub_pairs(G: nx.MultiDiGraph, repeat: int, hubs: int) -> Row:
    from routes.errors import NoPathError
    from routes.query.scoring import rank_paths

    chosen = sorted(G.nodes, key=lambda n: (-G.degree(n), str(n)))[:hubs]
    pairs = list(itertools.permutations(chosen, 2))
    counts = {"paths": 0, "none": 0}

    def run() -> None:
        counts.update(paths=0, none=0)
        for u, v in pairs:
            try:
                counts["paths"] += len(rank_paths(G, u, v, k=5))
            except NoPathError:
                counts["none"] += 1

    t, n, _ = measure(run, repeat, warm=False)
    return Row(f"all ordered pairs among {hubs} hubs, k=5 (rank_paths, direction inferred)", t, n,
               5.0 if hubs >= 25 else None,
               note=f"{len(pairs)} pairs, {counts['paths']:,} paths, {counts['none']} pairs without a path"
                    + ("" if hubs >= 25 else "; target applies to ~25 hubs"))


def synthetic_incidents(G: nx.MultiDiGraph, n: int, seed: int = 2) -> gpd.GeoDataFrame:
    """``n`` incidents scattered within a few km of random places of ``G`` (on or near its legs)."""
    rng = np.random.default_rng(seed)
    nodes = list(G.nodes)
    pick = rng.integers(0, len(nodes), n)
    x = np.array([G.nodes[nodes[i]]["x"] for i in pick]) + rng.normal(0, 0.02, n)
    y = np.array([G.nodes[nodes[i]]["y"] for i in pick]) + rng.normal(0, 0.02, n)
    dates = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 5 * 365, n), unit="D")
    df = pd.DataFrame({
        "main_id": [f"S{i}" for i in range(n)], "date": dates, "dead": rng.integers(0, 5, n),
        "missing": rng.integers(0, 3, n), "cause": rng.choice(["Drowning", "Violence", "Sickness"], n),
        "route": "", "coord_quality": "ok", "lon": x, "lat": y,
    })  # fmt: skip
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(x, y), crs="EPSG:4326")


def synthetic_scale(n_legs: int, n_incidents: int, repeat: int, quick: bool) -> list[Row]:
    from bench_scoring import synthetic_large

    from routes.model.attribution import attribute_incidents
    from routes.query.scoring import rank_paths

    t = time.perf_counter()
    G, s, d = synthetic_large(n_legs)
    built = time.perf_counter() - t
    inc = synthetic_incidents(G, n_incidents)
    size = f"{G.number_of_edges():,} legs, {G.number_of_nodes():,} places"
    t_attr, n, att = measure(lambda: attribute_incidents(G, inc), repeat, warm=not quick)
    on = int((att["match"] != "off_network").sum())
    t_rank, n2, ranked = measure(lambda: rank_paths(G, s, d, direction="north", k=5), repeat, warm=not quick)
    return [
        Row(f"synthetic {n_legs:,} legs: attribute {n_incidents:,} incidents", t_attr, n,
            3.0 if n_legs >= 100_000 else None, peak_mb(lambda: attribute_incidents(G, inc)),
            note=("issue 18 target; " if n_legs >= 100_000 else "target applies to 100,000 legs; ")
                 + f"{on:,} attributed; {size} (built in {built:.1f} s)"),
        Row(f"synthetic {n_legs:,} legs: one ranking, k=5 (rank_paths)", t_rank, n2, 2.0 if n_legs >= 100_000 else None,
            peak_mb(lambda: rank_paths(G, s, d, direction="north", k=5)),
            note=("issue 4 target; " if n_legs >= 100_000 else "target applies to 100,000 legs; ")
                 + f"path of {ranked.loc[0, 'n_legs']} legs"),
    ]


def alldata_csv(path: Path, n: int, seed: int = 3) -> Path:
    """An allData-shaped IOM export of ``n`` generated rows (placeholders in the free-text columns), a quarter of them
    in the corridor, dated 2014-2024."""
    rng = np.random.default_rng(seed)
    region = rng.random(n) < 0.25
    lat = np.where(region, rng.uniform(3, 19, n), rng.uniform(-40, 60, n)).round(5)
    lon = np.where(region, rng.uniform(-94, -75, n), rng.uniform(-120, 150, n)).round(5)
    dates = pd.Timestamp("2014-01-01") + pd.to_timedelta(rng.integers(0, 4000, n), unit="D")
    ids = pd.Series(dates.year.astype(str)) + ".MMP" + pd.Series(np.arange(n).astype(str)).str.zfill(7)
    dead, missing = rng.integers(0, 6, n), rng.integers(0, 4, n)
    blank = pd.Series([""] * n)
    table = pd.DataFrame({
        "Main ID": ids, "Incident ID": ids, "Incident Type": "Incident", "Region of Incident": "Central America",
        "Incident Date": dates.strftime("%Y-%m-%d"), "Incident Year": dates.year, "Month": dates.month_name(),
        "Number of Dead": dead, "Minimum Estimated Number of Missing": missing,
        "Total Number of Dead and Missing": dead + missing, "Number of Survivors": blank, "Number of Females": blank,
        "Number of Males": blank, "Number of Children": blank, "Country of Origin": "Unknown",
        "Region of Origin": "Unknown", "Cause of Death": rng.choice(["Drowning", "Violence", "Sickness"], n),
        "Country of Incident": np.where(region, "Panama", "Elsewhere"),
        "Migration Route": np.where(region, "Darien", ""), "Location of Incident": "placeholder location text",
        "Coordinates": pd.Series(np.char.mod("%.5f", lat)) + ", " + pd.Series(np.char.mod("%.5f", lon)),
        "UNSD Geographical Grouping": "Central America",
        "Information Source": "placeholder source: a generated row of the routes benchmark, of typical length",
        "URL": "https://example.org/" + ids, "Source Quality": rng.integers(1, 6, n),
    })  # fmt: skip
    table.to_csv(path, index=False)
    return path


def data_update(n: int) -> Row:
    """``route-risk data update`` of an ``n``-row export in a child process: wall time and the child's peak RSS."""
    import tempfile

    label = f"`route-risk data update`, generated {n:,}-row allData export (child process)"
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        export = alldata_csv(Path(tmp) / "allData.csv", n)
        made, size = time.perf_counter() - t, export.stat().st_size / 2**20
        cmd = [sys.executable, "-m", "routes.cli", "data", "update", str(export), "--data-dir", str(Path(tmp) / "d")]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
        with open(Path(tmp) / "out.txt", "w+b") as out, open(Path(tmp) / "err.txt", "w+b") as err:
            t = time.perf_counter()
            child = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=ROOT)
            if hasattr(os, "wait4"):  # this child's own resource usage, not the maximum over every child
                _, status, usage = os.wait4(child.pid, 0)
                child.returncode = os.waitstatus_to_exitcode(status)
                rss: float | None = usage.ru_maxrss / (2**20 if sys.platform == "darwin" else 2**10)
            else:  # pragma: no cover - Windows
                child.wait()
                rss = None
            seconds = time.perf_counter() - t
            out.seek(0)
            err.seek(0)
            stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if child.returncode != 0:
        tail = stderr.strip().splitlines()[-1:] or [""]
        return Row(label, note=f"failed (exit {child.returncode}): {tail[0][:150]}", error=True)
    rows = next((line.split(": ", 1)[-1] for line in stdout.splitlines() if "rows read" in line), "")
    big = n >= 1_000_000
    note = f"{size:,.0f} MB file (made in {made:.0f} s); {rows}" + (
        "; targets: < 60 s and < 2,048 MB peak RSS" if big else "; the targets apply to 10^6 rows")
    return Row(label, seconds, 1, 60.0 if big else None, rss, note=note)


# ------------------------------------------------------------------------------------------------ main
def backtest_run(quick: bool) -> Row:
    """The rolling-origin backtest on the shipped data, as ``route-risk backtest`` runs it (issue 13: under a minute).

    One run, no warm-up: its refits dominate, and the first one pays for importing scipy, as a user's run does.
    """
    from routes.model.backtest import backtest

    kw: dict[str, Any] = {"first_year": 2024, "last_year": 2025, "n_draws": 500} if quick else {}
    t, n, result = measure(lambda: backtest(**kw), 1, warm=False)
    s = result.summary()
    label = "routes.backtest(first_year=2024, last_year=2025), 500 draws" if quick else \
        "routes.backtest() on the shipped data: test years 2019-2025, 5 methods, 4,000 draws"
    return Row(label, t, n, 60.0, note=f"{int(s['N'].max())} unit-years per method; "
               + ", ".join(f"{r.method} {r.covered}/{r.N}" for r in s.itertuples()))


def guarded(rows: list[Row], name: str, fn: Callable[[], Row | list[Row]]) -> None:
    try:
        out = fn()
    except Exception as err:  # noqa: BLE001 - report and carry on; the exit code says it failed
        rows.append(Row(name, note=f"{type(err).__name__}: {str(err).splitlines()[0][:150]}", error=True))
        return
    rows.extend(out if isinstance(out, list) else [out])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="each figure once, small sizes (for CI)")
    parser.add_argument("--repeat", type=int, default=None, help="timed runs per figure (default 7; 1 with --quick)")
    parser.add_argument("--update-rows", type=int, default=None,
                        help="rows of the generated export of the data update figure (default 10^6; 10^4 with --quick)")
    parser.add_argument("--shared", default=os.environ.get("ROUTES_SHARED_DATA", str(ROOT.parent / "shared" / "data")),
                        help="the shared data folder holding iom_mmp/ (default: $ROUTES_SHARED_DATA or ../shared/data)")
    args = parser.parse_args(argv)
    quick = args.quick
    repeat = args.repeat or (1 if quick else 7)
    shared = Path(args.shared) if args.shared else None
    random.seed(0)
    # the benchmark keeps its estimates in a folder of its own, never in the user's cache
    own_cache = tempfile.TemporaryDirectory(prefix="routes-bench-cache-")
    os.environ["ROUTES_CACHE_DIR"] = own_cache.name

    import routes

    print(f"routes {routes.__version__} benchmark ({'quick' if quick else 'full'} mode, median of {repeat} run(s)); "
          f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs, {platform.system()}")
    t0 = time.perf_counter()
    rows: list[Row] = []
    guarded(rows, "cold starts", lambda: cold_starts(1 if quick else max(repeat, 5)))
    guarded(rows, "the estimate", lambda: estimate_in_process(1 if quick else repeat))
    if not quick:
        guarded(rows, "deepcopy calls", deepcopies)
    guarded(rows, "global allData export", lambda: global_export(shared, repeat, quick))
    G, source = corridor_graph()
    guarded(rows, "one ranking, k=10", lambda: ranking(G, repeat))
    guarded(rows, "hub pairs", lambda: hub_pairs(G, 1 if quick else max(3, repeat // 2), 6 if quick else 25))
    n = 2_000 if quick else 100_000
    guarded(rows, "synthetic scale", lambda: synthetic_scale(n, n, 1 if quick else 3, quick))
    guarded(rows, "data update", lambda: data_update(args.update_rows or (10_000 if quick else 1_000_000)))

    validation: list[Row] = []
    guarded(validation, "backtest", lambda: backtest_run(quick))

    print(f"corridor figures on the {source}")
    print()
    print(HEADER)
    print("|" + "---|" * 9)
    for row in rows:
        print("| " + " | ".join(c.replace("|", "/") for c in row.cells()) + " |")
    print()
    print("validation: the rolling-origin backtest (issue 13)")
    print()
    print(HEADER)
    print("|" + "---|" * 7)
    for row in validation:
        print("| " + " | ".join(c.replace("|", "/") for c in row.cells()) + " |")
    print()
    rows += validation
    rss = max_rss_mb()
    missed = [r.figure for r in rows if r.missed]
    print(f"{len(rows)} figures in {time.perf_counter() - t0:.1f} s; targets missed: {len(missed)}"
          + (f"; process peak RSS {rss:,.0f} MB" if rss is not None else ""))
    if quick:
        print("quick mode: small sizes and single runs; the figures are not comparable with the targets")
    own_cache.cleanup()
    return 1 if any(r.error for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
