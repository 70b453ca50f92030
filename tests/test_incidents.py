"""Tests of routes.io.incidents: every format, every bad input, de-duplication and the real allData export."""

from __future__ import annotations

import csv
import hashlib
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shared import needs_shared, shared_data
from toy import ALLDATA, DOWNLOADS

from routes.errors import DataError
from routes.io.incidents import COLUMNS, combine_incidents, flag_duplicates, read_incidents

FIXTURES = Path(__file__).resolve().parent / "data" / "incidents"


def row(main_id: str, date: str = "2024-03-05", dead: str = "1", missing: str = "", coords: str = "8.5, -77.5",
        **extra: str) -> dict[str, str]:
    """One allData row; free-text columns hold placeholders, never real IOM text."""
    r = {"Main ID": main_id, "Incident ID": main_id, "Incident Type": "Incident", "Incident Date": date,
         "Incident Year": date[:4], "Number of Dead": dead, "Minimum Estimated Number of Missing": missing,
         "Cause of Death": "Drowning", "Country of Incident": "Panama", "Migration Route": "Darien",
         "Location of Incident": "placeholder place", "Coordinates": coords, "URL": "https://example.org/x",
         "Information Source": "placeholder source", "Source Quality": "4"}
    r["Total Number of Dead and Missing"] = str(int(dead or 0) + int(missing or 0)) \
        if (dead or "0").lstrip("-").isdigit() and (missing or "0").lstrip("-").isdigit() else ""
    return r | extra


