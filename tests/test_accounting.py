"""Every input row accounted for, and bounded resources (issue 12, parts 2 and 3).

``read = kept + outside the region + skipped + merged`` in ``read_incidents`` and ``data update``; short rows, extra
sheets, formulas without values, duplicated columns, implausible dates and out-of-range counts are reported or refused;
exports too large are refused before they are read; duplicate flagging gives the pairs of the old quadratic merge in
O(n log n); the reports in ``attrs`` are shared, not deep-copied, by every pandas operation. Inputs are never modified.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import json
import re
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from shared import needs_shared, shared_data
from toy import ALLDATA, DOWNLOADS

from routes.cli import main
from routes.errors import DataError
from routes.io.incidents import DUPLICATE_TOLERANCE_DEG, _duplicate_pairs, read_incidents
from routes.io.snapshot import load_incidents, update_snapshot


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ROUTES_SNAPSHOT", raising=False)
    monkeypatch.setenv("ROUTES_DATA_DIR", str(tmp_path / "userdata"))


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def row(main_id: str, *, date: str = "2024-03-05", dead: str = "1", coords: str = "8.5312, -77.2471",
        country: str = "Panama", **extra: str) -> dict[str, str]:
    return {"Main ID": main_id, "Incident ID": main_id, "Incident Type": "Incident", "Incident Date": date,
            "Incident Year": date[:4], "Number of Dead": dead, "Minimum Estimated Number of Missing": "",
            "Total Number of Dead and Missing": dead, "Cause of Death": "Drowning", "Country of Incident": country,
            "Migration Route": "Darien", "Location of Incident": "placeholder", "Coordinates": coords,
            "Information Source": "placeholder", "URL": "https://example.org/x", "Source Quality": "4"} | extra


def write_csv(path: Path, rows: list[dict[str, str]], header: list[str] = ALLDATA) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=header, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    return path


def workbook(path: Path, rows: list[list[object]], header: list[str] = ALLDATA, **sheets: list[list[object]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Worksheet"
    ws.append(header)
    for r in rows:
        ws.append(r)
    for name, content in sheets.items():
        extra = wb.create_sheet(name)
        for r in content:
            extra.append(r)
    wb.save(path)
    return path


def values(r: dict[str, str], header: list[str] = ALLDATA) -> list[object]:
    return [r.get(h, "") for h in header]


# ------------------------------------------------------------------------------------------- short and long rows
def test_a_short_row_is_reported_even_when_the_file_ends_with_a_newline(tmp_path: Path) -> None:
    p = write_csv(tmp_path / "short.csv", [row("A"), row("B"), row("C")])
    lines = p.read_text().splitlines()
    lines[2] = ",".join(lines[2].split(",")[:10])  # B lost its last fields
    p.write_text("\n".join(lines) + "\n")
    before = sha(p)
    with pytest.raises(DataError, match=r"short\.csv, row 2: has 10 fields, expected 25 .*truncated line"):
        read_incidents(p)
    t = read_incidents(p, on_invalid="skip")
    assert t["main_id"].tolist() == ["A", "C"] and t["source_row"].tolist() == [1, 3]
    assert t.attrs["accounting"] == {"read": 3, "kept": 2, "skipped": 1, "merged": 0}
    assert [s["row"] for s in t.attrs["skipped"]] == [2] and sha(p) == before


def test_a_long_row_and_a_blank_line(tmp_path: Path) -> None:
    p = write_csv(tmp_path / "long.csv", [row("A"), row("B"), row("C")])
    lines = p.read_text().splitlines()
    lines[1] += ",surplus"
    p.write_text("\n".join([*lines[:2], "", *lines[2:]]) + "\n")
    t = read_incidents(p, on_invalid="skip")
    assert t["main_id"].tolist() == ["B", "C"] and t.attrs["accounting"]["read"] == 3
    assert t.attrs["skipped"][0]["row"] == 1 and "has 26 fields, expected 25" in t.attrs["skipped"][0]["reason"]


# ------------------------------------------------------------------------------------------- accounting
def test_split_incident_parts_are_counted_as_merged(tmp_path: Path) -> None:
    base = {"Incident Date": "Thu, 01/01/2026 - 12:00", "Number Dead": "1", "Coordinates": "8.5, -77.5"}
    rows = [
        {"Main ID": "S1", "Incident ID": "S1a"} | base,
        {"Main ID": "S1", "Incident ID": "S1b"} | base,
        {"Main ID": "S2", "Incident ID": "S2"} | base,
        {"Main ID": "S3", "Incident ID": "S3"} | base | {"Number Dead": "x"},
        {"Main ID": "S1", "Incident ID": "S1c"} | base,
    ]
    t = read_incidents(write_csv(tmp_path / "dl.csv", rows, DOWNLOADS), on_invalid="skip")
    a = t.attrs["accounting"]
    assert (
        a == {"read": 5, "kept": 2, "skipped": 1, "merged": 2} and a["read"] == a["kept"] + a["skipped"] + a["merged"]
    )
    assert [(m["row"], m["reason"]) for m in t.attrs["merged"]] == [
        (2, "part of the split incident 'S1', merged into row 1"), (5, "part of the split incident 'S1', merged into "
                                                                       "row 1")]
    assert int(t.set_index("main_id").loc["S1", "dead"]) == 3


def test_update_accounts_for_every_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [
        row("2026.MMP0001", date="2026-01-05"),  # kept
        row("2026.MMP0002", date="2026-01-06", coords="36.1, -5.3", country="Spain"),  # outside
        row("2026.MMP0003", date="2026-01-07", coords="", country="Italy"),  # outside, no position
        row("2026.MMP0004", date="2026-01-08", dead="x"),  # skipped
        row("2026.MMP0005", date="2026-01-09", coords="-92.1, 14.9"),
    ]  # flagged position, kept (Panama)
    p = write_csv(tmp_path / "mixed.csv", rows)
    before = sha(p)
    diff = update_snapshot(p, data_dir=tmp_path / "d", on_invalid="skip")
    assert diff.accounting == {"read": 5, "kept": 2, "outside_region": 2, "skipped": 1, "merged": 0, "no_position": 1}
    text = str(diff)
    assert "mixed.csv: 5 rows read = 2 kept in the corridor + 2 outside it, 1 of them without a usable position + " \
           "1 skipped (unreadable, listed) + 0 merged" in text
    source = json.loads((diff.version / "snapshot.json").read_text())["sources"][-1]
    assert source["accounting"] == diff.accounting and source["skipped"][0]["row"] == 4
    assert main(["data", "update", str(p), "--data-dir", str(tmp_path / "d2"), "--skip-invalid"]) == 0
    assert "5 rows read = 2 kept in the corridor + 2 outside it" in capsys.readouterr().out
    assert sha(p) == before


# ------------------------------------------------------------------------------------------- refused or reported
def test_duplicated_column_is_refused(tmp_path: Path) -> None:
    header = [*ALLDATA, "Number of Dead"]
    p = tmp_path / "dup.csv"
    with open(p, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerow([*values(row("A")), "7"])
    with pytest.raises(DataError, match=r"dup\.csv has a column twice: 'Number of Dead' in columns 8, 26.*delete or "
                                        r"rename the copy"):
        read_incidents(p)
    with pytest.raises(DataError, match=r"dup\.xlsx has a column twice"):
        read_incidents(workbook(tmp_path / "dup.xlsx", [[*values(row("A")), 7]], header))
    free = [*ALLDATA, "URL"]  # a free-text column the reader ignores may repeat
    with open(tmp_path / "url.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([free, [*values(row("A")), "x"]])
    assert len(read_incidents(tmp_path / "url.csv")) == 1


@pytest.mark.parametrize(("date", "why"), [("1900-01-01", "is before 2014"), ("0001-01-01", "is before 2014"),
                                          ("2013-12-31", "is before 2014"), ("2099-01-01", "is in the future")])
def test_implausible_dates_are_refused(tmp_path: Path, date: str, why: str) -> None:
    p = write_csv(tmp_path / "dates.csv", [row("A", date="2014-01-01"), row("B", date=date)])
    with pytest.raises(DataError, match=rf"dates\.csv, row 2: Incident Date '{date}' {why}"):
        read_incidents(p)
    assert read_incidents(p, on_invalid="skip")["main_id"].tolist() == ["A"]


def test_implausible_year_of_an_undated_row(tmp_path: Path) -> None:
    p = write_csv(tmp_path / "years.csv", [row("A", date="", **{"Incident Year": "1900"}),
                                           row("B", date="", **{"Incident Year": "2019"})])
    with pytest.raises(DataError, match=r"row 1: Incident Year '1900' is outside 2014-\d{4}"):
        read_incidents(p)
    assert read_incidents(p, on_invalid="skip")["year"].tolist() == [2019]


@pytest.mark.parametrize("count", ["99999999999999999999", "9223372036854775808", "1e30", "100001", "-1e25"])
def test_counts_are_range_checked_before_conversion(tmp_path: Path, count: str) -> None:
    p = write_csv(tmp_path / "big.csv", [row("A"), row("B", dead=count)])
    with pytest.raises(DataError, match=rf"big\.csv, row 2: Number of Dead '{re.escape(count)}' is out of range"):
        read_incidents(p)
    t = read_incidents(p, on_invalid="skip")
    assert t["dead"].tolist() == [1] and t["dead"].dtype == "int64"


def test_xlsx_with_data_on_a_second_sheet_is_refused(tmp_path: Path) -> None:
    p = workbook(tmp_path / "two.xlsx", [values(row("A"))], More=[ALLDATA, values(row("B"))])
    before = sha(p)
    with pytest.raises(DataError, match=r"two\.xlsx has data on other sheets than 'Worksheet', the one read: 'More' "
                                        r"\(2 rows with data\).*save each sheet as its own CSV"):
        read_incidents(p)
    assert len(read_incidents(workbook(tmp_path / "empty.xlsx", [values(row("A"))], Notes=[]))) == 1
    assert sha(p) == before


def test_xlsx_formula_without_a_value_is_reported(tmp_path: Path) -> None:
    r = values(row("A"))
    formula = values(row("B"))
    formula[ALLDATA.index("Number of Dead")] = "=1+1"  # openpyxl stores no computed value, as a program-made file
    in_free_text = values(row("C"))
    in_free_text[ALLDATA.index("URL")] = '=HYPERLINK("https://example.org")'
    p = workbook(tmp_path / "f.xlsx", [r, formula, in_free_text])
    with pytest.raises(DataError, match=r"f\.xlsx, row 2: Number of Dead \(cell H3\) holds the formula '=1\+1' "
                                        r"without a stored value; open the workbook in a spreadsheet and save it"):
        read_incidents(p)
    t = read_incidents(p, on_invalid="skip")
    assert t["main_id"].tolist() == ["A", "C"] and t.attrs["accounting"]["skipped"] == 1


def test_xlsx_values_beyond_the_header(tmp_path: Path) -> None:
    p = workbook(tmp_path / "wide.xlsx", [values(row("A")), [*values(row("B")), "stray"]])
    with pytest.raises(DataError, match=r"wide\.xlsx, row 2: has values beyond the header's last column \(Z3\)"):
        read_incidents(p)


# ------------------------------------------------------------------------------------------- bounds
def test_row_cap(tmp_path: Path) -> None:
    p = write_csv(tmp_path / "many.csv", [row(f"R{i}") for i in range(5)])
    with pytest.raises(DataError, match=r"many\.csv has more than 3 data rows, the limit .* pass max_rows=None"):
        read_incidents(p, max_rows=3)
    assert len(read_incidents(p, max_rows=None)) == 5
    x = workbook(tmp_path / "many.xlsx", [values(row(f"R{i}")) for i in range(5)])
    with pytest.raises(DataError, match=r"many\.xlsx has more than 3 data rows"):
        read_incidents(x, max_rows=3)
    with pytest.raises(DataError, match=r"many\.csv has more than 3 data rows"):
        update_snapshot(p, data_dir=tmp_path / "d", max_rows=3)


def _bomb(path: Path, unpacked_mb: int) -> Path:
    """A workbook whose sheet unpacks to ``unpacked_mb`` MB of spaces (a few hundred kB on disk)."""
    buf = io.BytesIO()
    workbook(tmp := path.with_suffix(".seed.xlsx"), [values(row("A"))])
    with zipfile.ZipFile(tmp) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                with dst.open(info.filename, "w", force_zip64=True) as fh:
                    fh.write(data[: data.index(b"<sheetData>")])
                    chunk = b" " * 2**20
                    for _ in range(unpacked_mb):
                        fh.write(chunk)
                    fh.write(data[data.index(b"<sheetData>"):])
            else:
                dst.writestr(info, data)
    path.write_bytes(buf.getvalue())
    return path


def test_xlsx_that_unpacks_to_too_much_is_refused_before_it_is_read(tmp_path: Path) -> None:
    bomb = _bomb(tmp_path / "bomb.xlsx", 300)
    assert bomb.stat().st_size < 5 * 2**20
    tracemalloc.start()
    try:
        with pytest.raises(DataError, match=r"bomb\.xlsx unpacks to 300 MB, more than the limit of 256 MB.*"
                                            r"max_xlsx_bytes=None"):
            read_incidents(bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50 * 2**20  # refused from the declared sizes: nothing was unpacked
    small = workbook(tmp_path / "small.xlsx", [values(row("A"))])
    with pytest.raises(DataError, match=r"small\.xlsx unpacks to 0 MB, more than the limit of 0 MB"):
        read_incidents(small, max_xlsx_bytes=1000)


# ------------------------------------------------------------------------------------------- duplicates
def _merge_pairs(a: pd.DataFrame, b: pd.DataFrame, same_cause: bool) -> pd.DataFrame:
    """The former quadratic implementation (a self-merge on the keys), the reference the new one must equal."""
    keys = ["date", "dead", "missing", *(["cause"] if same_cause else [])]
    left = a.loc[a["date"].notna() & a["lat"].notna(), [*keys, "lat", "lon"]].reset_index(names="ia")
    right = b.loc[b["date"].notna() & b["lat"].notna(), [*keys, "lat", "lon"]].reset_index(names="ib")
    m = left.merge(right, on=keys, suffixes=("_a", "_b"))
    near = ((m["lat_a"] - m["lat_b"]).abs() <= DUPLICATE_TOLERANCE_DEG) & (
        (m["lon_a"] - m["lon_b"]).abs() <= DUPLICATE_TOLERANCE_DEG)
    return m.loc[near, ["ia", "ib"]].reset_index(drop=True)


def _random_incidents(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 20, n), unit="D"),
        "dead": rng.integers(0, 3, n), "missing": rng.integers(0, 2, n),
        "cause": rng.choice(["Drowning", "Violence"], n),
        "lat": 8.5 + np.round(rng.integers(0, 40, n) * 0.002, 4), "lon": -77.3 + rng.integers(0, 3, n) * 0.004,
    })  # fmt: skip


@pytest.mark.parametrize("same_cause", [True, False])
def test_duplicate_pairs_equal_the_quadratic_merge(same_cause: bool) -> None:
    t = _random_incidents(3000, 1)
    t.loc[::7, "date"] = pd.NaT
    t.loc[::11, "lat"] = np.nan
    other = _random_incidents(2000, 2).set_axis(range(5000, 7000))
    for a, b in ((t, t), (t, other), (other, t)):
        got = _duplicate_pairs(a, b, same_cause=same_cause).reset_index(drop=True)
        pd.testing.assert_frame_equal(got, _merge_pairs(a, b, same_cause), check_dtype=False)
    shipped = pd.DataFrame(load_incidents("shipped").drop(columns="geometry"))
    pd.testing.assert_frame_equal(_duplicate_pairs(shipped, shipped, same_cause=same_cause).reset_index(drop=True),
                                  _merge_pairs(shipped, shipped, same_cause), check_dtype=False)


@needs_shared("iom_mmp", "Missing_Migrants_Global_Figures_allData.csv")
def test_duplicate_pairs_on_the_full_export() -> None:
    full = pd.DataFrame(read_incidents(shared_data() / "iom_mmp" / "Missing_Migrants_Global_Figures_allData.csv",
                                       dedupe=False).drop(columns="geometry"))
    for same_cause in (True, False):
        pd.testing.assert_frame_equal(_duplicate_pairs(full, full, same_cause=same_cause).reset_index(drop=True),
                                      _merge_pairs(full, full, same_cause), check_dtype=False)


def test_duplicate_flagging_memory_grows_with_n_not_n_squared() -> None:
    """200,000 records of one day, one count: the merge held 4e10 candidate pairs; the sweep holds a few per record."""
    n = 200_000
    i = np.arange(n)
    t = pd.DataFrame(
        {
            "date": pd.Timestamp("2024-01-01"),
            "dead": 1,
            "missing": 0,
            "cause": "Drowning",
            "lat": i * 0.0006,
            "lon": (i % 17) * 1.0,
        }
    )  # 8 neighbours within reach of latitude, not of longitude
    tracemalloc.start()
    try:
        pairs = _duplicate_pairs(t, t, same_cause=True)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 400 * 2**20, f"{peak / 2**20:.0f} MB"
    assert len(pairs) == n and (pairs["ia"] == pairs["ib"]).all()  # each record is only its own pair


# ------------------------------------------------------------------------------------------- attrs shared
def test_reports_in_attrs_are_shared_not_deep_copied(tmp_path: Path) -> None:
    rows = [row(f"R{i}", dead="x" if i % 2 else "1") for i in range(4000)]
    t = read_incidents(write_csv(tmp_path / "half.csv", rows), on_invalid="skip")
    assert len(t.attrs["skipped"]) == 2000
    for derived in (t.iloc[:5], t[t["dead"] > 0], t.copy(), copy.deepcopy(t)):
        assert derived.attrs["skipped"] is t.attrs["skipped"]
    assert t.attrs["skipped"] == list(t.attrs["skipped"])  # still a list to whoever reads it
    meta = load_incidents("shipped")
    assert meta.iloc[:3].attrs["meta"] is meta.attrs["meta"]
