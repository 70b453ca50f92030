"""The snapshot as a transaction (issue 12, part 1): versions, one atomic switch, a lock, checksums, fall-backs.

Every test works in its own data folder. The fault tests stop a real process (``os._exit``, no clean-up runs) between
any two steps of an update and show that the active snapshot is always whole: its incidents match the checksum of its
provenance, and they are either all of the old version or all of the new one. The concurrency tests run two updates
at once in two processes: both rows are there, or one update fails with a clear message; never a mix.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from routes.cli import main
from routes.errors import DataError, SnapshotError
from routes.io import snapshot_store as store
from routes.io.snapshot import load_incidents, resolve_snapshot, snapshot_status, update_snapshot, user_data_dir

ROOT = Path(__file__).resolve().parents[1]
HEADER = ["Main ID", "Incident ID", "Incident Type", "Incident Date", "Incident Year", "Month", "Number of Dead",
          "Minimum Estimated Number of Missing", "Total Number of Dead and Missing", "Number of Survivors",
          "Number of Children", "Cause of Death", "Country of Incident", "Migration Route", "Coordinates",
          "Source Quality"]


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ROUTES_SNAPSHOT", raising=False)
    monkeypatch.setenv("ROUTES_DATA_DIR", str(tmp_path / "userdata"))


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def export(path: Path, main_id: str, date: str, dead: str = "2", coords: str = "8.69, -77.36") -> Path:
    """A one-incident IOM allData export on the Colombia-Panama border."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        w.writerow([main_id, main_id, "Incident", date, date[:4], "", dead, "0", dead, "", "", "Drowning", "Panama",
                    "Darien", coords, "3"])
    return path


def consistent(data: Path) -> set[str]:
    """Check the active snapshot of ``data`` is whole; return its incident ids."""
    csv_path = store.user_snapshot_path(data)
    assert csv_path is not None
    meta, problem = store.check_version(Path(os.path.realpath(csv_path)))
    assert problem is None, problem
    t = load_incidents(csv_path)
    assert meta.get("rows", len(t)) == len(t)
    return set(t["main_id"])


def legacy(data: Path) -> Path:
    """The layout of an older routes: the files directly in <data>/snapshot/, the one before in previous/."""
    folder = data / "snapshot"
    (folder / "previous").mkdir(parents=True)
    shipped = resolve_snapshot("shipped")
    for target in (folder, folder / "previous"):
        shutil.copy2(shipped, target / "incidents.csv")
        meta = json.loads(shipped.with_name("snapshot.json").read_text())
        meta.pop("incidents_sha256")
        (target / "snapshot.json").write_text(json.dumps(meta))
    return folder


# ------------------------------------------------------------------------------------------- versions
def test_update_writes_a_version_and_switches_to_it(tmp_path: Path) -> None:
    data = tmp_path / "d"
    ex = export(tmp_path / "a.csv", "2026.MMP0001", "2026-02-03")
    before = sha(ex)
    first = update_snapshot(ex, data_dir=data)
    assert (data / "snapshot").is_symlink() and first.version is not None and first.version.parent == data / "snapshots"
    assert first.snapshot == data / "snapshot" / "incidents.csv" and first.previous is None
    meta = json.loads((first.version / "snapshot.json").read_text())
    assert meta["incidents_sha256"] == sha(first.version / "incidents.csv") and meta["version"] == first.version.name
    second = update_snapshot(export(tmp_path / "b.csv", "2026.MMP0002", "2026-03-03"), data_dir=data)
    assert second.previous == first.version and first.version.is_dir()  # the version before is kept
    assert json.loads((second.version / "snapshot.json").read_text())["previous"] == str(first.version)
    assert {"2026.MMP0001", "2026.MMP0002"} <= consistent(data)
    for month in range(4, 8):
        update_snapshot(export(tmp_path / f"{month}.csv", f"2026.MMP000{month}", f"2026-0{month}-03"), data_dir=data)
    assert len(store.kept_versions(data)) == store.KEEP_VERSIONS and not list((data / "snapshots").glob(".tmp-*"))
    assert sha(ex) == before


def test_without_symlinks_a_pointer_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_symlinks(*_args: object, **_kw: object) -> None:
        raise OSError(1, "symbolic links are not supported here")

    monkeypatch.setattr(store.os, "symlink", no_symlinks)
    data = tmp_path / "d"
    update_snapshot(export(tmp_path / "a.csv", "2026.MMP0001", "2026-02-03"), data_dir=data)
    update_snapshot(export(tmp_path / "b.csv", "2026.MMP0002", "2026-03-03"), data_dir=data)
    assert (data / "snapshot.current").is_file() and not (data / "snapshot").exists()
    assert {"2026.MMP0001", "2026.MMP0002"} <= consistent(data)
    assert resolve_snapshot(data).parent == store.active_version(data)