def write_csv(path: Path, rows: list[dict[str, str]], header: list[str] = ALLDATA, encoding: str = "utf-8",
              delimiter: str = ",") -> Path:
    with open(path, "w", newline="", encoding=encoding) as f:
        w = csv.DictWriter(f, fieldnames=header, delimiter=delimiter, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- formats -------------------------------------------------------------------------------------------------

def test_alldata_csv_schema_and_values(tmp_path: Path) -> None:
    p = write_csv(tmp_path / "export.csv", [
        row("2024.MMP0001", dead="", missing="3"),
        row("2024.MMP0002", **{"Incident ID": "2024.MMP000201,2024.MMP000202", "Incident Type": "Split Incident",
                               "Number of Dead": "4", "Number of Survivors": "12", "Source Quality": "1,3"}),
    ])
    t = read_incidents(p)
    assert list(t.columns) == [*COLUMNS, "geometry"]
    assert t.crs == "EPSG:4326"
    assert t["dead"].tolist() == [0, 4] and t["missing"].tolist() == [3, 0]
    assert t["dead_missing"].tolist() == [3, 4]
    assert t.loc[1, "incident_ids"] == "2024.MMP000201,2024.MMP000202"
    assert t.loc[1, "source_quality"] == "1,3" and t.loc[1, "survivors"] == 12
    assert pd.isna(t.loc[0, "survivors"]) and str(t["survivors"].dtype) == "Int64"
    assert t["source_row"].tolist() == [1, 2] and set(t["source_file"]) == {"export.csv"}
    assert t.loc[0, "date"] == pd.Timestamp("2024-03-05") and t.loc[0, "month"] == 3
    assert t.geometry[0].x == -77.5 and t.geometry[0].y == 8.5
    assert t.attrs["format"] == "allData" and t.attrs["sha256"] == sha(p) and t.attrs["source_file"] == "export.csv"
    assert t.attrs["skipped"] == [] and t.attrs["encoding"] == "utf-8"
    assert not {"Location of Incident", "URL", "Information Source"} & set(t.columns)


def test_downloads_page_csv_aggregates_split_rows(tmp_path: Path) -> None:
    rows = [
        {"Main ID": "2026.MMP0007", "Incident ID": "2026.MMP00078", "Incident Date": "Thu, 01/01/2026 - 12:00",
         "Year": "2026", "Reported Month": "January", "Number Dead": "2", "Minimum Estimated Number of Missing": "",
         "Number of Survivors": "5", "Cause of Death": "Drowning", "Coordinates": "9.1, -79.25",
         "Migration route": "Darien", "Location of death": "placeholder", "Source Quality": "3"},
        {"Main ID": "2026.MMP0007", "Incident ID": "2026.MMP00079", "Incident Date": "Thu, 01/01/2026 - 12:00",
         "Year": "2026", "Reported Month": "January", "Number Dead": "1", "Minimum Estimated Number of Missing": "2",
         "Number of Survivors": "", "Cause of Death": "Drowning", "Coordinates": "9.1, -79.25",
         "Migration route": "Darien", "Source Quality": "5"},
        {"Main ID": "2026.MMP0010", "Incident ID": "2026.MMP0010", "Incident Date": "Sat, 02/14/2026 - 12:00",
         "Year": "2026", "Reported Month": "February", "Number Dead": "1", "Coordinates": "8.2, -77.7",
         "Cause of Death": "Violence", "Migration route": ""},
    ]
    t = read_incidents(write_csv(tmp_path / "MissingMigrants-Global.csv", rows, DOWNLOADS))
    assert t.attrs["format"] == "downloads"
    assert t["main_id"].tolist() == ["2026.MMP0007", "2026.MMP0010"]
    split = t.iloc[0]
    assert split["incident_ids"] == "2026.MMP00078,2026.MMP00079"
    assert (split["dead"], split["missing"], split["dead_missing"], split["survivors"]) == (3, 2, 5, 5)
    assert split["incident_type"] == "Split Incident" and split["source_quality"] == "3,5"
    assert split["date"] == pd.Timestamp("2026-01-01") and split["country"] == ""
    assert t.iloc[1]["date"] == pd.Timestamp("2026-02-14") and t.iloc[1]["month"] == 2


def test_downloads_page_fixture_file() -> None:
    t = read_incidents(FIXTURES / "downloads_page_sample.csv")
    assert t.attrs["format"] == "downloads" and len(t) == 3
    assert t["dead_missing"].sum() == 7


def test_xlsx_matches_csv(tmp_path: Path) -> None:
    rows = [row("2024.MMP0001", missing="2"), row("2024.MMP0002", coords="37.2832, 27")]
    csv_t = read_incidents(write_csv(tmp_path / "a.csv", rows))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Worksheet"
    ws.append(ALLDATA)
    for r in rows:  # numbers stored as Excel numbers, as IOM's xlsx does
        ws.append([float(v) if k.startswith("Number") and v else r.get(k, "")
                   for k, v in ((k, r.get(k, "")) for k in ALLDATA)])
    wb.create_sheet("Notes")
    wb.save(tmp_path / "a.xlsx")
    x = read_incidents(tmp_path / "a.xlsx")
    cols = [c for c in COLUMNS if c != "source_file"]
    pd.testing.assert_frame_equal(pd.DataFrame(x)[cols], pd.DataFrame(csv_t)[cols])
    assert x.attrs["format"] == "allData" and x.loc[1, "coord_quality"] == "truncated"


def test_format_from_header_not_name_and_extra_columns(tmp_path: Path) -> None:
    header = ["New Column", *reversed(ALLDATA), "Another New Column"]
    rows = [row("2024.MMP0001") | {"New Column": "x", "Another New Column": "y"}]
    t = read_incidents(write_csv(tmp_path / "downloads.xlsx.txt", rows, header))
    assert t.attrs["format"] == "allData" and len(t) == 1
    assert "New Column" not in t.columns


def test_semicolon_delimiter(tmp_path: Path) -> None:
    t = read_incidents(write_csv(tmp_path / "semi.csv", [row("2024.MMP0001")], delimiter=";"))
    assert t.loc[0, "lat"] == 8.5


def test_bom_file_and_bom_in_main_id(tmp_path: Path) -> None:
    p = write_csv(tmp_path / "bom.csv", [row("\ufeff2016.MMP00444")], encoding="utf-8-sig")
    assert p.read_bytes().startswith(b"\xef\xbb\xbf")
    t = read_incidents(p)
    assert t.loc[0, "main_id"] == "2016.MMP00444" and t.attrs["encoding"] == "utf-8"


def test_latin1_file(tmp_path: Path) -> None:
    p = write_csv(tmp_path / "latin.csv", [row("2024.MMP0001", **{"Country of Incident": "Panamá"})],
                  encoding="latin-1")
    t = read_incidents(p)
    assert t.loc[0, "country"] == "Panamá" and t.attrs["encoding"] == "latin-1"


def test_mixed_encodings(tmp_path: Path) -> None:
    p = write_csv(tmp_path / "mixed.csv", [row("A", **{"Country of Incident": "Panamá"}),
                                           row("B", **{"Country of Incident": "Perú"})])
    p.write_bytes(p.read_bytes().replace("Perú".encode(), "Perú".encode("latin-1")))
    t = read_incidents(p)
    assert t["country"].tolist() == ["Panamá", "Perú"] and t.attrs["encoding"] == "utf-8 mixed with latin-1"


def test_coordinate_quality(tmp_path: Path) -> None:
    rows = [row("A", coords="37.2832, 27"), row("B", coords=""), row("C", coords="95.5, -77.1"),
            row("D", coords="-110.2, 31.6"), row("E", coords="0, 0"), row("F", coords=" 8.53, -77.39 ")]
    t = read_incidents(write_csv(tmp_path / "c.csv", rows)).set_index("main_id")
    assert t["coord_quality"].to_dict() == {"A": "truncated", "B": "missing", "C": "out_of_range",
                                            "D": "out_of_range", "E": "missing", "F": "ok"}
    assert t.loc[["B", "C", "D", "E"], "lat"].isna().all() and t.loc["A", "lon"] == 27
    assert t.loc[["B", "C"]].geometry.isna().all()
    flagged = {f["row"]: f["reason"] for f in t.attrs["flagged"]}
    assert set(flagged) == {3, 4, 5} and "swap" in flagged[4] and "placeholder" in flagged[5]


def test_negative_counts(tmp_path: Path) -> None:
    rows = [row("A", dead="15", missing="-2"),  # IOM correction: the total confirms it
            row("B", dead="1", **{"Number of Survivors": "-1"})]
    t = read_incidents(write_csv(tmp_path / "n.csv", rows)).set_index("main_id")
    assert t.loc["A", "dead_missing"] == 13 and pd.isna(t.loc["B", "survivors"])
    assert len(t.attrs["flagged"]) == 2
    bad = write_csv(tmp_path / "neg.csv", [row("C", dead="-3")])
    with pytest.raises(DataError, match=r"neg\.csv(.|\n)*row 1: Number of Dead -3 is negative"):
        read_incidents(bad)


# --- bad input ---------------------------------------------------------------------------------------------

def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(DataError, match=r"empty\.csv is empty.*header row"):
        read_incidents(tmp_path / "empty.csv")
    (tmp_path / "blank.csv").write_bytes(b"\xef\xbb\xbf \n\n")
    with pytest.raises(DataError, match="blank.csv is empty"):
        read_incidents(tmp_path / "blank.csv")


def test_header_only(tmp_path: Path) -> None:
    p = write_csv(tmp_path / "header.csv", [])
    with pytest.raises(DataError, match=r"header\.csv has a header but no data rows.*download"):
        read_incidents(p)
    t = read_incidents(p, on_invalid="skip")
    assert len(t) == 0 and list(t.columns) == [*COLUMNS, "geometry"]
    with pytest.warns(UserWarning, match="no data rows"):
        read_incidents(p, on_invalid="warn")


def test_binary_file_named_csv(tmp_path: Path) -> None:
    p = tmp_path / "export.csv"
    p.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(DataError, match=r"export\.csv is neither a CSV text file nor an \.xlsx workbook"):
        read_incidents(p)
    z = tmp_path / "export.xlsx"
    with zipfile.ZipFile(z, "w") as f:
        f.writestr("data.csv", "a,b\n")
    with pytest.raises(DataError, match=r"export\.xlsx is a ZIP archive, not an \.xlsx workbook"):
        read_incidents(z)
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    with pytest.raises(DataError, match=r"old\.xls is a legacy Excel \.xls.*save it as \.xlsx or CSV"):
        read_incidents(tmp_path / "old.xls")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"cannot read incident file .*nope\.csv.*check the path"):
        read_incidents(tmp_path / "nope.csv")


