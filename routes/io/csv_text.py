"""CSV text of an IOM export: its encoding, its separator and header, and its rows as a table of strings.

Serves :func:`routes.io.iom_formats.parse_export`. Text is UTF-16 with a BOM, UTF-8 (with or without BOM), else
Windows-1252 or Latin-1 byte by byte; the separator is ``,``, ``;`` or tab. Every record's fields are counted before
the table is parsed, so that a row cut short (even when the file ends with a newline) or with a stray separator is
reported by its row number instead of being padded or shifted, and a file of too many rows is refused first.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from routes.errors import DataError

__all__ = ["MAX_FIELDS", "MAX_HEADER_CHARS", "csv_header", "csv_table", "decode", "head", "utf8"]

#: a header row longer than this, or with more fields, is not an IOM export (and pandas would take minutes on it)
MAX_HEADER_CHARS = 100_000
MAX_FIELDS = 500


def _as_windows(err: UnicodeError) -> tuple[str, int]:
    """Decode bytes that are not UTF-8 as Windows-1252 (what Excel on Windows writes), else as Latin-1."""
    assert isinstance(err, UnicodeDecodeError)
    chunk = err.object[err.start : err.end]
    try:
        return chunk.decode("cp1252"), err.end
    except UnicodeDecodeError:  # the five bytes cp1252 leaves undefined
        return chunk.decode("latin-1"), err.end


codecs.register_error("routes-windows", _as_windows)


def decode(raw: bytes, name: str = "the file") -> tuple[str, str]:
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


def _is_utf8(raw: bytes) -> bool:
    """Whether ``raw`` is UTF-8, decoded in slices that are dropped at once (a large file's text is never held)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    step = 1 << 24
    try:
        for i in range(0, len(raw), step):
            decoder.decode(raw[i : i + step])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def utf8(raw: bytes, name: str) -> tuple[bytes, str]:
    """The file as UTF-8 bytes (``raw`` itself when it is UTF-8) and the encoding it was read in (see
    :func:`decode`)."""
    if raw[:2] not in (b"\xff\xfe", b"\xfe\xff") and _is_utf8(raw):
        return raw, "utf-8"
    text, encoding = decode(raw, name)
    return text.encode("utf-8"), encoding


def head(data: bytes) -> str:
    """The beginning of UTF-8 ``data`` as text: enough for :func:`csv_header` (a character cut at the end is
    dropped)."""
    size = 4 * MAX_HEADER_CHARS + 4
    return data[:size].decode("utf-8-sig", errors="ignore" if len(data) > size else "strict")


def csv_header(text: str, name: str) -> tuple[str, list[str]]:
    """The separator and the header row of CSV text; refuse text that is not a CSV export with a header."""
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
    line = (first.splitlines() or [""])[0]
    try:
        header = next(csv.reader([line], delimiter=sep), [])
    except csv.Error:  # a stray quote or NUL: the format check that follows refuses the file with its header
        header = line.split(sep)
    return sep, header


def _too_many(name: str, max_rows: int) -> DataError:
    return DataError(f"{name} has more than {max_rows:,} data rows, the limit (the IOM global export has about "
                     "20,000); if the file is right, pass max_rows=None or a larger limit")


def _records(data: bytes, sep: str) -> Any:
    """CSV records of UTF-8 bytes, decoded as they stream (no second copy of the whole text)."""
    return csv.reader(io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline=""), delimiter=sep,
                      strict=True)


def _scan(data: bytes, sep: str, width: int, name: str, max_rows: int | None) -> tuple[int, bool]:
    """Count the data records and tell whether every one has ``width`` fields (blank lines are not records)."""
    records = _records(data, sep)
    n, ok = 0, True
    try:
        next(records, None)
        for rec in records:
            if not rec or rec == [""]:
                continue
            n += 1
            ok = ok and len(rec) == width
            if max_rows is not None and n > max_rows:
                raise _too_many(name, max_rows)
    except csv.Error as e:
        raise DataError(f"{name} cannot be parsed as CSV near line {records.line_num}: {e}. The file may be truncated "
                        "or have an unclosed quote; download the export again") from None
    return n, ok


def csv_table(data: bytes, sep: str, header: list[str], keep: set[str], name: str, *,
               max_rows: int | None) -> tuple[pd.DataFrame, dict[int, list[str]]]:
    """Parse CSV into a table of strings, only the columns in ``keep``, indexed by data row.

    ``data`` is UTF-8 (with or without BOM). Every record's fields are counted first: a row with too few fields (a line
    cut short, even when the file ends
    with a newline) or too many is reported, not kept. When every row is whole, pandas parses the file; otherwise
    the exact reader does, row by row.
    """
    positions = [i for i, h in enumerate(header) if h in keep]
    n, ok = _scan(data, sep, len(header), name, max_rows)
    problems: dict[int, list[str]] = {}
    if ok:
        try:
            df = pd.read_csv(io.BytesIO(data), sep=sep, dtype=str, keep_default_na=False, engine="c",
                             encoding="utf-8-sig", usecols=positions)
        except pd.errors.ParserError:
            df = None
        if df is not None and len(df) == n:
            df.columns = pd.Index([header[i] for i in positions], dtype=object)
            df.index = pd.RangeIndex(1, len(df) + 1)
            return df, problems
    records = _records(data, sep)
    rows: list[list[str]] = []
    numbers: list[int] = []
    try:
        next(records, None)
        n = 0
        for rec in records:
            if rec == [] or rec == [""]:
                continue
            n += 1
            if len(rec) != len(header):
                problems[n] = [(f"has {len(rec)} fields, expected {len(header)} (line {records.line_num} of the "
                                "file; an unquoted separator in a text field, or a truncated line?)")]
                continue
            rows.append([rec[i] for i in positions])
            numbers.append(n)
    except csv.Error as e:
        raise DataError(f"{name} cannot be parsed as CSV near line {records.line_num}: {e}. The file may be truncated "
                        "or have an unclosed quote; download the export again") from None
    df = pd.DataFrame(rows, columns=pd.Index([header[i] for i in positions], dtype=object), index=pd.Index(numbers),
                      dtype=str)
    return df, problems


def read_string_table(path: str | os.PathLike[str] | None, shipped: str,
                      columns: Sequence[str]) -> tuple[str, pd.DataFrame]:
    """A small UTF-8 CSV table, every cell a string (``""`` when empty), and the name messages call it.

    ``path`` is the user's file; ``None`` reads the shipped ``geodata/<shipped>``. Raises :class:`DataError` if a
    column of ``columns`` is missing.
    """
    from routes.io.resources import geodata_file

    if path is None:
        name, raw = f"geodata/{shipped} (shipped)", geodata_file(shipped).read_bytes()
    else:
        name, raw = os.fspath(path), Path(path).read_bytes()
    table = pd.read_csv(io.StringIO(raw.decode("utf-8-sig")), dtype=str, keep_default_na=False)
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise DataError(f"{name}: missing column(s) {missing}; the header must be {','.join(columns)}")
    return name, table
