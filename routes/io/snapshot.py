"""The regional incident snapshot: built from raw IOM exports, shipped in ``geodata/``, refreshed by the user.

``geodata/incidents.csv`` holds the facts of every IOM Missing Migrants incident in the corridor from Colombia's
north to Chiapas (no free text, no URLs), in the normalised schema of :mod:`routes.io.incidents`; ``snapshot.json``
beside it records the source files, their sha256, row counts, date range, build date and command. The project's
build command rebuilds it in a checkout (``python -m tools.build --only snapshot``; the build tools are not shipped).

Which snapshot is active (:func:`resolve_snapshot`): the ``snapshot`` argument > the environment variable
``ROUTES_SNAPSHOT`` (a snapshot folder or ``incidents.csv``; ``shipped`` names the shipped one) > the user's refreshed
snapshot in ``<data dir>/snapshot/`` (made by :func:`update_snapshot`; data dir = ``ROUTES_DATA_DIR``, else
``$XDG_DATA_HOME/routes``, else ``~/.local/share/routes``) > the shipped snapshot, always there to fall back to.

The user's snapshots are versions (:mod:`routes.io.snapshot_store`): an update writes a complete new version
(incidents and provenance, in a uniquely named folder), then switches ``<data dir>/snapshot`` to it in one atomic
step, under a lock; the versions before are kept. Every version's provenance records the sha256 of its
``incidents.csv``, checked on load: a corrupt or unreadable snapshot is a :class:`routes.errors.SnapshotError` that
says how to fall back (``--snapshot shipped``, or the kept previous version, by its path).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from os import PathLike
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from routes.errors import DataError, SnapshotError
from routes.io import snapshot_store as store
from routes.io.atomic import atomic_open
from routes.io.incidents import (
    COLUMNS,
    MAX_ROWS,
    MAX_XLSX_BYTES,
    AttrsDict,
    OnInvalid,
    combine_incidents,
    read_incidents,
)
from routes.io.resources import geodata_file
from routes.io.snapshot_diff import SnapshotDiff, diff_snapshots

logger = logging.getLogger(__name__)

REGION_LAT = (2.0, 20.0)
REGION_LON = (-95.0, -74.0)
REGION_COUNTRIES = ("Colombia", "Panama", "Costa Rica", "Nicaragua", "Honduras", "El Salvador", "Guatemala")
ATTRIBUTION = ("Incident data (c) IOM Missing Migrants Project, https://missingmigrants.iom.int/downloads; "
               "facts only (ids, dates, positions, counts, cause, route tag, country, source quality).")


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
    for link in (path, path.parent):  # the link to a version that was removed: the reader says so, with the way out
        if link.is_symlink() and not link.exists():
            return path if link is not path else path / "incidents.csv"
    if path.is_dir():
        inner = path / "incidents.csv"
        if inner.is_file():
            return inner
        active = store.user_snapshot_path(path)  # a data folder, given for its active snapshot
        if active is not None:
            return active
    elif path.is_file():
        return path
    raise DataError(f"snapshot {str(path)!r} (from {origin}) not found: expected a snapshot folder holding "
                    "incidents.csv, the csv itself or a data folder; use 'shipped' for the shipped snapshot")


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
    user = store.user_snapshot_path(user_data_dir())
    return user if user is not None else _shipped()


def load_incidents(snapshot: str | PathLike[str] | None = None) -> gpd.GeoDataFrame:
    """The active incident snapshot as the normalised GeoDataFrame of :func:`routes.io.incidents.read_incidents`.

    Parameters
    ----------
    snapshot
        A snapshot folder or its ``incidents.csv``, a data folder, or ``"shipped"``; default: see
        :func:`resolve_snapshot`.

    Returns
    -------
    geopandas.GeoDataFrame
        ``attrs["snapshot"]`` is the csv read (as resolved), ``attrs["version"]`` the real folder it was read from
        and ``attrs["meta"]`` the content of its ``snapshot.json``.

    Raises
    ------
    SnapshotError
        If the snapshot is corrupt: its ``incidents.csv`` does not match the checksum of its provenance, the
        provenance is not JSON, or rows cannot be read. The message says how to fall back.
    DataError
        If the snapshot does not exist.

    Examples
    --------
    >>> t = load_incidents("shipped")
    >>> t.set_index("main_id").loc["2025.MMP0097", ["dead", "survivors"]].tolist()
    [1, 19]
    """
    path = resolve_snapshot(snapshot)
    real = Path(os.path.realpath(path))  # both files from one version, even if an update switches meanwhile
    meta, problem = store.check_version(real)
    if problem is not None:
        raise SnapshotError(f"the incident snapshot {str(path)!r} is corrupt: {problem}. To go on, "
                            f"{store.fallback_advice(real)}")
    try:
        gdf = read_incidents(real, on_invalid="skip")
    except DataError as err:
        raise SnapshotError(f"the incident snapshot {str(path)!r} is unreadable: {err}. To go on, "
                            f"{store.fallback_advice(real)}") from None
    skipped = gdf.attrs["skipped"]
    if skipped:
        raise SnapshotError(
            f"{real.name}: {len(skipped)} of {gdf.attrs['rows_read']} data rows cannot be read as the routes snapshot "
            f"format: the snapshot {str(path)!r} is corrupt (routes writes it; it is not edited by hand). To go on, "
            f"{store.fallback_advice(real)}", problems=[f"{s['file']}, row {s['row']}: {s['reason']}" for s in skipped])
    gdf.attrs["snapshot"] = str(path)
    gdf.attrs["version"] = str(real.parent)
    gdf.attrs["meta"] = AttrsDict(meta)
    logger.debug("loaded %d incidents from snapshot %s", len(gdf), path)
    return gdf


def _write(incidents: pd.DataFrame, meta: dict[str, Any], folder: Path) -> Path:
    """Write incidents.csv, then snapshot.json recording its sha256; each file atomically (fsynced, renamed)."""
    folder.mkdir(parents=True, exist_ok=True)
    table = pd.DataFrame(incidents)[COLUMNS].copy()
    table["date"] = table["date"].dt.strftime("%Y-%m-%d")
    csv_path = folder / "incidents.csv"
    with atomic_open(csv_path, "w", encoding="utf-8", newline="") as fh:
        table.to_csv(fh, index=False, lineterminator="\n")
    meta = {**meta, "incidents_sha256": store.file_sha256(csv_path)}
    with atomic_open(folder / "snapshot.json", "w", encoding="utf-8", newline="") as fh:
        fh.write(json.dumps(meta, indent=1, default=str) + "\n")
    return csv_path


def _summary(t: pd.DataFrame) -> dict[str, Any]:
    dates = t["date"].dropna()
    years = t["year"].value_counts().sort_index()
    return {"rows": len(t), "date_min": dates.min().date().isoformat() if len(dates) else None,
            "date_max": dates.max().date().isoformat() if len(dates) else None,
            "rows_per_year": {str(int(y)): int(n) for y, n in years.items()},
            "possible_duplicates": sorted({" = ".join(sorted((a, b))) for a, bs in
                                           zip(t["main_id"], t["possible_duplicate_of"], strict=True) if bs
                                           for b in bs.split(",")})}


def account(export: gpd.GeoDataFrame, regional: gpd.GeoDataFrame) -> dict[str, int]:
    """Every row of an export accounted for: ``read = kept + outside_region + skipped + merged``.

    ``kept``: incidents in the corridor (:func:`select_region`); ``outside_region``: read but elsewhere, of which
    ``no_position`` have no usable position and no corridor country; ``skipped``: unreadable rows (each listed with
    its reason in ``attrs["skipped"]``); ``merged``: rows folded into another row of the same incident (the parts of
    a split incident in the downloads-page format).
    """
    read = int(export.attrs["rows_read"])
    skipped, merged = len(export.attrs["skipped"]), len(export.attrs.get("merged", ()))
    outside = export.drop(index=regional.index)
    out = {"read": read, "kept": len(regional), "outside_region": len(outside), "skipped": skipped, "merged": merged,
           "no_position": int(outside["lat"].isna().sum())}
    if out["kept"] + out["outside_region"] + skipped + merged != read:  # a reader bug, never the user's data
        raise DataError(f"{export.attrs['source_file']}: {read} rows read but {out} accounts for "
                        f"{read - (out['kept'] + out['outside_region'] + skipped + merged)} fewer; please report it")
    return out


def accounting_line(name: str, a: dict[str, int]) -> str:
    """``name: N rows read = kept + outside the corridor + skipped + merged``, in words."""
    pos = f", {a['no_position']} of them without a usable position" if a.get("no_position") else ""
    return (f"{name}: {a['read']} rows read = {a['kept']} kept in the corridor + {a['outside_region']} outside it"
            f"{pos} + {a['skipped']} skipped (unreadable, listed) + {a['merged']} merged (parts of split incidents)")


def update_snapshot(export_path: str | PathLike[str], *, data_dir: str | PathLike[str] | None = None,
                    on_invalid: OnInvalid = "raise", base: str | PathLike[str] | None = None,
                    lock_timeout: float = store.LOCK_TIMEOUT_S, max_rows: int | None = MAX_ROWS,
                    max_xlsx_bytes: int | None = MAX_XLSX_BYTES) -> SnapshotDiff:
    """Refresh the snapshot from a newer IOM download (any format) into the user's data folder.

    The current snapshot (``base``; by default the user's active one in ``data_dir``, else the shipped one) is
    combined with the export's incidents in the corridor; the export wins for the months it covers (see
    :func:`routes.io.incidents.combine_incidents`). The result is a new version in ``<data_dir>/snapshots/``, made
    active in one atomic step (``<data_dir>/snapshot`` points to it); the versions before are kept, and the
    installed package is never written. Concurrent updates of one folder wait for each other (a lock file).

    Parameters
    ----------
    export_path
        The IOM export (allData CSV or XLSX, or downloads-page CSV); never modified.
    data_dir
        The user's data folder; default :func:`user_data_dir`.
    on_invalid
        Passed to :func:`routes.io.incidents.read_incidents`.
    base
        The snapshot to update (a path or ``"shipped"``); default the user's active one, else the shipped one.
    lock_timeout
        Seconds to wait for another update of the same folder to finish.
    max_rows, max_xlsx_bytes
        Limits of the export's size (see :func:`routes.io.incidents.read_incidents`).

    Returns
    -------
    SnapshotDiff
        What changed; ``print()`` it for a readable report. ``accounting`` says what became of every row read.

    Raises
    ------
    DataError
        If the export cannot be read (nothing is written).
    SnapshotError
        If the base snapshot is corrupt (the message says how to fall back), or another update holds the lock
        for longer than ``lock_timeout``.

    Examples
    --------
    >>> print(update_snapshot("MissingMigrants-Global-2026.csv"))  # doctest: +SKIP
    """
    data = Path(data_dir).expanduser() if data_dir is not None else user_data_dir()
    export = read_incidents(export_path, on_invalid=on_invalid, max_rows=max_rows, max_xlsx_bytes=max_xlsx_bytes,
                            dedupe=False)  # combine_incidents flags the duplicates of the result
    regional = select_region(export)
    accounting = account(export, regional)
    store._checkpoint("export read")
    with store.lock(data, timeout=lock_timeout):
        store._checkpoint("locked")
        store.migrate_legacy(data)
        current = store.user_snapshot_path(data)
        previous = Path(os.path.realpath(current)).parent if current is not None else None
        before = load_incidents(base if base is not None else current if current is not None else "shipped")
        after = combine_incidents([before, regional])
        meta = _provenance(before, after, export, accounting)
        name, work = store.new_version(data)
        meta["version"] = name
        _write(after, meta, work)
        store._checkpoint("version written")
        version = store.finish_version(data, name, work)
        store._checkpoint("version complete")
        store.switch(data, version)
        store._checkpoint("switched")
        store.prune(data)
    path = store.user_snapshot_path(data) or version / "incidents.csv"
    diff = diff_snapshots(before, after)
    logger.info("updated snapshot %s (version %s) from %s", path, version.name, export.attrs["source_file"])
    return SnapshotDiff(diff.added, diff.removed, diff.changed, diff.totals, snapshot=path,
                        notes=_notes(export, regional, diff, previous, accounting), version=version,
                        previous=previous, accounting=accounting)


def _notes(export: gpd.GeoDataFrame, regional: gpd.GeoDataFrame, diff: SnapshotDiff, previous: Path | None,
           accounting: dict[str, int]) -> list[str]:
    """What the user should read after an update: every row accounted for, the rows skipped, what is gone."""
    name = export.attrs["source_file"]
    notes = [accounting_line(name, accounting)]
    skipped = len(export.attrs["skipped"])
    if skipped:
        notes.append(f"{skipped} rows of {name} were skipped (all listed in snapshot.json):")
        notes += [f"  row {r['row']}: {r['reason']}" for r in export.attrs["skipped"][:20]]
        notes += [f"  ... and {skipped - 20} more"] if skipped > 20 else []
    if len(regional) == 0:
        notes.append(f"{name} has no incident in the corridor; was it filtered to another region? Its period still "
                     "replaced the snapshot's (see Removed)")
    if len(diff.removed):
        countries = (
            ", ".join(sorted({str(c) for c in diff.removed.get("country", []) if str(c)})[:6]) or "several places"
        )
        notes.append(
            f"warning: {len(diff.removed)} incident(s) of the previous snapshot are gone ({countries}): the export "
            "covers their months but does not contain them. That is right for a complete IOM download that revised "
            "them, wrong for an export filtered to one country or region. "
            + (f"The previous snapshot is kept in {previous}: use --snapshot {previous}."
               if previous else "The shipped snapshot is still there: --snapshot shipped.")
        )
    return notes


def _provenance(before: gpd.GeoDataFrame, after: gpd.GeoDataFrame, export: gpd.GeoDataFrame,
                accounting: dict[str, int]) -> dict[str, Any]:
    old = before.attrs.get("meta", {})
    return {
        **{k: old.get(k) for k in ("name", "attribution", "region")},
        "built": datetime.now(UTC).date().isoformat(),
        "command": f"update {export.attrs['path']}",
        "based_on": before.attrs["snapshot"] if Path(before.attrs["snapshot"]) == _shipped()
        else str(Path(before.attrs["version"]) / "incidents.csv"),
        "previous": before.attrs["version"],
        **_summary(after),
        "columns": COLUMNS,
        "sources": [*old.get("sources", []),
                    {"file": export.attrs["source_file"], "sha256": export.attrs["sha256"],
                     "format": export.attrs["format"], "rows_read": export.attrs["rows_read"],
                     "rows_used": int((after["source_file"] == export.attrs["source_file"]).sum()),
                     "accounting": accounting, "period": export.attrs["period"],
                     "skipped": list(export.attrs["skipped"]), "merged": list(export.attrs.get("merged", []))}],
        "excluded_undated": old.get("excluded_undated", []),
        "replaced": [*old.get("replaced", []), *after.attrs["replaced"]],
        "caveats": old.get("caveats", []),
    }


# ----------------------------------------------------------------------------------------------- status
@dataclass(frozen=True)
class SnapshotInfo:
    """One snapshot as ``route-risk data status`` reports it; ``problem`` says what is wrong (``None``: sound)."""

    label: str
    path: Path
    version: Path
    kind: str
    rows: int | None = None
    span: str = ""
    built: str = "?"
    sources: str = "?"
    problem: str | None = None


def _info(label: str, which: str | PathLike[str], shipped: Path) -> SnapshotInfo:
    path = resolve_snapshot(which)
    real = Path(os.path.realpath(path))
    kind = "shipped" if real == shipped else "user"
    try:
        t = load_incidents(which)
    except SnapshotError as err:
        meta, _ = store.check_version(real)
        return SnapshotInfo(label, path, real.parent, kind, meta.get("rows"), built=str(meta.get("built", "?")),
                            problem=str(err))
    meta, dates = t.attrs["meta"], t["date"].dropna()
    span = f"{dates.min():%Y-%m-%d} to {dates.max():%Y-%m-%d}" if len(dates) else "no dates"
    return SnapshotInfo(label, path, real.parent, kind, len(t), span, str(meta.get("built", "?")),
                        ", ".join(s.get("file", "?") for s in meta.get("sources", [])) or "?")


def snapshot_status(snapshot: str | PathLike[str] | None = None, *,
                    data_dir: str | PathLike[str] | None = None) -> list[SnapshotInfo]:
    """The active snapshot, the shipped one and the user's kept versions, each checked; never raises on corruption.

    Examples
    --------
    >>> [s.label for s in snapshot_status("shipped")][:1]
    ['active']
    """
    data = Path(data_dir).expanduser() if data_dir is not None else user_data_dir()
    shipped = Path(os.path.realpath(_shipped()))
    active: str | PathLike[str] = snapshot if snapshot is not None else os.environ.get("ROUTES_SNAPSHOT") or (
        store.user_snapshot_path(data) or "shipped")
    out = [_info("active", active, shipped)]
    if out[0].kind != "shipped":
        out.append(_info("shipped", "shipped", shipped))
    out += [_info("kept", v, shipped) for v in store.kept_versions(data) if v != out[0].version]
    return out