def test_missing_required_columns(tmp_path: Path) -> None:
    header = [c for c in ALLDATA if c not in ("Coordinates", "Number of Dead")]
    p = write_csv(tmp_path / "cut.csv", [row("A")], header)
    with pytest.raises(DataError, match=r"cut\.csv lacks required column\(s\) \['Number of Dead', 'Coordinates'\] "
                                        r"of the IOM 'allData' export format"):
        read_incidents(p)
    header = [c for c in DOWNLOADS if c != "Main ID"]
    p = write_csv(tmp_path / "cut2.csv", [], header)
    with pytest.raises(DataError, match=r"cut2\.csv lacks required column\(s\) \['Main ID'\] of the IOM "
                                        r"downloads-page export format"):
        read_incidents(p)


def test_not_an_iom_export(tmp_path: Path) -> None:
    p = tmp_path / "other.csv"
    p.write_text("name,value\nx,1\n")
    with pytest.raises(DataError, match=r"other\.csv is not an IOM Missing Migrants export.*allData format"):
        read_incidents(p)


BAD_ROWS = [
    row("OK1"),
    row("BAD2", dead="two"),
    row("BAD3", date="31/02/2025"),
    row("BAD4", coords="8.5 -77.2"),
    row("BAD5", coords="8°30'N, 77°15'W"),
    row(""),
    row("BAD7", dead="1.5"),
    row("OK8", date=""),
]


