"""The IOM Missing Migrants export formats, and the parsing of one export file into normalised rows.

:func:`routes.io.incidents.read_incidents` reads a file through :func:`parse_export`, which

- sniffs the content (CSV text or ``.xlsx`` workbook; empty, binary, ZIP and legacy ``.xls`` files are refused; a
  workbook is read by :mod:`routes.io.xlsx`, which bounds its unpacked size and refuses data on other sheets),
- decodes CSV text (:mod:`routes.io.csv_text`: UTF-8 with or without BOM, else Latin-1 byte by byte; UTF-16) and
  its separator (``,``, ``;`` or tab), counting every record's fields first, so that a row with too few or too many
  fields is reported even
  when the file ends with a newline, and a file of more than ``max_rows`` rows is refused before it is parsed,
- detects the format from the header row (:data:`FORMATS`: ``allData``, ``downloads``, ``snapshot``), never from
  the file name, checks its :data:`REQUIRED` columns and refuses a column it reads that appears twice,
- parses dates, counts and coordinates into the normalised schema (:data:`COLUMNS`), collecting per data row the
  problems that make it unreadable (among them a count above :data:`MAX_COUNT`, checked before any conversion to
  integers, and a date before :data:`FIRST_DAY` or in the future) and the flags of values it kept or set to unknown.

Row numbers are 1-based data rows (the header is not counted).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from routes.errors import DataError
from routes.io.csv_text import csv_header, csv_table, head, utf8
from routes.io.xlsx import MAX_XLSX_BYTES, read_xlsx

__all__ = ["COLUMNS", "COORD_QUALITIES", "FORMATS", "LABELS", "REQUIRED", "aggregate_split_rows", "parse_export"]

COLUMNS: list[str] = [
    "main_id", "incident_ids", "date", "year", "month", "dead", "missing", "dead_missing", "survivors", "children",
    "cause", "route", "country", "lat", "lon", "coord_quality", "source_quality", "incident_type", "source_file",
    "source_row", "possible_duplicate_of",
]  # fmt: skip
COORD_QUALITIES = ("ok", "truncated", "missing", "out_of_range")

FORMATS: dict[str, dict[str, str]] = {
    "allData": {
        "main_id": "Main ID", "incident_ids": "Incident ID", "incident_type": "Incident Type", "date": "Incident Date",
        "year": "Incident Year", "month": "Month", "dead": "Number of Dead",
        "missing": "Minimum Estimated Number of Missing", "total": "Total Number of Dead and Missing",
        "survivors": "Number of Survivors", "children": "Number of Children", "cause": "Cause of Death",
        "country": "Country of Incident", "route": "Migration Route", "coordinates": "Coordinates",
        "source_quality": "Source Quality",
    },
    "downloads": {
        "main_id": "Main ID", "incident_ids": "Incident ID", "date": "Incident Date", "year": "Year",
        "month": "Reported Month", "dead": "Number Dead", "missing": "Minimum Estimated Number of Missing",
        "survivors": "Number of Survivors", "children": "Number of Children", "cause": "Cause of Death",
        "route": "Migration route", "coordinates": "Coordinates", "source_quality": "Source Quality",
    },
    "snapshot": {c: c for c in COLUMNS if c not in ("dead_missing", "geometry")} | {"lat": "lat", "lon": "lon"},
}  # fmt: skip
REQUIRED: dict[str, tuple[str, ...]] = {
    "allData": ("main_id", "incident_ids", "date", "dead", "missing", "coordinates"),
    "downloads": ("main_id", "incident_ids", "date", "dead", "missing", "coordinates"),
    "snapshot": ("main_id", "incident_ids", "date", "dead", "missing", "lat", "lon", "coord_quality"),
}
LABELS = {"allData": "IOM 'allData' export", "downloads": "IOM downloads-page export", "snapshot": "routes snapshot"}
_SIGNATURE = {
    "snapshot": ("main_id", "coord_quality"),
    "downloads": ("number dead", "reported month", "location of death"),
    "allData": ("number of dead", "country of incident", "incident year", "location of incident"),
}
_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}  # fmt: skip
_NUM = r"[-+]?[0-9]+(?:\.[0-9]*)?"  # ASCII digits: other scripts' digits are not read as numbers
#: a position written "lat, lon", optionally in parentheses
_LAT_LON = re.compile(rf"^\s*\(?\s*({_NUM})\s*,\s*({_NUM})\s*\)?\s*$")


def _key(name: object) -> str:
    return " ".join(str(name).replace("\ufeff", "").replace("ï»¿", "").split()).casefold()


def _sniff(raw: bytes, name: str) -> str:
    """Return "xlsx" or "csv" from the content, or raise for empty and binary files."""
    if not raw.lstrip(b"\xef\xbb\xbf").strip():
        raise DataError(f"{name} is empty; expected an IOM Missing Migrants export (CSV or .xlsx) with a header row. "
                        "Download it again from https://missingmigrants.iom.int/downloads")
    if raw[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as z:
                if "xl/workbook.xml" in z.namelist():
                    return "xlsx"
        except zipfile.BadZipFile as e:
            raise DataError(f"{name} looks like an .xlsx workbook but the archive is damaged ({e}); "
                            "download the export again or save it as CSV") from None
        raise DataError(f"{name} is a ZIP archive, not an .xlsx workbook; unzip it and read the CSV inside")
    if raw[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise DataError(f"{name} is a legacy Excel .xls workbook; open it and save it as .xlsx or CSV")
    head = raw[:8192]
    if raw[:2] not in (b"\xff\xfe", b"\xfe\xff"):
        ctrl = sum(head.count(bytes([b])) for b in range(32) if b not in (9, 10, 13))
        if b"\x00" in head or ctrl > len(head) // 100:
            raise DataError(f"{name} is neither a CSV text file nor an .xlsx workbook (it holds binary data); "
                            "expected an IOM Missing Migrants export (.csv or .xlsx)")
    return "csv"


def _check_header(header: Sequence[str], name: str) -> None:
    """Refuse a header in which a column the formats read appears twice (which copy holds the data?)."""
    known = {_key(c) for f in FORMATS.values() for c in f.values()}
    seen: dict[str, list[int]] = {}
    for i, h in enumerate(header, start=1):
        if _key(h) in known:
            seen.setdefault(_key(h), []).append(i)
    twice = [v for v in seen.values() if len(v) > 1]
    if twice:
        listing = "; ".join(f"{header[v[0] - 1]!r} in columns {', '.join(map(str, v))}" for v in twice)
        raise DataError(f"{name} has a column twice: {listing}. An export has each column once and the copies may "
                        "differ: delete or rename the copy that is not the data")


def _detect(columns: Sequence[str], name: str) -> tuple[str, dict[str, str]]:
    """Detect the format from the header; return it and a map field -> column name in the file."""
    keys = {_key(c): c for c in columns}
    fmt = next((f for f, sig in _SIGNATURE.items()
                if (all(s in keys for s in sig) if f == "snapshot" else any(s in keys for s in sig))), None)
    if fmt is None:
        score = {f: sum(_key(c) in keys for c in FORMATS[f].values()) for f in ("allData", "downloads")}
        fmt = max(score, key=lambda f: score[f])
        if score[fmt] == 0:
            raise DataError(
                f"{name} is not an IOM Missing Migrants export: none of the expected columns were found "
                f"(found {list(columns)[:8]!r}). Expected the allData format ({list(FORMATS['allData'].values())}) "
                f"or the downloads-page format ({list(FORMATS['downloads'].values())})")
    found = {f: keys[_key(c)] for f, c in FORMATS[fmt].items() if _key(c) in keys}
    missing = [FORMATS[fmt][f] for f in REQUIRED[fmt] if f not in found]
    if missing:
        raise DataError(f"{name} lacks required column(s) {missing!r} of the {LABELS[fmt]} format "
                        f"(found {list(columns)!r}); download the full export again or restore those columns")
    return fmt, found


#: the largest count of people one incident may have (the largest shipwrecks IOM records count about 1,000); checked
#: before any conversion to integers, so that no count overflows
MAX_COUNT = 100_000
#: the first day of the IOM Missing Migrants Project's records: an earlier date is a placeholder or a typo
FIRST_DAY = pd.Timestamp("2014-01-01")


def _numbers(t: pd.Series) -> pd.Series:
    """Floats from strings (never an integer overflow), NaN for blank or unreadable: plain ASCII digits, nearly every
    count, are converted by numpy in one pass; any other text as ``pandas.to_numeric`` reads it (signs, decimals,
    blanks around it), which takes several times as long."""
    vals = t.to_numpy(dtype=object, na_value="")
    num = np.full(len(vals), np.nan)
    try:
        ascii_ = vals.astype("S")
        plain = np.char.isdigit(ascii_)  # b"" is not
        if "\x00" in "".join(vals):  # numpy's fixed-width bytes drop trailing NULs: "5\x00" is not plain
            plain &= np.char.str_len(ascii_) == np.fromiter(map(len, vals), int, len(vals))
        num[plain] = ascii_[plain].astype(np.float64)
    except (UnicodeEncodeError, TypeError):  # text beyond ASCII (or not text): all of it the slow way
        plain = np.zeros(len(vals), dtype=bool)
    rest = ~plain & (vals != "")
    if rest.any():
        num[rest] = pd.to_numeric(pd.Series(vals[rest], dtype=object), errors="coerce").astype("float64").to_numpy()
    return pd.Series(num, index=t.index, dtype="float64")


def _counts(t: pd.Series, label: str, problems: dict[int, list[str]]) -> pd.Series:
    """Whole numbers from strings; blank -> NaN; anything else non-integral or out of range is a problem of its row."""
    num = _numbers(t)
    vals, v = t.to_numpy(dtype=object, na_value=""), num.to_numpy()
    read = ~np.isnan(v)
    unread = np.flatnonzero(~read & (vals != ""))
    big = np.abs(v) > MAX_COUNT  # NaN is not
    bad = read & ~big
    with np.errstate(invalid="ignore"):  # inf % 1 (out of range below anyway)
        bad[read] = np.mod(v[read], 1) != 0
    bad &= ~big
    bad[unread] = [str(x).strip() != "" for x in vals[unread]]  # only blanks around nothing read as blank
    for row, v in t[bad].items():
        problems.setdefault(int(row), []).append(f"{label} {v!r} is not a whole number (write a count, or leave "
                                                  "it blank for 0)")
    for row, v in t[big].items():
        problems.setdefault(int(row), []).append(
            f"{label} {v!r} is out of range: more than {MAX_COUNT:,} people in one incident is not plausible (the "
            "largest shipwrecks count about 1,000); check the row")
    return num.mask(bad | big)


def _parse_dates(t: pd.Series) -> tuple[pd.Series, pd.Series]:
    date = pd.to_datetime(t, format="%Y-%m-%d", errors="coerce")
    rest = t[date.isna() & (t != "")].str.strip()
    if len(rest):
        iso = rest.str.extract(r"^(\d{4}-\d{1,2}-\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")[0]
        us = rest.str.extract(
            r"^(?:[A-Za-z]{3,9},?\s*)?(\d{1,2}/\d{1,2}/\d{4})(?:\s*-?\s*\d{1,2}:\d{2}(?::\d{2})?)?$")[0]
        more = pd.to_datetime(iso, format="%Y-%m-%d", errors="coerce").fillna(
            pd.to_datetime(us, format="%m/%d/%Y", errors="coerce"))
        date = date.fillna(more)
    date = date.astype("datetime64[us]")
    bad = (
        date.isna() & ~t.str.strip().isin(["", "0", "0.0", "nan", "NaT", "None"]) if len(rest) else date.isna() & False
    )
    return date, bad


#: south of this latitude a "lat, lon" pair is taken for a swapped "lon, lat" one (Antarctica; Cape Horn is 55.98 S)
ANTARCTIC_LAT = -56.0


def _coordinates(t: pd.Series, problems: dict[int, list[str]], flagged: dict[int, list[str]]
                 ) -> tuple[pd.Series, pd.Series, pd.Series]:
    # a compiled pattern per value (pandas' str.extract costs more than the matching), then numpy on the numbers
    vals = t.to_numpy(dtype=object)
    found = [_LAT_LON.match(v) if isinstance(v, str) else None for v in vals]
    unread = np.array([f is None for f in found], dtype=bool)
    lat, lon = np.array([f.groups() if f else ("nan", "nan") for f in found], dtype=np.float64).reshape(-1, 2).T
    rows = t.index.to_numpy()
    for i in np.flatnonzero(unread):
        if str(vals[i]).strip():
            problems.setdefault(int(rows[i]), []).append(
                f"Coordinates {vals[i]!r} is not 'lat, lon' in decimal degrees (write it like '8.5312, -77.2471')")
    with np.errstate(invalid="ignore"):  # NaN where unread; inf for a number too long to be a float
        trunc = (np.abs(lat * 10 - np.round(lat * 10)) <= 1e-9) | (
            np.abs(lon * 10 - np.round(lon * 10)) <= 1e-9)  # at most one significant decimal ("27", "-80.0")
    oor = (np.abs(lat) > 90) | (np.abs(lon) > 180)
    # no migrant death has been recorded south of Cape Horn: a point in Antarctica is a 'lon, lat' pair read as
    # 'lat, lon' (both values in range), e.g. '-77.2471, 8.5312' for Acandí
    antarctic = ~oor & (lat < ANTARCTIC_LAT) & (np.abs(lon) <= 90) & (lon >= ANTARCTIC_LAT)
    oor = oor | antarctic
    zero = (lat == 0) & (lon == 0)
    for i in np.flatnonzero(oor | zero):
        swapped = " (looks like 'lon, lat': swap them)" if abs(lat[i]) <= 180 and abs(lon[i]) <= 90 else ""
        if antarctic[i]:
            why = f"puts the incident in Antarctica (latitude {lat[i]:g}){swapped}"
        else:
            why = "is 0, 0, a placeholder" if zero[i] else f"is out of range{swapped}"
        flagged.setdefault(int(rows[i]), []).append(f"Coordinates {vals[i]!r} {why}; position set to unknown")
    quality = np.select([unread | zero, oor, trunc], ["missing", "out_of_range", "truncated"], "ok")
    unknown = unread | zero | oor
    return (pd.Series(np.where(unknown, np.nan, lat), index=t.index),
            pd.Series(np.where(unknown, np.nan, lon), index=t.index), pd.Series(quality, index=t.index))


_Text = Callable[..., pd.Series]


def _dates_into(out: pd.DataFrame, text: _Text, cols: dict[str, str], problems: dict[int, list[str]]) -> None:
    """Fill ``date``, ``year`` and ``month``; a date that is unreadable, in the future or before 2014 is a problem."""
    out["date"], bad_date = _parse_dates(text("date"))
    for row, v in text("date")[bad_date].items():
        problems.setdefault(int(row), []).append(
            f"{cols['date']} {v!r} is not a date (expected YYYY-MM-DD or 'Thu, 01/31/2026 - 12:00')")
    now = pd.Timestamp.now()
    future = out["date"] > now + pd.Timedelta(days=1)
    for row, v in text("date")[future].items():
        problems.setdefault(int(row), []).append(
            f"{cols['date']} {v!r} is in the future; check the date (the day is the date of death, or when the body "
            "was found)")
    early = out["date"] < FIRST_DAY
    for row, v in text("date")[early].items():
        problems.setdefault(int(row), []).append(
            f"{cols['date']} {v!r} is before 2014, when the IOM Missing Migrants Project began its records; check the "
            "date (1900-01-01 or 0001-01-01 stand for an unknown date: leave it blank)")
    nodate = out["date"].isna()
    year = pd.to_numeric(text("year")[nodate], errors="coerce")
    for row, v in text("year")[nodate][year.notna() & ~year.between(FIRST_DAY.year, now.year)].items():
        problems.setdefault(int(row), []).append(
            f"{cols['year']} {v!r} is outside {FIRST_DAY.year}-{now.year}, the years of the IOM records; check it, or "
            "leave it blank when unknown")
    mtxt = text("month")[nodate]
    month = pd.to_numeric(mtxt, errors="coerce").fillna(mtxt.str.strip().str[:3].str.casefold().map(_MONTHS))
    out["year"] = out["date"].dt.year.fillna(year.where(year.between(FIRST_DAY.year, now.year))).astype("Int64")
    out["month"] = out["date"].dt.month.fillna(month.where(month.between(1, 12))).astype("Int64")


def _counts_into(out: pd.DataFrame, text: _Text, cols: dict[str, str], problems: dict[int, list[str]],
                 flagged: dict[int, list[str]]) -> None:
    """Fill the counts (dead, missing, their sum, survivors, children); a negative count is a problem, except a
    negative missing that IOM booked as a correction, and negative survivors or children become unknown."""
    dead = _counts(text("dead"), cols["dead"], problems)
    missing = _counts(text("missing"), cols["missing"], problems)
    total = _counts(text("total"), cols.get("total", "total"), {}) if "total" in cols else None
    for label, s in ((cols["dead"], dead), (cols["missing"], missing)):
        neg = s < 0
        if label == cols["missing"] and total is not None:  # IOM books corrections as negative missing
            ok = neg & (dead.fillna(0) + missing == total) & (total >= 0)
            for row in s.index[ok]:
                flagged.setdefault(int(row), []).append(
                    f"{label} {int(s[row])} is negative; kept as an IOM correction (dead + missing = total)")
            neg = neg & ~ok
        for row, v in s[neg].items():
            problems.setdefault(int(row), []).append(f"{label} {int(v)} is negative (counts must be 0 or more)")
    out["dead"] = dead.fillna(0).astype("int64")
    out["missing"] = missing.fillna(0).astype("int64")
    out["dead_missing"] = out["dead"] + out["missing"]
    for field in ("survivors", "children"):
        s = _counts(text(field), cols.get(field, field), problems)
        for row, v in s[s < 0].items():
            flagged.setdefault(int(row), []).append(f"{cols[field]} {int(v)} is negative; set to unknown")
        out[field] = s.mask(s < 0).astype("Int64")


def _normalise(tab: pd.DataFrame, fmt: str, cols: dict[str, str], name: str
               ) -> tuple[pd.DataFrame, dict[int, list[str]], dict[int, list[str]]]:
    """Turn the string table into the normalised schema (all rows) plus the problems and flags per row."""
    problems: dict[int, list[str]] = {}
    flagged: dict[int, list[str]] = {}

    read: dict[tuple[str, bool], pd.Series] = {}

    def text(field: str, strip: bool = False) -> pd.Series:
        """A column as text (read once); ``strip``: without byte-order marks and surrounding blanks."""
        if (field, strip) not in read:
            if field not in cols:
                s = pd.Series("", index=tab.index, dtype=str)
            else:
                s = tab[cols[field]].fillna("").astype(str)
                if strip:  # each distinct value once (causes, routes, countries repeat)
                    codes, values = pd.factorize(s.to_numpy(dtype=object))
                    clean = np.array([v.replace("\ufeff", "").strip() for v in values], dtype=object)
                    s = pd.Series(clean[codes], index=s.index, dtype=s.dtype)
            read[field, strip] = s
        return read[field, strip]

    out = pd.DataFrame(index=tab.index)
    out["main_id"] = text("main_id", strip=True)
    for row in out.index[out["main_id"] == ""]:
        problems.setdefault(int(row), []).append(f"{cols['main_id']} is blank (every incident needs its IOM id)")
    out["incident_ids"] = text("incident_ids", strip=True)
    _dates_into(out, text, cols, problems)
    _counts_into(out, text, cols, problems, flagged)
    for field in ("cause", "route", "country", "incident_type"):
        out[field] = text(field, strip=True)
    sq = text("source_quality", strip=True)
    dotted = sq.str.contains(".", regex=False)
    out["source_quality"] = sq.where(~dotted, sq[dotted].str.replace(r"(\d+)\.0\b", r"\1", regex=True))
    if fmt == "snapshot":
        coords = (text("lat") + ", " + text("lon")).where((text("lat") != "") | (text("lon") != ""), "")
    else:
        coords = text("coordinates")
    out["lat"], out["lon"], out["coord_quality"] = _coordinates(coords, problems, flagged)
    if fmt == "snapshot":
        q = text("coord_quality")
        out["coord_quality"] = q.where(q.isin(COORD_QUALITIES), out["coord_quality"])
        out["source_file"] = text("source_file").where(text("source_file") != "", name)
        rows = pd.to_numeric(text("source_row"), errors="coerce").astype("float64")
        out["source_row"] = rows.where(rows.between(1, 2**53), -1).astype("int64")  # checked before the conversion
    else:
        out["source_file"] = name
        out["source_row"] = out.index.astype("int64")
    out["possible_duplicate_of"] = text("possible_duplicate_of")
    return out, problems, flagged


def aggregate_split_rows(df: pd.DataFrame) -> pd.DataFrame:
    """Downloads-page format: merge the rows of one split incident (same ``main_id``) into one row."""
    dup = df["main_id"].duplicated(keep=False)
    if not dup.any():
        return df
    def joined(s: pd.Series) -> str:
        return ",".join(dict.fromkeys(x for v in s for x in str(v).split(",") if x))

    agg: dict[str, Any] = {c: "first" for c in df.columns if c != "main_id"}
    agg.update(incident_ids=joined, cause=joined, source_quality=joined, route=joined, date="min",
               dead="sum", missing="sum", dead_missing="sum",
               survivors=lambda s: s.sum(min_count=1), children=lambda s: s.sum(min_count=1))
    merged = df[dup].groupby("main_id", sort=False).agg(agg).reset_index()
    merged["incident_type"] = "Split Incident"
    merged.index = df.index[dup & ~df["main_id"].duplicated()]
    out = pd.concat([df[~dup], merged]).sort_index()
    for c in ("survivors", "children"):
        out[c] = out[c].astype("Int64")
    return out[df.columns]

def parse_export(
    raw: bytes,
    name: str,
    *,
    max_rows: int | None = None,
    max_xlsx_bytes: int | None = MAX_XLSX_BYTES,
) -> tuple[pd.DataFrame, str, dict[str, str], str | None, dict[int, list[str]], dict[int, list[str]], int]:
    """Parse the bytes of export ``name`` into normalised rows, every data row kept.

    Returns the rows (indexed by data row number), the format, the map field -> column name in the file, the text
    encoding (None for a workbook), the problems and the flags per row, and the number of data rows read.
    """
    encoding: str | None = None
    if _sniff(raw, name) == "xlsx":
        tab, header, formulas, problems = read_xlsx(raw, name, max_rows=max_rows, max_bytes=max_xlsx_bytes)
        _check_header(header, name)
        fmt, cols = _detect(header, name)
        used = set(cols.values())
        for row, cells in formulas.items():
            for column, ref, formula in cells:
                if column in used:
                    problems.setdefault(row, []).append(
                        f"{column} (cell {ref}) holds the formula {formula!r} without a stored value; open the "
                        "workbook in a spreadsheet and save it (so the value is computed), or export it as CSV")
    else:
        data, encoding = utf8(raw, name)  # the bytes pandas reads: no copy of a large file's text stays alive
        sep, header = csv_header(head(data), name)
        _check_header(header, name)
        fmt, cols = _detect(header, name)
        tab, problems = csv_table(data, sep, header, set(cols.values()), name, max_rows=max_rows)
    df, row_problems, flagged = _normalise(tab, fmt, cols, name)
    for r, reasons in row_problems.items():
        problems.setdefault(r, []).extend(reasons)
    n_rows = len(tab) + sum(1 for r in problems if r not in tab.index)
    return df, fmt, cols, encoding, problems, flagged, n_rows