def test_old_layout_migrated_without_symlinks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_symlinks(*_args: object, **_kw: object) -> None:
        raise OSError(1, "symbolic links are not supported here")

    monkeypatch.setattr(store.os, "symlink", no_symlinks)
    data = tmp_path / "d"
    legacy(data)
    update_snapshot(export(tmp_path / "a.csv", "2026.MMP0001", "2026-02-03"), data_dir=data)
    assert (data / "snapshot.current").is_file() and not (data / "snapshot").exists()
    assert len(store.kept_versions(data)) == 3
    (data / "snapshot.migrating").mkdir()  # as if a migration had stopped just after the switch
    shutil.copy2(resolve_snapshot("shipped"), data / "snapshot.migrating" / "incidents.csv")
    update_snapshot(export(tmp_path / "b.csv", "2026.MMP0002", "2026-03-03"), data_dir=data)
    assert {"2026.MMP0001", "2026.MMP0002"} <= consistent(data)  # finished, not migrated a second time
    assert not (data / "snapshot.migrating").exists()


def test_old_layout_is_read_then_migrated(tmp_path: Path) -> None:
    data = user_data_dir()
    folder = legacy(data)
    assert resolve_snapshot() == folder / "incidents.csv"  # read as it is
    assert len(load_incidents()) == len(load_incidents("shipped"))
    diff = update_snapshot(export(tmp_path / "a.csv", "2026.MMP0001", "2026-02-03"))
    assert (data / "snapshot").is_symlink() and not (data / "snapshot.migrating").exists()
    names = [v.name for v in store.kept_versions(data)]
    assert len(names) == 3 and names[1].endswith("-legacy") and names[2].endswith("-legacy-previous")
    assert diff.previous is not None and diff.previous.name.endswith("-legacy")
    assert "2026.MMP0001" in consistent(data) and resolve_snapshot() == data / "snapshot" / "incidents.csv"


# ------------------------------------------------------------------------------------------- corruption
@pytest.mark.parametrize("damage", ["edited incidents", "truncated incidents", "provenance not JSON",
                                    "provenance removed keys"])
def test_corrupt_active_snapshot_says_how_to_fall_back(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                       damage: str) -> None:
    data = user_data_dir()
    first = update_snapshot(export(tmp_path / "a.csv", "2026.MMP0001", "2026-02-03"))
    second = update_snapshot(export(tmp_path / "b.csv", "2026.MMP0002", "2026-03-03"))
    assert second.version is not None and first.version is not None
    csv_file, meta_file = second.version / "incidents.csv", second.version / "snapshot.json"
    if damage == "edited incidents":
        csv_file.write_text(csv_file.read_text().replace("2026.MMP0002,2026.MMP0002,2026-03-03,2026,3,2,",
                                                         "2026.MMP0002,2026.MMP0002,2026-03-03,2026,3,9,"))
    elif damage == "truncated incidents":
        csv_file.write_bytes(csv_file.read_bytes()[:-20])
    elif damage == "provenance not JSON":
        meta_file.write_text('{"rows": 7')
    else:
        meta_file.write_text("[]")
    with pytest.raises(SnapshotError) as err:
        load_incidents()
    message = str(err.value)
    assert "snapshot" in message and "--snapshot shipped" in message, message
    assert f"the previous version, kept in {first.version}: --snapshot {first.version}" in message
    assert isinstance(err.value, DataError)
    # data status still works, reports it, and exits 1
    assert main(["data", "status"]) == 1
    out = capsys.readouterr().out
    assert "status:    CORRUPT" in out and "--snapshot shipped" in out and str(first.version) in out
    assert "shipped snapshot: shipped" in out and "status:    sound" in out
    # the fall-backs work
    assert main(["legs", "--snapshot", str(first.version), "--format", "json"]) == 0
    assert main(["data", "status", "--snapshot", "shipped"]) == 0
    capsys.readouterr()
    # an update refuses to build on it, and says how; built on the shipped snapshot it goes through
    with pytest.raises(SnapshotError, match=r"corrupt.*--snapshot shipped"):
        update_snapshot(export(tmp_path / "c.csv", "2026.MMP0003", "2026-04-03"))
    assert main(["data", "update", str(tmp_path / "c.csv"), "--snapshot", "shipped"]) == 0
    assert "2026.MMP0003" in consistent(data) and "2026.MMP0002" not in consistent(data)


