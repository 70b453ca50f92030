"""What was known on a date: the incidents and flows an estimate "as of" that date may use.

An estimate as of a date uses only what was known before it (:func:`routes.estimate_risk` with ``as_of=``, the
command line's ``--as-of``). Rates need travellers as well as deaths, and a month's flow count is known only once the
month is over, so the cut is the start of the as-of date's month for both: the incidents dated before it and the flows
of the months before it. (The incidents of the as-of month itself, dated before the as-of day, wait for that month's
travellers; they count in an estimate as of the first day of the next month.)

The other date of a question, the day of travel (``--date``, :class:`routes.Scenario`), says which legs are in use,
not what is known. Without ``as_of`` an estimate uses the whole snapshot: it is as of the snapshot's last incident.

Examples
--------
>>> import pandas as pd
>>> check_as_of("2021-01-01")
datetime.date(2021, 1, 1)
>>> flows = pd.DataFrame({"month": ["2020-11", "2020-12", "2021-01"], "persons": [1.0, 2.0, 3.0]})
>>> known_flows(flows, check_as_of("2021-01-15"))["month"].tolist()
['2020-11', '2020-12']
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, TypeVar

import pandas as pd

from routes.errors import ArgumentError, ArgumentTypeError

log = logging.getLogger(__name__)

Table = TypeVar("Table", bound=pd.DataFrame)

__all__ = ["check_as_of", "cut_of", "known_flows", "known_incidents", "known_shares"]


def check_as_of(value: Any, *, name: str = "as_of") -> dt.date | None:
    """The date of an ``as_of`` argument (a ``date``, ``datetime``, ``Timestamp`` or ISO text); ``None`` stays ``None``.

    Raises
    ------
    ArgumentError
        If the text is not a date ``YYYY-MM-DD``.
    ArgumentTypeError
        If the value is neither a date nor text.

    Examples
    --------
    >>> check_as_of(None) is None, check_as_of("2024-06-15").isoformat()
    (True, '2024-06-15')
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ArgumentError(f"{name} {value!r} is not a date; write it as YYYY-MM-DD, e.g. 2021-01-01") from None
    raise ArgumentTypeError(f"{name} must be a date or an ISO date text 'YYYY-MM-DD', got {type(value).__name__}")


def cut_of(as_of: dt.date) -> dt.date:
    """The first day of the as-of date's month: everything known is dated before it.

    Examples
    --------
    >>> cut_of(dt.date(2024, 6, 15))
    datetime.date(2024, 6, 1)
    """
    return as_of.replace(day=1)


def known_incidents(incidents: Table, as_of: dt.date) -> Table:
    """The incidents an estimate as of ``as_of`` counts: those dated before the first day of its month.

    Undated incidents are left out (nobody can say they were known). The table keeps its ``attrs``.

    Examples
    --------
    >>> t = pd.DataFrame({"date": pd.to_datetime(["2020-12-30", "2021-01-02", None])})
    >>> len(known_incidents(t, dt.date(2021, 1, 1)))
    1
    """
    dates = pd.to_datetime(incidents["date"], errors="coerce")
    cut = pd.Timestamp(cut_of(as_of))
    keep = (dates < cut).to_numpy()
    waiting = int(((dates >= cut) & (dates < pd.Timestamp(as_of))).sum())
    if waiting:
        log.info("as of %s: %d incident(s) of %s wait for that month's travellers", as_of, waiting, f"{cut:%Y-%m}")
    out: Table = incidents.loc[keep].copy()
    out.attrs = dict(incidents.attrs)
    out.attrs["as_of"] = as_of.isoformat()
    return out


def known_flows(flows: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """The rows of a flows table (``month`` ``"YYYY-MM"``) for the months that ended before ``as_of``.

    Examples
    --------
    >>> t = pd.DataFrame({"month": ["2020-12", "2021-01"]})
    >>> known_flows(t, dt.date(2021, 2, 1))["month"].tolist()
    ['2020-12', '2021-01']
    """
    out = flows.loc[(flows["month"].astype(str) < f"{as_of:%Y-%m}").to_numpy()].reset_index(drop=True)
    out.attrs = dict(flows.attrs)
    return out


def known_shares(table: pd.DataFrame, flows: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """The rows of an exposure table (:mod:`routes.model.exposure`) that could apply before ``as_of``.

    A row whose period starts in or after the as-of month, or whose flow series had no month before it (the reverse
    flow of 2024, for an estimate as of 2021), is left out. The rows keep their index, so messages still name the
    file's rows.

    Examples
    --------
    >>> t = pd.DataFrame({"series": ["darien", "darien", "reverse-panama"], "direction": ["north", "north", "south"],
    ...                   "period_start": ["", "2025-01", ""]})
    >>> f = pd.DataFrame({"series": ["darien"], "direction": ["north"], "month": ["2020-12"]})
    >>> known_shares(t, f, dt.date(2021, 1, 1)).index.tolist()
    [0]
    """
    have = set(zip(flows["series"].astype(str), flows["direction"].astype(str), strict=True))
    pairs = zip(table["series"].astype(str), table["direction"].astype(str), strict=True)
    keep = [pair in have for pair in pairs]
    starts = table["period_start"].astype(str).str.strip()
    keep &= ((starts == "") | (starts < f"{as_of:%Y-%m}")).to_numpy()
    out = table.loc[keep]
    out.attrs = dict(table.attrs)
    return out
