"""The estimate kept between runs (routes.model.cache): the same answers, rebuilt when stale or damaged, never
required."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely

import routes.model.risk
from routes.cli import main
from routes.errors import ArgumentTypeError
from routes.load import estimate_key_parts, load_network
from routes.model import cache
from routes.model.estimate import Estimate, estimate_of

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache folder of this test, with the cache on (and no shipped estimate: its own tests give one)."""
    path = tmp_path / "cache"
    monkeypatch.setenv("ROUTES_CACHE_DIR", str(path))
    monkeypatch.delenv("ROUTES_NO_CACHE", raising=False)
    monkeypatch.setenv("ROUTES_SNAPSHOT", "shipped")
    monkeypatch.setattr(cache, "shipped_file", lambda: tmp_path / "no-shipped-estimate.bin")
    return path


def _own_snapshot(tmp_path: Path) -> Path:
    """A copy of the shipped snapshot in a folder of the test: a child process's estimate is then not the shipped one
    (whose key names the shipped files), so it is made and kept in the user's cache."""
    snap = tmp_path / "snapshot"
    snap.mkdir(exist_ok=True)
    for name in ("incidents.csv", "snapshot.json"):
        shutil.copy(ROOT / "geodata" / name, snap / name)
    return snap


@pytest.fixture()
def estimates(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Counts the estimates made (each call of estimate_risk appends 1)."""
    calls: list[int] = []
    real = routes.model.risk.estimate_risk

    def counting(*args: object, **kwargs: object) -> nx.MultiDiGraph:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(routes.model.risk, "estimate_risk", counting)
    yield calls


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"*{cache.SUFFIX}")) if folder.is_dir() else []


def _same_graph(a: nx.MultiDiGraph, b: nx.MultiDiGraph) -> None:
    assert a.graph == b.graph
    assert list(a.nodes(data=True)) == list(b.nodes(data=True))
    assert list(a.edges(keys=True)) == list(b.edges(keys=True))
    for (*_, da), (*_, db) in zip(a.edges(keys=True, data=True), b.edges(keys=True, data=True), strict=True):
        assert {k: v for k, v in da.items() if k != "geometry"} == {k: v for k, v in db.items() if k != "geometry"}
        assert shapely.to_wkb(da["geometry"]) == shapely.to_wkb(db["geometry"])


def _same_estimate(ea: Estimate | None, eb: Estimate | None) -> None:
    """Two estimates (taken with estimate_of right after their graphs were made: the register keeps one per key)."""
    assert ea is not None and eb is not None and ea is not eb
    assert ea.key == eb.key
    assert np.array_equal(ea.lam_draws, eb.lam_draws) and np.array_equal(ea.shape, eb.shape)
    assert np.array_equal(ea.rate, eb.rate)
    pd.testing.assert_frame_equal(ea.incidents, eb.incidents, check_exact=True)
    assert ea.incidents.attrs == eb.incidents.attrs
    pd.testing.assert_frame_equal(ea.allocation, eb.allocation, check_exact=True)
    pd.testing.assert_frame_equal(ea.exposure_table, eb.exposure_table, check_exact=True)
    pd.testing.assert_frame_equal(ea.flows, eb.flows, check_exact=True)
    assert ea.priors == eb.priors and ea.settings == eb.settings
    for name in ("central", "low", "high", "pair_edge", "pair_row", "pair_flow", "share", "share_lo", "share_hi"):
        assert np.array_equal(getattr(ea.exposure, name), getattr(eb.exposure, name)), name
    assert ea.exposure.edges == eb.exposure.edges and ea.exposure.months.equals(eb.exposure.months)


def _cli(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(list(argv))
    return code, out.getvalue()


# ------------------------------------------------------------------------------------------------ the same answers
def test_cached_estimate_is_the_estimate(folder: Path, estimates: list[int]) -> None:
    fresh = load_network(cache=False)
    made = estimate_of(fresh)
    first = load_network()  # estimated and kept
    kept = estimate_of(first)
    assert len(estimates) == 2 and len(_entries(folder)) == 1
    again = load_network()  # read back
    assert len(estimates) == 2
    for G, estimate in ((first, kept), (again, estimate_of(again))):
        _same_graph(fresh, G)
        _same_estimate(made, estimate)


def test_rank_prints_the_same_with_and_without_cache(folder: Path, estimates: list[int]) -> None:
    argv = ("rank", "Necoclí", "Tapachula", "-k", "3")
    without = _cli(*argv, "--no-cache")
    assert not _entries(folder)
    assert _cli(*argv) == without  # estimated, kept
    assert _cli(*argv) == without  # read back
    assert len(estimates) == 2
    for command in (("legs",), ("explain", "necocli-acandi-boat"), ("compare", "PAN", "COL", "--direction", "south")):
        assert _cli(*command) == _cli(*command, "--no-cache"), command


def test_a_new_process_prints_the_same_from_the_cache(folder: Path, tmp_path: Path) -> None:
    exe = [sys.executable, "-m", "routes.cli", "rank", "Necoclí", "Tapachula"]
    env = {**os.environ, "ROUTES_CACHE_DIR": str(folder), "ROUTES_SNAPSHOT": str(_own_snapshot(tmp_path))}
    runs = [subprocess.run([*exe, *extra], capture_output=True, text=True, env=env, check=True, timeout=300).stdout
            for extra in (["--no-cache"], [], [])]
    assert runs[0] == runs[1] == runs[2] and runs[0]
    assert len(_entries(folder)) == 1


def test_a_cached_run_imports_only_what_the_answer_needs(folder: Path) -> None:
    code = ("import sys; from routes.cli import main; main(['rank', 'Necoclí', 'Tapachula']); "
            "print(' '.join(sorted(sys.modules)), file=sys.stderr)")
    env = {**os.environ, "ROUTES_CACHE_DIR": str(folder)}
    subprocess.run([sys.executable, "-c", code], capture_output=True, env=env, check=True, timeout=300)  # kept
    loaded = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True,
                                timeout=300).stderr.split())
    assert not {m for m in loaded if m.split(".")[0] in ("scipy", "pyogrio", "fiona", "matplotlib", "openpyxl")}
    # no reading or validating of the files the cache vouches for, no estimating
    assert not loaded & {"routes.network.graph", "routes.io.flows", "routes.model.risk", "routes.model.attribution",
                         "routes.report.export"}
    # nor the v2 model's fitting code: the estimate's EdgeFit is read without it
    assert not loaded & {"routes.model.v2", "routes.model.pooling", "routes.model.years", "routes.model.events",
                         "routes.model.shares"}


# ------------------------------------------------------------------------------------------------ stale and damaged
def test_a_changed_input_is_estimated_afresh(folder: Path, tmp_path: Path, estimates: list[int]) -> None:
    snap = tmp_path / "snapshot"
    snap.mkdir()
    shutil.copy(ROOT / "geodata" / "snapshot.json", snap / "snapshot.json")
    csv = (ROOT / "geodata" / "incidents.csv").read_text(encoding="utf-8")
    (snap / "incidents.csv").write_text(csv, encoding="utf-8")
    before = estimate_of(load_network(snapshot=snap))
    assert before is not None and estimate_of(load_network(snapshot=snap)) is not None
    assert len(estimates) == 1
    header, _dropped, *rest = csv.splitlines()
    (snap / "incidents.csv").write_text("\n".join([header, *rest]) + "\n", encoding="utf-8")  # one incident less
    meta = json.loads((snap / "snapshot.json").read_text(encoding="utf-8"))  # a sound new snapshot: its checksum too
    meta["incidents_sha256"] = hashlib.sha256((snap / "incidents.csv").read_bytes()).hexdigest()
    (snap / "snapshot.json").write_text(json.dumps(meta), encoding="utf-8")
    after = estimate_of(load_network(snapshot=snap))
    assert len(estimates) == 2 and after is not None and len(after.incidents) == len(before.incidents) - 1
    assert len(_entries(folder)) == 2


def test_the_key_follows_options_code_and_libraries(monkeypatch: pytest.MonkeyPatch) -> None:
    files = {"legs": ROOT / "geodata" / "legs.geojson"}
    key = cache.estimate_key(files, {"window": None})
    assert cache.estimate_key(files, {"window": None}) == key
    assert cache.estimate_key(files, {"window": [2021, 2024]}) != key
    assert cache.estimate_key({"legs": ROOT / "geodata" / "places.geojson"}, {"window": None}) != key
    monkeypatch.setattr(cache, "_code_checksum", "an edited model")
    assert cache.estimate_key(files, {"window": None}) != key
    monkeypatch.setattr(cache, "_code_checksum", None)
    monkeypatch.setattr(np, "__version__", "0.0.1")
    assert cache.estimate_key(files, {"window": None}) != key


def test_the_code_checksum_covers_the_model_and_the_vocabulary() -> None:
    from importlib import resources

    names = {f.name for p in cache.CODE for f in resources.files(p).iterdir() if f.name.endswith(".py")}
    assert {"risk.py", "attribution.py", "posterior.py", "estimate.py", "cache.py", "graph.py", "snapshot.py"} <= names
    assert cache.CODE_MODULES == ("vocabulary.py",)


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "empty", "other_format", "other_key", "not_a_graph"])
def test_a_damaged_entry_is_ignored_and_rebuilt(folder: Path, estimates: list[int], damage: str) -> None:
    fresh = load_network()
    made = estimate_of(fresh)
    (entry,) = _entries(folder)
    data = entry.read_bytes()
    magic, header, payload = data.split(b"\n", 2)
    meta = json.loads(header)
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "flip":
        data = data[:-100] + bytes([data[-100] ^ 0xFF]) + data[-99:]
    elif damage == "garbage":
        data = b"\x80\x05not a pickle at all"
    elif damage == "empty":
        data = b""
    elif damage == "other_format":
        data = b"\n".join([magic, json.dumps({**meta, "format": cache.FORMAT + 1}).encode(), payload])
    elif damage == "other_key":
        data = b"\n".join([magic, json.dumps({**meta, "key": "0" * 40}).encode(), payload])
    else:
        import hashlib
        import pickle

        other = pickle.dumps(({"not": "a graph"}, None))
        data = b"\n".join([magic, json.dumps({**meta, "size": len(other), "sha256": hashlib.sha256(other).hexdigest()})
                           .encode(), other])
    entry.write_bytes(data)
    again = load_network()
    assert len(estimates) == 2  # estimated again
    _same_graph(fresh, again)
    _same_estimate(made, estimate_of(again))
    assert entry.read_bytes().split(b"\n", 2)[2] == payload  # and kept again, whole
    assert len(estimates) == 2 and load_network().graph == fresh.graph and len(estimates) == 2


# ------------------------------------------------------------------------------------------------ never required
def test_an_unusable_folder_means_no_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, estimates: list[int]
) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("ROUTES_CACHE_DIR", str(blocker / "cache"))  # cannot be created
    monkeypatch.delenv("ROUTES_NO_CACHE", raising=False)
    monkeypatch.setattr(cache, "shipped_file", lambda: tmp_path / "no-shipped-estimate.bin")
    G = load_network()
    assert estimate_of(G) is not None and load_network().graph == G.graph
    assert len(estimates) == 2
    assert _cli("rank", "Necoclí", "Tapachula")[0] == 0


@pytest.mark.usefixtures("estimates")  # estimate_risk patched to count its calls
def test_a_read_only_folder_means_no_cache(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):  # root writes anyway: make the write fail as a read-only disk would
            def read_only(*_args: object, **_kwargs: object) -> None:
                raise OSError(errno.EROFS, "Read-only file system")

            monkeypatch.setattr(cache.tempfile, "mkstemp", read_only)
        G = load_network()
        assert estimate_of(G) is not None and not _entries(folder)
    finally:
        folder.chmod(0o700)


@pytest.mark.usefixtures("estimates")  # estimate_risk patched to count its calls
def test_a_full_disk_means_no_cache_and_no_leftovers(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(_src: object, _dst: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(cache.os, "replace", full)
    G = load_network()
    assert estimate_of(G) is not None
    assert not list(folder.iterdir())  # the temporary file is gone too


def test_no_cache_option_and_environment(folder: Path, monkeypatch: pytest.MonkeyPatch, estimates: list[int]) -> None:
    load_network(cache=False)
    assert _cli("legs", "--no-cache")[0] == 0
    monkeypatch.setenv("ROUTES_NO_CACHE", "1")
    load_network()
    assert not _entries(folder) and len(estimates) == 3
    assert not cache.cache_enabled() and cache.cache_enabled(True)


# ------------------------------------------------------------------------------------------------ the folder
def test_cache_info_and_clear(folder: Path) -> None:
    assert _cli("legs")[0] == 0
    code, text = _cli("cache", "info")
    assert code == 0 and str(folder) in text and "cached estimates: 1" in text
    (folder / ".left-by-a-crash.tmp").write_bytes(b"x")
    code, text = _cli("cache", "clear")
    assert code == 0 and "removed 2 cached estimate file(s)" in text
    assert not list(folder.iterdir())
    assert "cached estimates: 0" in _cli("cache", "info")[1]
    assert _cli("cache")[0] == 2  # an action is required


def test_only_the_most_recently_used_entries_are_kept(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    G = load_network()
    monkeypatch.setattr(cache, "MAX_ENTRIES", 3)
    for i in range(5):
        assert cache.write_estimate(f"{i:040d}", G) is not None
    kept = {p.stem for p in _entries(folder)}
    assert len(kept) == 3 and f"{4:040d}" in kept


def test_the_default_folder_is_the_users_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    import platformdirs

    monkeypatch.delenv("ROUTES_CACHE_DIR", raising=False)
    assert cache.cache_dir() == Path(platformdirs.user_cache_dir("routes", appauthor=False)) / "estimates"


def test_options_must_be_plain_values() -> None:
    with pytest.raises(ArgumentTypeError, match=r"options must be JSON values"):
        cache.estimate_key({}, {"window": object()})


# ------------------------------------------------------------------------------------------------ the shipped estimate
@pytest.fixture()
def shipped(folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:  # noqa: ARG001 - an empty cache
    """A shipped estimate of the shipped data, written by this test (the package's own is checked in test_build)."""
    path = tmp_path / "shipped_estimate.bin"
    cache.write_shipped_estimate(load_network(cache=False), estimate_key_parts(snapshot="shipped"), path)
    monkeypatch.setattr(cache, "shipped_file", lambda: path)
    return path


@pytest.mark.usefixtures("shipped")
def test_the_shipped_estimate_is_read_when_the_cache_has_none(folder: Path, estimates: list[int]) -> None:
    fresh = load_network(cache=False)
    made = estimate_of(fresh)
    G = load_network()
    assert len(estimates) == 1 and len(_entries(folder)) == 1  # read, not estimated; kept unpacked in the user's cache
    _same_graph(fresh, G)
    got = estimate_of(G)
    assert made is not None and got is not None and got.key == made.key
    assert got.lam_draws.dtype == np.float64
    assert np.allclose(got.lam_draws, made.lam_draws, rtol=1e-6, atol=0)  # kept in single precision
    assert np.array_equal(got.shape, made.shape) and np.array_equal(got.rate, made.rate)
    for command in (("rank", "Necoclí", "Tapachula"), ("legs",), ("explain", "necocli-acandi-boat")):
        assert _cli(*command) == _cli(*command, "--no-cache"), command
    assert len(estimates) == 4  # only the --no-cache runs estimated


@pytest.mark.usefixtures("shipped")
def test_the_users_cache_comes_first_and_no_cache_bypasses_both(folder: Path, estimates: list[int],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    load_network()  # from the shipped estimate, kept in the user's cache
    (key_file,) = _entries(folder)
    read: list[str] = []
    monkeypatch.setattr(cache, "read_shipped_estimate", lambda key: read.append(key))
    load_network()
    assert not read and len(estimates) == 0
    monkeypatch.setenv("ROUTES_NO_CACHE", "1")
    load_network()
    assert len(estimates) == 1 and not read and _entries(folder) == [key_file]


@pytest.mark.parametrize("change", ["code", "inputs", "environment", "damaged", "not a file of this format"])
def test_a_shipped_estimate_of_other_inputs_is_ignored(shipped: Path, folder: Path, estimates: list[int],
                                                       change: str, caplog: pytest.LogCaptureFixture) -> None:
    parts = estimate_key_parts(snapshot="shipped")
    if change == "environment":
        parts["environment"] = {**parts["environment"], "numpy": "0.0.1"}
    elif change in ("code", "inputs"):
        parts[change] = "0" * 64
    cache.write_shipped_estimate(load_network(cache=False), parts, shipped)
    data = shipped.read_bytes()
    if change == "damaged":
        shipped.write_bytes(data[:-100] + bytes(100))
    elif change == "not a file of this format":
        shipped.write_bytes(b"something else\n{}\n")
    with caplog.at_level("DEBUG", logger="routes.model.cache"):
        assert estimate_of(load_network()) is not None
    assert len(estimates) == 2 and len(_entries(folder)) == 1  # estimated afresh and kept
    assert f"the shipped estimate {shipped} is not used" in caplog.text


def test_a_missing_shipped_estimate_is_no_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "shipped_file", lambda: tmp_path / "none.bin")
    assert cache.shipped_header() is None and cache.read_shipped_estimate("0" * 40) is None


def test_an_estimate_made_in_another_folder_names_this_installs_files() -> None:
    here = os.path.join(os.sep, "site-packages", "routes", "_geodata")
    then = os.path.join(os.sep, "home", "dev", "routes", "geodata")
    G = nx.MultiDiGraph(risk_settings={"exposure_source": os.path.join(then, "exposure.csv")})
    incidents = pd.DataFrame()
    incidents.attrs = {"snapshot": os.path.join(then, "incidents.csv"), "version": then, "source": "x.csv",
                       "sources": [{"file": os.path.join(then + "-other", "a.csv")}], "period": (then, 2024)}
    estimate = type("E", (), {"settings": {"exposure_source": os.path.join(then, "exposure.csv")},
                              "incidents": incidents, "allocation": pd.DataFrame(), "exposure_table": pd.DataFrame(),
                              "flows": pd.DataFrame()})()
    cache._relocate(G, estimate, then, here)
    assert G.graph["risk_settings"]["exposure_source"] == os.path.join(here, "exposure.csv")
    assert estimate.settings["exposure_source"] == os.path.join(here, "exposure.csv")
    assert incidents.attrs["snapshot"] == os.path.join(here, "incidents.csv") and incidents.attrs["version"] == here
    assert incidents.attrs["sources"] == [{"file": os.path.join(then + "-other", "a.csv")}]  # another folder: as it was
    assert incidents.attrs["period"] == (here, 2024) and incidents.attrs["source"] == "x.csv"


def test_the_key_names_the_shipped_files_not_their_folder() -> None:
    from routes.io.resources import geodata_file

    assert cache._label(geodata_file("legs.geojson")) == "shipped-geodata:legs.geojson"
    assert cache._label(ROOT / "tests" / "x.geojson") == str(ROOT / "tests" / "x.geojson")
    assert cache._label(None) == "none"
