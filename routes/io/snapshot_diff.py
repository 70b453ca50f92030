"""What an update of the incident snapshot changed: incidents added, removed and changed, totals per year.

IOM renumbers ids between exports, so incidents are matched by ``main_id`` and date first, then as the same event
(equal date, dead and missing, positions within :data:`routes.io.incidents.DUPLICATE_TOLERANCE_DEG`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from routes.io.incidents import _duplicate_pairs

__all__ = ["SnapshotDiff", "diff_snapshots"]

_FACTS = ["incident_ids", "date", "dead", "missing", "survivors", "children", "cause", "route", "country", "lat",
          "lon", "coord_quality", "source_quality", "incident_type"]


@dataclass(frozen=True)
class SnapshotDiff:
    """What an update changed: incidents added, removed and changed, and totals per year before and after."""

    added: pd.DataFrame
    removed: pd.DataFrame
    changed: pd.DataFrame
    totals: pd.DataFrame
    snapshot: Path | None = None
    notes: list[str] = field(default_factory=list)
    version: Path | None = None
    previous: Path | None = None
    accounting: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        before, after = int(self.totals["incidents_before"].sum()), int(self.totals["incidents_after"].sum())
        lines = [f"Snapshot {self.snapshot}" if self.snapshot else "Snapshot diff",
                 (f"  {before} -> {after} incidents: {len(self.added)} added, {len(self.removed)} removed, "
                  f"{len(self.changed)} changed")]
        for title, t in (("Added", self.added), ("Removed", self.removed)):
            if len(t):
                lines.append(f"{title} ({len(t)}):")
                lines += [f"  {r.main_id:<16} {_d(r.date)}  dead {r.dead}, missing {r.missing}  ({r.lat:.4f}, "
                          f"{r.lon:.4f})  {r.source_file}" for r in t.head(25).itertuples()]
                lines += [f"  ... and {len(t) - 25} more"] if len(t) > 25 else []
        if len(self.changed):
            lines.append(f"Changed ({len(self.changed)}):")
            lines += [f"  {r.main_id_before} -> {r.main_id_after}  {_d(r.date)}: {r.changes}"
                      for r in self.changed.head(25).itertuples()]
        moved = self.totals[(self.totals["incidents_before"] != self.totals["incidents_after"])
                            | (self.totals["dead_missing_before"] != self.totals["dead_missing_after"])]
        lines.append("Per year (incidents / dead+missing), before -> after:" if len(moved) else "Totals unchanged.")
        lines += [f"  {y}: {r.incidents_before} / {r.dead_missing_before} -> {r.incidents_after} / "
                  f"{r.dead_missing_after}" for y, r in moved.iterrows()]
        return "\n".join(lines + self.notes)


def _d(v: Any) -> str:
    return "undated   " if pd.isna(v) else pd.Timestamp(v).date().isoformat()


def _same(a: pd.Series, b: pd.Series) -> np.ndarray:
    if a.dtype.kind == "f" or b.dtype.kind == "f":
        x, y = a.astype(float).to_numpy(), b.astype(float).to_numpy()
        return cast(np.ndarray, np.isclose(x, y, rtol=0, atol=1e-9, equal_nan=True))
    same = (a.astype(object) == b.astype(object)).fillna(False) | (a.isna() & b.isna())
    return cast(np.ndarray, same.to_numpy(dtype=bool))


def diff_snapshots(before: pd.DataFrame, after: pd.DataFrame) -> SnapshotDiff:
    """Compare two incident tables; incidents are matched by ``main_id`` and date, then as the same event.

    IOM renumbers ids between exports, so a record with a new id but the same date, position and counts is
    "changed" (its id), not removed and added.

    Examples
    --------
    >>> from routes.io.snapshot import load_incidents
    >>> t = load_incidents("shipped")
    >>> d = diff_snapshots(t, t[t["year"] != 2025])
    >>> len(d.removed) == int((t["year"] == 2025).sum()), len(d.added)
    (True, 0)
    """
    b, a = pd.DataFrame(before).reset_index(drop=True), pd.DataFrame(after).reset_index(drop=True)
    cols = ["main_id", *_FACTS]
    m = b[cols].reset_index(names="ib").merge(a[cols].reset_index(names="ia"), on=["main_id", "date"],
                                              suffixes=("_b", "_a"))
    m = m.drop_duplicates("ib").drop_duplicates("ia")
    pairs = [(int(i), int(j)) for i, j in zip(m["ib"], m["ia"], strict=True)]
    rest_b, rest_a = b.drop(index=m["ib"]), a.drop(index=m["ia"])
    same = _duplicate_pairs(rest_b, rest_a).drop_duplicates("ia").drop_duplicates("ib")
    pairs += [(int(i), int(j)) for i, j in zip(same["ia"], same["ib"], strict=True)]
    ib, ia = np.array([p[0] for p in pairs], dtype=int), np.array([p[1] for p in pairs], dtype=int)
    pb, pa = b.iloc[ib].reset_index(drop=True), a.iloc[ia].reset_index(drop=True)
    diffs = {c: ~_same(pb[c], pa[c]) for c in cols}
    changes = [", ".join(f"{c}: {_v(pb.at[k, c])} -> {_v(pa.at[k, c])}" for c in cols if diffs[c][k])
               for k in range(len(pb))]
    changed = pd.DataFrame({"main_id_before": pb["main_id"], "main_id_after": pa["main_id"], "date": pa["date"],
                            "changes": changes})
    changed = changed[changed["changes"] != ""].reset_index(drop=True)
    show = ["main_id", "date", "dead", "missing", "lat", "lon", "source_file"]
    removed = b.drop(index=ib)[show].reset_index(drop=True)
    added = a.drop(index=ia)[show].reset_index(drop=True)
    per = [t.groupby("year")["dead_missing"].agg(["size", "sum"]) for t in (b, a)]
    totals = pd.concat(per, axis=1, keys=["before", "after"]).fillna(0).astype(int)
    totals.columns = ["incidents_before", "dead_missing_before", "incidents_after", "dead_missing_after"]
    return SnapshotDiff(added=added, removed=removed, changed=changed, totals=totals.sort_index())


def _v(x: Any) -> str:
    return "blank" if x is None or (not isinstance(x, str) and pd.isna(x)) else (
        _d(x) if isinstance(x, pd.Timestamp) else repr(x) if isinstance(x, str) else str(x))
