"""The estimate kept between runs: a pure function of its inputs, stored in the user's cache folder.

The risk estimate (the graph with its risk numbers and its :class:`~routes.model.estimate.Estimate`) depends only on

* the files it is made from: places, legs, the country outlines it is validated against, the incident snapshot
  (``incidents.csv`` and ``snapshot.json``), the flows and the exposure table, each by its path and a checksum of its
  bytes (reading a few hundred kB to hash them takes a millisecond; parsing and validating them takes most of a second);
* the options: the window of years, whether the network is validated, ...;
* the code that makes it: a checksum of the source of :mod:`routes.io`, :mod:`routes.network`, :mod:`routes.model` and
  :mod:`routes.vocabulary`, since the version number does not change with every edit;
* the cache format, Python's implementation and minor version and the platform (``cpython 3.11 linux x86_64``: the
  patch releases and builds of a minor version read the same pickles), and the versions of the libraries whose
  objects it holds (numpy, pandas, geopandas, shapely, pyproj, networkx).

:func:`estimate_key` hashes all of these into the key of an entry. :func:`cached_estimate` returns the entry of a key
when there is one, else builds the estimate and stores it. An entry is one file, ``<key>.estimate`` in
:func:`cache_dir`: a line naming the format, a JSON header (key, format, sizes, the SHA-256 of the payload) and the
payload, a pickle of the graph and its estimate. It is written to a temporary file in the same folder and renamed
(:func:`os.replace`), so a reader sees a whole entry or none. It is read back in milliseconds, and trusted only when
its header names this format and this key and its payload has the recorded size and checksum; any other entry is
ignored (and removed) and the estimate rebuilt. Unpickling is safe here only because the folder holds nothing but
files this module wrote under keys it computed, and a file that does not match its checksum is never unpickled.

The package also carries the estimate of its shipped data (:data:`SHIPPED`, built by ``python -m tools.build --only
estimate`` and checked for staleness by a test): a read-only second tier. :func:`cached_estimate` looks in the user's
folder, then in the shipped file, used only when the key it was built under equals the key computed now (the same
inputs, code and library versions; else it is ignored, logged at debug level), then builds; what the shipped file or
the build gave is kept in the user's folder. The shipped file holds
the joint draws in single precision (:data:`SHIPPED_DRAWS`, read back as float64) and is compressed, to keep the
package small; every other number is as estimated. Files of the shipped data count in a key by their name in the
package, not by the folder it is installed in, and the folder an entry was made in is put back to this install's
when it is read (:func:`_relocate`), so an estimate made in a checkout serves an installed package.

The cache is never required: a folder that cannot be created, read or written (read-only, full disk) means no cache,
never an error. ``ROUTES_NO_CACHE=1`` (or ``cache=False``, ``route-risk --no-cache``) turns it off;
``ROUTES_CACHE_DIR`` chooses the folder (the tests use it); :func:`clear_cache` empties it. Turned off, neither tier is
read.

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
import platform
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from routes.errors import ArgumentTypeError

log = logging.getLogger(__name__)

__all__ = ["CacheInfo", "cache_dir", "cache_enabled", "cache_info", "cached_estimate", "clear_cache", "estimate_key",
           "estimate_key_of_parts", "key_parts", "read_estimate", "read_shipped_estimate", "shipped_file",
           "shipped_header", "write_estimate", "write_shipped_estimate"]

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

#: the shipped estimate: a file of this package (``routes/model/``), read-only
SHIPPED = ("routes.model", "shipped_estimate.bin")
#: the first line of the shipped estimate
SHIPPED_MAGIC = b"routes-shipped-estimate"
#: the precision of the joint draws in the shipped estimate (float64 would double its size)
SHIPPED_DRAWS = "float32"
#: a file of the shipped data counts in a key by this prefix and its name, wherever the package is installed
SHIPPED_DATA = "shipped-geodata:"

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


def _geodata_folder() -> str:
    """The folder of the shipped data in this install (as a string; ``""`` if it cannot be told)."""
    try:
        return os.path.realpath(str(resources.files("routes._geodata")))
    except (ModuleNotFoundError, TypeError):  # pragma: no cover - a package without its data
        return ""


def _label(path: Path | Traversable | None) -> str:
    """How a file counts in a key: a file of the shipped data by its name, any other by its path."""
    if path is None:
        return "none"
    folder = _geodata_folder()
    real = os.path.realpath(str(path))
    if folder and os.path.dirname(real) == folder:
        return SHIPPED_DATA + os.path.basename(real)
    return str(path)


def _environment() -> dict[str, str]:
    from routes import __version__

    versions = {name: str(getattr(sys.modules.get(name) or __import__(name), "__version__", "?")) for name in LIBRARIES}
    # Python by implementation and minor version: a patch release or another build of the same minor version (pyenv's
    # 3.11.7, Debian's 3.11.2) reads the same pickles and leaves the numbers to the libraries, whose versions count;
    # and the platform, since another system's maths library can round a fit differently in its last digits
    python = (f"{sys.implementation.name} {sys.version_info.major}.{sys.version_info.minor} {sys.platform} "
              f"{platform.machine()}")
    return {"format": str(FORMAT), "routes": __version__, "python": python, **versions}


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
    return estimate_key_of_parts(key_parts(files, options))


def estimate_key_of_parts(parts: Mapping[str, Any]) -> str:
    """The key of the estimate whose :func:`key_parts` are ``parts``.

    Examples
    --------
    >>> estimate_key_of_parts(key_parts({}, {})) == estimate_key({}, {})
    True
    """
    return _digest(json.dumps(dict(parts), sort_keys=True).encode())[:40]


def key_parts(files: Mapping[str, Path | Traversable | None], options: Mapping[str, Any]) -> dict[str, Any]:
    """What :func:`estimate_key` hashes, in three parts: ``inputs`` (a checksum of the files and options), ``code``
    (:func:`code_checksum`) and ``environment`` (the versions of Python, of this package and of the libraries).

    Raises
    ------
    ArgumentTypeError
        If an option is not JSON-serialisable.

    Examples
    --------
    >>> sorted(key_parts({"legs": None}, {"window": None}))
    ['code', 'environment', 'inputs']
    """
    try:
        opts = json.dumps(dict(options), sort_keys=True)
    except TypeError as err:
        raise ArgumentTypeError(f"estimate_key: options must be JSON values, got {dict(options)!r} ({err})") from None
    inputs = {"files": {role: [_label(path), _file_checksum(path)] for role, path in sorted(files.items())},
              "options": opts}
    return {"inputs": _digest(json.dumps(inputs, sort_keys=True).encode()), "code": code_checksum(),
            "environment": _environment()}


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


def _split(data: bytes, magic: bytes, key: str) -> tuple[dict[str, Any], memoryview] | str:
    """The header and the payload of a file of this module, checked; or why they cannot be trusted."""
    try:
        end_magic = data.index(b"\n")
        end_header = data.index(b"\n", end_magic + 1)
        header = json.loads(data[end_magic + 1:end_header])
    except ValueError:
        return "no header"
    if data[:end_magic] != magic or not isinstance(header, dict) or header.get("format") != FORMAT:
        return f"not an entry of format {FORMAT}"
    if header.get("key") != key:
        return f"written for the key {header.get('key')!r}"
    payload = memoryview(data)[end_header + 1:]  # no copy of the payload
    if len(payload) != header.get("size") or _digest(payload) != header.get("sha256"):
        return "its size or checksum does not match: a truncated or damaged file"
    return header, payload


def _unpack(data: bytes, key: str) -> tuple[nx.MultiDiGraph, Any] | str:
    """The graph and the estimate in an entry's bytes, or why they cannot be trusted."""
    split = _split(data, MAGIC, key)
    if isinstance(split, str):
        return split
    return _load(split[1], split[0])


