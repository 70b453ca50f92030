"""Exposure: how many people travelled each directed leg in each month.

Exposure is built from the corridor flow series (:mod:`routes.io.flows`) and an exposure table that says which
share of which series travelled which legs, in which period (``geodata/exposure.csv``). Each row of that table is
a fact (``method = "observed"``, with its source) or a stated assumption (``method = "assumption"``, with a
rationale), and carries a low and high share so that its uncertainty reaches the risk estimate.

Columns of the exposure table:

``legs``
    Space-separated leg ids, or ``corridor:<slug>`` for every leg of a corridor.
``direction``
    ``north`` or ``south``: the edges of those legs travelled that way.
``series``
    A flow series name (``darien``, ``honduras-entries``, ``reverse-panama``, ...).
``share``, ``share_lo``, ``share_hi``
    The share of the series that travelled those legs (central value and a plausible range).
``period_start``, ``period_end``
    ``YYYY-MM`` months the row applies to (empty = open).
``method``, ``source``
    ``observed`` or ``assumption``, and the citation or rationale.

A user overrides any of it by passing their own table (a path or a DataFrame) to
:func:`routes.model.risk.estimate_risk`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from routes.errors import DataError
from routes.io.resources import geodata_file
from routes.vocabulary import month_keys

log = logging.getLogger(__name__)

EXPOSURE_COLUMNS = (
    "legs",
    "direction",
    "series",
    "share",
    "share_lo",
    "share_hi",
    "period_start",
    "period_end",
    "method",
    "source",
)
#: optional columns: the split of the series the row's share belongs to, its branch, the split's period and the
#: branch's share of it (with its range), and the factor of the branch that takes these legs: ``share`` is
#: ``split_share x factor``. Rows of one split and period are alternatives whose split shares are drawn jointly.
SPLIT_COLUMNS = ("split", "branch", "split_start", "split_end", "split_share", "split_share_lo", "split_share_hi",
                 "factor", "factor_lo", "factor_hi")


def load_exposure_table(path: str | Path | pd.DataFrame | None = None) -> pd.DataFrame:
    """Read and check an exposure table (the shipped ``geodata/exposure.csv`` by default).

    Raises
    ------
    DataError
        Naming the file, the row and the problem: a missing column, a share outside [0, 1] or not between
        ``share_lo`` and ``share_hi``, an unknown direction, a bad month.

    Examples
    --------
    >>> t = load_exposure_table()
    >>> {"legs", "series", "share"} <= set(t.columns)
    True
    """
    if isinstance(path, pd.DataFrame):
        table, label = path.copy(), "exposure table (DataFrame)"
    else:
        src = geodata_file("exposure.csv") if path is None else Path(path)
        label = str(src)
        try:
            with src.open("r", encoding="utf-8") as fh:
                table = pd.read_csv(fh, dtype=str, keep_default_na=False, comment="#")
        except FileNotFoundError:
            raise DataError(f"exposure table {label!r} does not exist") from None
        except (UnicodeDecodeError, pd.errors.ParserError) as exc:
            raise DataError(f"exposure table {label!r} is not a readable UTF-8 CSV ({exc})") from None
    missing = [c for c in EXPOSURE_COLUMNS if c not in table.columns]
    if missing:
        raise DataError(f"{label}: missing column(s) {missing}; expected columns {list(EXPOSURE_COLUMNS)}")
    for c in ("share", "share_lo", "share_hi"):
        table[c] = pd.to_numeric(table[c], errors="coerce")
    problems = _table_problems(table, label)
    if problems:
        raise DataError(f"{label}: {len(problems)} problem(s) in the exposure table", problems)
    table.attrs["source"] = label
    return table


def _table_problems(table: pd.DataFrame, label: str) -> list[str]:
    """Every problem of an exposure table, row by row in order (the checks run on whole columns)."""
    direction = table["direction"].to_numpy(object)
    bad_direction = ~np.isin(direction, ["north", "south"])
    s, lo, hi = (table[c].to_numpy(float) for c in ("share", "share_lo", "share_hi"))
    missing = np.isnan(s) | np.isnan(lo) | np.isnan(hi)
    with np.errstate(invalid="ignore"):
        disordered = ~missing & ~((lo >= 0) & (lo <= s) & (s <= hi) & (hi <= 1))
    periods = {c: table[c].astype(str).str.strip().to_numpy(object) for c in ("period_start", "period_end")}
    bad_period = {c: (v != "") & pd.isna(pd.to_datetime(pd.Series(v), format="%Y-%m", errors="coerce")).to_numpy()
                  & pd.isna(pd.to_datetime(pd.Series(v), format="%Y-%m-%d", errors="coerce")).to_numpy()
                  for c, v in periods.items()}
    no_legs = table["legs"].astype(str).str.strip().to_numpy(object) == ""
    problems: list[str] = []
    labels = table.index
    for r in np.flatnonzero(
        bad_direction | missing | disordered | no_legs | np.logical_or.reduce(list(bad_period.values()))
    ):
        where = f"{label}, row {int(labels[r]) + 2}"  # 1-based, after the header
        if bad_direction[r]:
            problems.append(f"{where}: direction {direction[r]!r} must be 'north' or 'south'")
        if missing[r]:
            problems.append(f"{where}: share, share_lo and share_hi must be numbers")
        elif disordered[r]:
            problems.append(f"{where}: need 0 <= share_lo <= share <= share_hi <= 1, got {lo[r]}, {s[r]}, {hi[r]}")
        for c, bad in bad_period.items():
            if bad[r]:
                problems.append(f"{where}: {c} {periods[c][r]!r} must be a date 'YYYY-MM-DD', a month 'YYYY-MM' "
                                "or empty")
        if no_legs[r]:
            problems.append(f"{where}: legs is empty; list leg ids or corridor:<slug>")
    return problems


@dataclass(frozen=True)
class Exposure:
    """Monthly exposure of every directed edge.

    Attributes
    ----------
    edges
        The edges ``(u, v, key)`` in row order.
    months
        The months (``pandas.PeriodIndex``) in column order.
    central, low, high
        Arrays ``(edges, months)`` of travellers: central value and the plausible range.
    rows
        For each edge, the exposure-table rows (their index) that fed it.
    pair_edge, pair_row, pair_flow
        The decomposition behind ``central``: for each (edge, table row) pair, the edge's row number, the row's
        position in the table, and the monthly flow of the row's series on that edge before the share
        (``central[e] = sum over pairs of e of share[row] * pair_flow``). Lets the risk model draw each row's share
        once and use that draw on every leg the row feeds.
    share, share_lo, share_hi
        The table's shares by row position.
    """

    edges: list[tuple[str, str, str]]
    months: pd.PeriodIndex
    central: np.ndarray
    low: np.ndarray
    high: np.ndarray
    rows: dict[tuple[str, str, str], list[int]]
    pair_edge: np.ndarray
    pair_row: np.ndarray
    pair_flow: np.ndarray
    share: np.ndarray
    share_lo: np.ndarray
    share_hi: np.ndarray

    def edge_index(self) -> dict[tuple[str, str, str], int]:
        """Map from edge to row number."""
        return {e: i for i, e in enumerate(self.edges)}

    def share_north(self) -> pd.DataFrame:
        """For two-way legs: the share of each month's travellers going north (``leg``, ``month``, ``share_north``)."""
        rows: dict[str, dict[str, int]] = {}
        for i, (_, _, leg) in enumerate(self.edges):
            rows.setdefault(leg, {})[self._direction[i]] = i
        both = [(leg, d["north"], d["south"]) for leg, d in rows.items() if len(d) == 2]
        if not both:
            return pd.DataFrame(columns=["leg", "month", "share_north"])
        n, s = self.central[[b[1] for b in both]], self.central[[b[2] for b in both]]
        tot = n + s
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(tot > 0, n / np.where(tot > 0, tot, 1), np.nan)
        keep = ~np.isnan(share)
        months = month_keys(self.months)
        return pd.DataFrame({"leg": np.repeat(np.array([b[0] for b in both], dtype=object), keep.sum(axis=1)),
                             "month": np.tile(months, len(both))[keep.ravel()], "share_north": share[keep]})

    _direction: tuple[str, ...] = ()


