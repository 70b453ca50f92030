"""The regional incident snapshot: built from raw IOM exports, shipped in ``geodata/``, refreshed by the user.

``geodata/incidents.csv`` holds the facts of every IOM Missing Migrants incident in the corridor from Colombia's
north to Chiapas (no free text, no URLs), in the normalised schema of :mod:`routes.io.incidents`; ``snapshot.json``
beside it records the source files, their sha256, row counts, date range, build date and command. The project's
build command rebuilds it in a checkout (``python -m tools.build --only snapshot``; the build tools are not shipped).

Which snapshot is active (:func:`resolve_snapshot`): the ``snapshot`` argument > the environment variable
``ROUTES_SNAPSHOT`` (a snapshot folder or ``incidents.csv``; ``shipped`` names the shipped one) > the user's refreshed
snapshot in ``<data dir>/snapshot/`` (made by :func:`update_snapshot`; data dir = ``ROUTES_DATA_DIR``, else
``$XDG_DATA_HOME/routes``, else ``~/.local/share/routes``) > the shipped snapshot, always there to fall back to.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from os import PathLike
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from routes.errors import DataError
from routes.io.incidents import COLUMNS, OnInvalid, _duplicate_pairs, combine_incidents, read_incidents
from routes.io.resources import geodata_file

logger = logging.getLogger(__name__)

REGION_LAT = (2.0, 20.0)
REGION_LON = (-95.0, -74.0)
REGION_COUNTRIES = ("Colombia", "Panama", "Costa Rica", "Nicaragua", "Honduras", "El Salvador", "Guatemala")
ATTRIBUTION = ("Incident data (c) IOM Missing Migrants Project, https://missingmigrants.iom.int/downloads; "
               "facts only (ids, dates, positions, counts, cause, route tag, country, source quality).")
_FACTS = ["incident_ids", "date", "dead", "missing", "survivors", "children", "cause", "route", "country", "lat",
          "lon", "coord_quality", "source_quality", "incident_type"]


def select_region(incidents: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Incidents in the corridor: inside lat 2..20, lon -95..-74, or with a Country of Incident in the corridor.

    Examples
    --------
    >>> t = select_region(load_incidents())
    >>> bool(t["lat"].between(2, 20).all()) or bool(t["country"].ne("").all())
    True
    """
    box = incidents["lat"].between(*REGION_LAT) & incidents["lon"].between(*REGION_LON)
    country = incidents["country"].str.contains("|".join(REGION_COUNTRIES), regex=True)
    out = incidents[box | country].copy()
    out.attrs = dict(incidents.attrs)
    return out


def user_data_dir() -> Path:
    """The user's data folder: ``ROUTES_DATA_DIR``, else ``$XDG_DATA_HOME/routes``, else ``~/.local/share/routes``.

    Examples
    --------
    >>> user_data_dir().name in ("routes", os.environ.get("ROUTES_DATA_DIR", "routes").rstrip("/").split("/")[-1])
    True
    """
    if os.environ.get("ROUTES_DATA_DIR"):
        return Path(os.environ["ROUTES_DATA_DIR"]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base).expanduser() / "routes"


def _shipped() -> Path:
    with resources.as_file(geodata_file("incidents.csv")) as p:  # a real file in every supported install
        return Path(p)


def _csv_in(path: Path, origin: str) -> Path:
    p = path / "incidents.csv" if path.is_dir() else path
    if not p.is_file():
        raise DataError(f"snapshot {str(path)!r} (from {origin}) not found: expected a snapshot folder holding "
                        "incidents.csv, or the csv itself; use 'shipped' for the shipped snapshot")
    return p


def resolve_snapshot(snapshot: str | PathLike[str] | None = None) -> Path:
    """The ``incidents.csv`` of the active snapshot (see the module docstring for the order of precedence).

    Examples
    --------
    >>> resolve_snapshot("shipped").name
    'incidents.csv'
    """
    if snapshot is not None:
        return _shipped() if str(snapshot) == "shipped" else _csv_in(Path(snapshot), "the snapshot argument")
    env = os.environ.get("ROUTES_SNAPSHOT")
    if env:
        return _shipped() if env == "shipped" else _csv_in(Path(env).expanduser(), "ROUTES_SNAPSHOT")
    user = user_data_dir() / "snapshot" / "incidents.csv"
    return user if user.is_file() else _shipped()


