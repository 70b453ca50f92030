"""Your own flow months and share assumptions: validated like the shipped tables, stored, merged over them.

The shipped flow counts end in 2025. To keep the tool useful, a user brings newer months (a CSV in the flows schema,
:data:`routes.io.flows.FLOWS_COLUMNS`) and overrides stated share assumptions (a CSV in the exposure-table schema,
:data:`routes.model.exposure.EXPOSURE_COLUMNS`). ``route-risk data flows FILE.csv`` and ``route-risk data shares
FILE.csv`` check them against the network and the shipped tables and store them in the user's data folder
(:func:`routes.io.snapshot.user_data_dir`, ``tables/``); the command line's estimating commands then use them
(``--flows FILE`` / ``--shares FILE`` point at another file). In Python, pass :func:`active_flows` and
:func:`active_shares` to :func:`routes.estimate_risk`.

How they merge:

* flows: the user's rows are added to the shipped ones; a user row for a ``(series, direction, month)`` the shipped
  table has replaces it. The merged table must still be one contiguous monthly series per ``(series, direction)``.
* shares: a user row with the same ``legs``, ``direction``, ``series``, ``period_start`` and ``period_end`` as a
  shipped row replaces it (copy the row, change its share: that overrides an assumption); any other row is added (a
  new period, for example the months of the user's newer flows).

Examples
--------
>>> len(active_flows(None, use_stored=False)) == len(load_flows())
True
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import networkx as nx
import pandas as pd

from routes.errors import DataError
from routes.io.flows import FLOWS_COLUMNS, load_flows, validate_flows
from routes.io.snapshot import user_data_dir
from routes.model.exposure import EXPOSURE_COLUMNS, build_exposure, load_exposure_table

log = logging.getLogger(__name__)

__all__ = ["active_flows", "active_shares", "merge_flows", "merge_shares", "store_flows", "store_shares",
           "stored_file"]

SHARE_KEY = ["legs", "direction", "series", "period_start", "period_end"]


def stored_file(kind: str) -> Path:
    """Where the user's ``"flows"`` or ``"shares"`` table is stored: ``<data dir>/tables/<kind>.csv``."""
    return user_data_dir() / "tables" / f"{kind}.csv"


def merge_flows(shipped: pd.DataFrame, mine: pd.DataFrame, *, name: str = "your flows") -> pd.DataFrame:
    """The shipped flows with the user's rows added (a user row replaces a shipped row of the same month).

    Raises
    ------
    DataError
        If the merged table breaks the schema (a gap between the shipped months and the user's, for example).

    Examples
    --------
    >>> mine = pd.DataFrame({"series": ["darien"], "direction": ["north"], "month": ["2026-01"], "persons": ["900"],
    ...                      "method": ["observed"], "source": ["SNM January 2026"]})
    >>> merged = merge_flows(load_flows(), mine)
    >>> merged.loc[(merged.series == "darien") & (merged.month == "2026-01"), "persons"].item()
    900.0
    """
    key = ["series", "direction", "month"]
    ours = mine[list(FLOWS_COLUMNS)].astype(str)
    theirs = shipped[list(FLOWS_COLUMNS)].astype(str)
    keep = ~theirs.set_index(key).index.isin(ours.set_index(key).index)
    merged = pd.concat([theirs[keep], ours], ignore_index=True)
    out = validate_flows(merged, name=f"the shipped flows with {name}")
    out.attrs["source"] = f"{shipped.attrs.get('source', 'shipped flows')} + {name}"
    return out


def active_flows(path: str | Path | None = None, *, use_stored: bool = True) -> pd.DataFrame:
    """The flows the command line uses: the shipped table, with ``path`` (a user's flows CSV) or else the stored one
    merged over it."""
    return _active_table("flows", path, use_stored, load=load_flows, merge=merge_flows, columns=FLOWS_COLUMNS)


def _active_table(kind: str, path: str | Path | None, use_stored: bool, *, load: Callable[[Path | None], pd.DataFrame],
                  merge: Callable[..., pd.DataFrame], columns: Sequence[str]) -> pd.DataFrame:
    """The shipped table of ``kind`` (``"flows"`` or ``"shares"``, as its stored file and option are named) with
    ``path`` or else the stored one merged over it."""
    shipped = load(None)
    chosen = Path(path) if path is not None else stored_file(kind) if use_stored else None
    if chosen is None or not chosen.is_file():
        if path is not None:
            raise DataError(f"--{kind} {str(path)!r}: no such file; give a CSV with the columns {','.join(columns)}")
        return shipped
    return merge(shipped, load(chosen), name=str(chosen))


def merge_shares(shipped: pd.DataFrame, mine: pd.DataFrame, *, name: str = "your shares") -> pd.DataFrame:
    """The shipped exposure table with the user's rows: same key (:data:`SHARE_KEY`) replaces, others are added.

    The shipped rows keep their index (so messages still name the file's rows); the user's rows follow.

    Examples
    --------
    >>> t = load_exposure_table()
    >>> mine = t.loc[[140]].assign(share=0.6, share_hi=0.7)
    >>> merged = merge_shares(t, mine)
    >>> len(merged) == len(t), float(merged.loc[merged.index[-1], "share"])
    (True, 0.6)
    """
    def keys(t: pd.DataFrame) -> pd.Index:
        return pd.MultiIndex.from_frame(t[SHARE_KEY].astype(str).apply(lambda c: c.str.strip()))

    ours = mine[list(EXPOSURE_COLUMNS)]
    keep = ~keys(shipped).isin(keys(ours))
    merged = pd.concat([shipped.loc[keep, list(EXPOSURE_COLUMNS)], ours.set_axis(
        range(int(shipped.index.max()) + 1, int(shipped.index.max()) + 1 + len(ours)))])
    merged.attrs["source"] = f"{shipped.attrs.get('source', 'exposure table')} + {name}"
    return merged


def active_shares(path: str | Path | None = None, *, use_stored: bool = True) -> pd.DataFrame:
    """The exposure table the command line uses: the shipped one with ``path`` or else the stored shares merged."""
    return _active_table("shares", path, use_stored, load=load_exposure_table, merge=merge_shares,
                         columns=EXPOSURE_COLUMNS)


def store_flows(path: str | Path, *, data_dir: str | Path | None = None) -> tuple[Path, pd.DataFrame]:
    """Check a user's flows CSV (alone, and merged over the shipped flows) and copy it into the data folder.

    Returns the stored path and the user's rows (typed).

    Raises
    ------
    DataError
        Naming the file, row and column of every problem.
    """
    mine = load_flows(path)
    merge_flows(load_flows(), mine, name=str(path))
    return _store(path, "flows", data_dir), mine


def store_shares(
    path: str | Path, G: nx.MultiDiGraph, *, data_dir: str | Path | None = None
) -> tuple[Path, pd.DataFrame]:
    """Check a user's exposure-table CSV (alone, and joined to the network and the flows) and store it.

    Raises
    ------
    DataError
        Naming the file, row and problem (a leg not in the network, a series not in the flows, a bad share).
    """
    mine = load_exposure_table(path)
    merged = merge_shares(load_exposure_table(), mine, name=str(path))
    build_exposure(G, active_flows(), merged)
    return _store(path, "shares", data_dir), mine


def _store(path: str | Path, kind: str, data_dir: str | Path | None) -> Path:
    target = (Path(data_dir).expanduser() / "tables" / f"{kind}.csv") if data_dir is not None else stored_file(kind)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, target)
    log.info("stored %s as %s", path, target)
    return target
