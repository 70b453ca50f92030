"""Where a path search starts, ends and which way it runs: places and regions, direction, open legs.

:func:`routes.query.scoring.rank_paths` and its siblings ask for paths between an ``origin`` and a
``destination``; this module turns those names, the direction and the scenario into a query over the legs
table of :mod:`routes.query.scenario` and finds its safest paths with :mod:`routes.query.paths`.

Conventions
-----------
Places and regions
    ``origin`` and ``destination`` are a place id, a place name (resolved by
    :func:`routes.network.graph.find_place`) or an ISO3 country code for a region (every place of that country).
    A path into a destination region ends at the *first* town, port or reception station it reaches there
    (:data:`SETTLEMENTS`; not a border marker, camp or sea point, so a walk over the border ridge is followed to
    the first village). From an origin region it starts, with ``span="journey"`` (the default), at a place where
    travel in that direction enters the region from outside or begins (a place with no edge arriving at all),
    so whole traversals are compared; with ``span="crossing"`` it starts at its *last* place in the origin
    region, so only the crossings between the regions are compared. The start is found before the scenario's
    closures, so closing a place never moves it.
Direction
    Only edges whose ``direction`` is the one asked are used. When omitted it is inferred: first from the
    order of countries along the corridor (VEN/ECU/... < COL < PAN < CRI < NIC < HND < SLV, GTM < BLZ < MEX
    < USA), moving up that order being north; within one country, from the great-circle distance to the
    Colombia-Panama border at Cabo Tiburon (8.68 N, 77.36 W): getting closer to it is north on the
    Colombian side and getting farther is north everywhere else. If the inferred direction has no path but
    the other has, the other is used. ``gdf.attrs["direction_rule"]`` says which rule decided.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import networkx as nx
import numpy as np

from routes.errors import AmbiguousNameWarning, ArgumentError, DataError, NoPathError, ScenarioError, UnknownPlaceError
from routes.query.paths import distances_to, iter_k_best, reverse
from routes.query.scenario import Scenario, _Legs, _num, check_month
from routes.vocabulary import DIRECTIONS, Direction, country_code, country_name, did_you_mean, fold, geodesic_km

__all__ = ["BORDER_POINT", "CORRIDOR_ORDER", "DIRECTIONS", "Direction", "Span"]

logger = logging.getLogger(__name__)

Span = Literal["journey", "crossing"]
#: position of countries along the corridor, south to north
# fmt: off
CORRIDOR_ORDER: dict[str, int] = {
    **dict.fromkeys(("ARG", "BOL", "BRA", "CHL", "ECU", "GUF", "GUY", "PER", "PRY", "SUR", "URY", "VEN"), -1),
    "COL": 0, "PAN": 1, "CRI": 2, "NIC": 3, "HND": 4, "SLV": 5, "GTM": 5, "BLZ": 6, "MEX": 7, "USA": 8, "CAN": 9,
}
# fmt: on
#: Cabo Tiburon, where the Colombia-Panama border meets the Caribbean (lon, lat)
BORDER_POINT = (-77.36, 8.68)


# ----------------------------------------------------------------------------------------------- the query
@dataclass
class _Query:
    legs: _Legs
    direction: str
    sources: list[int]
    targets: list[int]
    active: np.ndarray
    mult: np.ndarray
    p_eff: np.ndarray
    lam: np.ndarray
    closed_legs: list[str]
    closed_places: list[str]
    dated_legs: list[str]

    @property
    def closed_text(self) -> str:
        parts = []
        if self.closed_legs:
            parts.append("legs " + ", ".join(map(repr, self.closed_legs)))
        if self.closed_places:
            parts.append("places " + ", ".join(map(repr, self.closed_places)))
        if self.dated_legs:
            parts.append("legs out of their period " + ", ".join(map(repr, self.dated_legs)))
        return "; ".join(parts)

    _cache: dict[str, Any] = field(default_factory=dict)

    @property
    def weights(self) -> list[float]:
        """The hazard ``-log(1 - p)`` of every edge, as plain floats."""
        if "weights" not in self._cache:
            self._cache["weights"] = [float(x) for x in self.lam.tolist()]
        return self._cache["weights"]  # type: ignore[no-any-return]

    def adjacency(self) -> list[list[tuple[int, float, int]]]:
        """Adjacency of the edges open to this query (cached)."""
        if "adj" not in self._cache:
            self._cache["adj"] = self.legs.ig.adjacency(self.weights, self.active.tolist())
        return self._cache["adj"]  # type: ignore[no-any-return]

    def to_targets(self) -> list[float]:
        """The least hazard from every node to a target over the open edges (cached; ``inf``: no way there)."""
        if "to_targets" not in self._cache:
            self._cache["to_targets"] = distances_to(reverse(self.adjacency()), self.targets)
        return self._cache["to_targets"]  # type: ignore[no-any-return]

    def best(self, k: int) -> list[tuple[float, tuple[int, ...]]]:
        """The ``k`` safest paths (cost = summed hazard, edge indices)."""
        return list(self.iter_best(k))

    def iter_best(self, k: int) -> Iterator[tuple[float, tuple[int, ...]]]:
        """The paths of :meth:`best`, safest first, each as soon as it is known (stop reading to stop searching)."""
        if not self.sources or not self.targets:
            return iter(())
        return iter_k_best(self.legs.ig, self.adjacency(), self.weights, self.sources, self.targets, k,
                           to_targets=self.to_targets())


#: the kinds of place a journey into a region may end at (not a border marker, camp or sea point)
SETTLEMENTS = frozenset({"town", "port", "reception_station"})


def _suggest(name: str, options: Iterable[str]) -> str:
    return did_you_mean(str(name), sorted(set(options))) or "no similar id"


def resolve_name(G: nx.MultiDiGraph, name: str, *, role: str = "place") -> tuple[list[str], bool, str]:
    """Read a name as a place or a country (a region), the one way the library and the command line read names.

    A node id is that place. A country code or name (``"PAN"``, ``"Panamá"``, ``"Colombia"``) is that country as a
    region, when a place of the network lies in it. A name that is both a country and a place's name (``"Panamá"``,
    also a name of Panama City) is read as the country, with an :class:`~routes.errors.AmbiguousNameWarning` that
    says how to ask for the place. Anything else is a place name, found accent-, case- and spelling-tolerantly
    (:func:`routes.find_place`).

    Returns
    -------
    tuple
        The node ids, whether they are a region, and the resolved id (a place id or an ISO3 code).

    Raises
    ------
    UnknownPlaceError
        If it is neither; the message suggests the closest names.

    Examples
    --------
    >>> from routes import load_network
    >>> G = load_network(risk=False)
    >>> resolve_name(G, "Colombia")[1:], resolve_name(G, "Necocli")[1:]
    ((True, 'COL'), (False, 'necocli'))
    """
    if not isinstance(name, str) or not name.strip():
        raise UnknownPlaceError(f"{role} must be a place id, name or ISO3 country code, got {name!r}")
    if name in G:
        return [name], False, name
    countries = {d.get("country") for _, d in G.nodes(data=True)}
    code = country_code(name)
    key = fold(name)
    named = sorted(n for n, d in G.nodes(data=True)
                   if key in {fold(s) for s in (d.get("name", ""), *(d.get("alt_names") or []))})
    if code is not None and named and code in countries:
        places = " or ".join(f"{G.nodes[n].get('name', n)!r} (id {n!r})" for n in named)
        warnings.warn(f"{role} {name!r} is read as the country {country_name(code)} ({code}), a region; it is also "
                      f"the name of the place {places}: give the place id for the place", AmbiguousNameWarning,
                      stacklevel=3)
    if code is not None:
        if code not in countries:
            raise UnknownPlaceError(f"{role} {name!r}: no place in {country_name(code)} ({code}) is on the network; "
                                    f"countries on it: {', '.join(sorted(map(str, countries)))}")
        return sorted(n for n, d in G.nodes(data=True) if d.get("country") == code), True, code
    try:
        from routes.network.places import find_place

        place = find_place(G, name)
    except UnknownPlaceError as err:
        raise UnknownPlaceError(f"unknown {role} {name!r}: {err}") from None
    return [place], False, place


def _resolve(G: nx.MultiDiGraph, name: str, role: str) -> tuple[list[str], bool]:
    """Node ids of a place or region and whether it is a region (:func:`resolve_name`)."""
    ids, region, _ = resolve_name(G, name, role=role)
    return ids, region


def _position(G: nx.MultiDiGraph, nodes: Sequence[str]) -> tuple[float | None, float]:
    """Corridor order of the countries of ``nodes`` (None if unknown/mixed) and mean signed border distance."""
    ranks = {CORRIDOR_ORDER.get(str(G.nodes[n].get("country"))) for n in nodes}
    signed = []
    for n in nodes:
        d = G.nodes[n]
        km = geodesic_km(_num(d.get("x")), _num(d.get("y")), *BORDER_POINT)
        rank = CORRIDOR_ORDER.get(str(d.get("country")))
        signed.append(-km if rank is not None and rank <= 0 else km)
    finite = [s for s in signed if math.isfinite(s)]
    rank = ranks.pop() if len(ranks) == 1 else None
    return (None if rank is None else float(rank)), (sum(finite) / len(finite) if finite else 0.0)


def _geography(G: nx.MultiDiGraph, origin: Sequence[str], destination: Sequence[str]) -> str:
    (r0, s0), (r1, s1) = _position(G, origin), _position(G, destination)
    if r0 is not None and r1 is not None and r0 != r1:
        return "north" if r1 > r0 else "south"
    return "north" if s1 >= s0 else "south"


def _prepare(
    legs: _Legs,
    origin: list[str],
    destination: list[str],
    direction: str,
    scenario: Scenario,
    *,
    entries: bool = False,
    apply_closures: bool = True,
) -> _Query:
    ig = legs.ig
    active = legs.direction == direction
    closed_legs, closed_places = legs.closed_ids(scenario)
    dated: list[str] = []
    src_set = {ig.index[n] for n in origin}
    dst_set = {ig.index[n] for n in destination}
    if entries:  # a journey starts where travel enters the origin region, or begins in it; closures or not
        region = np.array(sorted(src_set), dtype=np.intp)
        into = active & np.isin(legs.dst, region)
        entered = set(legs.dst[into & ~np.isin(legs.src, region)].tolist())
        begins = src_set - set(legs.dst[into].tolist())
        src_set = (entered | begins) or src_set
    if apply_closures:
        active, shut_nodes, dated = legs.close(active, scenario)
        src_set -= set(shut_nodes)
        dst_set -= set(shut_nodes)
    # a path never comes back to a start and stops at the first town of its destination region
    active &= ~np.isin(legs.dst, np.array(sorted(src_set), dtype=np.intp))
    active &= ~np.isin(legs.src, np.array(sorted(dst_set), dtype=np.intp))
    missing = [legs.keys[e] for e in np.flatnonzero(active & np.isnan(legs.p))]
    if missing:
        raise DataError(
            f"{len(missing)} leg(s) have no p_death (nor risk_shape/risk_rate): "
            f"{', '.join(sorted(set(missing))[:10])}; "
            "estimate the risk first with routes.estimate_risk(G)"
        )
    mult, p_eff, lam = legs.hazards(scenario)
    return _Query(
        legs,
        direction,
        sorted(src_set),
        sorted(dst_set),
        active,
        mult,
        p_eff,
        lam,
        closed_legs,
        closed_places,
        dated,
    )


def _has_path(q: _Query) -> bool:
    return bool(q.best(1))


def _no_path(
    G: nx.MultiDiGraph,
    q: _Query,
    origin: str,
    destination: str,
    scenario: Scenario,
    orig: list[str],
    dest: list[str],
    rule: str,
    entries: bool,
) -> NoPathError:
    other = "south" if q.direction == "north" else "north"
    names = [str(G.nodes[x].get("name", x)) if x in G else x for x in (origin, destination)]
    msg = f"no {q.direction}bound path from {names[0]!r} to {names[1]!r}"
    if rule != "given":
        msg += f" (direction inferred by {rule})"
    hints = []
    if q.closed_text:
        free = _prepare(q.legs, orig, dest, q.direction, scenario, entries=entries, apply_closures=False)
        hints.append(f"the scenario closed {q.closed_text}")
        if _has_path(free):
            hints.append(f"without those closures a {q.direction}bound path exists")
        if q.dated_legs and _has_path(free):
            hints.append(_dated_hint(q, scenario))
    if _has_path(_prepare(q.legs, orig, dest, other, scenario, entries=entries)):
        hints.append(f"a {other}bound path exists: pass direction={other!r}")
    elif not hints:
        hints.append("no path runs either way; check the places and the legs between them")
    return NoPathError(msg + "; " + "; ".join(hints))


def _dated_hint(q: _Query, scenario: Scenario) -> str:
    """Which legs the scenario's date closed, until when they were in use, and what to pass instead."""
    ends: dict[str, str] = {}
    for e, key in enumerate(q.legs.keys):
        if key in q.dated_legs:
            a, z = q.legs.ig.data[e].get("period_start"), q.legs.ig.data[e].get("period_end")
            ends[key] = f"in use {str(a)[:7] if a else '...'} to {str(z)[:7] if z else '...'}"
    closed = sorted({str(q.legs.ig.data[e].get("period_end"))[:10] for e, k in enumerate(q.legs.keys)
                     if k in q.dated_legs and q.legs.ig.data[e].get("period_end")})
    example = f"date='{closed[0][:8]}01'" if closed else "an earlier date"
    return (f"on {scenario.date} these legs are out of their period of use: "
            + ", ".join(f"{k} ({v})" for k, v in sorted(ends.items()))
            + f"; pass a date when they were in use ({example}) or no date (every leg, closed ones marked)")