def month_fractions(months: pd.PeriodIndex, start: str, end: str) -> np.ndarray:
    """The part of each month a period covers, by days (a month ``YYYY-MM`` as an end covers the whole month).

    Examples
    --------
    >>> m = pd.period_range("2024-06", "2024-08", freq="M")
    >>> month_fractions(m, "2024-07-16", "").round(3).tolist()
    [0.0, 0.516, 1.0]
    >>> month_fractions(m, "", "2024-07").tolist()
    [1.0, 1.0, 0.0]
    """
    return _fractions(_month_days(months), start, end)


def _month_days(months: pd.PeriodIndex) -> tuple[np.ndarray, np.ndarray]:
    """The first day of each month and the first day after it (``datetime64[D]``)."""
    first = months.to_timestamp().to_numpy().astype("datetime64[D]")
    return first, (first.astype("datetime64[M]") + 1).astype("datetime64[D]")


def _fractions(days: tuple[np.ndarray, np.ndarray], start: str, end: str) -> np.ndarray:
    """:func:`month_fractions` on months given as :func:`_month_days`."""
    first, after = days
    lo = first if not start else np.maximum(first, np.datetime64(start if len(start) > 7 else f"{start}-01", "D"))
    if not end:
        hi = after
    else:
        stop = (np.datetime64(end, "D") + 1 if len(end) > 7
                else (np.datetime64(end, "M") + 1).astype("datetime64[D]"))
        hi = np.minimum(after, stop)
    covered = np.clip((hi - lo).astype(float), 0.0, None)
    return np.asarray(covered / (after - first).astype(float), dtype=float)


