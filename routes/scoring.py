"""Rank the paths between two places, or two regions, by the risk of dying on the way.

A path is a sequence of edges of the corridor graph (see :mod:`routes.network`), named by their keys (the
leg ids), so a boat and a trail between the same two towns are two paths. Its probability of death is
``1 - prod(1 - p_leg)``; legs add their hazards ``lam = -log(1 - p)``, so the safest paths are the shortest
paths under ``lam`` and are found exactly with Yen's algorithm (:mod:`routes.paths`).

Conventions
-----------
Places and regions
    ``origin`` and ``destination`` are a place id, a place name (resolved by
    :func:`routes.network.find_place`) or an ISO3 country code for a region (every place of that country).
    A path always ends at its *first* place in the destination region. From an origin region it starts,
    with ``span="journey"`` (the default), at a place where travel in that direction enters the region or
    begins (a place of the region with no open edge arriving from another place of the region), so
    whole traversals are compared; with ``span="crossing"`` it starts at its *last* place in the origin
    region, so only the crossings between the regions are compared.
Direction
    Only edges whose ``direction`` is the one asked are used. When omitted it is inferred: first from the
    order of countries along the corridor (VEN/ECU/... < COL < PAN < CRI < NIC < HND < SLV, GTM < BLZ < MEX
    < USA), moving up that order being north; within one country, from the great-circle distance to the
    Colombia-Panama border at Cabo Tiburon (8.68 N, 77.36 W): getting closer to it is north on the
    Colombian side and getting farther is north everywhere else. If the inferred direction has no path but
    the other has, the other is used. ``gdf.attrs["direction_rule"]`` says which rule decided.
Scenario
    A leg's hazard is multiplied by its ``season[month - 1]`` when a month is set and by ``advisory`` when
    it is a sea leg; with the Gamma posterior of the hazard the leg's probability becomes
    ``1 - (rate / (rate + m)) ** shape`` (the posterior mean under the multiplier ``m``).
Uncertainty
    Each leg's hazard is drawn from its Gamma posterior once (a legs x draws matrix, seeded); paths sharing
    a leg share its draws. ``p_death_lo``/``p_death_hi`` are the 5% and 95% quantiles of the path
    probability and ``p_safest`` the share of draws in which a path is the safest candidate (ties split).
    Legs without ``risk_shape``/``risk_rate`` keep their point value in every draw.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import logging
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import geopandas as gpd
import networkx as nx
import numpy as np
from shapely.geometry import LineString

from routes.errors import DataError, NoPathError, ScenarioError, UnknownPlaceError
from routes.paths import IndexedGraph, k_best, pareto_front

logger = logging.getLogger(__name__)

Direction = Literal["north", "south"]
Span = Literal["journey", "crossing"]
DIRECTIONS: tuple[str, str] = ("north", "south")
SEA_MODES = frozenset({"sea_boat"})
CRITERIA = ("p_death", "duration_h", "cost_usd", "length_km")
#: position of countries along the corridor, south to north
# fmt: off
CORRIDOR_ORDER: dict[str, int] = {
    **dict.fromkeys(("ARG", "BOL", "BRA", "CHL", "ECU", "GUF", "GUY", "PER", "PRY", "SUR", "URY", "VEN"), -1),
    "COL": 0, "PAN": 1, "CRI": 2, "NIC": 3, "HND": 4, "SLV": 5, "GTM": 5, "BLZ": 6, "MEX": 7, "USA": 8, "CAN": 9,
}
# fmt: on
#: Cabo Tiburon, where the Colombia-Panama border meets the Caribbean (lon, lat)
BORDER_POINT = (-77.36, 8.68)
_P_MAX = 1.0 - 1e-15


@dataclass(frozen=True, init=False)
class Scenario:
    """What-if conditions for scoring, composable with ``|``.

    Parameters
    ----------
    closed
        Leg ids (edge keys) or place ids closed: a border shut, a station closed. A string is one id.
    advisory
        Multiplier (> 0) of the hazard of every sea leg, e.g. ``2.0`` for a weather advisory.
    month
        1-12: each leg's hazard is multiplied by its ``season[month - 1]``.
    window
        ``(first_year, last_year)`` of incidents used to re-estimate risk with
        :func:`routes.risk.estimate_risk`.
    date
        ``"YYYY-MM-DD"``: legs whose ``period_start``/``period_end`` exclude the date are closed.

    Examples
    --------
    >>> s = Scenario(closed="la-miel") | Scenario(advisory=2.0, month=10)
    >>> s.to_dict()
    {'closed': ['la-miel'], 'advisory': 2.0, 'month': 10, 'window': None, 'date': None}
    """

    closed: frozenset[str]
    advisory: float | None
    month: int | None
    window: tuple[int, int] | None
    date: str | None

    def __init__(
        self,
        closed: str | Iterable[str] = (),
        advisory: float | None = None,
        month: int | None = None,
        window: Sequence[int] | None = None,
        date: str | None = None,
    ) -> None:
        setattr_ = object.__setattr__
        setattr_(
            self, "closed", frozenset([closed]) if isinstance(closed, str) else frozenset(map(str, closed))
        )
        if advisory is not None:
            a = float(advisory)
            if not (math.isfinite(a) and a > 0):
                raise ScenarioError(f"advisory must be a finite multiplier > 0 (e.g. 2.0), got {advisory!r}")
            advisory = a
        setattr_(self, "advisory", advisory)
        setattr_(self, "month", None if month is None else check_month(month))
        span: tuple[int, int] | None = None
        if window is not None:
            try:
                start, end = (int(y) for y in window)
            except (TypeError, ValueError):
                raise ScenarioError(f"window must be (first_year, last_year), got {window!r}") from None
            if start > end:
                raise ScenarioError(f"window must run forward, got {window!r}; try ({end}, {start})")
            span = (start, end)
        setattr_(self, "window", span)
        if date is not None:
            try:
                dt.date.fromisoformat(str(date))
            except ValueError:
                raise ScenarioError(f"date must be 'YYYY-MM-DD', got {date!r}") from None
            date = str(date)
        setattr_(self, "date", date)

    def combine(self, other: Scenario) -> Scenario:
        """Both scenarios at once: closures add up, advisories multiply; month, window and date must agree."""
        values: dict[str, Any] = {}
        for name in ("month", "window", "date"):
            a, b = getattr(self, name), getattr(other, name)
            if a is not None and b is not None and a != b:
                raise ScenarioError(
                    f"cannot combine scenarios with {name}={a!r} and {name}={b!r}; choose one"
                )
            values[name] = a if a is not None else b
        adv = [x for x in (self.advisory, other.advisory) if x is not None]
        return Scenario(closed=self.closed | other.closed, advisory=math.prod(adv) if adv else None, **values)

    def __or__(self, other: Scenario) -> Scenario:
        if not isinstance(other, Scenario):
            return NotImplemented
        return self.combine(other)

    def to_dict(self) -> dict[str, Any]:
        """A plain dict (JSON-ready), as recorded in ``gdf.attrs["scenario"]``."""
        return {
            "closed": sorted(self.closed),
            "advisory": self.advisory,
            "month": self.month,
            "window": list(self.window) if self.window is not None else None,
            "date": self.date,
        }


def check_month(month: object) -> int:
    """Return ``month`` as an int in 1-12 or raise :class:`ScenarioError`."""
    if isinstance(month, bool) or not isinstance(month, (int, np.integer)) or not 1 <= int(month) <= 12:
        raise ScenarioError(f"month must be an integer from 1 (January) to 12 (December), got {month!r}")
    return int(month)


# ----------------------------------------------------------------------------------------------- legs table
def _num(value: object) -> float:
    """A float, NaN when missing or not a number."""
    if value is None or isinstance(value, bool):
        return math.nan
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
    return x if math.isfinite(x) else math.nan


def _column(data: Sequence[dict[str, Any]], key: str) -> np.ndarray:
    """A float array of one edge attribute: NaN where missing, not a number or not finite."""
    values = [d.get(key) for d in data]
    try:
        arr = np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        arr = np.array([_num(v) for v in values], dtype=np.float64)
    arr[~np.isfinite(arr)] = np.nan
    return arr


def _season(value: object) -> np.ndarray:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = None
    if not isinstance(value, (list, tuple, np.ndarray)):
        return np.ones(12)
    arr = np.array([_num(v) for v in value], dtype=np.float64)
    return arr if arr.shape == (12,) else np.ones(12)


def _seasons(data: Sequence[dict[str, Any]]) -> np.ndarray:
    """Edges x 12 seasonal factors; 1.0 where missing or invalid."""
    values = [d.get("season") for d in data]
    try:
        arr = np.array(values, dtype=np.float64).reshape(len(data), 12)
    except (TypeError, ValueError):
        arr = np.array([_season(v) for v in values], dtype=np.float64).reshape(len(data), 12)
    return np.where(np.isfinite(arr) & (arr >= 0), arr, 1.0)


def _within(day: dt.date, start: dt.date | None, end: dt.date | None) -> bool:
    return (start is None or start <= day) and (end is None or day <= end)


def _day(value: object) -> dt.date | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


@dataclass
class _Legs:
    """Edge attributes as arrays, in the canonical edge order of an :class:`IndexedGraph`."""

    ig: IndexedGraph
    src: np.ndarray
    dst: np.ndarray
    keys: list[str]
    p: np.ndarray
    shape: np.ndarray
    rate: np.ndarray
    season: np.ndarray  # edges x 12
    sea: np.ndarray
    direction: np.ndarray
    duration: np.ndarray
    cost: np.ndarray
    length: np.ndarray
    mode: list[str]
    corridor: list[str]
    xy: list[tuple[float, float]]

    @classmethod
    def from_graph(cls, G: nx.MultiDiGraph) -> _Legs:
        ig = IndexedGraph.from_graph(G)
        data = ig.data
        p, shape, rate = (_column(data, k) for k in ("p_death", "risk_shape", "risk_rate"))
        gamma = np.isfinite(shape) & np.isfinite(rate) & (shape > 0) & (rate > 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            p = np.where(np.isnan(p) & gamma, -np.expm1(shape * np.log(rate / (rate + 1.0))), p)
        length = _column(data, "length_km")
        for e in np.flatnonzero(np.isnan(length)):
            geom = data[e].get("geometry")
            if geom is not None:
                from pyproj import Geod

                length[e] = Geod(ellps="WGS84").geometry_length(geom) / 1000.0
        modes = [str(d.get("mode", "")) for d in data]
        nodes = G.nodes
        return cls(
            ig=ig,
            src=np.array(ig.src, dtype=np.intp),
            dst=np.array(ig.dst, dtype=np.intp),
            keys=[str(k) for k in ig.keys],
            p=p,
            shape=np.where(gamma, shape, np.nan),
            rate=np.where(gamma, rate, np.nan),
            season=_seasons(data),
            sea=np.array([m in SEA_MODES for m in modes], dtype=bool),
            direction=np.array([str(d.get("direction", "")) for d in data], dtype=object),
            duration=_column(data, "duration_h"),
            cost=_column(data, "cost_usd"),
            length=length,
            mode=modes,
            corridor=[str(d.get("corridor") or "") for d in data],
            xy=[(_num(nodes[n].get("x")), _num(nodes[n].get("y"))) for n in ig.nodes],
        )

    def out_of_period(self, day: dt.date) -> np.ndarray:
        """Mask of edges whose ``period_start``/``period_end`` exclude ``day``."""
        return np.array(
            [not _within(day, _day(d.get("period_start")), _day(d.get("period_end"))) for d in self.ig.data],
            dtype=bool,
        )


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

    def best(self, k: int) -> list[tuple[float, tuple[int, ...]]]:
        """The ``k`` safest paths (cost = summed hazard, edge indices)."""
        if not self.sources or not self.targets:
            return []
        return k_best(self.legs.ig, self.adjacency(), self.weights, self.sources, self.targets, k)


def _suggest(name: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(name), sorted(set(options)), n=3, cutoff=0.5)
    return f"did you mean {' or '.join(map(repr, close))}?" if close else "no similar id"


def _resolve(G: nx.MultiDiGraph, name: str, role: str) -> tuple[list[str], bool]:
    """Node ids of a place or region and whether it is a region."""
    if not isinstance(name, str) or not name.strip():
        raise UnknownPlaceError(f"{role} must be a place id, name or ISO3 country code, got {name!r}")
    if name in G:
        return [name], False
    countries = {d.get("country") for _, d in G.nodes(data=True)}
    if len(name) == 3 and name.isalpha() and name.upper() in countries:
        code = name.upper()
        return sorted(n for n, d in G.nodes(data=True) if d.get("country") == code), True
    try:
        from routes.network import find_place

        finder: Callable[[nx.MultiDiGraph, str], str] | None = find_place
    except ImportError:  # pragma: no cover - network module not there yet
        finder = None
    if finder is not None:
        try:
            return [finder(G, name)], False
        except UnknownPlaceError as err:
            hint = ""
            if len(name) == 3 and name.isalpha() and name.isupper():
                hint = f"; no place lies in country {name!r} (countries: {', '.join(sorted(map(str, countries)))})"
            raise UnknownPlaceError(f"unknown {role} {name!r}: {err}{hint}") from None
    labels = [str(n) for n in G] + [str(c) for c in countries]
    raise UnknownPlaceError(f"unknown {role} {name!r}; {_suggest(name, labels)}")


def _haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))


def _position(G: nx.MultiDiGraph, nodes: Sequence[str]) -> tuple[float | None, float]:
    """Corridor order of the countries of ``nodes`` (None if unknown/mixed) and mean signed border distance."""
    ranks = {CORRIDOR_ORDER.get(str(G.nodes[n].get("country"))) for n in nodes}
    signed = []
    for n in nodes:
        d = G.nodes[n]
        km = _haversine_km(_num(d.get("x")), _num(d.get("y")), *BORDER_POINT)
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
    G: nx.MultiDiGraph,
    origin: list[str],
    destination: list[str],
    direction: str,
    scenario: Scenario,
    *,
    entries: bool = False,
    apply_closures: bool = True,
) -> _Query:
    ig, keys = legs.ig, legs.keys
    active = legs.direction == direction
    key_set = set(keys)
    closed_legs = sorted(k for k in scenario.closed if k in key_set)
    closed_places = sorted(k for k in scenario.closed if k in ig.index)
    dated: list[str] = []
    src_set = {ig.index[n] for n in origin}
    dst_set = {ig.index[n] for n in destination}
    if apply_closures:
        if closed_legs:
            shut = set(closed_legs)
            active &= ~np.array([k in shut for k in keys], dtype=bool)
        if closed_places:
            places = np.array([ig.index[p] for p in closed_places], dtype=np.intp)
            active &= ~(np.isin(legs.src, places) | np.isin(legs.dst, places))
            src_set -= set(places.tolist())
            dst_set -= set(places.tolist())
        if scenario.date is not None:
            out = active & legs.out_of_period(dt.date.fromisoformat(scenario.date))
            dated = sorted({keys[e] for e in np.flatnonzero(out)})
            active &= ~out
    if entries:  # a journey starts where travel enters the origin region (or begins)
        region = np.array(sorted(src_set), dtype=np.intp)
        inner = active & np.isin(legs.src, region) & np.isin(legs.dst, region)
        src_set = (src_set - set(legs.dst[inner].tolist())) or src_set
    # a path never comes back to a start and stops at the first place of its destination region
    active &= ~np.isin(legs.dst, np.array(sorted(src_set), dtype=np.intp))
    active &= ~np.isin(legs.src, np.array(sorted(dst_set), dtype=np.intp))
    missing = [keys[e] for e in np.flatnonzero(active & np.isnan(legs.p))]
    if missing:
        raise DataError(
            f"{len(missing)} leg(s) have no p_death (nor risk_shape/risk_rate): {', '.join(sorted(set(missing))[:10])}; "
            "estimate the risk first with routes.risk.estimate_risk(G)"
        )
    mult = np.ones(len(keys))
    if scenario.month is not None:
        mult = mult * legs.season[:, scenario.month - 1]
    if scenario.advisory is not None:
        mult = np.where(legs.sea, mult * scenario.advisory, mult)
    gamma = np.isfinite(legs.shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        p_gamma = -np.expm1(legs.shape * np.log(legs.rate / (legs.rate + mult)))
        p_point = -np.expm1(mult * np.log1p(-np.minimum(legs.p, _P_MAX)))
    p_eff = np.clip(np.where(gamma, p_gamma, p_point), 0.0, 1.0)
    p_eff = np.where(np.isnan(legs.p) & ~gamma, 0.0, p_eff)
    lam = -np.log1p(-np.minimum(p_eff, _P_MAX))
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
    msg = f"no {q.direction}bound path from {origin!r} to {destination!r}"
    if rule != "given":
        msg += f" (direction inferred by {rule})"
    hints = []
    if q.closed_text:
        free = _prepare(q.legs, G, orig, dest, q.direction, scenario, entries=entries, apply_closures=False)
        hints.append(f"the scenario closed {q.closed_text}")
        if _has_path(free):
            hints.append(f"without those closures a {q.direction}bound path exists")
    if _has_path(_prepare(q.legs, G, orig, dest, other, scenario, entries=entries)):
        hints.append(f"a {other}bound path exists: pass direction={other!r}")
    elif not hints:
        hints.append("no path runs either way; check the places and the legs between them")
    return NoPathError(msg + "; " + "; ".join(hints))


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
        raise ValueError(f"span must be 'journey' or 'crossing', got {span!r}")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be an integer >= 1 (number of paths), got {k!r}")
    if direction is not None and direction not in DIRECTIONS:
        raise ValueError(f"direction must be 'north', 'south' or None (inferred), got {direction!r}")
    if scenario is not None and not isinstance(scenario, Scenario):
        raise ScenarioError(f"scenario must be a routes.scoring.Scenario, got {type(scenario).__name__}")
    scen = (scenario or Scenario()) | Scenario(month=None if month is None else check_month(month))
    if scen.window is not None:
        try:
            from routes.risk import estimate_risk
        except ImportError as err:
            raise ScenarioError(
                f"scenario window={scen.window!r} needs routes.risk.estimate_risk, which is not available ({err}); "
                "drop the window or install the risk module"
            ) from None
        try:
            G = estimate_risk(G, window=scen.window)
        except TypeError as err:
            raise ScenarioError(
                f"routes.risk.estimate_risk does not accept window={scen.window!r}: {err}"
            ) from None
    orig, o_region = _resolve(G, origin, "origin")
    dest, d_region = _resolve(G, destination, "destination")
    if orig == dest or (set(orig) & set(dest) and (o_region or d_region)):
        what = "the same place" if not (o_region or d_region) else "overlapping"
        raise ValueError(
            f"origin {origin!r} and destination {destination!r} are {what} ({', '.join(sorted(set(orig) & set(dest))[:5])}); "
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
        q = _prepare(legs, G, orig, dest, direction, scen, entries=entries)
        paths = q.best(int(k))
        if not paths:
            other = "south" if direction == "north" else "north"
            q_other = _prepare(legs, G, orig, dest, other, scen, entries=entries)
            paths = q_other.best(int(k))
            if paths:
                logger.info(
                    "no %sbound path from %r to %r; using %sbound", direction, origin, destination, other
                )
                q, rule = q_other, "the only direction with a path"
    else:
        q = _prepare(legs, G, orig, dest, direction, scen, entries=entries)
        paths = q.best(int(k))
    if not paths:
        raise _no_path(G, q, origin, destination, scen, orig, dest, rule, entries)
    return q, scen, rule, paths


# ----------------------------------------------------------------------------------------------- results
def _simulate(
    q: _Query, paths: Sequence[Sequence[int]], *, seed: int | None = 0, draws: int = 10_000
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Monte Carlo over the legs' Gamma posteriors: 5% and 95% quantiles of each path's p and ``p_safest``.

    A legs x draws matrix of hazards is drawn once (legs in canonical order, so the draws of a leg do not
    depend on which paths are asked) and shared by every path using the leg.
    """
    if isinstance(draws, bool) or not isinstance(draws, (int, np.integer)) or draws < 1:
        raise ValueError(f"draws must be an integer >= 1, got {draws!r}")
    used = sorted({e for p in paths for e in p})
    col = {e: i for i, e in enumerate(used)}
    idx = np.array(used, dtype=np.intp)
    shape, rate, mult = q.legs.shape[idx], q.legs.rate[idx], q.mult[idx]
    gamma = np.isfinite(shape)
    lam = np.repeat(q.lam[idx][:, None], draws, axis=1)
    rng = np.random.default_rng(seed)
    if gamma.any():
        g = rng.standard_gamma(shape[gamma][:, None], size=(int(gamma.sum()), draws))
        lam[gamma] = g * (mult[gamma] / rate[gamma])[:, None]
    total = np.empty((len(paths), draws))  # paths x draws: summed hazards (row sums avoid BLAS start-up)
    for i, p in enumerate(paths):
        total[i] = lam[[col[e] for e in p]].sum(axis=0)
    prob = -np.expm1(-total)
    lo, hi = np.quantile(prob, [0.05, 0.95], axis=1)
    best = total.min(axis=0)
    is_best = total <= best * (1 + 1e-12)
    p_safest = (is_best / is_best.sum(axis=0)).mean(axis=1)
    return lo, hi, p_safest