def _load(payload: bytes | memoryview, header: Mapping[str, Any]) -> tuple[nx.MultiDiGraph, Any] | str:
    """Unpickle a checked payload into a graph and its estimate, made at home in this install (:func:`_relocate`)."""
    from routes.model.estimate import ESTIMATE_KEY, Estimate

    try:
        G, estimate = pickle.loads(payload)
    except Exception as err:  # noqa: BLE001 - a payload that does not load is rebuilt, whatever the error
        return f"cannot be read back ({type(err).__name__}: {err})"
    if not isinstance(G, nx.MultiDiGraph) or not isinstance(estimate, Estimate):
        return f"holds a {type(G).__name__} and a {type(estimate).__name__}"
    if G.graph.get(ESTIMATE_KEY) != estimate.key:
        return "its graph and its estimate do not match"
    made_in, here = str(header.get("geodata") or ""), _geodata_folder()
    if made_in and here and made_in != here:
        _relocate(G, estimate, made_in, here)
    return G, estimate


def _relocate(G: nx.MultiDiGraph, estimate: Any, old: str, new: str) -> None:
    """Name the shipped data by the folder of this install (``new``) where the estimate names the folder it was made
    in (``old``): in the graph's metadata, the estimate's settings and its tables' ``attrs``."""

    def moved(value: Any) -> Any:
        if isinstance(value, str):
            return new + value[len(old):] if value == old or value.startswith(old + os.sep) else value
        if isinstance(value, dict):
            for k, v in value.items():
                value[k] = moved(v)
        elif isinstance(value, list):
            value[:] = [moved(v) for v in value]
        elif isinstance(value, tuple):
            return type(value)(moved(v) for v in value) if type(value) is tuple else value
        return value

    moved(G.graph)
    moved(estimate.settings)
    for table in (estimate.incidents, estimate.allocation, estimate.exposure_table, estimate.flows):
        moved(table.attrs)


