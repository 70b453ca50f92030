"""The one way the package writes a file: all of it, or nothing.

Every file ``routes`` writes (the incident snapshot, ``route-risk rank -o`` tables, GeoJSON and GeoPackage exports)
goes through :func:`atomic_write`: each writer fills a temporary file in the target's own folder, the temporary file
is flushed to disk (``fsync``), and only then renamed over the target (``os.replace``, atomic on one file system).
So a crash, a Ctrl-C, a full disk or an error half-way leaves the previous file byte for byte as it was and no
temporary file behind; a symlink at the target is replaced by the new file, never written through (the file it
pointed to is untouched); a new file gets the permissions of the file it replaces, else the usual ``0o666 & ~umask``.
An operating-system error becomes a :class:`routes.errors.WriteError` naming the path and saying what to do
(a full disk says so).

Examples
--------
>>> import tempfile
>>> target = Path(tempfile.mkdtemp()) / "out.txt"
>>> write_text(target, "first\\n").name
'out.txt'
>>> with atomic_open(target) as fh:
...     _ = fh.write("second\\n")
>>> target.read_text()
'second\\n'
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Callable, Iterator, Sequence
from os import PathLike
from pathlib import Path
from typing import IO, Any

from routes.errors import RouteError, WriteError

__all__ = ["atomic_open", "atomic_write", "describe_os_error", "fsync_dir", "write_bytes", "write_text"]

#: sidecar files SQLite (GeoPackage) may leave beside a temporary file
_SIDECARS = ("-journal", "-wal", "-shm")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _umask()


def describe_os_error(err: OSError, path: str | PathLike[str] | None, *, action: str = "write") -> str:
    """A message for an operating-system error on ``path``: what happened, in words, and what to do.

    Examples
    --------
    >>> describe_os_error(OSError(errno.ENOSPC, "No space left on device"), "/data/out.csv")
    "cannot write '/data/out.csv': the disk is full (no space left on the device); free some space or write elsewhere"
    """
    where = repr(str(path)) if path is not None else (repr(err.filename) if err.filename else "a file")
    code = err.errno
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        what = (
            "the disk is full (no space left on the device)" if code == errno.ENOSPC else "the disk quota is exceeded"
        )
        fix = "free some space or write elsewhere"
    elif code in (errno.EACCES, errno.EPERM):
        what, fix = "permission denied", "choose a folder you may write to, or change its permissions"
    elif code == errno.EROFS:
        what, fix = "the file system is read-only", "write to another folder"
    elif code == errno.ENOENT:
        what, fix = "the folder does not exist", "create it first (mkdir -p) or choose another path"
    elif code == errno.EISDIR:
        what, fix = "it is a directory", "give a file name"
    else:
        what, fix = (err.strerror or str(err) or type(err).__name__), "check the path and the disk"
    return f"cannot {action} {where}: {what}; {fix}"


def fsync_dir(folder: str | PathLike[str]) -> None:
    """Make the renames in ``folder`` durable where the platform allows it (not on Windows)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _mode_for(target: Path) -> int:
    """The permissions of the file being replaced (a regular file, not a symlink), else the usual ones."""
    try:
        st = os.lstat(target)
    except OSError:
        return 0o666 & ~_UMASK
    return stat.S_IMODE(st.st_mode) if stat.S_ISREG(st.st_mode) else 0o666 & ~_UMASK


def _cleanup(temp: Path) -> None:
    for p in (temp, *(temp.with_name(temp.name + s) for s in _SIDECARS)):
        with contextlib.suppress(OSError):
            p.unlink()


def atomic_write(jobs: Sequence[tuple[str | PathLike[str], Callable[[Path], None]]]) -> list[Path]:
    """Write several files at once: each ``write(temp_path)`` fills a temporary file, then all are renamed.

    Parameters
    ----------
    jobs
        ``(target, write)`` pairs. ``write`` receives the path of an empty temporary file beside ``target`` (with
        the same suffix, so format drivers recognise it) and fills it; it may delete and recreate it.

    Returns
    -------
    list of pathlib.Path
        The targets, in order.

    Raises
    ------
    WriteError
        If the operating system refuses (disk full, permission, read-only, missing folder): the message names the
        target. Every target keeps its previous content and no temporary file is left.
    Exception
        Whatever a ``write`` raised, unchanged, after the same clean-up.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> [p.name for p in atomic_write([(folder / "a.txt", lambda t: t.write_text("a"))])]
    ['a.txt']
    """
    targets = [Path(t) for t, _ in jobs]
    temps: list[Path] = []
    current: Path | None = None
    try:
        for target, (_, write) in zip(targets, jobs, strict=True):
            current = target
            fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=f".tmp{target.suffix}", dir=target.parent)
            os.close(fd)
            temps.append(Path(name))
            write(temps[-1])
            with open(temps[-1], "rb+") as fh:
                os.fsync(fh.fileno())
            os.chmod(temps[-1], _mode_for(target))
        for target, temp in zip(targets, temps, strict=True):
            current = target
            os.replace(temp, target)  # a symlink at target is replaced, not followed
    except BaseException as err:  # KeyboardInterrupt too: never a half-written or a temporary file
        for temp in temps:
            _cleanup(temp)
        if isinstance(err, OSError) and not isinstance(err, RouteError):
            raise WriteError(describe_os_error(err, current) + "; the previous file, if any, is unchanged") from err
        raise
    for folder in dict.fromkeys(t.parent for t in targets):
        fsync_dir(folder)
    return targets


@contextlib.contextmanager
def atomic_open(path: str | PathLike[str], mode: str = "w", *, encoding: str | None = "utf-8",
                newline: str | None = None) -> Iterator[IO[Any]]:
    """Open a temporary file for writing; on a clean exit it replaces ``path`` (see :func:`atomic_write`).

    Parameters
    ----------
    path
        The target file.
    mode
        ``"w"`` (text) or ``"wb"`` (bytes).
    encoding, newline
        As for :func:`open`, in text mode.

    Raises
    ------
    WriteError
        If the file cannot be written; ``path`` keeps its previous content.
    """
    if mode not in ("w", "wb"):
        from routes.errors import ArgumentError

        raise ArgumentError(f"atomic_open: mode must be 'w' or 'wb', got {mode!r}")
    target = Path(path)
    temp: Path | None = None
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=f".tmp{target.suffix}", dir=target.parent)
        os.close(fd)
        temp = Path(name)
        with open(temp, mode, encoding=None if "b" in mode else encoding,
                  newline=None if "b" in mode else newline) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(temp, _mode_for(target))
        os.replace(temp, target)
    except BaseException as err:
        if temp is not None:
            _cleanup(temp)
        if isinstance(err, OSError) and not isinstance(err, RouteError):
            raise WriteError(describe_os_error(err, target) + "; the previous file, if any, is unchanged") from err
        raise
    fsync_dir(target.parent)


def write_text(path: str | PathLike[str], text: str, *, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (newlines as given) and return the path."""
    with atomic_open(path, "w", encoding=encoding, newline="") as fh:
        fh.write(text)
    return Path(path)


def write_bytes(path: str | PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically and return the path."""
    with atomic_open(path, "wb") as fh:
        fh.write(data)
    return Path(path)
