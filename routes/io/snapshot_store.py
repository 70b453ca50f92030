"""The user's incident snapshots as versions: written whole, switched in one atomic step, locked, checked on load.

Layout of the user's data folder ``D`` (:func:`routes.io.snapshot.user_data_dir`)::

    D/snapshot -> snapshots/20261204T101500123456Z-4242-a1b2c3    the active version (a relative symlink)
    D/snapshots/<version>/incidents.csv                            a version: the incidents ...
    D/snapshots/<version>/snapshot.json                            ... and their provenance, with incidents_sha256
    D/snapshot.lock                                                held by the update that is running

An update (:func:`routes.io.snapshot.update_snapshot`) holds the lock (:func:`lock`), writes a complete new version
in a hidden folder (``snapshots/.tmp-<version>``: incidents, then provenance, each fsynced), renames the folder to
its version name, and then switches ``D/snapshot`` to it by renaming a new symlink over the old one (``os.replace``,
one atomic step). A crash at any moment leaves ``D/snapshot`` pointing at a complete version, old or new; a hidden
``.tmp-`` folder is the trace of a crashed update and is removed by the next one. The versions before are kept
(:data:`KEEP_VERSIONS`), so a mistaken update can be undone with ``--snapshot D/snapshots/<version>``.

Where the platform cannot make symlinks (Windows without developer mode), ``D/snapshot.current`` holds the active
version's name instead, replaced atomically (:func:`routes.io.atomic.write_text`).

An older ``routes`` kept one snapshot directly in ``D/snapshot/`` (``incidents.csv`` + ``snapshot.json``); it stays
readable, and the next update first turns it into a version (:func:`migrate_legacy`), in steps that each leave a
readable snapshot: copy it into a version, rename the folder to ``D/snapshot.migrating`` (read while the link is
missing), link ``D/snapshot`` to the copy, remove the old folder.

:func:`check_version` verifies a version on load: ``snapshot.json`` must be JSON, and ``incidents.csv`` must match the
``incidents_sha256`` recorded in it; :func:`fallback_advice` says what to use instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from os import PathLike
from pathlib import Path
from typing import Any

from routes.errors import SnapshotError
from routes.io.atomic import atomic_open, fsync_dir, write_text

logger = logging.getLogger(__name__)

__all__ = [
    "KEEP_VERSIONS", "LINK", "LOCK", "LOCK_TIMEOUT_S", "POINTER", "VERSIONS", "active_version", "check_version",
    "fallback_advice", "file_sha256", "kept_versions", "lock", "migrate_legacy", "new_version", "prune", "switch",
    "user_snapshot_path",
]  # fmt: skip

LINK = "snapshot"
VERSIONS = "snapshots"
POINTER = "snapshot.current"
LOCK = "snapshot.lock"
MIGRATING = "snapshot.migrating"
#: complete versions kept in ``D/snapshots`` (the active one included); older ones are removed by an update
KEEP_VERSIONS = 3
#: how long an update waits for another one to finish (seconds)
LOCK_TIMEOUT_S = 120.0
#: the portable lock (a file created exclusively) is taken for stale after this long (seconds)
STALE_LOCK_S = 3600.0
_TMP = ".tmp-"


def _checkpoint(step: str) -> None:
    """A named step of an update; the fault tests replace this to stop the process between two steps."""


# --------------------------------------------------------------------------------------------- reading
def file_sha256(path: str | PathLike[str]) -> str:
    """The sha256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _is_version(p: Path) -> bool:
    return p.is_dir() and not p.name.startswith(".") and (p / "incidents.csv").is_file()


def active_version(data_dir: Path) -> Path | None:
    """The real folder of the active version of ``data_dir`` (symlink or pointer file), or ``None``."""
    link = data_dir / LINK
    if link.is_symlink():
        target = Path(os.path.realpath(link))
        return target if target.is_dir() else None
    pointer = data_dir / POINTER
    if pointer.is_file():
        name = pointer.read_text(encoding="utf-8").strip()
        folder = data_dir / VERSIONS / name
        return folder if name and folder.is_dir() else None
    return None


def user_snapshot_path(data_dir: Path) -> Path | None:
    """The ``incidents.csv`` to read for the user's snapshot in ``data_dir``, or ``None`` when there is none.

    The path goes through ``D/snapshot`` when it is the link (so it reads as the user's active snapshot); the
    reader resolves it once, so that both files come from the same version.
    """
    link = data_dir / LINK
    if link.is_symlink():  # even when its version is gone: the reader then says so, with the way out
        return link / "incidents.csv"
    pointer = data_dir / POINTER
    if pointer.is_file():
        return data_dir / VERSIONS / pointer.read_text(encoding="utf-8").strip() / "incidents.csv"
    for legacy in (link, data_dir / MIGRATING):  # an older layout, or one being migrated
        if (legacy / "incidents.csv").is_file():
            return legacy / "incidents.csv"
    return None


