"""The IOM Missing Migrants export formats, and the parsing of one export file into normalised rows.

:func:`routes.io.incidents.read_incidents` reads a file through :func:`parse_export`, which

- sniffs the content (CSV text or ``.xlsx`` workbook; empty, binary, ZIP and legacy ``.xls`` files are refused),
- decodes CSV text (UTF-8 with or without BOM, else Latin-1 byte by byte; UTF-16) and its separator (``,``, ``;``
  or tab), reporting rows with a wrong number of fields,
- detects the format from the header row (:data:`FORMATS`: ``allData``, ``downloads``, ``snapshot``), never from
  the file name, and checks its :data:`REQUIRED` columns,
- parses dates, counts and coordinates into the normalised schema (:data:`COLUMNS`), collecting per data row the
  problems that make it unreadable and the flags of values it kept or set to unknown.

Row numbers are 1-based data rows (the header is not counted).
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from routes.errors import DataError

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
_NUM = r"[-+]?\d+(?:\.\d*)?"


def _key(name: object) -> str:
    return " ".join(str(name).replace("\ufeff", "").replace("ï»¿", "").split()).casefold()


#: a header row longer than this, or with more fields, is not an IOM export (and pandas would take minutes on it)
MAX_HEADER_CHARS = 100_000
MAX_FIELDS = 500


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


def _as_windows(err: UnicodeError) -> tuple[str, int]:
    """Decode bytes that are not UTF-8 as Windows-1252 (what Excel on Windows writes), else as Latin-1."""
    assert isinstance(err, UnicodeDecodeError)
    chunk = err.object[err.start : err.end]
    try:
        return chunk.decode("cp1252"), err.end
    except UnicodeDecodeError:  # the five bytes cp1252 leaves undefined
        return chunk.decode("latin-1"), err.end


codecs.register_error("routes-windows", _as_windows)


def _decode(raw: bytes, name: str = "the file") -> tuple[str, str]:
    """Text of the file and its encoding: UTF-16 with a BOM, UTF-8 (BOM or not), else Windows-1252 or Latin-1.

    Bytes that are not UTF-8 are read as Windows-1252 (Excel's CSV on Windows writes its dashes and quotes as
    0x96, 0x93, 0x94...), which equals Latin-1 for every other byte.
    """
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return raw.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise DataError(f"{name} is UTF-16 text cut in the middle of a character: the file is truncated; "
                            "download the export again") from None
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        text = raw.decode("utf-8-sig", errors="routes-windows")
        body = raw.removeprefix(b"\xef\xbb\xbf")
        single = "windows-1252" if any(0x80 <= b <= 0x9F for b in body) else "latin-1"
        whole = body.decode("cp1252", errors="routes-windows")
        return text, single if text == whole else f"utf-8 mixed with {single}"


def _csv_table(raw: bytes, name: str) -> tuple[pd.DataFrame, str, dict[int, list[str]]]:
    """Parse CSV text into a table of strings; rows with a wrong number of fields are reported, not kept."""
    text, encoding = _decode(raw, name)
    if not text.strip():
        raise DataError(f"{name} is empty; expected an IOM Missing Migrants export (CSV or .xlsx) with a header row. "
                        "Download it again from https://missingmigrants.iom.int/downloads")
    newline = text.find("\n", 0, MAX_HEADER_CHARS)
    if newline < 0 and len(text) > MAX_HEADER_CHARS:
        raise DataError(f"{name} has no line break in its first {MAX_HEADER_CHARS:,} characters: it is not a CSV "
                        "export with a header row (an IOM export's header is about 300 characters)")
    first = text[:newline] if newline >= 0 else text
    sep = max([",", ";", "\t"], key=first.count)
    if first.count(sep) + 1 > MAX_FIELDS:
        raise DataError(f"{name}: the header row has {first.count(sep) + 1:,} fields; an IOM export has about 25 "
                        "columns. This is not an IOM Missing Migrants export; download it again")
    problems: dict[int, list[str]] = {}
    if text.endswith(("\n", "\r")):
        try:
            # valid UTF-8 is parsed from its bytes (no second encoding of the decoded text for the C parser)
            source = io.BytesIO(raw) if encoding == "utf-8" else io.StringIO(text)
            df = pd.read_csv(source, sep=sep, dtype=str, keep_default_na=False, engine="c", encoding="utf-8-sig")
            df.index = pd.RangeIndex(1, len(df) + 1)
            return df, encoding, problems
        except pd.errors.ParserError:
            pass  # fall through to the exact, slower reader that reports each bad row
    records = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
    rows: list[list[str]] = []
    numbers: list[int] = []
    try:
        header = next(records)
        for n, rec in enumerate(records, start=1):
            if len(rec) != len(header):
                if rec == [] or rec == [""]:
                    continue
                problems[n] = [(f"has {len(rec)} fields, expected {len(header)} (line {records.line_num} of the "
                                "file; an unquoted separator in a text field, or a truncated line?)")]
                continue
            rows.append(rec)
            numbers.append(n)
    except csv.Error as e:
        raise DataError(f"{name} cannot be parsed as CSV near line {records.line_num}: {e}. The file may be truncated "
                        "or have an unclosed quote; download the export again") from None
    df = pd.DataFrame(rows, columns=header, index=pd.Index(numbers), dtype=str)
    return df, encoding, problems


def _xlsx_table(raw: bytes, name: str) -> pd.DataFrame:
    try:
        with pd.ExcelFile(io.BytesIO(raw), engine="openpyxl") as book:
            sheet = "Worksheet" if "Worksheet" in book.sheet_names else book.sheet_names[0]
            df = pd.read_excel(book, sheet_name=sheet, dtype=object, header=0)
    except Exception as e:  # noqa: BLE001 - openpyxl raises many kinds of errors for damaged workbooks
        raise DataError(f"{name} cannot be read as an .xlsx workbook ({type(e).__name__}: {e}); "
                        "open it in a spreadsheet and save it again, or export it as CSV") from None

    def cell(v: Any) -> str:
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
            return ""
        if hasattr(v, "isoformat"):
            return str(v.isoformat())
        return str(v)

    df = df.map(cell).astype(str)
    df.index = pd.RangeIndex(1, len(df) + 1)
    return df


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


def _counts(t: pd.Series, label: str, problems: dict[int, list[str]]) -> pd.Series:
    """Whole numbers from strings; blank -> NaN; anything else non-integral is a problem of its row."""
    num = pd.to_numeric(t.where(t != ""), errors="coerce")
    odd = t[num.isna() & (t != "")]
    blank = odd.str.strip() == ""
    bad = num.index.isin(odd.index[~blank]) | (num.notna() & (num % 1 != 0)).to_numpy()
    for row, v in t[bad].items():
        problems.setdefault(int(row), []).append(f"{label} {v!r} is not a whole number (write a count, or leave "
                                                  "it blank for 0)")
    return num.where(~bad)


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
    bad = date.isna() & ~t.str.strip().isin(["", "0", "0.0", "nan", "NaT", "None"]) if len(rest) else date.isna() & False
    return date, bad


#: south of this latitude a "lat, lon" pair is taken for a swapped "lon, lat" one (Antarctica; Cape Horn is 55.98 S)
ANTARCTIC_LAT = -56.0


def _coordinates(t: pd.Series, problems: dict[int, list[str]], flagged: dict[int, list[str]]
                 ) -> tuple[pd.Series, pd.Series, pd.Series]:
    m = t.str.extract(rf"^\s*\(?\s*({_NUM})\s*,\s*({_NUM})\s*\)?\s*$")
    lat, lon = pd.to_numeric(m[0]), pd.to_numeric(m[1])
    blank = t.str.strip() == "" if m[0].isna().any() else pd.Series(False, index=t.index)
    for row, v in t[m[0].isna() & ~blank].items():
        problems.setdefault(int(row), []).append(
            f"Coordinates {v!r} is not 'lat, lon' in decimal degrees (write it like '8.5312, -77.2471')")
    trunc = np.isclose(lat * 10, np.round(lat * 10), rtol=0, atol=1e-9) | np.isclose(
        lon * 10, np.round(lon * 10), rtol=0, atol=1e-9)  # at most one significant decimal ("27", "-80.0")
    oor = (lat.abs() > 90) | (lon.abs() > 180)
    # no migrant death has been recorded south of Cape Horn: a point in Antarctica is a 'lon, lat' pair read as
    # 'lat, lon' (both values in range), e.g. '-77.2471, 8.5312' for Acandí
    antarctic = ~oor & (lat < ANTARCTIC_LAT) & (lon.abs() <= 90) & (lon >= ANTARCTIC_LAT)
    oor = oor | antarctic
    zero = (lat == 0) & (lon == 0)
    for row, v in t[oor | zero].items():
        swapped = " (looks like 'lon, lat': swap them)" if abs(lat[row]) <= 180 and abs(lon[row]) <= 90 else ""
        if antarctic[row]:
            why = f"puts the incident in Antarctica (latitude {lat[row]:g}){swapped}"
        else:
            why = "is 0, 0, a placeholder" if zero[row] else f"is out of range{swapped}"
        flagged.setdefault(int(row), []).append(f"Coordinates {v!r} {why}; position set to unknown")
    quality = pd.Series(np.select([m[0].isna() | zero, oor, trunc.astype(bool)], ["missing", "out_of_range",
                                  "truncated"], "ok"), index=t.index)
    unknown = quality.isin(["missing", "out_of_range"])
    return lat.mask(unknown), lon.mask(unknown), quality


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
    out["date"], bad_date = _parse_dates(text("date"))
    for row, v in text("date")[bad_date].items():
        problems.setdefault(int(row), []).append(
            f"{cols['date']} {v!r} is not a date (expected YYYY-MM-DD or 'Thu, 01/31/2026 - 12:00')")
    future = out["date"] > pd.Timestamp.now() + pd.Timedelta(days=1)
    for row, v in text("date")[future].items():
        problems.setdefault(int(row), []).append(
            f"{cols['date']} {v!r} is in the future; check the date (the day is the date of death, or when the body "
            "was found)")
    nodate = out["date"].isna()
    year = pd.to_numeric(text("year")[nodate], errors="coerce")
    mtxt = text("month")[nodate]
    month = pd.to_numeric(mtxt, errors="coerce").fillna(mtxt.str.strip().str[:3].str.casefold().map(_MONTHS))
    out["year"] = out["date"].dt.year.fillna(year.where(year.between(1900, 2100))).astype("Int64")
    out["month"] = out["date"].dt.month.fillna(month.where(month.between(1, 12))).astype("Int64")
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
        out["source_row"] = pd.to_numeric(text("source_row"), errors="coerce").fillna(-1).astype("int64")
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
    joined = lambda s: ",".join(dict.fromkeys(x for v in s for x in str(v).split(",") if x))
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

def parse_export(raw: bytes, name: str
                 ) -> tuple[pd.DataFrame, str, dict[str, str], str | None, dict[int, list[str]], dict[int, list[str]], int]:
    """Parse the bytes of export ``name`` into normalised rows, every data row kept.

    Returns the rows (indexed by data row number), the format, the map field -> column name in the file, the text
    encoding (None for a workbook), the problems and the flags per row, and the number of data rows read.
    """
    encoding: str | None = None
    problems: dict[int, list[str]] = {}
    if _sniff(raw, name) == "xlsx":
        tab = _xlsx_table(raw, name)
    else:
        tab, encoding, problems = _csv_table(raw, name)
    fmt, cols = _detect(list(tab.columns), name)
    df, row_problems, flagged = _normalise(tab, fmt, cols, name)
    for r, reasons in row_problems.items():
        problems.setdefault(r, []).extend(reasons)
    n_rows = len(tab) + sum(1 for r in problems if r not in tab.index)
    return df, fmt, cols, encoding, problems, flagged, n_rows