def load_incidents(snapshot: str | PathLike[str] | None = None) -> gpd.GeoDataFrame:
    """The active incident snapshot as the normalised GeoDataFrame of :func:`routes.io.incidents.read_incidents`.

    Parameters
    ----------
    snapshot
        A snapshot folder or its ``incidents.csv``, or ``"shipped"``; default: see :func:`resolve_snapshot`.

    Returns
    -------
    geopandas.GeoDataFrame
        ``attrs["snapshot"]`` is the csv read and ``attrs["meta"]`` the content of its ``snapshot.json``.

    Raises
    ------
    DataError
        If the snapshot is missing or corrupt.

    Examples
    --------
    >>> t = load_incidents("shipped")
    >>> t.set_index("main_id").loc["2025.MMP0097", ["dead", "survivors"]].tolist()
    [1, 19]
    """
    path = resolve_snapshot(snapshot)
    gdf = read_incidents(path)
    meta_file = path.with_name("snapshot.json")
    gdf.attrs["snapshot"] = str(path)
    gdf.attrs["meta"] = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.is_file() else {}
    logger.debug("loaded %d incidents from snapshot %s", len(gdf), path)
    return gdf


def _write(incidents: pd.DataFrame, meta: dict[str, Any], folder: Path) -> Path:
    """Write incidents.csv and snapshot.json atomically (temporary file, then rename)."""
    folder.mkdir(parents=True, exist_ok=True)
    table = pd.DataFrame(incidents)[COLUMNS].copy()
    table["date"] = table["date"].dt.strftime("%Y-%m-%d")
    csv_path = folder / "incidents.csv"
    for path, write in ((csv_path, lambda f: table.to_csv(f, index=False, lineterminator="\n")),
                        (folder / "snapshot.json", lambda f: f.write(json.dumps(meta, indent=1, default=str) + "\n"))):
        tmp = path.with_name(f".{path.name}.tmp")
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            write(f)
        os.replace(tmp, path)
    return csv_path


def _summary(t: pd.DataFrame) -> dict[str, Any]:
    dates = t["date"].dropna()
    years = t["year"].value_counts().sort_index()
    return {"rows": len(t), "date_min": dates.min().date().isoformat() if len(dates) else None,
            "date_max": dates.max().date().isoformat() if len(dates) else None,
            "rows_per_year": {str(int(y)): int(n) for y, n in years.items()},
            "possible_duplicates": sorted({" = ".join(sorted((a, b))) for a, bs in
                                           zip(t["main_id"], t["possible_duplicate_of"]) if bs
                                           for b in bs.split(",")})}


@dataclass(frozen=True)
class SnapshotDiff:
    """What an update changed: incidents added, removed and changed, and totals per year before and after."""

    added: pd.DataFrame
    removed: pd.DataFrame
    changed: pd.DataFrame
    totals: pd.DataFrame
    snapshot: Path | None = None
    notes: list[str] = field(default_factory=list)

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
        return np.isclose(x, y, rtol=0, atol=1e-9, equal_nan=True)
    return ((a.astype(object) == b.astype(object)).fillna(False) | (a.isna() & b.isna())).to_numpy(dtype=bool)


