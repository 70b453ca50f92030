"""Corridor flows: persons per series, direction and month (the denominators of the risk model).

The shipped table ``geodata/flows.csv`` holds ONE consistent monthly series per ``(series, direction)``, built by
``python -m routes.flows build --shared ../shared/data`` from the raw ``flows/flows.csv``, whose rows overlap
(annual and monthly values, several sources). Columns (``docs/CONTRACT.md``): ``series`` (slug), ``direction``
("north"/"south"), ``month`` ("YYYY-MM"), ``persons`` (float), ``method`` (:data:`METHODS`) and ``source`` (the raw
``flows.csv`` line(s) or published figure used, and the arithmetic). Methods starting with ``"events"`` count
apprehension EVENTS (Mexico UPM), not persons.

``geodata/shares.csv`` holds the documented splits of a corridor total among alternative legs, each with its period,
range and source; ``method`` is "observed" or "assumption". Every choice is explained in ``geodata/FLOWS.md``.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import io
import logging
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from routes._resources import geodata_file
from routes.errors import DataError

log = logging.getLogger(__name__)

FLOWS_COLUMNS = ("series", "direction", "month", "persons", "method", "source")
SHARES_COLUMNS = ("series", "split", "branch", "period_start", "period_end", "share", "share_lo", "share_hi",
                  "method", "source")
METHODS = frozenset({"observed", "closed", "annual-spread", "estimate", "events", "events-estimate"})
SHARE_METHODS = frozenset({"observed", "assumption"})
DIRECTIONS = frozenset({"north", "south"})
_SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_GDI = "github iom/gdidata"
_MARK = ("<!-- totals:start (written by `python -m routes.flows build`) -->", "<!-- totals:end -->")

PathLike = str | os.PathLike[str]
Row = tuple[str, str, str, float, str, str]


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
        for (s, d), g in df.groupby(["series", "direction"]):
            p = pd.PeriodIndex(g["month"], freq="M")
            gaps = pd.period_range(p.min(), p.max(), freq="M").difference(p)
            if len(gaps):
                problems.append(f"series ({s!r}, {d!r}): months not contiguous, missing "
                                f"{[str(m) for m in gaps[:5]]}")
    _raise(problems, name, "fix the rows below or rebuild with `python -m routes.flows build`")
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
    """Load and validate the route-share table (the shipped ``geodata/shares.csv`` by default).

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
    df, name = _read_table(path, "shares.csv", SHARES_COLUMNS)
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
        near = difflib.get_close_matches(series, series_names(flows), n=1)
        hint = f"did you mean {near[0]!r}? " if near else ""
        raise DataError(f"flows table has no series {series!r} direction {direction!r}; {hint}available: {have}")
    s = pd.Series(sel["persons"].to_numpy(float), index=pd.PeriodIndex(sel["month"], freq="M"),
                  name=f"{series}/{direction}").sort_index()
    lo = s.index.min() if start is None else _month(start, "start")
    hi = s.index.max() if end is None else _month(end, "end")
    return s[(s.index >= lo) & (s.index <= hi)]


# ------------------------------------------------------------------------------------------------------- build
# Published figures that are NOT rows of the raw flows.csv (quoted in ../shared/data/flows/*.md).
REV_MAR, REV_APR, REV_CUM_APR = 2804.0, 2319.0, 7757.0  # ROUTE_SHARES.md §2: EFE via dossiervenezuela.com
REV_MAY, REV_CUM_MIDJUNE = 2500.0, 11810.0  # ROUTE_SHARES.md §2: La Prensa (the "859 partial" June is not used)
HN_SEP_2025 = 2865.0  # INM via El Heraldo, quoted in the source text of the raw 32,043 row
HN_DTM_MAR_FACTOR = 0.27  # Honduras IOM: "March was 73% lower" than February (raw 4,438 row)
CR_DTM_JUN_SOUTH = 2348.0  # FLOWS.md §2: Costa Rica IOM, crossed the northern border, June 2025


def _cite(r: Any) -> str:
    """``flows.csv line N: <who published it>`` (the raw file keeps the URL)."""
    src = str(r.source)
    m = re.search(r"commit (\w{7})\w* (\S+)", src) if src.startswith(_GDI) else None
    who = f"iom/gdidata@{m.group(1)} {m.group(2)}" if m else re.split(r" \(|;", src, maxsplit=1)[0].strip()[:80]
    return f"flows.csv line {r.line}: {who}"


