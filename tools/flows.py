"""Build the shipped flows table ``geodata/flows.csv`` from the raw ``flows/flows.csv`` of the shared data.

The raw rows overlap (annual and monthly values, several sources); :func:`build_flows` chooses ONE consistent monthly
series per ``(series, direction)`` following the recipe of ``geodata/FLOWS.md``: the Darién, Honduras (INM) and Mexico
(UPM) northbound series from ``iom/gdidata``, the southbound reverse flow arriving in Panama (:func:`_reverse_panama`)
and the IOM DTM counts by direction for Honduras and Costa Rica (:func:`_dtm`). Each row cites the raw line(s) or
published figure used and the arithmetic. Loading and validating the table live in :mod:`routes.io.flows`.

Series the raw file has no rows for (the San Andrés boats) come from the hand-written, sourced table
``geodata/sources/flows_extra.csv`` (:func:`extra_flows`): one row per period with a yearly range (low, central, high).

The command is ``python -m tools.build --only flows [--shared DIR]`` (:func:`write_flows`); it writes the table and
rewrites the totals section of ``FLOWS.md`` in the output folder.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from routes.errors import DataError
from routes.io.flows import FLOWS_COLUMNS, PathLike, validate_flows, yearly_totals

__all__ = ["EXTRA", "EXTRA_COLUMNS", "build_flows", "extra_flows", "write_flows"]

log = logging.getLogger(__name__)

_GDI = "github iom/gdidata"
_MARK = ("<!-- totals:start (written by `python -m tools.build --only flows`) -->", "<!-- totals:end -->")

Row = tuple[str, str, str, float, str, str]

#: the hand-written table of the series the raw flows file lacks, in this checkout
EXTRA = Path(__file__).resolve().parents[1] / "geodata" / "sources" / "flows_extra.csv"
EXTRA_COLUMNS = ("series", "direction", "first_month", "last_month", "per_year_low", "per_year_central",
                 "per_year_high", "method", "source")

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


def extra_flows(path: PathLike = EXTRA) -> list[Row]:
    """Monthly rows of the series in the hand-written table ``geodata/sources/flows_extra.csv``.

    Each row of the table gives a series, a direction, a period (``first_month`` .. ``last_month``) and a yearly
    range of persons (``per_year_low`` <= ``per_year_central`` <= ``per_year_high``) with its sources. Every month of
    the period gets ``per_year_high / 12``: the series is written at the HIGH end of its range, because the exposure
    model carries uncertainty as factors of at most 1; the central and low values enter through the branch factors of
    the series in ``geodata/sources/branches.csv`` (``factor = central / high``, ``factor_lo = low / high``,
    ``factor_hi = 1``; a test checks they agree). ``source`` says so, with the arithmetic.

    Raises
    ------
    DataError
        If a column is missing or a value malformed (every problem, by line).

    Examples
    --------
    >>> rows = extra_flows()
    >>> rows[0][:5]
    ('san-andres-sea', 'north', '2022-07', 316.6666666666667, 'estimate')
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"the hand-written flows table {str(path)!r} does not exist; it lives in geodata/sources/")
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in EXTRA_COLUMNS if c not in df.columns]
    if missing:
        raise DataError(f"{path.name}: missing column(s) {missing}; the header must be {','.join(EXTRA_COLUMNS)}")
    rows: list[Row] = []
    problems: list[str] = []
    for i, r in enumerate(df.itertuples(index=False), start=2):
        try:
            low, central, high = (float(v) for v in (r.per_year_low, r.per_year_central, r.per_year_high))
            months = _months(r.first_month, r.last_month)
        except ValueError as exc:
            problems.append(f"{path.name} line {i}: {exc}; per_year_* are numbers, months 'YYYY-MM'")
            continue
        if not 0 <= low <= central <= high or not months or not r.source.strip():
            problems.append(f"{path.name} line {i}: need 0 <= low <= central <= high, first_month <= last_month and a "
                            f"source; got {low:g}, {central:g}, {high:g}, {r.first_month!r}..{r.last_month!r}")
            continue
        cite = (f"sources/flows_extra.csv line {i}: HIGH end of the range, {high:,.0f}/yr / 12 (central "
                f"{central:,.0f}, "
                f"low {low:,.0f}: carried by the branch factors); {r.source}")
        rows += [(r.series, r.direction, m, high / 12, r.method, cite) for m in months]
    if problems:
        raise DataError(f"{path.name}: {len(problems)} problem(s)", problems)
    return rows


