"""The top of the library: the network with its risk, composed from the layers below.

:func:`load_network` reads the graph (:mod:`routes.network`), the incident snapshot (:mod:`routes.io`) and estimates the
risk of every edge (:mod:`routes.model`); it is the one place where those layers meet, and so the one that knows every
file an estimate is made from: it keys the estimate on them and keeps it between runs (:mod:`routes.model.cache`).
A cached run reads none of those files but to checksum them, and imports only what the answer needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

import networkx as nx

__all__ = ["estimate_key_parts", "load_network"]


def load_network(
    *,
    places: str | Path | None = None,
    legs: str | Path | None = None,
    risk: bool = True,
    validate: bool = True,
    snapshot: str | Path | None = None,
    window: Sequence[int] | None = None,
    cache: bool | None = None,
) -> nx.MultiDiGraph:
    """Load the corridor network from the shipped geodata (or given files), with the risk of every edge.

    Parameters
    ----------
    places, legs
        Paths of a places and a legs GeoJSON file; the shipped ``geodata/`` files when omitted.
    risk
        If true, estimate the risk of every edge from the active incident snapshot and flows
        (:func:`routes.model.risk.estimate_risk`); if false, return the bare network
        (:func:`routes.network.graph.read_network`).
    validate
        If true, run :func:`routes.network.graph.validate_network` and raise on any problem.
    snapshot
        Which incident snapshot the risk uses: a path, ``"shipped"``, or by default the active one
        (:func:`routes.io.snapshot.load_incidents`: ``ROUTES_SNAPSHOT``, then the user's refreshed one, then the
        shipped).
    window
        ``(first_year, last_year)``: estimate from the incidents and travellers of those years only.
    cache
        Whether to read and keep the estimate in the user's cache folder (:mod:`routes.model.cache`); by default yes,
        unless ``ROUTES_NO_CACHE=1``. The estimate is the same either way.

    Returns
    -------
    networkx.MultiDiGraph
        The network of the graph contract (``docs/CONTRACT.md``).

    Raises
    ------
    NetworkError
        If a file is unreadable or the network is invalid; the message lists every problem.

    Examples
    --------
    >>> G = load_network(risk=False)
    >>> G.graph["crs"]
    'EPSG:4326'
    """
    if not risk:
        from routes.network.graph import read_network

        return read_network(places=places, legs=legs, validate=validate)
    from routes.model.cache import cached_estimate, estimate_key

    files, options, incidents = _inputs(places=places, legs=legs, validate=validate, snapshot=snapshot, window=window)

    def build() -> nx.MultiDiGraph:
        from routes.io.snapshot import load_incidents
        from routes.model.risk import estimate_risk
        from routes.network.graph import read_network

        G = read_network(places=places, legs=legs, validate=validate)
        return estimate_risk(G, load_incidents(incidents), window=options["window"])

    return cached_estimate(estimate_key(files, options), build, cache=cache)


def _inputs(
    *,
    places: str | Path | None,
    legs: str | Path | None,
    validate: bool,
    snapshot: str | Path | None,
    window: Sequence[int] | None,
) -> tuple[dict[str, Path | Traversable | None], dict[str, Any], Path]:
    """Every file the estimate of :func:`load_network` reads (by role), its options, and the snapshot's csv."""
    from routes.io.resources import geodata_file
    from routes.io.snapshot import resolve_snapshot
    from routes.vocabulary import check_window

    years = check_window(window)
    incidents = resolve_snapshot(snapshot)
    files: dict[str, Path | Traversable | None] = {
        "places": Path(places) if places is not None else geodata_file("places.geojson"),
        "legs": Path(legs) if legs is not None else geodata_file("legs.geojson"),
        "countries": geodata_file("countries.geojson") if validate else None,
        "incidents": incidents, "snapshot_meta": incidents.with_name("snapshot.json"),
        "flows": geodata_file("flows.csv"), "exposure": geodata_file("exposure.csv"),
    }
    return files, {"window": years, "validate": validate}, incidents


def estimate_key_parts(
    *,
    places: str | Path | None = None,
    legs: str | Path | None = None,
    validate: bool = True,
    snapshot: str | Path | None = None,
    window: Sequence[int] | None = None,
) -> dict[str, Any]:
    """What the key of :func:`load_network`'s estimate with these arguments is made of
    (:func:`routes.model.cache.key_parts`: a checksum of the inputs, of the code, and the library versions).

    The build command stores the shipped estimate under the key of the shipped data (``snapshot="shipped"``); a test
    checks that it is not stale.

    Examples
    --------
    >>> estimate_key_parts(snapshot="shipped")["code"] == estimate_key_parts(snapshot="shipped")["code"]
    True
    """
    from routes.model.cache import key_parts

    files, options, _ = _inputs(places=places, legs=legs, validate=validate, snapshot=snapshot, window=window)
    return key_parts(files, options)
