"""Tests of routes.io.snapshot: the shipped snapshot, which snapshot is active, user refreshes and their diff."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
from shared import needs_shared, shared_data

from routes.cli import main
from routes.errors import DataError
from routes.io.incidents import COLUMNS
from routes.io.snapshot import (
    diff_snapshots,
    load_incidents,
    resolve_snapshot,
    select_region,
    update_snapshot,
    user_data_dir,
)

ALLDATA = ["Main ID", "Incident ID", "Incident Type", "Incident Date", "Incident Year", "Month", "Number of Dead",
           "Minimum Estimated Number of Missing", "Total Number of Dead and Missing", "Number of Survivors",
           "Number of Children", "Cause of Death", "Country of Incident", "Migration Route", "Coordinates",
           "Source Quality"]
# Per year: incidents, dead, missing, dead+missing in the Darien box (lat 7-9, lon -78.5..-76.8), from SUMMARY.md.
DARIEN_SUMMARY = {2014: (0, 0, 0, 0), 2015: (2, 6, 0, 6), 2016: (9, 44, 6, 50), 2017: (1, 7, 0, 7),
                  2018: (2, 3, 3, 6), 2019: (4, 21, 19, 40), 2020: (3, 4, 0, 4), 2021: (13, 37, 8, 45),
                  2022: (65, 37, 110, 147), 2023: (37, 43, 9, 52), 2024: (108, 166, 11, 177), 2025: (4, 7, 0, 7)}




@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Never read or write the real user's data folder."""
    monkeypatch.delenv("ROUTES_SNAPSHOT", raising=False)
    monkeypatch.setenv("ROUTES_DATA_DIR", str(tmp_path / "userdata"))


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def export_from(t: pd.DataFrame, path: Path) -> Path:
    """Write incidents back out in the IOM allData layout (only the fact columns; no free text)."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(ALLDATA)
        for r in t.itertuples():
            w.writerow([r.main_id, r.incident_ids, r.incident_type, r.date.date().isoformat(), r.year, "",
                        r.dead or "", r.missing, r.dead_missing, "" if pd.isna(r.survivors) else r.survivors,
                        "" if pd.isna(r.children) else r.children, r.cause, r.country, r.route,
                        f"{r.lat}, {r.lon}", r.source_quality])
    return path


def test_shipped_snapshot_schema_and_facts() -> None:
    t = load_incidents("shipped")
    assert list(t.columns) == [*COLUMNS, "geometry"] and t.crs == "EPSG:4326"
    assert t["main_id"].is_unique and (t["year"].min(), t["year"].max()) == (2014, 2025)
    assert t["date"].notna().all()
    r = t.set_index("main_id").loc["2025.MMP0097"]
    assert r["date"] == pd.Timestamp("2025-02-21") and (r["dead"], r["missing"], r["survivors"]) == (1, 0, 19)
    assert round(r["lat"], 4) == 9.0313 and round(r["lon"], 4) == -77.8077 and r["route"] == "Darien"
    assert "2025.MMP0096" not in set(t["main_id"])  # only in the older export: the newer export's view is kept
    assert t.set_index("main_id").loc["2025.MMP1700", "possible_duplicate_of"] == "2025.MMP2303"
    assert len(select_region(t)) == len(t)
    meta = t.attrs["meta"]
    assert meta["rows"] == len(t) and meta["command"].startswith("python -m tools.build")
    assert meta["sources"][0]["file"] == "Missing_Migrants_Global_Figures_allData.csv"
    assert all(len(s["sha256"]) == 64 for s in meta["sources"]) and len(meta["excluded_undated"]) == 13
    assert any(r["main_id"] == "2025.MMP0096" and r["replaced_by"] is None for r in meta["replaced"])


def test_shipped_csv_has_no_free_text() -> None:
    header = resolve_snapshot("shipped").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header == COLUMNS
    text = resolve_snapshot("shipped").read_text(encoding="utf-8")
    assert "http" not in text and "perma.cc" not in text


def test_darien_box_totals_match_summary() -> None:
    t = load_incidents("shipped")
    box = t[t["lat"].between(7, 9) & t["lon"].between(-78.5, -76.8)]
    got = box.groupby("year").agg(n=("main_id", "size"), dead=("dead", "sum"), missing=("missing", "sum"),
                                  dm=("dead_missing", "sum"))
    for year, expected in DARIEN_SUMMARY.items():
        row = tuple(int(x) for x in got.loc[year]) if year in got.index else (0, 0, 0, 0)
        assert row == expected, year


def test_which_snapshot_is_active(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    shipped = resolve_snapshot("shipped")
    assert resolve_snapshot() == shipped
    user = user_data_dir() / "snapshot"
    user.mkdir(parents=True)
    (user / "incidents.csv").write_bytes(shipped.read_bytes())
    assert resolve_snapshot() == user / "incidents.csv"
    other = tmp_path / "other"
    other.mkdir()
    (other / "incidents.csv").write_bytes(shipped.read_bytes())
    monkeypatch.setenv("ROUTES_SNAPSHOT", str(other))
    assert resolve_snapshot() == other / "incidents.csv"
    assert resolve_snapshot(shipped) == shipped and resolve_snapshot("shipped") == shipped
    monkeypatch.setenv("ROUTES_SNAPSHOT", "shipped")
    assert resolve_snapshot() == shipped


def test_user_data_dir_honours_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ROUTES_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert user_data_dir() == tmp_path / "routes"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert user_data_dir() == Path.home() / ".local" / "share" / "routes"


def test_missing_snapshot(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"snapshot '.*nowhere' \(from the snapshot argument\) not found.*'shipped'"):
        load_incidents(tmp_path / "nowhere")
    monkeypatch.setenv("ROUTES_SNAPSHOT", str(tmp_path / "gone.csv"))
    with pytest.raises(DataError, match=r"gone\.csv' \(from ROUTES_SNAPSHOT\) not found"):
        load_incidents()


def test_corrupt_snapshot(tmp_path: Path) -> None:
    p = tmp_path / "incidents.csv"
    p.write_text(resolve_snapshot("shipped").read_text(encoding="utf-8").replace(",1,0,1,", ",x,0,1,", 1))
    with pytest.raises(DataError, match=r"incidents\.csv: 1 of \d+ data rows cannot be read as the routes snapshot"):
        load_incidents(p)


def test_update_from_downloads_page_export(tmp_path: Path) -> None:
    shipped = resolve_snapshot("shipped")
    shipped_sha = sha(shipped)
    export = Path(__file__).resolve().parent / "data" / "incidents" / "downloads_page_sample.csv"
    export_sha = sha(export)
    diff = update_snapshot(export, data_dir=tmp_path / "d")
    assert diff.snapshot == tmp_path / "d" / "snapshot" / "incidents.csv" and diff.snapshot.is_file()
    assert sorted(diff.added["main_id"]) == ["2026.TEST0001", "2026.TEST0002", "2026.TEST0003"]
    assert len(diff.removed) == 0 and len(diff.changed) == 0
    assert diff.totals.loc[2026].tolist() == [0, 0, 3, 7]
    text = str(diff)
    assert "3 added, 0 removed, 0 changed" in text and "2026.TEST0002" in text and "2026: 0 / 0 -> 3 / 7" in text
    assert sha(shipped) == shipped_sha and sha(export) == export_sha  # nothing else is written
    assert len(load_incidents(tmp_path / "d" / "snapshot")) == len(load_incidents("shipped")) + 3
    meta = json.loads((tmp_path / "d" / "snapshot" / "snapshot.json").read_text())
    assert meta["sources"][-1]["sha256"] == export_sha and meta["sources"][-1]["format"] == "downloads"
    assert meta["based_on"] == str(shipped)


def test_update_default_folder_is_used_from_then_on() -> None:
    export = Path(__file__).resolve().parent / "data" / "incidents" / "downloads_page_sample.csv"
    update_snapshot(export)
    assert resolve_snapshot() == user_data_dir() / "snapshot" / "incidents.csv"
    assert "2026.TEST0003" in set(load_incidents()["main_id"])
    assert "2026.TEST0003" not in set(load_incidents("shipped")["main_id"])
    second = update_snapshot(export)  # the same export again changes nothing
    assert len(second.added) == len(second.removed) == len(second.changed) == 0
    assert "Totals unchanged." in str(second)


def test_update_renumbered_and_dropped_incidents(tmp_path: Path) -> None:
    t = load_incidents("shipped")
    y2025 = t[t["year"] == 2025].copy()
    y2025.loc[y2025["main_id"] == "2025.MMP0097", ["main_id", "incident_ids"]] = "2025.MMP0090"
    y2025.loc[y2025["main_id"] == "2025.MMP1618", "survivors"] = 22
    y2025 = y2025[y2025["main_id"] != "2025.MMP2422"]
    diff = update_snapshot(export_from(y2025, tmp_path / "Missing_Migrants_Global_Figures_allData.csv"),
                           data_dir=tmp_path / "d")
    assert diff.removed["main_id"].tolist() == ["2025.MMP2422"] and len(diff.added) == 0
    changes = diff.changed.set_index("main_id_before")["changes"].to_dict()
    assert changes["2025.MMP0097"].startswith("main_id: '2025.MMP0097' -> '2025.MMP0090'")
    assert changes["2025.MMP1618"] == "survivors: 21 -> 22"
    assert diff.totals.loc[2025, "incidents_after"] == diff.totals.loc[2025, "incidents_before"] - 1


def test_update_rejects_bad_export(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("Main ID,Number of Dead\nX,1\n")
    with pytest.raises(DataError, match=r"bad\.csv lacks required column"):
        update_snapshot(bad, data_dir=tmp_path / "d")
    assert not (tmp_path / "d" / "snapshot").exists()


def test_diff_of_identical_tables() -> None:
    t = load_incidents("shipped")
    d = diff_snapshots(t, t)
    assert len(d.added) == len(d.removed) == len(d.changed) == 0
    assert (d.totals["incidents_before"] == d.totals["incidents_after"]).all()


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "status", "--data-dir", str(tmp_path)]) == 0
    assert "incidents" in capsys.readouterr().out
    bad = tmp_path / "bin.csv"
    bad.write_bytes(b"\x00\x01\x02" * 100)
    assert main(["data", "update", str(bad), "--data-dir", str(tmp_path)]) == 1
    assert "bin.csv is neither a CSV" in capsys.readouterr().err


@needs_shared("iom_mmp")
def test_build_reproduces_shipped_snapshot(tmp_path: Path) -> None:
    from tools.snapshot import build_snapshot

    path = build_snapshot(shared_data(), out=tmp_path)
    assert path.read_bytes() == resolve_snapshot("shipped").read_bytes()
    meta = json.loads((tmp_path / "snapshot.json").read_text())
    files = {s["file"]: s["sha256"] for s in meta["sources"]}
    for name, digest in files.items():
        assert sha(shared_data() / "iom_mmp" / name) == digest