def build_flows(raw_csv: PathLike, extra_csv: PathLike | None = EXTRA) -> pd.DataFrame:
    """Build the consistent monthly flows table from the raw ``flows/flows.csv`` (recipe: ``geodata/FLOWS.md``).

    Parameters
    ----------
    raw_csv
        ``../shared/data/flows/flows.csv`` (columns ``corridor,direction,period_start,period_end,persons,source``).
    extra_csv
        The hand-written table of the series the raw file lacks (:func:`extra_flows`); the checkout's
        ``geodata/sources/flows_extra.csv`` by default, ``None`` for none.

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
    >>> from routes.io.flows import load_flows
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
    extra = extra_flows(extra_csv) if extra_csv is not None else []
    df = pd.DataFrame(rows + _reverse_panama(raw) + _dtm(raw) + extra, columns=list(FLOWS_COLUMNS))
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



def _totals_markdown(flows: pd.DataFrame, raw_csv: Path, extra_csv: Path | None) -> str:
    sha = hashlib.sha256(raw_csv.read_bytes()).hexdigest()
    inputs = f"Input: `flows/flows.csv`, sha256 `{sha}`"
    if extra_csv is not None:
        inputs += f"; `sources/flows_extra.csv`, sha256 `{hashlib.sha256(extra_csv.read_bytes()).hexdigest()}`"
    lines = [f"{inputs}.", "",
             "| series | direction | year | persons | months | methods |", "|---|---|---|---:|---:|---|"]
    lines += [f"| {r.series} | {r.direction} | {r.year} | {r.persons:,.1f} | {r.months} | {r.methods} |"
              for r in yearly_totals(flows).itertuples()]
    return "\n".join(lines)


def write_flows(shared: str | Path, out: str | Path) -> Path:
    """Build ``flows.csv`` from ``shared``/flows/flows.csv into the folder ``out``, and the totals table of its
    FLOWS.md.

    The hand-written series come from ``out``/sources/flows_extra.csv, or the checkout's when ``out`` has none.

    Returns
    -------
    pathlib.Path
        The ``flows.csv`` written.

    Raises
    ------
    DataError
        If the raw flows table is missing or invalid.
    """
    raw_csv = Path(shared) / "flows" / "flows.csv"
    if not raw_csv.is_file():
        raise DataError(f"the raw flows table {str(raw_csv)!r} does not exist; pass the shared data folder that holds "
                        "flows/flows.csv with --shared")
    out = Path(out)
    extra = out / "sources" / "flows_extra.csv"
    extra = extra if extra.is_file() else EXTRA
    flows = build_flows(raw_csv, extra)
    flows.to_csv(out / "flows.csv", index=False, lineterminator="\n")
    log.info("wrote %s (%d rows)", out / "flows.csv", len(flows))
    table, doc = _totals_markdown(flows, raw_csv, extra), out / "FLOWS.md"
    text = doc.read_text(encoding="utf-8") if doc.exists() else ""
    start = _MARK[0].split(" (")[0]  # "<!-- totals:start", whatever command an older marker names
    if start in text and _MARK[1] in text:
        head, _, tail = text.partition(start)
        doc.write_text(f"{head}{_MARK[0]}\n{table}\n{_MARK[1]}{tail.partition(_MARK[1])[2]}", encoding="utf-8")
        log.info("updated the totals table in %s", doc)
    return out / "flows.csv"
