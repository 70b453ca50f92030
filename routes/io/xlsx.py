"""An ``.xlsx`` workbook read into a table of strings, within bounds and without losing a row silently.

:func:`read_xlsx` serves :func:`routes.io.iom_formats.parse_export`:

- the archive's declared uncompressed size is checked before anything is unpacked (:data:`MAX_XLSX_BYTES`; a ZIP
  reader never returns more than an entry declares), and the rows are counted as they stream (``max_rows``);
- the sheet read is ``Worksheet`` (IOM's name) or the first; another sheet holding data is refused, since its rows
  would be lost;
- a formula saved without its computed value (a workbook written by a program, never opened in a spreadsheet)
  reads as blank in every library: each such cell is returned, so its row is reported instead of read as 0;
- numbers read as Excel stores them (``1.0`` as ``1``), dates as ISO text, blank rows are skipped.
"""

from __future__ import annotations

import io
import math
import zipfile
from collections.abc import Iterator
from typing import Any

import pandas as pd

from routes.errors import DataError

__all__ = ["MAX_XLSX_BYTES", "read_xlsx"]

#: the largest uncompressed size of a workbook read by default (the IOM global export unpacks to about 18 MB)
MAX_XLSX_BYTES = 256 * 2**20


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        if math.isnan(v):
            return ""
        return str(int(v)) if v.is_integer() else str(v)
    if hasattr(v, "isoformat"):
        return str(v.isoformat())
    return str(v)


def _column(i: int) -> str:
    """Spreadsheet column letters of the 0-based column ``i`` (0 -> A, 27 -> AB)."""
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _check_size(raw: bytes, name: str, max_bytes: int | None) -> bool:
    """Refuse a workbook that unpacks to more than ``max_bytes``; return whether any sheet holds a formula."""
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        infos = z.infolist()
        total = sum(i.file_size for i in infos)
        if max_bytes is not None and total > max_bytes:
            raise DataError(
                f"{name} unpacks to {total / 2**20:,.0f} MB, more than the limit of {max_bytes / 2**20:,.0f} MB (the "
                "IOM global export unpacks to about 18 MB): it is not an IOM export, or it is a ZIP bomb. If the file "
                "is right, export it as CSV, or pass max_xlsx_bytes=None to read it whole")
        sheets = [i for i in infos if i.filename.startswith("xl/worksheets/") and i.filename.endswith(".xml")]
        return any(_has_formula(z, i) for i in sheets)


def _has_formula(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    tail = b""
    with z.open(info) as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            if b"<f>" in tail + chunk or b"<f " in tail + chunk:
                return True
            tail = chunk[-3:]
    return False


def _rows(book: Any, sheet: str) -> Iterator[tuple[Any, ...]]:
    yield from book[sheet].iter_rows(values_only=True)


def _has_data(book: Any, sheet: str) -> int:
    """Number of rows holding a value on ``sheet`` (counting stops at 1,000)."""
    n = 0
    for row in _rows(book, sheet):
        if any(v not in (None, "") for v in row):
            n += 1
            if n >= 1000:
                break
    return n


def _open(raw: bytes, name: str, *, data_only: bool) -> Any:
    import openpyxl

    try:
        return openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=data_only)
    except Exception as e:  # noqa: BLE001 - openpyxl raises many kinds of errors for damaged workbooks
        raise DataError(f"{name} cannot be read as an .xlsx workbook ({type(e).__name__}: {e}); "
                        "open it in a spreadsheet and save it again, or export it as CSV") from None


def read_xlsx(raw: bytes, name: str, *, max_rows: int | None = None, max_bytes: int | None = MAX_XLSX_BYTES,
              ) -> tuple[pd.DataFrame, list[str], dict[int, list[tuple[str, str, str]]], dict[int, list[str]]]:
    """The sheet of an IOM workbook as strings, indexed by 1-based data row (blank rows skipped).

    Returns
    -------
    tuple
        The table (columns named by the header row, as written), the header row, per data row the cells that
        hold a formula without a stored value (``(column name, cell reference, formula)``), and per data row the
        problems that make it unreadable (values beyond the header's last column).

    Raises
    ------
    DataError
        If the workbook unpacks to more than ``max_bytes``, has more than ``max_rows`` data rows, holds data on
        another sheet than the one read, or cannot be read; the message names the file and the fix.
    """
    formulas = _check_size(raw, name, max_bytes)
    book = _open(raw, name, data_only=True)
    shadow = _open(raw, name, data_only=False) if formulas else None
    try:
        names = list(book.sheetnames)
        sheet = "Worksheet" if "Worksheet" in names else names[0]
        others = {s: n for s in names if s != sheet and (n := _has_data(book, s))}
        if others:
            listing = ", ".join(
                f"{s!r} ({n if n < 1000 else 'at least 1,000'} rows with data)" for s, n in others.items()
            )
            raise DataError(f"{name} has data on other sheets than {sheet!r}, the one read: {listing}. An IOM export "
                            "has one sheet; save each sheet as its own CSV (or delete the extra sheets) so no row is "
                            "lost")
        values = _rows(book, sheet)
        cells = _rows(shadow, sheet) if shadow is not None else None
        header_row = next(values, ())
        if cells is not None:
            next(cells, None)
        header = [_cell(v) for v in header_row]
        while header and header[-1] == "":
            header.pop()
        width = len(header)
        rows: list[list[str]] = []
        missing: dict[int, list[tuple[str, str, str]]] = {}
        problems: dict[int, list[str]] = {}
        n = 0
        for excel_row, row in enumerate(values, start=2):
            raw_cells = next(cells, ()) if cells is not None else ()
            pending = [(i, f) for i, f in enumerate(raw_cells)
                       if isinstance(f, str) and f.startswith("=") and (i >= len(row) or row[i] is None)]
            if not pending and all(v in (None, "") for v in row):
                continue
            n += 1
            if max_rows is not None and n > max_rows:
                raise DataError(f"{name} has more than {max_rows:,} data rows, the limit (the IOM global export has "
                                "about 20,000); if the file is right, pass max_rows=None or a larger limit")
            text = [_cell(v) for v in row[:width]] + [""] * max(0, width - len(row))
            rows.append(text)
            beyond = [f"{_column(i)}{excel_row}" for i in range(width, len(row)) if row[i] not in (None, "")]
            if beyond:
                problems[n] = [(f"has values beyond the header's last column ({', '.join(beyond[:5])}); give "
                                "every column a header, or delete the stray cells")]
            if pending:
                missing[n] = [(header[i] if i < width else _column(i), f"{_column(i)}{excel_row}", str(f))
                              for i, f in pending]
    finally:
        book.close()
        if shadow is not None:
            shadow.close()
    table = pd.DataFrame(rows, columns=pd.Index(header, dtype=object), dtype=str)
    table.index = pd.RangeIndex(1, len(rows) + 1)
    return table, header, missing, problems