def test_bad_rows_raise_one_error_listing_all(tmp_path: Path) -> None:
    p = write_csv(tmp_path / "rows.csv", BAD_ROWS)
    with pytest.raises(DataError, match=r"rows\.csv: 6 of 8 data rows cannot be read.*on_invalid='skip'") as e:
        read_incidents(p)
    text = "\n".join(e.value.problems)
    assert len(e.value.problems) == 6
    assert "row 2: Number of Dead 'two' is not a whole number" in text
    assert "row 3: Incident Date '31/02/2025' is not a date (expected YYYY-MM-DD" in text
    assert "row 4: Coordinates '8.5 -77.2' is not 'lat, lon' in decimal degrees (write it like" in text
    assert "row 5: Coordinates" in text and "row 6: Main ID is blank" in text and "row 7:" in text


def test_bad_rows_warn_and_skip(tmp_path: Path) -> None:
    p = write_csv(tmp_path / "rows.csv", BAD_ROWS)
    with pytest.warns(UserWarning, match=r"rows\.csv: 6 of 8 data rows.*row 2: Number of Dead"):
        w = read_incidents(p, on_invalid="warn")
    s = read_incidents(p, on_invalid="skip")
    for t in (w, s):
        assert t["main_id"].tolist() == ["OK1", "OK8"] and t["source_row"].tolist() == [1, 8]
        assert [x["row"] for x in t.attrs["skipped"]] == [2, 3, 4, 5, 6, 7]
        assert all(x["file"] == "rows.csv" and x["reason"] for x in t.attrs["skipped"])
    assert pd.isna(s.loc[1, "date"])  # a blank date is unknown, not invalid