def test_a_missing_active_version_is_not_silently_replaced(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = update_snapshot(export(tmp_path / "a.csv", "2026.MMP0001", "2026-02-03"))
    second = update_snapshot(export(tmp_path / "b.csv", "2026.MMP0002", "2026-03-03"))
    assert first.version is not None and second.version is not None
    shutil.rmtree(second.version)  # removed by hand: the link dangles
    with pytest.raises(
        SnapshotError, match=rf"unreadable.*--snapshot shipped.*kept in {re.escape(str(first.version))}"
    ):
        load_incidents()
    assert main(["data", "status"]) == 1 and "CORRUPT" in capsys.readouterr().out


def test_shipped_snapshot_is_checked_too() -> None:
    meta = load_incidents("shipped").attrs["meta"]
    assert meta["incidents_sha256"] == sha(resolve_snapshot("shipped"))
    assert [s.label for s in snapshot_status("shipped")] == ["active"]


# ------------------------------------------------------------------------------------------- counts
def test_count_too_large_for_int64_is_a_clear_error(tmp_path: Path) -> None:
    data = tmp_path / "d"
    ex = export(tmp_path / "huge.csv", "2026.MMP0001", "2026-02-03", dead="99999999999999999999")
    before = sha(ex)
    with pytest.raises(DataError, match=r"huge\.csv, row 1: Number of Dead '99999999999999999999' is out of range"):
        update_snapshot(ex, data_dir=data)
    assert not (data / "snapshot").exists()
    update_snapshot(ex, data_dir=data, on_invalid="skip")
    t = load_incidents(data)
    assert int(t["dead"].min()) >= 0 and "2026.MMP0001" not in set(t["main_id"]) and sha(ex) == before


# ------------------------------------------------------------------------------------------- the lock
def _hold(data: Path, held: threading.Event, release: threading.Event) -> None:
    with store.lock(data, timeout=5):
        held.set()
        release.wait(10)


@pytest.mark.parametrize("flock", [True, False], ids=["flock", "portable"])
def test_a_second_update_waits_or_fails_clearly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                flock: bool) -> None:
    monkeypatch.setattr(store, "_FLOCK", flock)
    data = tmp_path / "d"
    held, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold, args=(data, held, release))
    holder.start()
    try:
        assert held.wait(10)
        advice = "goes with the process that holds it" if flock else "if no update is running, delete the lock file"
        with pytest.raises(SnapshotError, match=r"another snapshot update is running in .*lock file .*snapshot\.lock"
                                                rf".*waited 0\.2 s.*--wait SECONDS.*{advice}"):
            update_snapshot(export(tmp_path / "a.csv", "2026.MMP0001", "2026-02-03"), data_dir=data, lock_timeout=0.2)
        assert not (data / "snapshot").exists()
        threading.Timer(0.3, release.set).start()  # the other update finishes soon: this one waits for it
        diff = update_snapshot(tmp_path / "a.csv", data_dir=data, lock_timeout=10)
        assert diff.version is not None and "2026.MMP0001" in consistent(data)
    finally:
        release.set()
        holder.join()


_RUNNER = """
import os, sys, time
from routes.io import snapshot_store
from routes.cli import main
delay = float(sys.argv[3])
def pause(step):
    if step == "locked":
        time.sleep(delay)  # hold the lock a while: the other update must wait for it
snapshot_store._checkpoint = pause
sys.exit(main(["data", "update", sys.argv[1], "--data-dir", sys.argv[2], "--wait", sys.argv[4]]))
"""


def _python(*args: str, code: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300,
                          check=False, env=env, cwd=ROOT)


def _two_at_once(tmp_path: Path, wait: str) -> tuple[list[subprocess.CompletedProcess[str]], Path]:
    data = tmp_path / "d"
    exports = [export(tmp_path / "a.csv", "2026.MMP0001", "2026-02-03"),
               export(tmp_path / "b.csv", "2026.MMP0002", "2026-05-07", coords="8.52, -77.27")]
    before = [sha(p) for p in exports]
    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(lambda p: _python(str(p), str(data), "1.5", wait, code=_RUNNER), exports))
    assert [sha(p) for p in exports] == before
    return runs, data