def _line(q: _Query, path: Sequence[int]) -> LineString:
    ig, xy = q.legs.ig, q.legs.xy
    coords: list[tuple[float, ...]] = []
    for e in path:
        geom = ig.data[e].get("geometry")
        pts = [xy[ig.src[e]], xy[ig.dst[e]]] if geom is None else list(geom.coords)
        if coords and pts and tuple(coords[-1]) == tuple(pts[0]):
            pts = pts[1:]
        coords.extend(pts)
    return LineString(coords if len(coords) > 1 else coords * 2)


def _main(values: dict[str, float]) -> str | None:
    return max(sorted(values), key=lambda k: values[k]) if values else None


def _frame(q: _Query, paths: Sequence[Sequence[int]], *, seed: int | None, draws: int) -> gpd.GeoDataFrame:
    legs, ig = q.legs, q.legs.ig
    lo, hi, p_safest = _simulate(q, paths, seed=seed, draws=draws)
    rows = []
    for i, path in enumerate(paths):
        idx = np.array(path, dtype=np.intp)
        lam = q.lam[idx]
        total = float(lam.sum())
        p = -math.expm1(-total)
        top = int(np.argmax(lam))
        dur, cost = legs.duration[idx], legs.cost[idx]
        by_corridor: dict[str, float] = {}
        by_mode: dict[str, float] = {}
        weights = lam if total > 0 else legs.length[idx] / max(float(np.nansum(legs.length[idx])), 1e-300)
        for e, w in zip(path, np.nan_to_num(weights), strict=True):
            by_corridor[legs.corridor[e] or legs.mode[e]] = (
                by_corridor.get(legs.corridor[e] or legs.mode[e], 0.0) + w
            )
            by_mode[legs.mode[e]] = by_mode.get(legs.mode[e], 0.0) + w
        nodes = ig.node_path(path)
        rows.append(
            {
                "legs": [str(ig.keys[e]) for e in path],
                "nodes": [str(ig.nodes[n]) for n in nodes],
                "origin": str(ig.nodes[nodes[0]]),
                "destination": str(ig.nodes[nodes[-1]]),
                "n_legs": len(path),
                "p_death": p,
                "p_death_lo": float(lo[i]),
                "p_death_hi": float(hi[i]),
                "deaths_per_1000": 1000.0 * p,
                "p_safest": float(p_safest[i]),
                "duration_h": float(dur.sum()) if not np.isnan(dur).any() else math.nan,
                "duration_unknown": int(np.isnan(dur).sum()),
                "length_km": float(np.nansum(legs.length[idx])),
                "cost_usd": float(np.nansum(cost)),
                "cost_unknown": int(np.isnan(cost).sum()),
                "sea_legs": int(legs.sea[idx].sum()),
                "modes": [legs.mode[e] for e in path],
                "main_corridor": _main(by_corridor),
                "main_mode": _main(by_mode),
                "top_leg": str(ig.keys[path[top]]),
                "top_leg_share": float(lam[top] / total) if total > 0 else math.nan,
                "geometry": _line(q, path),
            }
        )
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    gdf.insert(0, "rank", np.arange(1, len(gdf) + 1))
    return gdf