def test_wrong_number_of_fields(tmp_path: Path) -> None:
    p = write_csv(tmp_path / "fields.csv", [row("A"), row("B"), row("C")])
    lines = p.read_text().splitlines()
    lines[2] += ",surplus"
    p.write_text("\n".join(lines))  # no final newline either
    with pytest.raises(DataError, match=r"fields\.csv(.|\n)*row 2: has 26 fields, expected 25"):
        read_incidents(p)
    t = read_incidents(p, on_invalid="skip")
    assert t["main_id"].tolist() == ["A", "C"] and t["source_row"].tolist() == [1, 3]


def test_truncated_file(tmp_path: Path) -> None:
    p = write_csv(tmp_path / "cut.csv", [row("A"), row("B")])
    full = p.read_bytes()
    p.write_bytes(full[:-30])  # the last line lost its last fields
    with pytest.raises(DataError, match=r"cut\.csv(.|\n)*row 2: has 23 fields, expected 25 .*truncated line"):
        read_incidents(p)
    assert read_incidents(p, on_invalid="skip")["main_id"].tolist() == ["A"]
    p.write_bytes(full[:full.rindex(b'"8.5,') + 3])  # cut inside the quoted coordinates of the last row
    with pytest.raises(DataError, match=r"cut\.csv cannot be parsed as CSV near line 3.*truncated"):
        read_incidents(p)


def test_on_invalid_must_be_known(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="on_invalid must be 'raise', 'warn' or 'skip', not 'ignore'"):
        read_incidents(tmp_path / "x.csv", on_invalid="ignore")


def test_input_file_never_modified(tmp_path: Path) -> None:
    p = write_csv(tmp_path / "keep.csv", BAD_ROWS, encoding="latin-1")
    before, mtime = sha(p), p.stat().st_mtime_ns
    read_incidents(p, on_invalid="skip")
    with pytest.raises(DataError):
        read_incidents(p)
    assert sha(p) == before and p.stat().st_mtime_ns == mtime


# --- duplicates and combining --------------------------------------------------------------------------------

def test_possible_duplicate_flagged_not_dropped(tmp_path: Path) -> None:
    rows = [row("X1700", date="2025-12-27", coords="9.554867882, -79.25109712", **{"Number of Survivors": "32"}),
            row("X2303", date="2025-12-27", coords="9.553125111, -79.24973231", **{"Number of Survivors": "34"}),
            row("OTHER", date="2025-12-27", coords="9.5549, -79.2511", **{"Cause of Death": "Violence"}),
            row("FAR", date="2025-12-27", coords="9.6, -79.2")]
    p = write_csv(tmp_path / "d.csv", rows)
    t = read_incidents(p).set_index("main_id")
    assert len(t) == 4
    assert t["possible_duplicate_of"].to_dict() == {"X1700": "X2303", "X2303": "X1700", "OTHER": "", "FAR": ""}
    assert (read_incidents(p, dedupe=False)["possible_duplicate_of"] == "").all()
    assert (
        flag_duplicates(read_incidents(p, dedupe=False)).set_index("main_id").loc["X1700", "possible_duplicate_of"]
        == "X2303"
    )


