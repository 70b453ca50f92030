"""Safe outputs (issue 12, part 4): one atomic writer for every file the program writes.

A symlink at the target is replaced, never written through; a failure (an exception, a full disk) leaves the
previous file byte for byte and no temporary file; errors name the path; a GeoPackage is the same bytes on rerun.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from pathlib import Path
from typing import Any

import networkx as nx
import pyogrio
import pytest
from toy import legs_doc, places_doc, toy_exposure, toy_flows, toy_incidents, write

import routes.load
from routes.cli import main
from routes.errors import DataError, RouteError, WriteError
from routes.io import atomic
from routes.io.atomic import atomic_open, atomic_write, write_bytes, write_text
from routes.load import load_network
from routes.model.risk import estimate_risk
from routes.query.scoring import rank_paths
from routes.report import export
from routes.report.export import to_geojson, to_geopackage


def files(folder: Path) -> dict[str, str]:
    """Name -> sha256 of every entry of ``folder`` (symlinks by their target text)."""
    out = {}
    for p in sorted(folder.iterdir()):
        out[p.name] = ("-> " + os.readlink(p)) if p.is_symlink() else hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def disk_full(*_args: Any, **_kwargs: Any) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.fixture(scope="module")
def risky(tmp_path_factory: pytest.TempPathFactory) -> nx.MultiDiGraph:
    d = tmp_path_factory.mktemp("toy")
    G = load_network(places=write(d, "p.geojson", places_doc()), legs=write(d, "l.geojson", legs_doc()), risk=False)
    inc = toy_incidents([{"lon": -77.07, "lat": 8.55, "dead": 2, "date": f"2024-{m:02d}-10"} for m in (1, 2, 3)])
    return estimate_risk(G, inc, toy_flows(), exposure=toy_exposure(), draws=500, seed=1)


# ------------------------------------------------------------------------------------------- the writer
def test_symlink_at_the_target_is_replaced_not_followed(tmp_path: Path) -> None:
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me\n")
    link = tmp_path / "out.txt"
    link.symlink_to(precious)
    write_text(link, "new\n")
    assert not link.is_symlink() and link.read_text() == "new\n"
    assert precious.read_text() == "keep me\n"


def test_failure_half_way_leaves_the_previous_file(tmp_path: Path) -> None:
    target = write_text(tmp_path / "out.csv", "a,b\n1,2\n")
    before = files(tmp_path)
    with pytest.raises(RuntimeError, match="boom"), atomic_open(target) as fh:
        fh.write("a,b\n" * 10_000)
        raise RuntimeError("boom")
    assert files(tmp_path) == before  # same bytes, no temporary file


@pytest.mark.parametrize("where", ["fsync", "replace"])
def test_disk_full_says_so_and_names_the_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    target = write_bytes(tmp_path / "out.json", b"[1]\n")
    before = files(tmp_path)
    monkeypatch.setattr(atomic.os, where, disk_full)
    with pytest.raises(WriteError, match=r"cannot write '.*out\.json': the disk is full.*free some space.*unchanged"):
        write_bytes(target, b"[1, 2]\n")
    with pytest.raises(OSError):  # WriteError is an OSError too
        atomic_write([(target, lambda t: t.write_bytes(b"x"))])
    monkeypatch.undo()
    assert files(tmp_path) == before


def test_missing_folder_and_read_only_folder(tmp_path: Path) -> None:
    with pytest.raises(WriteError, match=r"cannot write '.*nowhere.*out\.txt': the folder does not exist; create it"):
        write_text(tmp_path / "nowhere" / "out.txt", "x")
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        if os.access(ro, os.W_OK):  # running as root: permissions do not bind
            pytest.skip("the test runs as root")
        with pytest.raises(WriteError, match=r"cannot write '.*ro/out\.txt': permission denied"):
            write_text(ro / "out.txt", "x")
    finally:
        ro.chmod(0o700)


def test_permissions_of_the_replaced_file_are_kept(tmp_path: Path) -> None:
    target = write_text(tmp_path / "out.txt", "a")
    target.chmod(0o640)
    write_text(target, "b")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640 and target.read_text() == "b"
    fresh = write_text(tmp_path / "fresh.txt", "c")
    assert stat.S_IMODE(fresh.stat().st_mode) & 0o600 == 0o600  # not mkstemp's private 0600 only by accident


def test_several_files_all_or_nothing(tmp_path: Path) -> None:
    write_text(tmp_path / "a.txt", "old a")
    write_text(tmp_path / "b.txt", "old b")
    before = files(tmp_path)

    def fail(_temp: Path) -> None:
        raise ValueError("the second file cannot be made")

    with pytest.raises(ValueError, match="second file"):
        atomic_write([(tmp_path / "a.txt", lambda t: t.write_text("new a")), (tmp_path / "b.txt", fail)])
    assert files(tmp_path) == before


# ------------------------------------------------------------------------------------------- exports
def test_geopackage_is_byte_identical_on_rerun(risky: nx.MultiDiGraph, tmp_path: Path) -> None:
    ranked = rank_paths(risky, "necocli", "la-miel", k=2, draws=500)
    a = to_geopackage(risky, tmp_path / "a.gpkg", paths=ranked)
    b = to_geopackage(risky, tmp_path / "b.gpkg", paths=ranked)
    assert a.read_bytes() == b.read_bytes()
    assert pyogrio.get_gdal_config_option("OGR_CURRENT_DATE") is None  # the setting does not leak


def test_geopackage_through_a_symlink_and_on_failure(risky: nx.MultiDiGraph, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    precious = tmp_path / "precious.gpkg"
    precious.write_bytes(b"not to be overwritten")
    (tmp_path / "out.gpkg").symlink_to(precious)
    to_geopackage(risky, tmp_path / "out.gpkg")
    assert precious.read_bytes() == b"not to be overwritten" and not (tmp_path / "out.gpkg").is_symlink()
    before = files(tmp_path)

    def gdal_fails(*_args: Any, **_kwargs: Any) -> None:
        raise pyogrio.errors.DataSourceError("sqlite3_exec failed: database or disk is full")

    monkeypatch.setattr(export.pyogrio, "write_dataframe", gdal_fails)
    with pytest.raises(DataError, match=r"cannot write the GeoPackage '.*out\.gpkg': GDAL says .*disk is full"):
        to_geopackage(risky, tmp_path / "out.gpkg")
    assert files(tmp_path) == before


def test_geojson_disk_full(risky: nx.MultiDiGraph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    to_geojson(risky, tmp_path / "net.geojson")
    before = files(tmp_path)
    monkeypatch.setattr(atomic.os, "fsync", disk_full)
    with pytest.raises(WriteError, match=r"net\.geojson': the disk is full"):
        to_geojson(risky, tmp_path / "net.geojson")
    assert files(tmp_path) == before


# ------------------------------------------------------------------------------------------- the command line
@pytest.fixture
def shipped_cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ROUTES_SNAPSHOT", raising=False)
    monkeypatch.setenv("ROUTES_DATA_DIR", str(tmp_path / "userdata"))


@pytest.mark.usefixtures("shipped_cli")
@pytest.mark.usefixtures("capsys")  # the command's output is captured, not printed
@pytest.mark.parametrize("suffix", [".csv", ".json", ".geojson", ".txt"])
def test_rank_output_replaces_a_symlink(tmp_path: Path, suffix: str) -> None:
    out = tmp_path / "out"
    out.mkdir()
    precious = out / "precious"
    precious.write_text("someone else's file\n")
    (out / f"paths{suffix}").symlink_to(precious)
    assert main(["rank", "Necoclí", "Tapachula", "-k", "1", "-o", str(out / f"paths{suffix}")]) == 0
    assert precious.read_text() == "someone else's file\n"
    assert not (out / f"paths{suffix}").is_symlink() and (out / f"paths{suffix}").stat().st_size > 0
    sidecar = ["paths.provenance.json"] if suffix in (".csv", ".json") else []  # where a table's numbers came from
    assert sorted(p.name for p in out.iterdir()) == sorted(["precious", f"paths{suffix}", *sidecar])


@pytest.mark.usefixtures("shipped_cli")
def test_rank_output_on_a_full_disk(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "paths.csv"
    assert main(["rank", "Necoclí", "Tapachula", "-k", "2", "-o", str(target)]) == 0
    before = files(tmp_path)
    capsys.readouterr()
    monkeypatch.setattr(atomic.os, "fsync", disk_full)
    assert main(["rank", "Necoclí", "Tapachula", "-k", "3", "-o", str(target)]) == 1
    err = capsys.readouterr().err
    assert "paths.csv" in err and "disk is full" in err and "None" not in err and "Traceback" not in err
    monkeypatch.undo()
    assert files(tmp_path) == before


@pytest.mark.usefixtures("shipped_cli")
def test_an_os_error_without_a_file_name_is_still_clear(capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    def full(**_kw: Any) -> Any:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(routes.load, "load_network", full)
    assert main(["legs"]) == 1
    err = capsys.readouterr().err
    assert "disk is full" in err and "None" not in err


def test_write_error_is_one_of_the_family() -> None:
    assert issubclass(WriteError, RouteError) and issubclass(WriteError, OSError)