def _attrs(
    gdf: gpd.GeoDataFrame, q: _Query, origin: str, destination: str, scen: Scenario, rule: str, **more: Any
) -> gpd.GeoDataFrame:
    gdf.attrs.update(
        {
            "origin": origin,
            "destination": destination,
            "direction": q.direction,
            "direction_rule": rule,
            "month": scen.month,
            "scenario": scen.to_dict(),
            "closed": {"legs": q.closed_legs, "places": q.closed_places, "out_of_period": q.dated_legs},
            **more,
        }
    )
    return gdf


# ----------------------------------------------------------------------------------------------- public API
def rank_paths(
    G: nx.MultiDiGraph,
    origin: str,
    destination: str,
    *,
    direction: Direction | None = None,
    k: int = 5,
    month: int | None = None,
    scenario: Scenario | None = None,
    seed: int | None = 0,
    draws: int = 10_000,
    span: Span = "journey",
) -> gpd.GeoDataFrame:
    """Rank the ``k`` safest paths from ``origin`` to ``destination``.

    Parameters
    ----------
    G
        The corridor graph with risk estimated (``p_death``, ideally ``risk_shape``/``risk_rate``); not modified.
    origin, destination
        Place id, place name or ISO3 country code (a region: see the module docstring).
    direction
        ``"north"`` or ``"south"``: only edges travelled that way are used; inferred when omitted.
    k
        Number of paths (``>= 1``); fewer rows when fewer paths exist.
    month
        1-12: apply each leg's seasonal factor (same as ``Scenario(month=...)``).
    scenario
        Closures, sea advisory, month, estimation window, date.
    seed, draws
        Seed and number of Monte Carlo draws of the uncertainty.
    span
        Where a path from an origin *region* starts: ``"journey"`` (where travel in this direction enters
        the region or begins) or ``"crossing"`` (its last place in the region). See the module docstring.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per path, safest first, in EPSG:4326, its geometry the path's line. Columns: ``rank``,
        ``legs`` (edge keys in order), ``nodes``, ``origin``, ``destination``, ``n_legs``, ``p_death``
        (``1 - prod(1 - p_leg)``), ``p_death_lo``, ``p_death_hi`` (90% Monte Carlo interval),
        ``deaths_per_1000``, ``p_safest``, ``duration_h`` (NaN if a leg's is unknown), ``duration_unknown``
        (legs with unknown duration), ``length_km``, ``cost_usd`` (sum of known costs), ``cost_unknown``,
        ``sea_legs``, ``modes``, ``main_corridor``, ``main_mode`` (carrying most of the hazard),
        ``top_leg`` and ``top_leg_share`` (its share of the path's hazard ``-log(1 - p)``).
        ``gdf.attrs`` records origin, destination, direction, direction_rule, k, month, scenario (a dict),
        what it closed, seed and draws.

    Raises
    ------
    UnknownPlaceError
        If a name matches no place; the message suggests the closest names.
    NoPathError
        If no path runs that way; the message names what the scenario closed and whether the other
        direction has a path.
    ScenarioError
        If the month is not 1-12, the scenario closes ids that do not exist, or its window cannot be used.
    ValueError
        If ``k < 1``, ``direction`` is not north/south, or origin and destination are the same.
    DataError
        If a leg usable by the query has no risk.

    Examples
    --------
    >>> from shapely.geometry import LineString
    >>> G = nx.MultiDiGraph(crs="EPSG:4326")
    >>> G.add_node("a", x=-77.0, y=8.0, country="COL")
    >>> G.add_node("b", x=-78.0, y=9.0, country="PAN")
    >>> for key, p, mode in [("boat", 0.01, "sea_boat"), ("trail", 0.002, "jungle_foot")]:
    ...     _ = G.add_edge("a", "b", key=key, leg=key, direction="north", mode=mode, p_death=p,
    ...                    geometry=LineString([(-77, 8), (-78, 9)]), length_km=150.0)
    >>> ranked = rank_paths(G, "a", "b", k=2)
    >>> ranked[["rank", "legs", "sea_legs"]].to_dict("list")
    {'rank': [1, 2], 'legs': [['trail'], ['boat']], 'sea_legs': [0, 1]}
    >>> ranked.attrs["direction"], ranked.attrs["direction_rule"]
    ('north', 'geography')
    """
    q, scen, rule, best = _setup(G, origin, destination, direction, month, scenario, k, span)
    gdf = _frame(q, [p for _, p in best], seed=seed, draws=draws)
    logger.debug("ranked %d %sbound paths from %r to %r", len(gdf), q.direction, origin, destination)
    return _attrs(gdf, q, origin, destination, scen, rule, k=int(k), seed=seed, draws=int(draws), span=span)