def diff_snapshots(before: pd.DataFrame, after: pd.DataFrame) -> SnapshotDiff:
    """Compare two incident tables; incidents are matched by ``main_id`` and date, then as the same event.

    IOM renumbers ids between exports, so a record with a new id but the same date, position and counts is
    "changed" (its id), not removed and added.

    Examples
    --------
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
    pairs = [(int(i), int(j)) for i, j in zip(m["ib"], m["ia"])]
    rest_b, rest_a = b.drop(index=m["ib"]), a.drop(index=m["ia"])
    same = _duplicate_pairs(rest_b, rest_a).drop_duplicates("ia").drop_duplicates("ib")
    pairs += [(int(i), int(j)) for i, j in zip(same["ia"], same["ib"])]
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


def update_snapshot(export_path: str | PathLike[str], *, data_dir: str | PathLike[str] | None = None,
                    on_invalid: OnInvalid = "raise") -> SnapshotDiff:
    """Refresh the snapshot from a newer IOM download (any format) into the user's data folder.

    The current snapshot (the user's if one exists in ``data_dir``, else the shipped one) is combined with the
    export's incidents in the corridor; the export wins for the months it covers (see
    :func:`routes.io.incidents.combine_incidents`). The result goes to ``<data_dir>/snapshot/`` (never into the
    installed package) and is used from then on; ``load_incidents("shipped")`` still returns the shipped one.

    Parameters
    ----------
    export_path
        The IOM export (allData CSV or XLSX, or downloads-page CSV).
    data_dir
        The user's data folder; default :func:`user_data_dir`.
    on_invalid
        Passed to :func:`routes.io.incidents.read_incidents`.

    Returns
    -------
    SnapshotDiff
        What changed; ``print()`` it for a readable report.

    Examples
    --------
    >>> print(update_snapshot("MissingMigrants-Global-2026.csv"))  # doctest: +SKIP
    """
    folder = (Path(data_dir).expanduser() if data_dir is not None else user_data_dir()) / "snapshot"
    current = folder / "incidents.csv"
    before = load_incidents(current if current.is_file() else "shipped")
    export = read_incidents(export_path, on_invalid=on_invalid)
    regional = select_region(export)
    after = combine_incidents([before, regional])
    old_meta = before.attrs.get("meta", {})
    meta = {
        **{k: old_meta.get(k) for k in ("name", "attribution", "region")},
        "built": datetime.now(UTC).date().isoformat(),
        "command": f"update {export.attrs['path']}",
        "based_on": before.attrs["snapshot"],
        **_summary(after),
        "columns": COLUMNS,
        "sources": [*old_meta.get("sources", []),
                    {"file": export.attrs["source_file"], "sha256": export.attrs["sha256"],
                     "format": export.attrs["format"], "rows_read": export.attrs["rows_read"],
                     "rows_used": int((after["source_file"] == export.attrs["source_file"]).sum()),
                     "period": export.attrs["period"], "skipped": export.attrs["skipped"]}],
        "excluded_undated": old_meta.get("excluded_undated", []),
        "replaced": [*old_meta.get("replaced", []), *after.attrs["replaced"]],
        "caveats": old_meta.get("caveats", []),
    }
    previous = None
    if current.is_file():  # keep the snapshot being replaced, so a mistaken update can be undone
        previous = folder / "previous"
        previous.mkdir(exist_ok=True)
        for name in ("incidents.csv", "snapshot.json"):
            if (folder / name).is_file():
                shutil.copy2(folder / name, previous / name)
    path = _write(after, meta, folder)
    diff = diff_snapshots(before, after)
    skipped = len(export.attrs["skipped"])
    notes = [f"{skipped} rows of {export.attrs['source_file']} were skipped (all listed in snapshot.json):"] if skipped else []
    notes += [f"  row {r['row']}: {r['reason']}" for r in export.attrs["skipped"][:20]]
    if skipped > 20:
        notes.append(f"  ... and {skipped - 20} more")
    if len(regional) == 0:
        notes.append(f"{export.attrs['source_file']} has no incident in the corridor; was it filtered to another "
                     "region? Its period still replaced the snapshot's (see Removed)")
    if len(diff.removed):
        countries = ", ".join(sorted({str(c) for c in diff.removed.get("country", []) if str(c)})[:6]) or "several places"
        notes.append(
            f"warning: {len(diff.removed)} incident(s) of the previous snapshot are gone ({countries}): the export covers "
            "their months but does not contain them. That is right for a complete IOM download that revised them, "
            "wrong for an export filtered to one country or region. "
            + (f"The previous snapshot is kept in {previous}: use --snapshot {previous} or copy it back."
               if previous else "The shipped snapshot is still there: --snapshot shipped.")
        )
    logger.info("updated snapshot %s from %s", path, export.attrs["source_file"])
    return SnapshotDiff(diff.added, diff.removed, diff.changed, diff.totals, snapshot=path, notes=notes)
