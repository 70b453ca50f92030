"""Corridor flows: persons per series, direction and month (the denominators of the risk model).

The shipped table ``geodata/flows.csv`` holds ONE consistent monthly series per ``(series, direction)``, built by
the project's build command (``python -m tools.build --only flows``, not shipped) from the raw ``flows/flows.csv``,
whose rows overlap (annual and monthly values, several sources). Columns (``docs/CONTRACT.md``): ``series`` (slug),
``direction``
("north"/"south"), ``month`` ("YYYY-MM"), ``persons`` (float), ``method`` (:data:`METHODS`) and ``source`` (the raw
``flows.csv`` line(s) or published figure used, and the arithmetic). Methods starting with ``"events"`` count
apprehension EVENTS (Mexico UPM), not persons.

``geodata/sources/shares.csv`` holds the documented splits of a corridor total among alternative legs, each with its
period,
range and source; ``method`` is "observed" or "assumption". Every choice is explained in ``geodata/FLOWS.md``.
"""

from __future__ import annotations

import io
import logging
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from routes.errors import DataError
from routes.io.resources import geodata_file
from routes.vocabulary import DIRECTIONS, suggest

log = logging.getLogger(__name__)

FLOWS_COLUMNS = ("series", "direction", "month", "persons", "method", "source")
SHARES_COLUMNS = ("series", "split", "branch", "period_start", "period_end", "share", "share_lo", "share_hi",
                  "method", "source")
METHODS = frozenset({"observed", "closed", "annual-spread", "estimate", "events", "events-estimate"})
SHARE_METHODS = frozenset({"observed", "assumption"})
__all__ = [
    "DIRECTIONS", "FLOWS_COLUMNS", "METHODS", "SHARES_COLUMNS", "SHARE_METHODS", "load_flows",
    "load_shares", "monthly", "series_names", "validate_flows", "yearly_totals",
]  # fmt: skip
_SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

PathLike = str | os.PathLike[str]


# ----------------------------------------------------------------------------------------------------- loading
def _read_table(path: PathLike | None, default: str, columns: Sequence[str]) -> tuple[pd.DataFrame, str]:
    """Read a CSV with every value as text; return it and the name used in messages."""
    if path is None:
        name, raw = f"geodata/{default} (shipped)", geodata_file(default).read_bytes()
    else:
        name, raw = os.fspath(path), Path(path).read_bytes()
    try:
        df = pd.read_csv(io.StringIO(raw.decode("utf-8-sig")), dtype=str, keep_default_na=False)
    except UnicodeDecodeError as exc:
        raise DataError(f"{name}: not UTF-8 text ({exc.reason}); save it as a UTF-8 CSV") from exc
    except (pd.errors.EmptyDataError, pd.errors.ParserError) as exc:
        raise DataError(f"{name}: not a readable CSV table ({exc}); expected the header "
                        f"{','.join(columns)}") from exc
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataError(f"{name}: missing required column(s) {missing}; found {list(df.columns)!r}. "
                        f"The header must be: {','.join(columns)}")
    return df, name


def _where(mask: Any) -> list[int]:
    """1-based data-row numbers where ``mask`` is true."""
    return [int(i) + 1 for i in np.flatnonzero(np.asarray(mask, dtype=bool))]


def _check(df: pd.DataFrame, col: str, ok: Callable[[str], object], what: str, problems: list[str]) -> None:
    for i in _where([not ok(v) for v in df[col]]):
        problems.append(f"row {i} (line {i + 1}) column {col!r}: expected {what}, got {df[col].iloc[i - 1]!r}")


def _numbers(df: pd.DataFrame, col: str, problems: list[str], hi: float) -> pd.Series:
    """Parse ``col`` as finite floats in [0, hi], recording a problem per bad row."""
    vals = pd.to_numeric(df[col].str.strip(), errors="coerce").astype(float)
    good = np.isfinite(vals) & (vals >= 0) & (vals <= hi)
    for i in _where(~good.to_numpy()):
        problems.append(f"row {i} (line {i + 1}) column {col!r}: expected a number in [0, {hi:g}], "
                        f"got {df[col].iloc[i - 1]!r}")
    return vals


def _raise(problems: list[str], name: str, fix: str) -> None:
    if problems:
        raise DataError(f"{name}: {len(problems)} problem(s); {fix}", problems)