def check_k(k: object) -> int:
    """``k``, the number of paths asked, checked: an integer >= 1."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ArgumentError(f"k must be an integer >= 1 (number of paths), got {k!r}")
    return int(k)


def _setup(
    G: nx.MultiDiGraph,
    origin: str,
    destination: str,
    direction: str | None,
    month: int | None,
    scenario: Scenario | None,
    k: int = 1,
    span: str = "journey",
) -> tuple[_Query, Scenario, str, list[tuple[float, tuple[int, ...]]]]:
    """Check the arguments, apply the scenario and find the ``k`` safest paths (at least one)."""
    if span not in ("journey", "crossing"):
        raise ArgumentError(f"span must be 'journey' or 'crossing', got {span!r}")
    check_k(k)
    if direction is not None and direction not in DIRECTIONS:
        raise ArgumentError(f"direction must be 'north', 'south' or None (inferred), got {direction!r}")
    if scenario is not None and not isinstance(scenario, Scenario):
        raise ScenarioError(f"scenario must be a routes.query.scoring.Scenario, got {type(scenario).__name__}")
    scen = (scenario or Scenario()) | Scenario(month=None if month is None else check_month(month))
    if scen.window is not None:
        from routes.model.risk import estimate_risk  # only a window re-estimates: a plain query needs no model code

        G = estimate_risk(G, window=scen.window)
    orig, o_region = _resolve(G, origin, "origin")
    dest, d_region = _resolve(G, destination, "destination")
    if d_region:  # a journey into a country ends at the first town reached there, not at a border marker or camp
        towns = [n for n in dest if G.nodes[n].get("kind") in SETTLEMENTS]
        dest = towns or dest
    if orig == dest or (set(orig) & set(dest) and (o_region or d_region)):
        what = "the same place" if not (o_region or d_region) else "overlapping"
        raise ArgumentError(
            f"origin {origin!r} and destination {destination!r} are {what} "
            f"({', '.join(sorted(set(orig) & set(dest))[:5])}); "
            "give two different places or regions"
        )
    edge_keys = {str(key) for *_, key in G.edges(keys=True)} if scen.closed else set()
    unknown = sorted(c for c in scen.closed if c not in G and c not in edge_keys)
    if unknown:
        labels = [str(n) for n in G] + sorted(edge_keys)
        raise ScenarioError(
            "scenario closes unknown leg or place id(s): "
            + "; ".join(f"{c!r} ({_suggest(c, labels)})" for c in unknown)
        )
    legs = _Legs.from_graph(G)
    entries = o_region and span == "journey"
    rule = "given"
    if direction is None:
        direction, rule = _geography(G, orig, dest), "geography"
        q = _prepare(legs, orig, dest, direction, scen, entries=entries)
        paths = q.best(int(k))
        if not paths:
            other = "south" if direction == "north" else "north"
            q_other = _prepare(legs, orig, dest, other, scen, entries=entries)
            paths = q_other.best(int(k))
            if paths:
                logger.info(
                    "no %sbound path from %r to %r; using %sbound", direction, origin, destination, other
                )
                q, rule = q_other, "the only direction with a path"
    else:
        q = _prepare(legs, orig, dest, direction, scen, entries=entries)
        paths = q.best(int(k))
    if not paths:
        raise _no_path(G, q, origin, destination, scen, orig, dest, rule, entries)
    return q, scen, rule, paths