def pareto_paths(
    G: nx.MultiDiGraph,
    origin: str,
    destination: str,
    *,
    direction: Direction | None = None,
    criteria: Sequence[str] = ("p_death", "duration_h", "cost_usd"),
    month: int | None = None,
    scenario: Scenario | None = None,
    seed: int | None = 0,
    draws: int = 10_000,
    max_labels: int = 200_000,
    unknown: Literal["worst", "zero"] = "worst",
    span: Span = "journey",
) -> gpd.GeoDataFrame:
    """The Pareto front of paths over risk, duration and cost: the safest, the fastest and the trade-offs.

    A path is on the front when no other path is at least as good on every criterion and better on one.
    The search is a label-setting
    multi-criteria search (:func:`routes.paths.pareto_front`), exact unless ``max_labels`` labels are
    created (then ``attrs["exact"]`` is false and the rows are a subset of the front).

    Parameters
    ----------
    G, origin, destination, direction, month, scenario, seed, draws, span
        As in :func:`rank_paths`.
    criteria
        Two or more of ``"p_death"``, ``"duration_h"``, ``"cost_usd"``, ``"length_km"``.
    max_labels
        Cap on the search's labels.
    unknown
        An unknown leg duration or cost counts as ``"worst"`` (worse than any known value: a path with one
        is never best on that criterion) or ``"zero"`` (the sum of the known values is compared).

    Returns
    -------
    geopandas.GeoDataFrame
        The columns of :func:`rank_paths` (``p_safest`` among the front), ranked by ``p_death``, plus
        ``best_for``: the criteria on which the path is best (ties included).

    Raises
    ------
    ValueError
        If a criterion is unknown; otherwise as :func:`rank_paths`.

    Examples
    --------
    >>> G = nx.MultiDiGraph(crs="EPSG:4326")
    >>> G.add_node("a", x=-77.0, y=8.0, country="COL")
    >>> G.add_node("b", x=-78.0, y=9.0, country="PAN")
    >>> for key, p, hours in [("boat", 0.01, 3.0), ("trail", 0.002, 72.0), ("raft", 0.02, 5.0)]:
    ...     _ = G.add_edge("a", "b", key=key, leg=key, direction="north", mode="foot", p_death=p,
    ...                    duration_h=hours, cost_usd=100.0)
    >>> front = pareto_paths(G, "a", "b", criteria=("p_death", "duration_h"))
    >>> front[["legs", "best_for"]].to_dict("list")
    {'legs': [['trail'], ['boat']], 'best_for': [['p_death'], ['duration_h']]}
    """
    criteria = tuple(criteria)
    bad = [c for c in criteria if c not in CRITERIA]
    if bad or len(set(criteria)) < 2:
        raise ValueError(f"criteria must be two or more of {CRITERIA}, got {criteria!r}")
    if unknown not in ("worst", "zero"):
        raise ValueError(f"unknown must be 'worst' or 'zero', got {unknown!r}")
    q, scen, rule, _ = _setup(G, origin, destination, direction, month, scenario, 1, span)
    legs = q.legs
    fill = np.inf if unknown == "worst" else 0.0
    columns = {
        "p_death": q.lam,
        "duration_h": np.where(np.isnan(legs.duration), fill, np.maximum(legs.duration, 0.0)),
        "cost_usd": np.where(np.isnan(legs.cost), fill, np.maximum(legs.cost, 0.0)),
        "length_km": np.nan_to_num(np.maximum(legs.length, 0.0)),
    }
    matrix = np.column_stack([columns[c] for c in criteria])
    costs = [tuple(row) for row in matrix.tolist()]
    front, exact = pareto_front(legs.ig, q.adjacency(), costs, q.sources, q.targets, max_labels=max_labels)
    front.sort(
        key=lambda vp: (vp[0][criteria.index("p_death")] if "p_death" in criteria else 0.0, vp[0], vp[1])
    )
    gdf = _frame(q, [p for _, p in front], seed=seed, draws=draws)
    vectors = np.array([v for v, _ in front])
    lowest = vectors.min(axis=0)
    best = (vectors <= lowest * (1 + 1e-12) + 1e-300) & np.isfinite(lowest)
    gdf["best_for"] = [[c for j, c in enumerate(criteria) if best[i, j]] for i in range(len(front))]
    return _attrs(
        gdf,
        q,
        origin,
        destination,
        scen,
        rule,
        criteria=list(criteria),
        unknown=unknown,
        span=span,
        exact=exact,
        max_labels=int(max_labels),
        seed=seed,
        draws=int(draws),
    )