def test_two_updates_at_once_both_rows_are_kept(tmp_path: Path) -> None:
    runs, data = _two_at_once(tmp_path, wait="120")
    assert [r.returncode for r in runs] == [0, 0], [r.stderr for r in runs]
    ids = consistent(data)
    assert {"2026.MMP0001", "2026.MMP0002"} <= ids
    sources = [s["file"] for s in json.loads((data / "snapshot" / "snapshot.json").read_text())["sources"]]
    assert sorted(sources[-2:]) == ["a.csv", "b.csv"]


def test_two_updates_at_once_one_fails_clearly(tmp_path: Path) -> None:
    runs, data = _two_at_once(tmp_path, wait="0.2")
    codes = sorted(r.returncode for r in runs)
    assert codes == [0, 1], [r.stderr for r in runs]
    failed = next(r for r in runs if r.returncode)
    assert "another snapshot update is running" in failed.stderr and "Traceback" not in failed.stderr
    assert len({"2026.MMP0001", "2026.MMP0002"} & consistent(data)) == 1  # one update, whole; never a mix


# ------------------------------------------------------------------------------------------- faults
_CRASH = """
import json, os, sys, traceback
from routes.io import snapshot_store
from routes.io.snapshot import update_snapshot

def run(export, data, kind, at):
    if kind == "step":
        def crash(step):
            if step == at:
                os._exit(9)
        snapshot_store._checkpoint = crash
    else:  # the n-th call of an operating-system step (rename or fsync) never returns
        real, calls = getattr(os, kind), [0]
        def crash(*args, **kw):
            calls[0] += 1
            if calls[0] == int(at):
                os._exit(9)
            return real(*args, **kw)
        setattr(os, kind, crash)
    update_snapshot(export, data_dir=data)

codes = []
for case in json.loads(sys.argv[1]):  # each case in a child process that dies at its step: no clean-up runs
    pid = os.fork()
    if pid == 0:
        try:
            run(*case)
        except BaseException:
            traceback.print_exc()
            os._exit(1)
        os._exit(0)
    codes.append(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
print(json.dumps(codes))
"""

STEPS = ["export read", "locked", "version written", "version complete", "switched"]
MIGRATION = ["migrate: copied", "migrate: moved aside", "migrate: linked"]


def _crash_cases() -> list[tuple[str, str, bool]]:
    cases = [("step", s, False) for s in STEPS] + [("step", s, True) for s in [*MIGRATION, *STEPS]]
    # every rename of an update (4; 10 with a migration) and every fsync (6)
    cases += [("replace", str(n), False) for n in range(1, 5)] + [("replace", str(n), True) for n in range(1, 11)]
    return cases + [("fsync", str(n), False) for n in range(1, 7)]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the fault test forks a process per case")
def test_a_kill_between_any_two_steps_leaves_a_whole_snapshot(tmp_path: Path) -> None:
    """For each step, a process updating the snapshot dies there; the active snapshot is old or new, never a mix."""
    ex = export(tmp_path / "new.csv", "2026.MMP0009", "2026-02-03")
    cases = _crash_cases()
    template = tmp_path / "template"
    update_snapshot(export(tmp_path / "old.csv", "2026.MMP0008", "2026-01-03"), data_dir=template)
    folders = []
    for i, (_, _, old_layout) in enumerate(cases):
        data = tmp_path / f"d{i}"
        if old_layout:
            legacy(data)
        else:
            shutil.copytree(template, data, symlinks=True)
        folders.append(data)
    before = sha(ex)
    run = _python(
        json.dumps([[str(ex), str(d), kind, at] for (kind, at, _), d in zip(cases, folders, strict=True)]), code=_CRASH
    )
    assert run.returncode == 0, run.stderr[-3000:]
    codes = json.loads(run.stdout.strip().splitlines()[-1])
    assert sha(ex) == before
    outcomes = []
    shipped = set(load_incidents("shipped")["main_id"])
    for (kind, at, old_layout), data, code in zip(cases, folders, codes, strict=True):
        assert code == 9, (kind, at, code, run.stderr[-3000:])  # it did die at that step
        ids = consistent(data)  # whole, whatever the moment of the crash
        new = "2026.MMP0009" in ids
        assert new or ids == (shipped if old_layout else shipped | {"2026.MMP0008"}), (kind, at)
        outcomes.append(new)
        update_snapshot(ex, data_dir=data)  # the next update cleans up and succeeds
        assert "2026.MMP0009" in consistent(data) and not list((data / "snapshots").glob(".tmp-*"))
        assert not (data / "snapshot.migrating").exists() and (data / "snapshot").is_symlink()
    assert any(outcomes) and not all(outcomes)  # some crashes came before the switch, some after
