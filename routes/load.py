"""The top of the library: the network with its risk, composed from the layers below.

:func:`load_network` reads the graph (:mod:`routes.network`), the incident snapshot (:mod:`routes.io`) and estimates the
risk of every edge (:mod:`routes.model`); it is the one place where those layers meet.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from routes.io.snapshot import load_incidents
from routes.model.risk import estimate_risk
from routes.network.graph import read_network

__all__ = ["load_network"]


def load_network(
    *,
    places: str | Path | None = None,
    legs: str | Path | None = None,
    risk: bool = True,
    validate: bool = True,
    snapshot: str | Path | None = None,
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
        (:func:`routes.io.snapshot.load_incidents`: ``ROUTES_SNAPSHOT``, then the user's refreshed one, then the shipped).

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
    G = read_network(places=places, legs=legs, validate=validate)
    if risk:
        G = estimate_risk(G, load_incidents(snapshot))
    return G
