"""Read IOM Missing Migrants Project (MMP) exports into one normalised incident table.

Formats are recognised from the header row, never from the file name:

- ``allData``: the global 'allData' export, as CSV or as the original ``.xlsx`` (sheet ``Worksheet`` or the first).
  A split incident is one row with comma-joined ``Incident ID`` values; its numbers are already totals.
- ``downloads``: the CSV of IOM's downloads page (``Number Dead``, ``Reported Month``, dates like
  ``Thu, 01/01/2026 - 12:00``). A split incident is several rows sharing ``Main ID``; they are aggregated into one row
  (numbers summed, ids comma-joined), so both formats give one row per ``main_id``: count incidents as rows, sum counts
  over rows.
- ``snapshot``: the normalised table written by :mod:`routes.io.snapshot` (``geodata/incidents.csv``).

Columns not listed here are ignored, so newer exports with extra columns read unchanged. No free-text column
(location description, URL, information source) is kept. The schema is the "Normalised incident table" of
``docs/CONTRACT.md`` plus ``possible_duplicate_of``. Row numbers are 1-based data rows (the header is not counted).
The formats and the parsing of one file live in :mod:`routes.io.iom_formats`; this module reads, merges and flags.
"""

from __future__ import annotations

import hashlib
import logging
import warnings
from collections.abc import Sequence
from os import PathLike
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from routes.collector import pausing
from routes.errors import ArgumentError, DataError
from routes.io.iom_formats import COLUMNS, COORD_QUALITIES, FORMATS, LABELS, aggregate_split_rows, parse_export
from routes.io.xlsx import MAX_XLSX_BYTES

__all__ = [
    "COLUMNS", "COORD_QUALITIES", "DUPLICATE_TOLERANCE_DEG", "FORMATS", "MAX_ROWS", "MAX_XLSX_BYTES", "AttrsDict",
    "AttrsList", "OnInvalid", "combine_incidents", "flag_duplicates", "read_incidents",
]  # fmt: skip

logger = logging.getLogger(__name__)

OnInvalid = Literal["raise", "warn", "skip"]
#: the most data rows an export may have by default (the IOM global export has about 20,000)
MAX_ROWS = 2_000_000


class AttrsList(list):  # type: ignore[type-arg]
    """A list kept in ``DataFrame.attrs`` by reference: pandas deep-copies ``attrs`` on every operation, which
    for a report of 20,000 skipped rows made each step of an estimate slow. Treat it as read-only."""

    def __deepcopy__(self, memo: dict[int, Any]) -> AttrsList:
        return self


class AttrsDict(dict):  # type: ignore[type-arg]
    """A dict (the snapshot's provenance) kept in ``DataFrame.attrs`` by reference (see :class:`AttrsList`)."""

    def __deepcopy__(self, memo: dict[int, Any]) -> AttrsDict:
        return self

DUPLICATE_TOLERANCE_DEG = 0.005
"""Two records with the same date, dead and missing whose positions differ by at most this (about 500 m) are the
same event (IOM positions carry 3 to 9 decimals; the two Chocosano records of 27 Dec 2025 lie 240 m apart)."""


def _duplicate_pairs(a: pd.DataFrame, b: pd.DataFrame, *, same_cause: bool = False) -> pd.DataFrame:
    """Pairs (index in a, index in b) of records with equal date, dead and missing and nearby positions.

    In O(n log n) time and O(n) memory (plus the pairs found): the records of both tables are sorted by their keys
    and latitude, and each is compared with the next ones in that order while they share its keys and lie within
    :data:`DUPLICATE_TOLERANCE_DEG` of latitude. The pairs come in the order of ``a``, then of ``b``.
    """
    keys = ["date", "dead", "missing", *(["cause"] if same_cause else [])]
    left = a.loc[a["date"].notna() & a["lat"].notna(), [*keys, "lat", "lon"]]
    right = b.loc[b["date"].notna() & b["lat"].notna(), [*keys, "lat", "lon"]]
    n_a = len(left)
    both = pd.concat([pd.DataFrame(left), pd.DataFrame(right)], ignore_index=True)
    if not n_a or not len(right):
        return pd.DataFrame({"ia": left.index[:0], "ib": right.index[:0]})
    group = both.groupby(keys, sort=False, dropna=False).ngroup().to_numpy()
    lat, lon = both["lat"].to_numpy(float), both["lon"].to_numpy(float)
    order = np.lexsort((lat, group))
    g, y, x = group[order], lat[order], lon[order]
    side_a = order < n_a
    found: list[tuple[np.ndarray, np.ndarray]] = []
    i = np.arange(len(order) - 1)
    d = 1
    while len(i):
        j = i + d
        i = i[j < len(order)]
        j = j[j < len(order)]
        near = (g[i] == g[j]) & (y[j] - y[i] <= DUPLICATE_TOLERANCE_DEG)
        i, j = i[near], j[near]  # further on, only these can still be near (the order is by keys, then latitude)
        hit = (np.abs(x[j] - x[i]) <= DUPLICATE_TOLERANCE_DEG) & (side_a[i] != side_a[j])
        first_a = side_a[i[hit]]
        p, q = order[i[hit]], order[j[hit]]
        found.append((np.where(first_a, p, q), np.where(first_a, q, p) - n_a))
        d += 1
    pa = np.concatenate([f[0] for f in found]) if found else np.empty(0, dtype=int)
    pb = np.concatenate([f[1] for f in found]) if found else np.empty(0, dtype=int)
    keep = np.lexsort((pb, pa))
    return pd.DataFrame({"ia": left.index.to_numpy()[pa[keep]], "ib": right.index.to_numpy()[pb[keep]]})