def _monthly_series(flows: pd.DataFrame, months: pd.PeriodIndex,
                    col: dict[str, int]) -> dict[tuple[str, str], np.ndarray]:
    """Each flow series (name, direction) as persons per month of ``months`` (``col``: a month key's column)."""
    series: dict[tuple[str, str], np.ndarray] = {}
    for (name, direction), grp in flows.groupby(["series", "direction"]):
        arr = np.zeros(len(months))
        idx = grp["month"].map(col).to_numpy()
        arr[idx.astype(int)] = grp["persons"].astype(float).to_numpy()
        series[(str(name), str(direction))] = arr
    return series


def _row_legs(tokens: str, corridors: dict[str, set[str]], where: str, problems: list[str]) -> set[str]:
    """The legs a row of the exposure table names (leg ids and ``corridor:NAME``); unknown corridors are problems."""
    legs: set[str] = set()
    for token in tokens.split():
        if token.startswith("corridor:"):
            c = token.split(":", 1)[1]
            if c not in corridors:
                problems.append(f"{where}: unknown corridor {c!r}; known: {sorted(corridors)}")
            legs |= corridors.get(c, set())
        else:
            legs.add(token)
    return legs


def _closed_months(G: nx.MultiDiGraph, edges: list[tuple[str, str, str]], keys: np.ndarray) -> np.ndarray:
    """Which months (``keys``, ``YYYY-MM``) fall outside each edge's period of use: a leg carries nobody then."""
    closed = np.zeros((len(edges), len(keys)), dtype=bool)
    for i, e in enumerate(edges):
        d = G.edges[e]
        a = str(d.get("period_start") or "")[:7]
        z = str(d.get("period_end") or "")[:7]
        if a:
            closed[i] |= keys < a
        if z:
            closed[i] |= keys > z
    return closed