def validate_flows(df: pd.DataFrame, *, name: str = "flows table") -> pd.DataFrame:
    """Check a flows table against the schema, collecting every problem, and return a typed, sorted copy.

    Parameters
    ----------
    df
        Table with the columns of :data:`FLOWS_COLUMNS`, values as text (``df.astype(str)`` for a typed one).
    name
        File or table name used in error messages.

    Raises
    ------
    DataError
        As :func:`load_flows`. The input is never modified.

    Examples
    --------
    >>> t = pd.DataFrame({"series": ["x"], "direction": ["north"], "month": ["2024-01"], "persons": ["5"],
    ...                   "method": ["observed"], "source": ["test"]})
    >>> validate_flows(t)["persons"].tolist()
    [5.0]
    """
    problems: list[str] = []
    df = df.copy()
    _check(df, "series", _SLUG.fullmatch, "a lowercase slug like 'darien'", problems)
    _check(df, "direction", DIRECTIONS.__contains__, f"one of {sorted(DIRECTIONS)}", problems)
    _check(df, "month", _MONTH.fullmatch, "a month 'YYYY-MM'", problems)
    df["persons"] = _numbers(df, "persons", problems, np.inf)
    _check(df, "method", METHODS.__contains__, f"one of {sorted(METHODS)}", problems)
    _check(df, "source", str.strip, "a citation of the raw row(s) used, not empty", problems)
    for i in _where(df.duplicated(["series", "direction", "month"])):
        r = df.iloc[i - 1]
        problems.append(f"row {i} (line {i + 1}): duplicate ({r.series!r}, {r.direction!r}, {r.month!r}); "
                        "keep one consistent series, never alternatives")
    if not problems:
        # contiguous months: from the first to the last, each once (duplicates were refused above); the gaps are
        # listed only for a series that has some
        index = df["month"].str.slice(0, 4).astype(int) * 12 + df["month"].str.slice(5, 7).astype(int)
        span = index.groupby([df["series"], df["direction"]]).agg(["min", "max", "size"])
        for s, d in span.index[span["max"] - span["min"] + 1 != span["size"]]:
            g = df[(df["series"] == s) & (df["direction"] == d)]
            p = pd.PeriodIndex(g["month"], freq="M")
            gaps = pd.period_range(p.min(), p.max(), freq="M").difference(p)
            problems.append(f"series ({s!r}, {d!r}): months not contiguous, missing {[str(m) for m in gaps[:5]]}")
    _raise(problems, name, "fix the rows below or rebuild with `python -m routes.io.flows build`")
    return df.sort_values(["series", "direction", "month"], kind="stable").reset_index(drop=True)


def load_flows(path: PathLike | None = None) -> pd.DataFrame:
    """Load and validate the flows table (the shipped ``geodata/flows.csv`` by default).

    Parameters
    ----------
    path
        A flows CSV with the columns of :data:`FLOWS_COLUMNS`; ``None`` reads the shipped table.

    Returns
    -------
    pandas.DataFrame
        Columns ``series, direction, month, persons, method, source``; ``persons`` is float.

    Raises
    ------
    DataError
        Naming the file, row, column and fix: not a UTF-8 CSV, a missing column, non-numeric or negative
        persons, a bad slug, month, direction or method, an empty source, a duplicated
        ``(series, direction, month)``, or a gap in a series' months.

    Examples
    --------
    >>> flows = load_flows()
    >>> flows.loc[(flows.series == "darien") & (flows.month == "2023-08"), "persons"].item()
    81946.0
    """
    df, name = _read_table(path, "flows.csv", FLOWS_COLUMNS)
    return validate_flows(df, name=name)


