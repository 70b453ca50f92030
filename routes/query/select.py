"""Part of the network: the legs travelled one way, in a corridor, in use on a date.

:func:`select_legs` is what ``route-risk legs``, ``route-risk export`` and ``route-risk map`` filter with; the result
is a graph like any other (its risk estimate is still found by :func:`routes.model.estimate.estimate_of`).
"""

from __future__ import annotations

import datetime as dt
import difflib

import networkx as nx

from routes.errors import ScenarioError
from routes.vocabulary import in_period, to_day

DIRECTIONS = ("north", "south")


def corridors(G: nx.MultiDiGraph, corridor: str) -> list[str]:
    """The corridors ``corridor`` names: itself, or the family it begins (``darien`` names every ``darien-…``).

    Raises
    ------
    ScenarioError
        If no corridor is or begins with that name; the message suggests close ones.

    Examples
    --------
    >>> from routes.load import load_network
    >>> corridors(load_network(risk=False), "darien")[:2]
    ['darien-acandi', 'darien-capurgana']
    """
    known = sorted({str(d.get("corridor")) for *_, d in G.edges(data=True)})
    if corridor in known:
        return [corridor]
    family = [c for c in known if c.startswith(f"{corridor}-")]
    if family:
        return family
    close = difflib.get_close_matches(corridor, known, n=3)
    hint = f"did you mean {' or '.join(map(repr, close))}?" if close else f"choose from {', '.join(known)}"
    raise ScenarioError(f"unknown corridor {corridor!r}; {hint}")


def select_legs(G: nx.MultiDiGraph, *, direction: str | None = None, corridor: str | None = None,
                date: str | dt.date | None = None) -> nx.MultiDiGraph:
    """The edges of ``G`` travelled ``direction``, in ``corridor``, in use on ``date``, and the places they join.

    Parameters
    ----------
    G
        The network; not modified.
    direction
        ``"north"`` or ``"south"``; None keeps both.
    corridor
        A corridor slug (``uraba``) or the start of several (``darien`` keeps every ``darien-…`` corridor).
    date
        An ISO date: only legs whose ``period_start``/``period_end`` include it (as ``Scenario(date=...)`` does).

    Returns
    -------
    networkx.MultiDiGraph
        A new graph with the graph attributes of ``G`` (so its risk estimate is still found).

    Raises
    ------
    ScenarioError
        If the direction or date is malformed, the corridor unknown, or nothing is left.

    Examples
    --------
    >>> from routes.load import load_network
    >>> G = load_network(risk=False)
    >>> H = select_legs(G, direction="south", corridor="uraba")
    >>> {d["direction"] for *_, d in H.edges(data=True)}, {d["corridor"] for *_, d in H.edges(data=True)}
    ({'south'}, {'uraba'})
    """
    if direction not in (None, *DIRECTIONS):
        raise ScenarioError(f"direction must be 'north' or 'south' (or None for both), got {direction!r}")
    day = None
    if date is not None:
        day = to_day(date)
        if day is None:
            raise ScenarioError(f"date must be an ISO date YYYY-MM-DD, got {date!r}; e.g. '2024-06-01'")
    wanted = set(corridors(G, corridor)) if corridor is not None else None
    keep = [(u, v, k) for u, v, k, d in G.edges(keys=True, data=True)
            if direction in (None, d.get("direction"))
            and (wanted is None or d.get("corridor") in wanted)
            and (day is None or in_period(day, d.get("period_start"), d.get("period_end")))]
    if not keep:
        asked = ", ".join(f"{n}={v!r}" for n, v in (("direction", direction), ("corridor", corridor), ("date", date))
                          if v is not None)
        raise ScenarioError(f"no leg is left with {asked}; loosen a filter (route-risk legs lists them)")
    H = G.edge_subgraph(keep).copy()
    H.graph = dict(G.graph)
    return H