def kept_versions(data_dir: Path) -> list[Path]:
    """The complete versions in ``data_dir``, newest first."""
    folder = data_dir / VERSIONS
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.iterdir() if _is_version(p)), key=lambda p: p.name, reverse=True)


def data_dir_of(csv_path: Path) -> Path | None:
    """The data folder a snapshot csv belongs to (a version, the link or a legacy folder), else ``None``."""
    real = Path(os.path.realpath(csv_path)).parent
    if real.parent.name == VERSIONS:
        return real.parent.parent
    if real.name in (LINK, MIGRATING):
        return real.parent
    return None


def check_version(csv_path: Path) -> tuple[dict[str, Any], str | None]:
    """The provenance (``snapshot.json``) of a snapshot and what is wrong with it (``None``: nothing found).

    The checksum is compared when the provenance records one (every version written by an update does); a csv
    without provenance beside it is read as it is.
    """
    meta_file = csv_path.with_name("snapshot.json")
    if not meta_file.is_file():
        return {}, None
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        return {}, f"its provenance {str(meta_file)!r} is unreadable ({type(err).__name__}: {err})"
    if not isinstance(meta, dict):
        return {}, f"its provenance {str(meta_file)!r} is not a JSON object"
    want = meta.get("incidents_sha256")
    if want:
        try:
            got = file_sha256(csv_path)
        except OSError as err:
            return meta, f"{str(csv_path)!r} is unreadable ({err.strerror or err})"
        if got != want:
            return meta, (f"{str(csv_path)!r} does not match the sha256 recorded in snapshot.json (recorded "
                          f"{want[:12]}..., found {got[:12]}...): the file was changed or damaged after it was written")
    return meta, None


def fallback_advice(csv_path: Path) -> str:
    """What to use instead of a corrupt snapshot: the shipped one, and the kept versions beside it."""
    lines = ["use the shipped snapshot: --snapshot shipped (or ROUTES_SNAPSHOT=shipped)"]
    data_dir = data_dir_of(csv_path)
    if data_dir is not None:
        here = Path(os.path.realpath(csv_path)).parent
        good = [v for v in kept_versions(data_dir) if v != here and check_version(v / "incidents.csv")[1] is None]
        if good:
            lines.append(f"or the previous version, kept in {good[0]}: --snapshot {good[0]}")
        legacy_previous = here / "previous"
        if (legacy_previous / "incidents.csv").is_file():
            lines.append(f"or the previous snapshot kept in {legacy_previous}: --snapshot {legacy_previous}")
        lines.append("or rebuild yours from the shipped one: route-risk data update EXPORT --snapshot shipped")
    return "; ".join(lines)