def _one(raw: pd.DataFrame, corridor: str, direction: str, start: str, end: str) -> tuple[float, str]:
    """The single raw row of a corridor and period: (persons, citation)."""
    r = raw[raw["corridor"].str.startswith(corridor) & (raw["direction"] == direction)
            & (raw["period_start"] == start) & (raw["period_end"] == end)]
    if len(r) != 1:
        raise DataError(f"raw flows.csv: expected one {corridor!r} {direction} row for {start}..{end}, found "
                        f"{len(r)}; check the file against its FLOWS.md")
    return float(r.iloc[0].persons), _cite(r.iloc[0])


def _gdidata(raw: pd.DataFrame, corridor: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Monthly and annual northbound ``github iom/gdidata`` rows of a corridor, with a ``month`` column."""
    r = raw[raw["corridor"].str.startswith(corridor) & (raw["direction"] == "northbound")
            & raw["source"].str.startswith(_GDI)].assign(month=lambda x: x["period_start"].str[:7])
    mon = r[r["month"] == r["period_end"].str[:7]]
    ann = r[(r["period_start"].str[5:] == "01-01") & (r["period_end"].str[5:] == "12-31")]
    if mon.empty:
        raise DataError(f"raw flows.csv: no monthly {_GDI!r} rows for {corridor!r}, as its FLOWS.md describes")
    return mon, ann


def _months(a: str, b: str) -> list[str]:
    return [str(p) for p in pd.period_range(a, b, freq="M")]


def _spread(total: float, months: Sequence[str], series: str, direction: str, method: str, src: str) -> list[Row]:
    return [(series, direction, m, total / len(months), method, src) for m in months]


def _monthly_then_year(raw: pd.DataFrame, corridor: str, series: str, year_total: tuple[float, str], *,
                       method: str = "observed", est: str = "estimate",
                       keep: dict[str, tuple[float, str]] | None = None) -> list[Row]:
    """gdidata monthly rows, then the rest of the last year spread evenly from the published year total."""
    mon, _ = _gdidata(raw, corridor)
    keep = keep or {}
    out = [(series, "north", r.month, float(r.persons), method, _cite(r)) for r in mon.itertuples()]
    out += [(series, "north", m, v, method, c) for m, (v, c) in keep.items()]
    last = max(mon["month"])
    rest = [m for m in _months(last, f"{last[:4]}-12")[1:] if m not in keep]
    done = sum(v for _, _, m, v, _, _ in out if m[:4] == last[:4])
    total, cite = year_total
    return out + _spread(total - done, rest, series, "north", est,
                         f"({total:,.0f} [{cite}] - {done:,.0f} {last[:4]} months published) / {len(rest)} months")


def build_flows(raw_csv: PathLike) -> pd.DataFrame:
    """Build the consistent monthly flows table from the raw ``flows/flows.csv`` (recipe: ``geodata/FLOWS.md``).

    Parameters
    ----------
    raw_csv
        ``../shared/data/flows/flows.csv`` (columns ``corridor,direction,period_start,period_end,persons,source``).

    Returns
    -------
    pandas.DataFrame
        The validated table (:data:`FLOWS_COLUMNS`), sorted by series, direction and month.

    Raises
    ------
    DataError
        If a row the recipe needs is missing or ambiguous, or the Darién months have unexplained gaps.

    Examples
    --------
    >>> build_flows("../shared/data/flows/flows.csv").equals(load_flows())  # doctest: +SKIP
    True
    """
    raw = pd.read_csv(raw_csv, dtype=str, keep_default_na=False)
    raw["line"] = np.arange(len(raw)) + 2  # file line: the header is line 1
    rows: list[Row] = []
    dar = "Darien"  # annual 2010-2019 spread; SNM monthly 2020-01..2025-04, COVID gaps = 0; rest of 2025 from 3,091
    mon, ann = _gdidata(raw, dar)
    first = min(mon["month"])
    for r in ann[ann["period_start"] < f"{first[:4]}-01-01"].itertuples():
        rows += _spread(float(r.persons), _months(f"{r.month[:4]}-01", f"{r.month[:4]}-12"), "darien", "north",
                        "annual-spread", f"{_cite(r)}; annual {float(r.persons):,.0f} / 12")
    gaps = sorted(set(_months(first, max(mon["month"]))) - set(mon["month"]))
    if any(g[:4] != "2020" for g in gaps):
        raise DataError(f"raw flows.csv: Darién monthly gaps outside the 2020 COVID-19 closure: {gaps}")
    closed = "gdidata irreg_darien_nat.rda has no value: border closed (COVID-19), FLOWS.md §1"
    rows += [("darien", "north", g, 0.0, "closed", closed) for g in gaps]
    rows += _monthly_then_year(raw, dar, "darien", _one(raw, dar, "northbound", "2025-01-01", "2025-12-31"))
    hn = "Honduras (INM"  # INM monthly; Sep 2025 published; rest of 2025 from 39,087
    _, c_nov = _one(raw, hn, "northbound", "2025-01-01", "2025-11-06")
    rows += _monthly_then_year(raw, hn, "honduras-entries", _one(raw, hn, "northbound", "2025-01-01", "2025-12-31"),
                               keep={"2025-09": (HN_SEP_2025, f"Sep 2025 quoted in {c_nov}")})
    mx = "Mexico (UPM"  # UPM monthly events; rest of 2025 from the annual 155,730
    rows += _monthly_then_year(raw, mx, "mexico-upm", _one(raw, mx, "northbound", "2025-01-01", "2025-12-31"),
                               method="events", est="events-estimate")
    df = pd.DataFrame(rows + _reverse_panama(raw) + _dtm(raw), columns=list(FLOWS_COLUMNS))
    df["persons"] = df["persons"].round(3).astype(str)
    return validate_flows(df, name="built flows table")


def _reverse_panama(raw: pd.DataFrame) -> list[Row]:
    """Southbound reverse flow arriving in Panama, Nov 2024 - Jan 2026 (arithmetic in geodata/FLOWS.md §1.4)."""
    rp, iom, s, rs = "Panama reverse flow (north->south arrivals", "Panama reverse flow (north->south, IOM", \
        "reverse-panama", "ROUTE_SHARES.md §2"
    year, c_year = _one(raw, rp, "southbound", "2025-01-01", "2025-12-31")
    feb, c_feb = _one(raw, rp, "southbound", "2025-01-01", "2025-02-27")
    h1, c_h1 = _one(raw, rp, "southbound", "2025-01-01", "2025-07-01")
    since_nov, c_nov = _one(raw, rp, "southbound", "2024-11-01", "2025-06-30")
    jan26, c_jan26 = _one(raw, rp, "southbound", "2026-01-01", "2026-01-18")
    dec, c_dec = _one(raw, iom, "southbound", "2025-12-01", "2025-12-15")
    iom_apr, c_iom = _one(raw, iom, "southbound", "2025-04-01", "2025-04-30")
    alt = f"IOM gives {iom_apr:,.0f} ({c_iom}): documented alternative, not used"
    fixed = {
        "2025-01": (REV_CUM_APR - REV_MAR - REV_APR - feb, "estimate",
                    f"{REV_CUM_APR:,.0f} to ~1 May ({rs}) - Mar - Apr - Feb {feb:,.0f}"),
        "2025-02": (feb, "observed", f"~{feb:,.0f} ({c_feb}; to ~27 Feb, taken as Feb)"),
        "2025-03": (REV_MAR, "observed", f"{rs}, EFE via dossiervenezuela.com"),
        "2025-04": (REV_APR, "observed", f"{rs}, EFE via dossiervenezuela.com; {alt}"),
        "2025-05": (REV_MAY, "observed", f"~{REV_MAY:,.0f}, {rs}, La Prensa"),
        "2025-06": (h1 - REV_CUM_APR - REV_MAY, "estimate",
                    f">{h1:,.0f} to 1 Jul ({c_h1}) - {REV_CUM_APR:,.0f} to ~1 May - May"),
        "2025-12": (round(dec * 31 / 15, 1), "estimate", f"{dec:,.0f} in 1-15 Dec ({c_dec}) x 31/15"),
    }
    out: list[Row] = [(s, "south", m, v, meth, src) for m, (v, meth, src) in fixed.items()]
    left = year - sum(v for v, _, _ in fixed.values())
    out += _spread(left, _months("2025-07", "2025-11"), s, "south", "estimate",
                   f"({year:,.0f} [{c_year}] - published/derived months) / 5")
    out += _spread(since_nov - REV_CUM_MIDJUNE, ["2024-11", "2024-12"], s, "south", "estimate",
                   f"({since_nov:,.0f} since Nov 2024 [{c_nov}] - {REV_CUM_MIDJUNE:,.0f} in 2025 to mid-June "
                   f"[{rs}]) / 2")
    out.append((s, "south", "2026-01", jan26 * 31 / 18, "estimate",
                f"{jan26:,.0f} in 1-18 Jan 2026 ({c_jan26}) scaled x 31/18 to the full month"))
    return out


def _dtm(raw: pd.DataFrame) -> list[Row]:
    """IOM DTM counts by direction for Honduras and Costa Rica, 2025: published months kept, the rest spread."""
    hn, cr = "Honduras (IOM DTM", "Costa Rica (IOM flow monitoring"  # ")" is appended for the totals
    hn_feb = _one(raw, f"{hn})", "southbound", "2025-02-01", "2025-02-28")
    mar = f"Feb {hn_feb[0]:,.0f} x {HN_DTM_MAR_FACTOR} ('March was 73% lower', {hn_feb[1]})"
    specs: list[tuple[str, str, str, str, dict[str, tuple[float, str, str]]]] = [
        ("honduras-dtm", "south", hn, "2025-07", {"2025-02": (*hn_feb, "observed"),
                                                 "2025-03": (hn_feb[0] * HN_DTM_MAR_FACTOR, mar, "estimate")}),
        ("costa-rica-dtm", "south", cr, "2025-06",
         {"2025-06": (CR_DTM_JUN_SOUTH, "FLOWS.md §2, IOM via centroamerica360", "observed")}),
        ("costa-rica-dtm", "north", cr, "2025-06",
         {"2025-01": (*_one(raw, f"{cr}, entries", "northbound", "2025-01-01", "2025-01-31"), "observed")}),
    ]
    out: list[Row] = []
    for series, d, corridor, last, fixed in specs:
        end = str(pd.Period(last, freq="M").end_time.date())
        total, cite = _one(raw, f"{corridor})", f"{d}bound", "2025-01-01", end)
        out += [(series, d, m, v, meth, c) for m, (v, c, meth) in fixed.items()]
        rest = [m for m in _months("2025-01", last) if m not in fixed]
        span = f"Jan-{pd.Period(last, freq='M').strftime('%b')} 2025"
        out += _spread(total - sum(v for v, _, _ in fixed.values()), rest, series, d, "estimate",
                       f"({total:,.0f} {span} [{cite}] - published months) / {len(rest)}")
    return out


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


def _totals_markdown(flows: pd.DataFrame, raw_csv: Path) -> str:
    sha = hashlib.sha256(raw_csv.read_bytes()).hexdigest()
    lines = [f"Input: `flows/flows.csv`, sha256 `{sha}`.", "",
             "| series | direction | year | persons | months | methods |", "|---|---|---|---:|---:|---|"]
    lines += [f"| {r.series} | {r.direction} | {r.year} | {r.persons:,.1f} | {r.months} | {r.methods} |"
              for r in yearly_totals(flows).itertuples()]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m routes.flows build --shared ../shared/data [--out DIR]``."""
    ap = argparse.ArgumentParser(prog="python -m routes.flows", description="Build the flows table.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="build geodata/flows.csv from the raw flows/flows.csv")
    b.add_argument("--shared", default="../shared/data", help="shared data directory (holds flows/flows.csv)")
    b.add_argument("--out", default=None, help="output directory (default: the package's geodata/)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    raw_csv = Path(args.shared) / "flows" / "flows.csv"
    out = Path(args.out) if args.out else Path(str(geodata_file("flows.csv"))).parent
    flows = build_flows(raw_csv)
    flows.to_csv(out / "flows.csv", index=False, lineterminator="\n")
    log.info("wrote %s (%d rows)", out / "flows.csv", len(flows))
    table, doc = _totals_markdown(flows, raw_csv), out / "FLOWS.md"
    text = doc.read_text(encoding="utf-8") if doc.exists() else ""
    if _MARK[0] in text and _MARK[1] in text:
        head, _, tail = text.partition(_MARK[0])
        doc.write_text(f"{head}{_MARK[0]}\n{table}\n{_MARK[1]}{tail.partition(_MARK[1])[2]}", encoding="utf-8")
        log.info("updated the totals table in %s", doc)
    print(table)  # the command's summary
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