def load_shares(path: PathLike | None = None) -> pd.DataFrame:
    """Load and validate the route-share table (the shipped ``geodata/sources/shares.csv`` by default).

    Parameters
    ----------
    path
        A shares CSV with the columns of :data:`SHARES_COLUMNS`; ``None`` reads the shipped table.

    Returns
    -------
    pandas.DataFrame
        ``share``, ``share_lo``, ``share_hi`` as floats; ``period_start``, ``period_end`` as ``datetime64``.

    Raises
    ------
    DataError
        Naming each bad row and column: a share outside [0, 1] or not ``share_lo <= share <= share_hi``, a bad
        date or ``period_start > period_end``, a method other than "observed"/"assumption", a duplicate row.

    Examples
    --------
    >>> shares = load_shares()
    >>> sorted(shares.loc[shares.split == "darien-route", "method"].unique())
    ['assumption']
    """
    df, name = _read_table(path, "sources/shares.csv", SHARES_COLUMNS)
    problems: list[str] = []
    for col in ("series", "split", "branch"):
        _check(df, col, _SLUG.fullmatch, "a lowercase slug", problems)
    for col in ("period_start", "period_end"):
        _check(df, col, _DATE.fullmatch, "an ISO date 'YYYY-MM-DD'", problems)
        df[col] = pd.to_datetime(df[col], format="%Y-%m-%d", errors="coerce")
    for i in _where(df.period_start > df.period_end):
        r = df.iloc[i - 1]
        problems.append(f"row {i} (line {i + 1}): period_start {r.period_start.date()} is after period_end "
                        f"{r.period_end.date()}")
    for col in ("share", "share_lo", "share_hi"):
        df[col] = _numbers(df, col, problems, 1.0)
    for i in _where((df.share_lo > df.share) | (df.share > df.share_hi)):
        r = df.iloc[i - 1]
        problems.append(f"row {i} (line {i + 1}): expected share_lo <= share <= share_hi, got "
                        f"{r.share_lo!r} <= {r.share!r} <= {r.share_hi!r}")
    _check(df, "method", SHARE_METHODS.__contains__, f"one of {sorted(SHARE_METHODS)}", problems)
    for i in _where(df.duplicated(["series", "split", "branch", "period_start", "period_end"])):
        problems.append(f"row {i} (line {i + 1}): duplicate branch {df.branch.iloc[i - 1]!r} of split "
                        f"{df.split.iloc[i - 1]!r} for the same period; keep one row per branch and period")
    _raise(problems, name, "fix the rows below (shares are fractions 0..1 of the split's total)")
    return df


def series_names(flows: pd.DataFrame) -> list[str]:
    """Return the sorted series slugs of a flows table.

    Examples
    --------
    >>> "darien" in series_names(load_flows())
    True
    """
    return sorted(flows["series"].unique().tolist())


def _month(value: str | pd.Period, arg: str) -> pd.Period:
    try:
        return pd.Period(value, freq="M")
    except (ValueError, TypeError) as exc:
        raise DataError(f"{arg}={value!r}: expected a month like '2024-01'") from exc


def monthly(flows: pd.DataFrame, series: str, direction: str, *, start: str | pd.Period | None = None,
            end: str | pd.Period | None = None) -> pd.Series:
    """Return one series' persons per month, indexed by monthly ``Period``.

    Months outside the series' coverage are absent (unknown), never zero.

    Parameters
    ----------
    flows
        A table from :func:`load_flows`.
    series, direction
        Which series, e.g. ``"darien"``, ``"north"``.
    start, end
        Inclusive month bounds (``"YYYY-MM"`` or ``Period``); ``None`` leaves that side open.

    Raises
    ------
    DataError
        If the table has no such ``(series, direction)`` (the message lists what exists), or a bound is no month.

    Examples
    --------
    >>> s = monthly(load_flows(), "darien", "north", start="2022-01", end="2022-12")
    >>> len(s), float(s.sum())
    (12, 248284.0)
    """
    sel = flows[(flows["series"] == series) & (flows["direction"] == direction)]
    if sel.empty:
        have = sorted(set(zip(flows["series"], flows["direction"], strict=True)))
        near = suggest(series, series_names(flows), n=1)
        hint = f"did you mean {near[0]!r}? " if near else ""
        raise DataError(f"flows table has no series {series!r} direction {direction!r}; {hint}available: {have}")
    s = pd.Series(sel["persons"].to_numpy(float), index=pd.PeriodIndex(sel["month"], freq="M"),
                  name=f"{series}/{direction}").sort_index()
    lo = s.index.min() if start is None else _month(start, "start")
    hi = s.index.max() if end is None else _month(end, "end")
    return s[(s.index >= lo) & (s.index <= hi)]


def yearly_totals(flows: pd.DataFrame) -> pd.DataFrame:
    """Persons per series, direction and calendar year, with the months covered and the methods used.

    Examples
    --------
    >>> t = yearly_totals(load_flows())
    >>> t.loc[(t.series == "darien") & (t.year == 2024), "persons"].item()
    302203.0
    """
    g = flows.assign(year=flows["month"].str[:4].astype(int)).groupby(["series", "direction", "year"])
    return pd.DataFrame({"persons": g["persons"].sum().round(1), "months": g.size(),
                         "methods": g["method"].agg(lambda m: ",".join(sorted(set(m))))}).reset_index()