# --------------------------------------------------------------------------------------------- the lock
@contextlib.contextmanager
def lock(data_dir: Path, *, timeout: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """Hold ``D/snapshot.lock`` for the block, waiting up to ``timeout`` seconds for another update to finish.

    ``fcntl.flock`` where there is one (Linux, macOS: released by the system if the process dies); elsewhere a file
    created exclusively, taken for stale after :data:`STALE_LOCK_S`.

    Raises
    ------
    SnapshotError
        If another update still holds the lock after ``timeout`` seconds; the message names the lock file.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / LOCK
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        fcntl = None  # type: ignore[assignment]
    with (_flock(path, timeout, fcntl) if fcntl is not None and _FLOCK else _exclusive(path, timeout)):
        yield


_FLOCK = True  # the tests turn it off to exercise the portable lock


def _busy(path: Path, timeout: float, *, portable: bool) -> SnapshotError:
    try:
        holder = path.read_text(encoding="utf-8").strip() or "unknown"
    except OSError:
        holder = "unknown"
    return SnapshotError(f"another snapshot update is running in {str(path.parent)!r} (lock file {str(path)!r}, held "
                         f"by {holder}); waited {timeout:g} s. Wait for it to finish and run the update again (or pass "
                         "a longer wait: --wait SECONDS, lock_timeout=SECONDS)" + (
                             "; if no update is running, delete the lock file" if portable else
                             "; the lock goes with the process that holds it"))


@contextlib.contextmanager
def _flock(path: Path, timeout: float, fcntl: Any) -> Iterator[None]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise _busy(path, timeout, portable=False) from None
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()} since {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC\n".encode())
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _exclusive(path: Path, timeout: float) -> Iterator[None]:
    deadline = time.monotonic() + timeout
    while True:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            break
        except FileExistsError:
            with contextlib.suppress(OSError):
                if time.time() - path.stat().st_mtime > STALE_LOCK_S:
                    logger.warning("removing the stale lock %s", path)
                    path.unlink()
                    continue
            if time.monotonic() >= deadline:
                raise _busy(path, timeout, portable=True) from None
            time.sleep(0.05)
    try:
        os.write(fd, f"pid {os.getpid()} since {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC\n".encode())
        os.close(fd)
        yield
    finally:
        with contextlib.suppress(OSError):
            path.unlink()


# --------------------------------------------------------------------------------------------- writing
def new_version(data_dir: Path, *, tag: str = "") -> tuple[str, Path]:
    """A unique version name (sortable by time) and its hidden work folder, created."""
    name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-{os.getpid()}-{secrets.token_hex(3)}{'-' + tag if tag else ''}"
    work = data_dir / VERSIONS / f"{_TMP}{name}"
    work.mkdir(parents=True)
    return name, work


def finish_version(data_dir: Path, name: str, work: Path) -> Path:
    """Rename the complete work folder to its version name (a version exists only once it is whole)."""
    final = data_dir / VERSIONS / name
    os.replace(work, final)
    fsync_dir(final.parent)
    return final


def switch(data_dir: Path, version: Path) -> None:
    """Make ``version`` the active snapshot in one atomic step (a symlink renamed over ``D/snapshot``)."""
    link = data_dir / LINK
    relative = Path(VERSIONS) / version.name
    temp = data_dir / f".{LINK}.{secrets.token_hex(4)}.tmp"
    try:
        os.symlink(relative, temp, target_is_directory=True)
    except (OSError, NotImplementedError):  # no symlinks here: a pointer file, replaced atomically
        write_text(data_dir / POINTER, version.name + "\n")
        return
    try:
        os.replace(temp, link)
    except OSError:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    fsync_dir(data_dir)


def write_file(path: Path, write: Any) -> None:
    """Write one file of a version (atomically, fsynced)."""
    with atomic_open(path, "w", encoding="utf-8", newline="") as fh:
        write(fh)


def migrate_legacy(data_dir: Path) -> Path | None:
    """Turn an older layout (``D/snapshot/`` holding the files) into a version, and make it active.

    Every step leaves a readable snapshot (see the module docstring). The files are copied byte for byte; the
    provenance gains the csv's checksum when it is readable JSON. Call with the lock held.

    Returns
    -------
    pathlib.Path or None
        The version made, or ``None`` when there was nothing to migrate.
    """
    link, moving = data_dir / LINK, data_dir / MIGRATING
    if link.is_symlink() or (data_dir / POINTER).is_file():
        if moving.exists():  # a migration stopped after the switch: finish it
            shutil.rmtree(moving, ignore_errors=True)
        return None
    if (link / "incidents.csv").is_file():
        source = link
    elif not link.exists() and (moving / "incidents.csv").is_file():  # stopped between the rename and the link
        source = moving
    else:
        return None
    made: list[Path] = []
    previous = source / "previous"
    for folder, tag in ((previous, "legacy-previous"), (source, "legacy")):
        if not (folder / "incidents.csv").is_file():
            continue
        name, work = new_version(data_dir, tag=tag)
        shutil.copy2(folder / "incidents.csv", work / "incidents.csv")
        raw = (folder / "snapshot.json").read_bytes() if (folder / "snapshot.json").is_file() else b"{}"
        try:
            meta = json.loads(raw)
        except ValueError:
            meta = None
        if not isinstance(meta, dict):
            (work / "snapshot.json").write_bytes(raw)  # kept as it was: reported as unreadable on load
        else:
            meta.update(incidents_sha256=file_sha256(work / "incidents.csv"), version=name,
                        migrated_from=str(folder))
            write_file(work / "snapshot.json", lambda fh, m=meta: fh.write(json.dumps(m, indent=1, default=str) + "\n"))
        made.append(finish_version(data_dir, name, work))
    _checkpoint("migrate: copied")
    if source == link:
        os.replace(link, moving)
        _checkpoint("migrate: moved aside")
    switch(data_dir, made[-1])
    _checkpoint("migrate: linked")
    shutil.rmtree(moving, ignore_errors=True)
    logger.info("migrated the snapshot of %s to the versioned layout (%s)", data_dir, made[-1].name)
    return made[-1]


def prune(data_dir: Path, *, keep: int = KEEP_VERSIONS) -> list[Path]:
    """Remove the work folders of crashed updates and all but the ``keep`` newest versions (never the active one).

    Call with the lock held. Returns what was removed.
    """
    folder = data_dir / VERSIONS
    if not folder.is_dir():
        return []
    active = active_version(data_dir)
    removed = [p for p in folder.iterdir() if p.name.startswith(_TMP)]
    removed += [v for v in kept_versions(data_dir)[keep:] if v != active]
    for p in removed:
        shutil.rmtree(p, ignore_errors=True)
    return removed
