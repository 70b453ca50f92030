"""The estimate kept between runs: a pure function of its inputs, stored in the user's cache folder.

The risk estimate (the graph with its risk numbers and its :class:`~routes.model.estimate.Estimate`) depends only on

* the files it is made from: places, legs, the country outlines it is validated against, the incident snapshot
  (``incidents.csv`` and ``snapshot.json``), the flows and the exposure table, each by its path and a checksum of its
  bytes (reading a few hundred kB to hash them takes a millisecond; parsing and validating them takes most of a second);
* the options: the window of years, whether the network is validated, ...;
* the code that makes it: a checksum of the source of :mod:`routes.io`, :mod:`routes.network`, :mod:`routes.model` and
  :mod:`routes.vocabulary`, since the version number does not change with every edit;
* the cache format, and the versions of Python and of the libraries whose objects it holds (numpy, pandas,
  geopandas, shapely, pyproj, networkx).

:func:`estimate_key` hashes all of these into the key of an entry. :func:`cached_estimate` returns the entry of a key
when there is one, else builds the estimate and stores it. An entry is one file, ``<key>.estimate`` in
:func:`cache_dir`: a line naming the format, a JSON header (key, format, sizes, the SHA-256 of the payload) and the
payload, a pickle of the graph and its estimate. It is written to a temporary file in the same folder and renamed
(:func:`os.replace`), so a reader sees a whole entry or none. It is read back in milliseconds, and trusted only when
its header names this format and this key and its payload has the recorded size and checksum; any other entry is
ignored (and removed) and the estimate rebuilt. Unpickling is safe here only because the folder holds nothing but
files this module wrote under keys it computed, and a file that does not match its checksum is never unpickled.

The cache is never required: a folder that cannot be created, read or written (read-only, full disk) means no cache,
never an error. ``ROUTES_NO_CACHE=1`` (or ``cache=False``, ``route-risk --no-cache``) turns it off;
``ROUTES_CACHE_DIR`` chooses the folder (the tests use it); :func:`clear_cache` empties it.

Examples
--------
>>> key = estimate_key({"legs": None}, {"window": None})
>>> len(key), key == estimate_key({"legs": None}, {"window": None})
(40, True)
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import pickle
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

import networkx as nx

from routes.errors import ArgumentTypeError

log = logging.getLogger(__name__)

__all__ = ["CacheInfo", "cache_dir", "cache_enabled", "cache_info", "cached_estimate", "clear_cache", "estimate_key",
           "read_estimate", "write_estimate"]

#: the version of the file format; an entry of another format is ignored
FORMAT = 1
#: the first line of every entry
MAGIC = b"routes-estimate"
#: the suffix of an entry's file
SUFFIX = ".estimate"
#: how many entries are kept (the least recently used are removed when a new one is written)
MAX_ENTRIES = 8
#: the packages whose source the estimate is made by (their checksum is part of every key)
CODE = ("routes.io", "routes.network", "routes.model")
#: single modules of the same kind
CODE_MODULES = ("vocabulary.py",)
#: the libraries whose objects an entry holds: another version of one means another key
LIBRARIES = ("numpy", "pandas", "geopandas", "shapely", "pyproj", "networkx")

_code_checksum: str | None = None


def cache_dir() -> Path:
    """The folder of the cached estimates: ``ROUTES_CACHE_DIR``, else the user's cache folder (``platformdirs``).

    Examples
    --------
    >>> cache_dir().name in ("estimates", os.environ.get("ROUTES_CACHE_DIR", "").rstrip("/").split("/")[-1])
    True
    """
    folder = os.environ.get("ROUTES_CACHE_DIR")
    if folder:
        return Path(folder).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("routes", appauthor=False)) / "estimates"


def cache_enabled(cache: bool | None = None) -> bool:
    """Whether to use the cache: ``cache`` if given, else not when ``ROUTES_NO_CACHE`` is set to 1, true or yes.

    Examples
    --------
    >>> cache_enabled(False)
    False
    """
    if cache is not None:
        return bool(cache)
    return os.environ.get("ROUTES_NO_CACHE", "").strip().lower() not in ("1", "true", "yes", "on")


def _digest(data: bytes | memoryview) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_checksum(path: Path | Traversable | None) -> str:
    """``"<size>:<sha256>"`` of a file's bytes, or ``"missing"``."""
    if path is None:
        return "none"
    try:
        data = path.read_bytes()
    except OSError:
        return "missing"
    return f"{len(data)}:{_digest(data)}"