def flag_duplicates(incidents: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Fill ``possible_duplicate_of`` with the other ``main_id`` of each record that looks like the same event.

    Two records of one table match when date, ``dead``, ``missing`` and ``cause`` are equal and positions differ
    by at most :data:`DUPLICATE_TOLERANCE_DEG` (the cause keeps apart the separate bodies IOM records on one day
    at one generic Darién point). Nothing is dropped: flagged records stay for the analyst to judge.

    Examples
    --------
    >>> from routes.io.snapshot import load_incidents
    >>> t = flag_duplicates(load_incidents())
    >>> t.set_index("main_id").loc["2025.MMP1700", "possible_duplicate_of"]
    '2025.MMP2303'
    """
    out = incidents.copy(deep=False)  # copy-on-write: the new column never reaches the caller's frame
    frame = pd.DataFrame(
        {c: incidents[c].to_numpy() for c in ("main_id", "date", "dead", "missing", "cause", "lat", "lon")}
    )  # only the columns compared: no copy of the rest
    pairs = _duplicate_pairs(frame, frame, same_cause=True)
    pairs = pairs[pairs["ia"] != pairs["ib"]]
    ids = frame["main_id"].to_numpy()
    others: dict[int, list[str]] = {}
    for ia, ib in zip(pairs["ia"].to_numpy(), pairs["ib"].to_numpy(), strict=True):  # loops over the few pairs only
        others.setdefault(int(ia), []).append(str(ids[ib]))
    flags = np.full(len(frame), "", dtype=object)
    for ia, names in others.items():
        flags[ia] = ",".join(sorted(set(names)))
    out["possible_duplicate_of"] = pd.array(flags, dtype=str)
    return out


def _to_gdf(df: pd.DataFrame) -> gpd.GeoDataFrame:
    geometry = gpd.points_from_xy(df["lon"], df["lat"], crs="EPSG:4326")
    geometry[df["lat"].isna().to_numpy() | df["lon"].isna().to_numpy()] = None
    return gpd.GeoDataFrame(df[COLUMNS].reset_index(drop=True), geometry=geometry, crs="EPSG:4326")


def _report(rows: dict[int, list[str]], name: str) -> AttrsList:
    return AttrsList({"file": name, "row": r, "reason": "; ".join(rows[r])} for r in sorted(rows))


def _merged(df: pd.DataFrame) -> dict[int, list[str]]:
    """The rows folded into the first row of their incident (the parts of a split incident, downloads format)."""
    ids = df["main_id"]
    first = ids.reset_index().drop_duplicates("main_id").set_index("main_id")["index"]
    later = ids[ids.duplicated()]
    return {int(r): [f"part of the split incident {m!r}, merged into row {int(first[m])}"] for r, m in later.items()}


def _complain_of_unread_rows(name: str, fmt: str, n_rows: int, skipped: AttrsList,
                             on_invalid: OnInvalid) -> None:
    """Raise or warn, as ``on_invalid`` asks, when a file has no data rows or rows that cannot be read."""
    if n_rows == 0:
        msg = f"{name} has a header but no data rows; expected incidents of the {LABELS[fmt]} format"
        if on_invalid == "raise":
            raise DataError(msg + "; download the export again")
        if on_invalid == "warn":
            logger.warning(msg)
            warnings.warn(msg, UserWarning, stacklevel=3)  # the caller of read_incidents
    if skipped:
        msg = (f"{name}: {len(skipped)} of {n_rows} data rows cannot be read as the {LABELS[fmt]} format "
               "(row numbers count data rows, the header excluded)")
        if on_invalid == "raise":
            raise DataError(msg + "; correct them in a copy of the file, or pass on_invalid='skip' to keep the "
                            "valid rows (the skipped rows are then listed in attrs['skipped'])",
                            problems=[f"{name}, row {s['row']}: {s['reason']}" for s in skipped])
        if on_invalid == "warn":
            listing = "; ".join(f"row {s['row']}: {s['reason']}" for s in skipped[:20])
            logger.warning("%s; skipped: %s", msg, listing)
            warnings.warn(f"{msg}; skipped them (see attrs['skipped']): {listing}", UserWarning, stacklevel=3)


@pausing
def read_incidents(path: str | PathLike[str], *, on_invalid: OnInvalid = "raise", dedupe: bool = True,
                   max_rows: int | None = MAX_ROWS, max_xlsx_bytes: int | None = MAX_XLSX_BYTES) -> gpd.GeoDataFrame:
    """Read an IOM Missing Migrants export (allData CSV/XLSX, downloads-page CSV) or a routes snapshot.

    Parameters
    ----------
    path
        The file. Its format is detected from the content and header; UTF-8 (with or without BOM), Latin-1 and
        UTF-16 text and ``,``/``;``/tab separators are accepted. The file is never modified.
    on_invalid
        What to do with rows that cannot be read (blank id, non-numeric or negative counts, bad dates or
        coordinates): ``"raise"`` one :class:`DataError` listing every such row; ``"warn"`` log and warn, then keep
        the valid rows; ``"skip"`` keep the valid rows silently. Either way they are listed in ``attrs["skipped"]``.
    dedupe
        Fill ``possible_duplicate_of`` for records that look like the same event (see :func:`flag_duplicates`);
        a snapshot keeps the flags it was written with.
    max_rows, max_xlsx_bytes
        Refuse a file of more data rows, or a workbook that unpacks to more bytes (``None``: no limit); checked
        before the file is parsed.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per incident (``main_id``), EPSG:4326 points (None where the position is unknown). ``attrs`` holds
        ``source_file``, ``path``, ``sha256``, ``format``, ``encoding``, ``rows_read``, ``period`` (first and last
        ISO date), ``skipped``, ``flagged`` and ``merged`` (lists of ``{file, row, reason}``: rows not read, rows
        kept with a value set to unknown, rows folded into their split incident's first row) and ``accounting``
        (``read = kept + skipped + merged``, every data row accounted for).

    Raises
    ------
    DataError
        If the file is missing, empty, binary, not an IOM export, lacks required columns (named), has a column
        twice, data on a second sheet, more rows than ``max_rows``, or unreadable rows while ``on_invalid="raise"``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "mmp.csv"
    >>> _ = p.write_text("Main ID,Incident ID,Incident Date,Number of Dead,Minimum Estimated Number of Missing,"
    ...                  "Coordinates\\n2025.MMP0097,2025.MMP0097,2025-02-21,1,,\\"9.0313, -77.8077\\"\\n")
    >>> t = read_incidents(p)
    >>> r = t.iloc[0]
    >>> r["main_id"], int(r["dead"]), int(r["missing"]), float(r["lat"]), r["coord_quality"]
    ('2025.MMP0097', 1, 0, 9.0313, 'ok')
    >>> t.attrs["format"]
    'allData'
    """
    if on_invalid not in ("raise", "warn", "skip"):
        raise ArgumentError(f"on_invalid must be 'raise', 'warn' or 'skip', not {on_invalid!r}")
    p = Path(path)
    name = p.name
    try:
        raw = p.read_bytes()
    except OSError as e:
        raise DataError(f"cannot read incident file {str(p)!r}: {e.strerror or e}; check the path") from None
    df, fmt, cols, encoding, problems, flagged, n_rows = parse_export(raw, name, max_rows=max_rows,
                                                                      max_xlsx_bytes=max_xlsx_bytes)
    skipped = _report(problems, name)
    _complain_of_unread_rows(name, fmt, n_rows, skipped, on_invalid)
    df = df.drop(index=[r for r in problems if r in df.index])
    merged: dict[int, list[str]] = {}
    if fmt == "downloads":
        merged = _merged(df)
        df = aggregate_split_rows(df)
    gdf = _to_gdf(df)
    if dedupe and fmt != "snapshot":
        gdf = flag_duplicates(gdf)
    dates = gdf["date"].dropna()
    gdf.attrs = {
        "source_file": name, "path": str(p.resolve()), "sha256": hashlib.sha256(raw).hexdigest(), "format": fmt,
        "encoding": encoding, "rows_read": n_rows, "skipped": skipped, "flagged": _report(flagged, name),
        "merged": _report(merged, name),
        "accounting": {"read": n_rows, "kept": len(gdf), "skipped": len(skipped), "merged": len(merged)},
        "period": (_iso(dates.min()), _iso(dates.max())) if len(dates) else None,
        "missing_columns": [c for f, c in FORMATS[fmt].items() if f not in cols],
    }
    if len(gdf) + len(skipped) + len(merged) != n_rows:  # a reader bug, never the user's data: say so loudly
        raise DataError(f"{name}: {n_rows} data rows read but only {len(gdf) + len(skipped) + len(merged)} accounted "
                        f"for ({gdf.attrs['accounting']}); please report this bug with the file")
    if encoding not in (None, "utf-8"):
        logger.info("%s is not UTF-8; read it as %s", name, encoding)
    logger.info("read %d incidents from %s (%s format): %d rows read, %d skipped, %d merged", len(gdf), name, fmt,
                n_rows, len(skipped), len(merged))
    return gdf


def _iso(v: Any) -> str | None:
    return None if pd.isna(v) else pd.Timestamp(v).date().isoformat()


def combine_incidents(frames: Sequence[gpd.GeoDataFrame], *, dedupe: bool = True) -> gpd.GeoDataFrame:
    """Merge several exports, ordered oldest to newest; a newer export wins for the period it covers.

    A newer export covers the whole months from its first to its last dated incident (``attrs["period"]``, else
    its dates); an older record in that period is dropped, and noted in ``attrs["replaced"]`` either as the same
    event as a newer record (equal date, dead and missing, position within :data:`DUPLICATE_TOLERANCE_DEG`;
    IOM renumbers ids between exports) or as absent from the newer export. Undated older records are kept unless
    they match a newer one.

    Parameters
    ----------
    frames
        Normalised incident tables (:func:`read_incidents`), oldest export first.
    dedupe
        Recompute ``possible_duplicate_of`` on the result.

    Returns
    -------
    geopandas.GeoDataFrame
        The combined table; ``attrs["sources"]`` lists each frame's ``source_file``, ``sha256`` and ``format``.

    Examples
    --------
    >>> from routes.io.snapshot import load_incidents
    >>> t = load_incidents()
    >>> len(combine_incidents([t, t])) == len(t)
    True
    """
    if not frames:
        raise ArgumentError("combine_incidents needs at least one incident table")
    result = pd.DataFrame(frames[0]).copy()
    replaced: list[dict[str, Any]] = []
    for newer in frames[1:]:
        new = pd.DataFrame(newer)
        period = newer.attrs.get("period") or (
            (_iso(new["date"].min()), _iso(new["date"].max())) if new["date"].notna().any() else None)
        old = result.reset_index(drop=True)
        drop = pd.Series(False, index=old.index)
        by = pd.Series("", index=old.index, dtype=str)
        why = pd.Series("", index=old.index, dtype=str)
        if period is not None:
            start = pd.Timestamp(period[0]).to_period("M").start_time
            end = pd.Timestamp(period[1]).to_period("M").end_time
            drop |= old["date"].between(start, end)
            why[drop] = f"absent from the newer export, which covers {start.date()}..{end.date()}"
        pairs = _duplicate_pairs(old, new.reset_index(drop=True)).drop_duplicates("ia")
        drop[pairs["ia"]] = True
        by[pairs["ia"]] = new["main_id"].to_numpy()[pairs["ib"].to_numpy()]
        why[pairs["ia"]] = "same event (date, position, dead, missing); the newer record is kept"
        replaced += [{"main_id": r.main_id, "source_file": r.source_file, "date": _iso(r.date),
                      "dead_missing": int(r.dead_missing), "replaced_by": b or None,
                      "newer_file": newer.attrs.get("source_file"), "reason": w}
                     for r, b, w in zip(old[drop].itertuples(), by[drop], why[drop], strict=True)]
        result = pd.concat([old[~drop], new], ignore_index=True)
    result = result.sort_values(["date", "main_id"], na_position="last", kind="stable")
    out = _to_gdf(result)
    if dedupe:
        out = flag_duplicates(out)
    out.attrs = {
        "source_file": ",".join(dict.fromkeys(str(f.attrs.get("source_file", "")) for f in frames)),
        "sources": [{k: f.attrs.get(k) for k in ("source_file", "sha256", "format", "period")} for f in frames],
        "replaced": AttrsList(replaced),
        "period": (_iso(out["date"].min()), _iso(out["date"].max())) if out["date"].notna().any() else None,
        "skipped": AttrsList(s for f in frames for s in f.attrs.get("skipped", [])),
        "flagged": AttrsList(s for f in frames for s in f.attrs.get("flagged", [])),
    }
    return out