def direction_summary(
    G: nx.MultiDiGraph,
    origin_region: str,
    destination_region: str,
    *,
    direction: Direction,
    k: int = 20,
    by: Literal["corridor", "mode"] = "corridor",
    month: int | None = None,
    scenario: Scenario | None = None,
    seed: int | None = 0,
    draws: int = 10_000,
    span: Span = "journey",
) -> gpd.GeoDataFrame:
    """All paths of one direction between two regions, ranked together and grouped by main corridor or mode.

    For example every southbound path from Panama to Colombia, to compare the Guna Yala boats with the
    Darien on foot and the Pacific boats. A region path runs from where travel enters the origin region
    (or, with ``span="crossing"``, from its last place there) to its first place in the destination region.

    Parameters
    ----------
    G, month, scenario, seed, draws, span
        As in :func:`rank_paths`.
    origin_region, destination_region
        ISO3 country codes (place ids or names also work).
    direction
        ``"north"`` or ``"south"`` (required here).
    k
        Number of paths ranked together.
    by
        Group paths by the corridor (``"corridor"``) or the mode (``"mode"``) carrying most of their hazard.

    Returns
    -------
    geopandas.GeoDataFrame
        The columns of :func:`rank_paths` plus ``group`` and ``group_rank`` (rank within its group).
        ``attrs["groups"]`` lists per group: paths, best rank, lowest and highest ``p_death`` and the
        summed ``p_safest`` (the probability that the group holds the safest path).

    Raises
    ------
    ValueError
        If ``by`` is not corridor/mode; otherwise as :func:`rank_paths`.

    Examples
    --------
    >>> G = nx.MultiDiGraph(crs="EPSG:4326")
    >>> G.add_node("p", x=-79.5, y=9.0, country="PAN")
    >>> G.add_node("c", x=-76.8, y=8.4, country="COL")
    >>> for key, p, corridor in [("guna-yala", 0.004, "guna-yala"), ("darien", 0.02, "darien")]:
    ...     _ = G.add_edge("p", "c", key=key, leg=key, direction="south", mode="foot", p_death=p,
    ...                    corridor=corridor)
    >>> summary = direction_summary(G, "PAN", "COL", direction="south")
    >>> summary[["group", "group_rank"]].to_dict("list")
    {'group': ['guna-yala', 'darien'], 'group_rank': [1, 1]}
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be 'north' or 'south', got {direction!r}")
    if by not in ("corridor", "mode"):
        raise ValueError(f"by must be 'corridor' or 'mode', got {by!r}")
    gdf = rank_paths(
        G,
        origin_region,
        destination_region,
        direction=direction,
        k=k,
        month=month,
        scenario=scenario,
        seed=seed,
        draws=draws,
        span=span,
    )
    gdf["group"] = gdf["main_corridor"] if by == "corridor" else gdf["main_mode"]
    gdf["group_rank"] = gdf.groupby("group", sort=False)["rank"].rank(method="first").astype(int)
    groups = []
    for name, part in gdf.groupby("group", sort=False):
        groups.append(
            {
                "group": name,
                "paths": len(part),
                "best_rank": int(part["rank"].min()),
                "p_death_min": float(part["p_death"].min()),
                "p_death_max": float(part["p_death"].max()),
                "p_safest": float(part["p_safest"].sum()),
            }
        )
    gdf.attrs["groups"] = groups
    gdf.attrs["by"] = by
    return gdf