def code_checksum() -> str:
    """A checksum of the source files the estimate is made by (:data:`CODE`, :data:`CODE_MODULES`), once per process.

    Examples
    --------
    >>> len(code_checksum())
    64
    """
    global _code_checksum
    if _code_checksum is None:
        h = hashlib.sha256()
        root = resources.files("routes")
        files = [root.joinpath(m) for m in CODE_MODULES]
        for package in CODE:
            folder = resources.files(package)
            files += sorted((f for f in folder.iterdir() if f.name.endswith(".py")), key=lambda f: f.name)
        for f in files:
            h.update(f"{f.name}\0".encode())
            h.update(f.read_bytes())
        _code_checksum = h.hexdigest()
    return _code_checksum


def _environment() -> dict[str, str]:
    from routes import __version__

    versions = {name: str(getattr(sys.modules.get(name) or __import__(name), "__version__", "?")) for name in LIBRARIES}
    return {"format": str(FORMAT), "routes": __version__, "python": sys.version, **versions}


def estimate_key(files: Mapping[str, Path | Traversable | None], options: Mapping[str, Any]) -> str:
    """The key of the estimate made from ``files`` with ``options`` by this code, in this environment.

    Parameters
    ----------
    files
        Every file the estimate reads, by role (``"legs"``, ``"snapshot"``, ...); ``None`` for a role without one.
        Each counts by its path and a checksum of its bytes.
    options
        The options of the estimate; values must be JSON-serialisable (tuples count as lists).

    Returns
    -------
    str
        40 hexadecimal digits.

    Raises
    ------
    ArgumentTypeError
        If an option is not JSON-serialisable.
    """
    try:
        opts = json.dumps(dict(options), sort_keys=True)
    except TypeError as err:
        raise ArgumentTypeError(f"estimate_key: options must be JSON values, got {dict(options)!r} ({err})") from None
    parts = {
        "files": {role: [str(path), _file_checksum(path)] for role, path in sorted(files.items())},
        "options": opts,
        "code": code_checksum(),
        "environment": _environment(),
    }
    return _digest(json.dumps(parts, sort_keys=True).encode())[:40]


def _entry(key: str, folder: Path | None = None) -> Path:
    return (folder or cache_dir()) / f"{key}{SUFFIX}"


def read_estimate(key: str) -> nx.MultiDiGraph | None:
    """The graph of a cached estimate, its estimate registered (:func:`routes.model.estimate.estimate_of`), or ``None``.

    Parameters
    ----------
    key
        From :func:`estimate_key`.

    Returns
    -------
    networkx.MultiDiGraph or None
        ``None`` when there is no entry for ``key`` or it cannot be trusted (another format, another key, a wrong size
        or checksum, a payload that does not unpickle to a graph and its estimate); such an entry is removed.

    Examples
    --------
    >>> read_estimate("0" * 40) is None
    True
    """
    from routes.model.estimate import register

    path = _entry(key)
    try:
        data = path.read_bytes()
    except OSError:
        return None
    entry = _unpack(data, key)
    if isinstance(entry, str):
        log.info("ignoring the cached estimate %s (%s); it will be rebuilt", path, entry)
        with contextlib.suppress(OSError):
            path.unlink()
        return None
    G, estimate = entry
    register(G, estimate)
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used: kept longest
    return G


def _unpack(data: bytes, key: str) -> tuple[nx.MultiDiGraph, Any] | str:
    """The graph and the estimate in an entry's bytes, or why they cannot be trusted."""
    from routes.model.estimate import ESTIMATE_KEY, Estimate

    try:
        end_magic = data.index(b"\n")
        end_header = data.index(b"\n", end_magic + 1)
        header = json.loads(data[end_magic + 1:end_header])
    except ValueError:
        return "no header"
    if data[:end_magic] != MAGIC or not isinstance(header, dict) or header.get("format") != FORMAT:
        return f"not an entry of format {FORMAT}"
    if header.get("key") != key:
        return f"written for the key {header.get('key')!r}"
    payload = memoryview(data)[end_header + 1:]  # no copy of the payload
    if len(payload) != header.get("size") or _digest(payload) != header.get("sha256"):
        return "its size or checksum does not match: a truncated or damaged file"
    try:
        G, estimate = pickle.loads(payload)
    except Exception as err:  # noqa: BLE001 - a payload that does not load is rebuilt, whatever the error
        return f"cannot be read back ({type(err).__name__}: {err})"
    if not isinstance(G, nx.MultiDiGraph) or not isinstance(estimate, Estimate):
        return f"holds a {type(G).__name__} and a {type(estimate).__name__}"
    if G.graph.get(ESTIMATE_KEY) != estimate.key:
        return "its graph and its estimate do not match"
    return G, estimate