def _payload(G: nx.MultiDiGraph) -> tuple[bytes, dict[str, Any]] | None:
    """The pickle of ``G`` and its estimate, and the header fields every file of this module has; ``None`` when
    ``G`` has no estimate."""
    from routes.model.estimate import estimate_of

    estimate = estimate_of(G)
    if estimate is None:
        return None
    payload = pickle.dumps((G, estimate), protocol=pickle.HIGHEST_PROTOCOL)
    return payload, {"format": FORMAT, "geodata": _geodata_folder(), "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")}


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
    packed = _payload(G)
    if packed is None:
        return None
    payload, header = packed
    header.update(key=key, size=len(payload), sha256=_digest(payload))
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


# ----------------------------------------------------------------------------------------- the shipped estimate
def shipped_file() -> Traversable:
    """The shipped estimate's file in this package (it may be missing: then there is none).

    Examples
    --------
    >>> shipped_file().name
    'shipped_estimate.bin'
    """
    return resources.files(SHIPPED[0]).joinpath(SHIPPED[1])


def shipped_header() -> dict[str, Any] | None:
    """The header of the shipped estimate: its ``key``, the ``parts`` of the key (:func:`key_parts`), sizes; ``None``
    when there is no shipped estimate or its file is not one.

    Examples
    --------
    >>> header = shipped_header()
    >>> header is None or len(header["key"]) == 40
    True
    """
    try:
        with shipped_file().open("rb") as f:
            magic, line = f.readline().rstrip(b"\n"), f.readline()
    except OSError:
        return None
    try:
        header = json.loads(line)
    except ValueError:
        return None
    return header if magic == SHIPPED_MAGIC and isinstance(header, dict) else None


def read_shipped_estimate(key: str) -> nx.MultiDiGraph | None:
    """The shipped estimate's graph, its estimate registered, when it was made under ``key``; else ``None``.

    A shipped estimate made under another key (other inputs, other code, other library versions), or one that cannot
    be trusted, is ignored: logged at debug level, never an error.

    Examples
    --------
    >>> read_shipped_estimate("0" * 40) is None
    True
    """
    from routes.model.estimate import register

    where = shipped_file()
    try:
        data = where.read_bytes()
    except OSError:
        log.debug("no shipped estimate (%s)", where)
        return None
    split = _split(data, SHIPPED_MAGIC, key)
    if isinstance(split, str):
        log.debug("the shipped estimate %s is not used: %s, not %s", where, split, key)
        return None
    header, payload = split
    try:
        raw = zlib.decompress(payload)
    except zlib.error as err:
        log.debug("the shipped estimate %s is not used: it does not decompress (%s)", where, err)
        return None
    entry = _load(raw, header)
    if isinstance(entry, str):
        log.debug("the shipped estimate %s is not used: %s", where, entry)
        return None
    G, estimate = entry
    estimate.lam_draws = np.asarray(estimate.lam_draws, dtype=np.float64)
    register(G, estimate)
    return G


def write_shipped_estimate(G: nx.MultiDiGraph, parts: Mapping[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write the shipped estimate: ``G`` and its estimate, made from the shipped data, under the key of ``parts``.

    Parameters
    ----------
    G
        The estimated graph of the shipped data (its estimate registered).
    parts
        :func:`key_parts` of the inputs ``G`` was made from.
    path
        The file to write (the build command writes :data:`SHIPPED` of the checkout).

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    ArgumentTypeError
        If ``G`` has no estimate.
    """
    import dataclasses

    from routes.model.estimate import estimate_of

    estimate = estimate_of(G)
    if estimate is None:
        raise ArgumentTypeError("write_shipped_estimate: G has no estimate; make it with routes.load_network()")
    small = dataclasses.replace(estimate, lam_draws=estimate.lam_draws.astype(SHIPPED_DRAWS))
    raw = pickle.dumps((G, small), protocol=pickle.HIGHEST_PROTOCOL)
    payload = zlib.compress(raw, 9)
    key = estimate_key_of_parts(parts)
    header = {"format": FORMAT, "key": key, "parts": dict(parts), "draws": SHIPPED_DRAWS, "size": len(payload),
              "sha256": _digest(payload), "unpacked": len(raw), "geodata": _geodata_folder()}
    out = Path(path)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_bytes(SHIPPED_MAGIC + b"\n" + json.dumps(header, sort_keys=True).encode() + b"\n" + payload)
    os.replace(tmp, out)
    return out


def cached_estimate(key: str, build: Callable[[], nx.MultiDiGraph], *, cache: bool | None = None) -> nx.MultiDiGraph:
    """The estimate of ``key`` from the user's cache, else from the shipped estimate, else ``build()``; one of the last
    two is then stored in the user's cache under ``key`` (nothing is read or stored when ``cache_enabled`` is false).

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
    G = read_shipped_estimate(key)
    if G is not None:
        log.debug("estimate %s read from the shipped estimate", key)
        write_estimate(key, G)  # kept unpacked: the next run reads it without decompressing
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