def test_combine_newer_export_wins_for_its_period(tmp_path: Path) -> None:
    old = read_incidents(write_csv(tmp_path / "old.csv", [
        row("2024.MMP0001", date="2024-06-01"),
        row("2025.MMP0096", date="2025-02-18", coords="14.7, -92.4"),  # absent from the newer export
        row("2025.MMP0199", date="2025-04-02", coords="8.1, -77.1", **{"Number of Survivors": "3"}),
        row("UNDATED", date="", coords="8.0, -77.0")]))
    new = read_incidents(write_csv(tmp_path / "new.csv", [
        row("2025.MMP0165", date="2025-04-02", coords="8.1001, -77.1001", **{"Number of Survivors": "4"}),
        row("2025.MMP0028", date="2025-01-11", coords="7.8, -72.4"),
        row("2025.MMP0300", date="2025-09-01")]))
    t = combine_incidents([old, new])
    assert t["main_id"].tolist() == ["2024.MMP0001", "2025.MMP0028", "2025.MMP0165", "2025.MMP0300", "UNDATED"]
    assert t.set_index("main_id").loc["2025.MMP0165", "survivors"] == 4
    notes = {r["main_id"]: r for r in t.attrs["replaced"]}
    assert notes["2025.MMP0199"]["replaced_by"] == "2025.MMP0165" and "same event" in notes["2025.MMP0199"]["reason"]
    assert notes["2025.MMP0096"]["replaced_by"] is None and "2025-01-01..2025-09-30" in notes["2025.MMP0096"]["reason"]
    assert [s["source_file"] for s in t.attrs["sources"]] == ["old.csv", "new.csv"]
    assert len(combine_incidents([new, new])) == len(new)


# --- properties ----------------------------------------------------------------------------------------------

coord = st.tuples(st.floats(-56, 90), st.floats(-180, 180), st.integers(2, 9))  # below 56 S: taken as swapped
counts = st.tuples(st.integers(0, 500), st.one_of(st.none(), st.integers(0, 500)))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(coord, counts), min_size=1, max_size=12))
def test_property_roundtrip_of_counts_and_positions(tmp_path_factory: pytest.TempPathFactory,
                                                   items: list[tuple[tuple[float, float, int], tuple[int, int | None]]]
                                                   ) -> None:
    rows = []
    for i, ((lat, lon, nd), (dead, missing)) in enumerate(items):
        rows.append(row(f"P{i}", dead=str(dead), missing="" if missing is None else str(missing),
                        coords=f"{lat:.{nd}f}, {lon:.{nd}f}"))
    t = read_incidents(write_csv(tmp_path_factory.mktemp("p") / "p.csv", rows), dedupe=False)
    assert len(t) == len(items)
    assert t["dead_missing"].sum() == sum(d + (m or 0) for _, (d, m) in items)
    expected_lat = np.array([round(lat, nd) for (lat, _, nd), _ in items])
    zero = np.array([round(lat, nd) == 0 and round(lon, nd) == 0 for (lat, lon, nd), _ in items])
    assert np.allclose(t["lat"].to_numpy()[~zero], expected_lat[~zero])
    coarse = np.array([round(lat, 1) == round(lat, nd) or round(lon, 1) == round(lon, nd)
                       for (lat, lon, nd), _ in items])
    q = t["coord_quality"].to_numpy()
    assert (q[zero] == "missing").all() and (q[~zero & coarse] == "truncated").all()
    assert (q[~zero & ~coarse] == "ok").all()


# --- the real export (skipped when ../shared/data is absent) -------------------------------------------------

@needs_shared("iom_mmp")
def test_full_alldata_csv() -> None:
    p = shared_data() / "iom_mmp" / "Missing_Migrants_Global_Figures_allData.csv"
    before = sha(p)
    t = read_incidents(p)
    assert len(t) == 19_255 and t.attrs["skipped"] == []
    assert t["date"].isna().sum() == 13 and t["main_id"].str.startswith("\ufeff").sum() == 0
    assert t["coord_quality"].isin(["ok", "truncated"]).all()
    assert t.attrs["period"] == ("2014-01-02", "2025-04-29") and sha(p) == before


def test_future_date_is_an_error(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "future.csv", [row("2024.MMP0001"), row("2099.MMP0001", date="2099-01-01")])
    with pytest.raises(DataError, match=r"future.csv.*row 2.*'2099-01-01' is in the future"):
        read_incidents(path)
    kept = read_incidents(path, on_invalid="skip")
    assert list(kept["main_id"]) == ["2024.MMP0001"]
    assert kept.attrs["skipped"][0]["row"] == 2