def write_estimate(key: str, G: nx.MultiDiGraph) -> Path | None:
    """Store the estimated graph ``G`` (and its estimate) under ``key``.

    Parameters
    ----------
    key
        From :func:`estimate_key` of everything ``G``'s estimate depends on.
    G
        A graph with an estimate in this process (:func:`routes.model.estimate.estimate_of`).

    Returns
    -------
    pathlib.Path or None
        The file written; ``None`` when ``G`` has no estimate or the folder cannot be written (read-only, full disk):
        the cache is never required. The least recently used entries beyond :data:`MAX_ENTRIES` are removed.

    Examples
    --------
    >>> import networkx as nx
    >>> write_estimate("0" * 40, nx.MultiDiGraph()) is None  # no estimate: nothing to keep
    True
    """
    from routes.model.estimate import estimate_of

    estimate = estimate_of(G)
    if estimate is None:
        return None
    payload = pickle.dumps((G, estimate), protocol=pickle.HIGHEST_PROTOCOL)
    header = {"format": FORMAT, "key": key, "size": len(payload), "sha256": _digest(payload),
              "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    folder = cache_dir()
    tmp: str | None = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(MAGIC + b"\n" + json.dumps(header).encode() + b"\n")
            f.write(payload)
        path = _entry(key, folder)
        os.replace(tmp, path)
    except OSError as err:
        log.info("the estimate is not cached: cannot write in %s (%s)", folder, err)
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        return None
    _prune(folder, keep=path)
    return path


def _prune(folder: Path, *, keep: Path) -> None:
    """Remove the least recently used entries beyond :data:`MAX_ENTRIES` (never ``keep``)."""
    with contextlib.suppress(OSError):
        entries = sorted(folder.glob(f"*{SUFFIX}"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in [p for p in entries if p != keep][MAX_ENTRIES - 1:]:
            old.unlink()


def cached_estimate(key: str, build: Callable[[], nx.MultiDiGraph], *, cache: bool | None = None) -> nx.MultiDiGraph:
    """The cached estimate of ``key``, else ``build()`` stored under ``key`` (no cache when ``cache_enabled`` is false).

    Parameters
    ----------
    key
        From :func:`estimate_key` of everything ``build`` depends on.
    build
        Makes the estimated graph (with its estimate registered).
    cache
        Whether to use the cache; default :func:`cache_enabled`.

    Returns
    -------
    networkx.MultiDiGraph
        The estimated graph, its estimate registered.

    Examples
    --------
    >>> import networkx as nx
    >>> cached_estimate("0" * 40, nx.MultiDiGraph, cache=False).number_of_edges()
    0
    """
    if not cache_enabled(cache):
        return build()
    G = read_estimate(key)
    if G is not None:
        log.debug("estimate %s read from the cache", key)
        return G
    G = build()
    write_estimate(key, G)
    return G


@dataclass(frozen=True)
class CacheInfo:
    """What the cache holds: its folder, whether it is on, and its entries (path, bytes, last used)."""

    folder: Path
    enabled: bool
    entries: list[tuple[Path, int, float]]

    @property
    def size(self) -> int:
        """Bytes in all entries."""
        return sum(n for _, n, _ in self.entries)

    def __str__(self) -> str:
        lines = [f"cache folder: {self.folder}" + ("" if self.enabled else " (turned off by ROUTES_NO_CACHE)"),
                 f"cached estimates: {len(self.entries)}, {self.size / 2**20:.1f} MB"]
        lines += [f"  {p.name}  {n / 2**20:.1f} MB  last used {time.strftime('%Y-%m-%d %H:%M', time.localtime(t))}"
                  for p, n, t in self.entries]
        return "\n".join(lines)


def cache_info() -> CacheInfo:
    """The cache's folder and entries, most recently used first.

    Examples
    --------
    >>> cache_info().folder == cache_dir()
    True
    """
    folder = cache_dir()
    entries: list[tuple[Path, int, float]] = []
    with contextlib.suppress(OSError):
        for p in folder.glob(f"*{SUFFIX}"):
            with contextlib.suppress(OSError):
                st = p.stat()
                entries.append((p, st.st_size, st.st_mtime))
    return CacheInfo(folder, cache_enabled(), sorted(entries, key=lambda e: -e[2]))


def clear_cache() -> list[Path]:
    """Remove every cached estimate (and any temporary file left by an interrupted write); the files removed.

    Examples
    --------
    >>> removed = clear_cache()  # doctest: +SKIP
    """
    folder = cache_dir()
    removed: list[Path] = []
    with contextlib.suppress(OSError):
        for p in [*folder.glob(f"*{SUFFIX}"), *folder.glob(".*.tmp")]:
            with contextlib.suppress(OSError):
                p.unlink()
                removed.append(p)
    return removed
