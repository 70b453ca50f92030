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

from routes.errors import ArgumentError, DataError
from routes.io.iom_formats import COLUMNS, COORD_QUALITIES, FORMATS, LABELS, aggregate_split_rows, parse_export

__all__ = [
    "COLUMNS", "COORD_QUALITIES", "DUPLICATE_TOLERANCE_DEG", "FORMATS", "OnInvalid", "combine_incidents",
    "flag_duplicates", "read_incidents",
]  # fmt: skip

logger = logging.getLogger(__name__)

OnInvalid = Literal["raise", "warn", "skip"]
DUPLICATE_TOLERANCE_DEG = 0.005
"""Two records with the same date, dead and missing whose positions differ by at most this (about 500 m) are the
same event (IOM positions carry 3 to 9 decimals; the two Chocosano records of 27 Dec 2025 lie 240 m apart)."""


def _duplicate_pairs(a: pd.DataFrame, b: pd.DataFrame, *, same_cause: bool = False) -> pd.DataFrame:
    """Pairs (index in a, index in b) of records with equal date, dead and missing and nearby positions."""
    keys = ["date", "dead", "missing", *(["cause"] if same_cause else [])]
    left = a.loc[a["date"].notna() & a["lat"].notna(), [*keys, "lat", "lon"]].reset_index(names="ia")
    right = b.loc[b["date"].notna() & b["lat"].notna(), [*keys, "lat", "lon"]].reset_index(names="ib")
    m = left.merge(right, on=keys, suffixes=("_a", "_b"))
    near = ((m["lat_a"] - m["lat_b"]).abs() <= DUPLICATE_TOLERANCE_DEG) & (
        (m["lon_a"] - m["lon_b"]).abs() <= DUPLICATE_TOLERANCE_DEG)
    return m.loc[near, ["ia", "ib"]]


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
    out = incidents.copy()
    frame = pd.DataFrame(out.drop(columns="geometry", errors="ignore")).reset_index(drop=True)
    pairs = _duplicate_pairs(frame, frame, same_cause=True)
    pairs = pairs[pairs["ia"] != pairs["ib"]]
    ids = frame["main_id"].to_numpy()
    others: dict[int, list[str]] = {}
    for ia, ib in zip(pairs["ia"].to_numpy(), pairs["ib"].to_numpy()):  # loops over the few pairs only
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


def _report(rows: dict[int, list[str]], name: str) -> list[dict[str, Any]]:
    return [{"file": name, "row": r, "reason": "; ".join(rows[r])} for r in sorted(rows)]


def read_incidents(path: str | PathLike[str], *, on_invalid: OnInvalid = "raise",
                   dedupe: bool = True) -> gpd.GeoDataFrame:
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

    Returns
    -------
    geopandas.GeoDataFrame
        One row per incident (``main_id``), EPSG:4326 points (None where the position is unknown). ``attrs`` holds
        ``source_file``, ``path``, ``sha256``, ``format``, ``encoding``, ``rows_read``, ``period`` (first and last
        ISO date), ``skipped`` and ``flagged`` (lists of ``{file, row, reason}``; flagged rows are kept).

    Raises
    ------
    DataError
        If the file is missing, empty, binary, not an IOM export, lacks required columns (named), or has
        unreadable rows while ``on_invalid="raise"``.

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
    df, fmt, cols, encoding, problems, flagged, n_rows = parse_export(raw, name)
    skipped = _report(problems, name)
    if n_rows == 0:
        msg = f"{name} has a header but no data rows; expected incidents of the {LABELS[fmt]} format"
        if on_invalid == "raise":
            raise DataError(msg + "; download the export again")
        if on_invalid == "warn":
            logger.warning(msg)
            warnings.warn(msg, UserWarning, stacklevel=2)
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
            warnings.warn(f"{msg}; skipped them (see attrs['skipped']): {listing}", UserWarning, stacklevel=2)
    df = df.drop(index=[r for r in problems if r in df.index])
    if fmt == "downloads":
        df = aggregate_split_rows(df)
    gdf = _to_gdf(df)
    if dedupe and fmt != "snapshot":
        gdf = flag_duplicates(gdf)
    dates = gdf["date"].dropna()
    gdf.attrs = {
        "source_file": name, "path": str(p.resolve()), "sha256": hashlib.sha256(raw).hexdigest(), "format": fmt,
        "encoding": encoding, "rows_read": n_rows, "skipped": skipped, "flagged": _report(flagged, name),
        "period": (_iso(dates.min()), _iso(dates.max())) if len(dates) else None,
        "missing_columns": [c for f, c in FORMATS[fmt].items() if f not in cols],
    }
    if encoding not in (None, "utf-8"):
        logger.info("%s is not UTF-8; read it as %s", name, encoding)
    logger.info("read %d incidents from %s (%s format, %d rows skipped)", len(gdf), name, fmt, len(skipped))
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
                     for r, b, w in zip(old[drop].itertuples(), by[drop], why[drop])]
        result = pd.concat([old[~drop], new], ignore_index=True)
    result = result.sort_values(["date", "main_id"], na_position="last", kind="stable")
    out = _to_gdf(result)
    if dedupe:
        out = flag_duplicates(out)
    out.attrs = {
        "source_file": ",".join(dict.fromkeys(str(f.attrs.get("source_file", "")) for f in frames)),
        "sources": [{k: f.attrs.get(k) for k in ("source_file", "sha256", "format", "period")} for f in frames],
        "replaced": replaced,
        "period": (_iso(out["date"].min()), _iso(out["date"].max())) if out["date"].notna().any() else None,
        "skipped": [s for f in frames for s in f.attrs.get("skipped", [])],
        "flagged": [s for f in frames for s in f.attrs.get("flagged", [])],
    }
    return out