def build_exposure(G: nx.MultiDiGraph, flows: pd.DataFrame, table: pd.DataFrame) -> Exposure:
    """Exposure of every edge of ``G`` in every month of ``flows``.

    Parameters
    ----------
    G
        The network.
    flows
        The flows table (:func:`routes.io.flows.load_flows`): ``series``, ``direction``, ``month``, ``persons``.
    table
        The exposure table (:func:`load_exposure_table`).

    Raises
    ------
    DataError
        If a row names a leg or corridor that is not in the network, a direction a leg is not travelled in, or a
        series that is not in ``flows`` (all problems at once).
    """
    edges = list(G.edges(keys=True))
    directions = tuple(G.edges[e]["direction"] for e in edges)
    by_leg_dir = {(k, G.edges[u, v, k]["direction"]): i for i, (u, v, k) in enumerate(edges)}
    corridors: dict[str, set[str]] = {}
    for _, _, k, d in G.edges(keys=True, data=True):
        corridors.setdefault(str(d.get("corridor")), set()).add(k)
    months = pd.period_range(pd.Period(flows["month"].min(), "M"), pd.Period(flows["month"].max(), "M"), freq="M")
    col = {str(p): j for j, p in enumerate(month_keys(months))}
    series = _monthly_series(flows, months, col)
    central = np.zeros((len(edges), len(months)))
    low, high = np.zeros_like(central), np.zeros_like(central)
    fed: dict[tuple[str, str, str], list[int]] = {}
    pairs: list[tuple[int, int]] = []
    pair_flows: list[np.ndarray] = []
    problems: list[str] = []
    label = table.attrs.get("source", "exposure table")
    keys = month_keys(months)
    names = ("series", "direction", "legs", "period_start", "period_end", "share", "share_lo", "share_hi")
    records: list[dict[str, Any]] = [dict(zip(names, values, strict=True))
                                     for values in zip(*(table[c].to_numpy(object) for c in names), strict=True)]
    days, fractions = _month_days(months), {}  # each period's fractions once: many rows share a period
    for pos, (i, row) in enumerate(zip(table.index, records, strict=True)):
        where = f"{label}, row {int(i) + 2}"
        key = (str(row["series"]), str(row["direction"]))
        if key not in series:
            problems.append(f"{where}: no flow series {key[0]!r} {key[1]}bound; known: {sorted(set(series))}")
            continue
        legs = _row_legs(str(row["legs"]), corridors, where, problems)
        period = (str(row["period_start"]).strip(), str(row["period_end"]).strip())
        if period not in fractions:
            fractions[period] = _fractions(days, *period)
        flow = series[key] * fractions[period]
        for leg in sorted(legs):
            e = by_leg_dir.get((leg, key[1]))
            if e is None:
                known_leg = any(k == leg for k, _ in by_leg_dir)
                problems.append(
                    f"{where}: leg {leg!r} "
                    + (f"is not travelled {key[1]}bound" if known_leg else "is not in the network")
                )
                continue
            central[e] += flow * float(row["share"])
            low[e] += flow * float(row["share_lo"])
            high[e] += flow * float(row["share_hi"])
            fed.setdefault(edges[e], []).append(int(i))
            pairs.append((e, pos))
            pair_flows.append(flow)
    if problems:
        raise DataError(f"{label}: {len(problems)} problem(s) joining the exposure table to the network", problems)
    closed = _closed_months(G, edges, keys)
    central[closed] = low[closed] = high[closed] = 0.0
    pe = np.array([e for e, _ in pairs], dtype=np.intp)
    pr = np.array([r for _, r in pairs], dtype=np.intp)
    pf = np.where(closed[pe], 0.0, np.vstack(pair_flows)) if pair_flows else np.zeros((0, len(months)))
    exp = Exposure(edges=edges, months=months, central=central, low=low, high=high, rows=fed, pair_edge=pe,
                   pair_row=pr, pair_flow=pf, share=table["share"].to_numpy(float),
                   share_lo=table["share_lo"].to_numpy(float), share_hi=table["share_hi"].to_numpy(float))
    object.__setattr__(exp, "_direction", directions)
    return exp


# ------------------------------------------------------------------------------------------------ building the table
