"""Attribution of IOM incidents to the legs of the network.

An incident is matched to the leg whose line passes nearest to its position, within a distance that fits how
coarse Missing Migrants positions are and the leg's mode, helped by the cause of death and IOM's route tag:

* a drowning prefers water (sea and river legs): its distance to a sea or river leg counts half, so a drowning
  2 km off the Guna Yala coast goes to the sea leg, not to the trail ashore;
* a death by violence, sickness or exposure prefers land: its distance to a sea leg counts three times;
* a vehicle accident prefers roads and rail (the modes marked ``vehicle`` in :data:`routes.vocabulary.MODES`);
* only legs in use on the incident's date are candidates (``period_start``/``period_end``, with a month's slack),
  so a 2024 drowning off Carreto goes to the northbound boats of that time, a 2025 one to the southbound boats;
* an IOM route tag outside the corridor (``US-Mexico border crossing``, ``Caribbean to US``, ...) is not attributed;
* an incident tagged ``Darien`` beyond every leg's reach (many carry a generic "Darien Gap" position) goes to the
  nearest Darién leg in use within :data:`ROUTE_TAG_DISTANCE_M`, with ``match = "route_tag"``.
* last, a separate step: the incidents of ``geodata/sources/incident_overrides.csv`` (an IOM position that is a find
  site or a generic point, tied to its leg by a source) go to that leg, with ``match = "override"``
  (:mod:`routes.model.overrides`).

Distances are computed in metres in a Lambert conformal conic projection fitted to the corridor
(:data:`METRIC_CRS`, standard parallels 8°N and 16°N; scale error under 1.5% between 2°N and 20°N).

Nothing is dropped: an incident that matches no leg keeps ``match = "off_network"`` and a reason.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString

from routes.collector import pausing
from routes.errors import ArgumentError, DataError
from routes.model.frames import shared_attrs, without_attrs
from routes.model.nearest import lowest_per_group, pairs_within
from routes.vocabulary import CRS, MODES, WATER_MODES, in_periods, month_keys

log = logging.getLogger(__name__)

#: the projection used for distances in metres (documented in results' attrs)
METRIC_CRS = "+proj=lcc +lat_1=8 +lat_2=16 +lat_0=12 +lon_0=-84 +datum=WGS84 +units=m +no_defs"
#: how far (m) an incident may lie from a leg of each mode and still be attributed to it
MAX_DISTANCE_M: dict[str, float] = {m: p.reach_m for m, p in MODES.items()}  # as imported; the call reads MODES
#: a match within this fraction of the mode's distance is "good", beyond it "fair"
GOOD_FRACTION = 1 / 3
#: an incident that IOM tags with one of these routes but that lies beyond every leg's reach (many Darién deaths carry
#: a generic "Darien Gap" position) goes to the nearest leg in use of the route's corridors within this distance,
#: with ``match = "route_tag"``
ROUTE_TAG_CORRIDORS: dict[str, tuple[str, ...]] = {"darien": ("darien-", "caribbean-bypass")}
ROUTE_TAG_DISTANCE_M = 80_000.0
#: the same coordinates on this many different dates mark a generic position (see ``position``)
GENERIC_MIN_DATES = 3
#: a repeated point this close to a place of the network is that place, not a generic area
NAMED_PLACE_M = 2_000.0
#: distance multiplier for a leg that nobody is known to travel in the incident's month
UNTRAVELLED_PENALTY = 3.0
#: IOM route tags that belong to this corridor (an empty tag is accepted too)
CORRIDOR_ROUTE_TAGS = frozenset({"", "darien", "caribbean to central america"})
#: slack around a leg's period of use (days), since MMP dates and opening dates are approximate
PERIOD_SLACK_DAYS = 31

REQUIRED_COLUMNS = ("date", "dead", "missing", "cause", "route", "geometry")


def _preference(drowning: np.ndarray, vehicle: np.ndarray, modes: np.ndarray) -> np.ndarray:
    """Multiplier of the distance for each (incident cause, leg mode) pair: below 1 favours, above 1 disfavours.

    ``drowning`` and ``vehicle`` say what the incident of each pair died of (:func:`_causes`), ``modes`` the leg's mode.
    """
    water = np.isin(modes, list(WATER_MODES))
    sea = modes == "sea_boat"
    by_vehicle = np.isin(modes, [m for m, p in MODES.items() if p.vehicle])  # read at call time, as the reach is
    factor = np.ones(len(modes))
    factor = np.where(drowning & water, 0.5, factor)
    factor = np.where(~drowning & sea, 3.0, factor)
    factor = np.where(vehicle & by_vehicle, 0.5, factor)
    return factor


def _causes(cause: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Whether each cause of death is a drowning, and whether it is a vehicle accident (case ignored)."""
    cause = np.char.lower(cause.astype(str))
    return np.char.find(cause, "drown") >= 0, np.char.find(cause, "vehicle") >= 0


@pausing
def attribute_incidents(
    G: nx.MultiDiGraph,
    incidents: gpd.GeoDataFrame,
    *,
    max_distance_m: Mapping[str, float] | None = None,
    flows_share: pd.DataFrame | None = None,
    travelled: set[tuple[str, str]] | None = None,
    overrides: pd.DataFrame | Literal[False] | None = None,
) -> gpd.GeoDataFrame:
    """Attribute each incident to a leg (an edge) of the network.

    Parameters
    ----------
    G
        The corridor network.
    incidents
        A normalised incident table (:func:`routes.read_incidents` or :func:`routes.io.snapshot.load_incidents`).
    max_distance_m
        Overrides of :data:`MAX_DISTANCE_M` by mode.
    flows_share
        For two-way legs, the share of travellers going north in each month: a frame with columns ``leg``,
        ``month`` (``"YYYY-MM"``) and ``share_north``. Without it (or for a month it lacks) a two-way leg's
        incident goes half and half, and ``direction_basis`` says so. :func:`routes.model.risk.estimate_risk` passes the
        shares from the exposure model.
    travelled
        ``(leg, "YYYY-MM")`` pairs in which someone is known to have travelled the leg. When given, a leg that nobody
        is known to travel in the incident's month counts :data:`UNTRAVELLED_PENALTY` times its distance, so an
        incident goes to the leg people were on rather than to an idle one that happens to be nearer.
    overrides
        Incidents to put on a given leg after the distance match (:func:`routes.model.overrides.apply_overrides`):
        the shipped ``geodata/sources/incident_overrides.csv`` by default (``None``), a table of the same columns,
        or ``False`` for none.

    Returns
    -------
    geopandas.GeoDataFrame
        The incidents, all of them, in their order, with columns added: ``u``, ``v``, ``key`` (the edge of the
        dominant direction; empty when off the network), ``leg``, ``direction``, ``share_north`` and
        ``share_south`` (how the incident is split between the two directions of its leg), ``distance_m``,
        ``match`` (``good``, ``fair``, ``route_tag``, ``override`` or ``off_network``), ``match_reason``,
        ``direction_basis`` and
        ``position`` (``precise``, or ``generic`` for a point that stands for an area: the risk model spreads the
        deaths of generic Darién positions over the Darién legs people were on that month).
        ``attrs["metric_crs"]`` records the projection used for distances.

    Raises
    ------
    DataError
        If the incident table lacks a required column.

    Examples
    --------
    >>> from routes import load_network
    >>> from routes.io.snapshot import load_incidents
    >>> G = load_network(risk=False)
    >>> out = attribute_incidents(G, load_incidents())
    >>> len(out) == len(load_incidents())
    True
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in incidents.columns]
    if missing:
        raise DataError(
            f"attribute_incidents: the incident table lacks column(s) {missing}; read it with routes.read_incidents"
        )
    limits = _limits(max_distance_m)
    legs = _candidate_legs(G)
    result = _Attribution(without_attrs(incidents))  # its columns are read many times below
    if len(result.frame) == 0 or legs.n == 0:
        result.match_reason[:] = "the network has no legs" if legs.n == 0 else ""
    else:
        todo, route = _screen(result)
        points = _metric(result.frame.geometry.values[todo], result.frame.crs or CRS)
        known = None if travelled is None else _Travelled(travelled)
        _nearest_leg(result, todo, points, legs, limits, known)
        unmatched = result.leg_pos[todo] < 0
        _route_tag_fallback(result, todo[unmatched], points[unmatched], route[todo[unmatched]], legs, known)
        _directions(result, legs, flows_share)
    out = result.table()
    out["position"] = _position_quality(out, G)
    out.attrs = shared_attrs({**incidents.attrs, "metric_crs": METRIC_CRS, "max_distance_m": limits})
    if overrides is not False:  # a separate, last step: sourced overrides of the distance match
        from routes.model.overrides import apply_overrides, read_overrides

        out = apply_overrides(out, G, read_overrides() if overrides is None else overrides, flows_share=flows_share)
    n_on = int((out["match"] != "off_network").sum())
    log.info("attributed %d of %d incidents to legs; %d off the network", n_on, len(out), len(out) - n_on)
    return out


def _limits(max_distance_m: Mapping[str, float] | None) -> dict[str, float]:
    """How far (m) an incident may lie from a leg of each mode: the modes' reach, read now, with the overrides."""
    limits = {m: p.reach_m for m, p in MODES.items()}
    if max_distance_m:
        unknown = set(max_distance_m) - set(limits)
        if unknown:
            raise ArgumentError(f"max_distance_m: unknown mode(s) {sorted(unknown)}; expected some of {sorted(limits)}")
        limits.update(max_distance_m)
    return limits


@dataclass(frozen=True)
class _Legs:
    """One candidate line per leg id, in the order of the ids: its ``from -> to`` edge (the north edge of a two-way
    leg), projected to :data:`METRIC_CRS`; ``north`` and ``south`` hold each leg's edge that way (``None``: none)."""

    key: np.ndarray
    mode: np.ndarray
    corridor: np.ndarray
    period_start: np.ndarray
    period_end: np.ndarray
    lines_m: np.ndarray
    north: np.ndarray
    south: np.ndarray
    n_directions: np.ndarray
    only_direction: np.ndarray

    @property
    def n(self) -> int:
        """How many legs."""
        return len(self.key)


def _candidate_legs(G: nx.MultiDiGraph) -> _Legs:
    """The legs of ``G`` as arrays (one pass over the edges, no GeoDataFrame of every attribute).

    A leg is the edges of one key; its candidate line is the first of its edges by direction (``north`` before
    ``south``), and ``north``/``south`` hold its last edge each way (as a dict filled edge by edge would).
    """
    edges = [e for e in G.edges(keys=True, data=True)]  # not list(): its length hint walks the graph once more
    keys = [e[2] for e in edges]
    way = [e[3].get("direction") for e in edges]
    text = all(isinstance(k, str) for k in keys)  # compared as unicode arrays: in C, in the same order
    key = np.array(keys, dtype=str if text and keys else object)
    direction = np.array([str(w) for w in way], dtype=str if edges else object)
    order = np.lexsort((direction, key)) if len(edges) else np.zeros(0, dtype=int)
    ks, ds = key[order], direction[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = ks[1:] != ks[:-1]
    new_way = first.copy()
    new_way[1:] |= ds[1:] != ds[:-1]
    last_way = np.append(new_way[1:], True)  # the last edge of each (key, direction): the one a dict keeps
    leg = np.cumsum(first) - 1
    n_legs = int(first.sum())
    n_directions = np.bincount(leg, weights=new_way, minlength=n_legs).astype(int)
    edge_ids = _objects([(u, v, k) for u, v, k, _ in edges])
    raw_way = _objects(way)
    north, south = np.full(n_legs, None, dtype=object), np.full(n_legs, None, dtype=object)
    for side, out in (("north", north), ("south", south)):
        at = last_way & (raw_way[order] == side)
        out[leg[at]] = edge_ids[order[at]]
    only_direction = np.full(n_legs, "", dtype=object)
    alone = n_directions == 1
    only_direction[alone] = raw_way[order[first]][alone]
    chosen = [edges[i] for i in order[first]]
    data = [d for _, _, _, d in chosen]
    mode, corridor, start, end, geometry = ([d.get(name) for d in data] for name in (
        "mode", "corridor", "period_start", "period_end", "geometry"))
    lines = [
        g if g is not None else LineString([(G.nodes[u]["x"], G.nodes[u]["y"]), (G.nodes[v]["x"], G.nodes[v]["y"])])
        for g, (u, v, _, _) in zip(geometry, chosen, strict=True)
    ]
    return _Legs(
        key=_objects([k for _, _, k, _ in chosen]),
        mode=np.array([str(m) for m in mode], dtype=str),
        corridor=np.array([str(c or "") for c in corridor], dtype=object),
        period_start=_days(start), period_end=_days(end),
        lines_m=_metric(lines, G.graph.get("crs", CRS)),
        north=north, south=south, n_directions=n_directions, only_direction=only_direction,
    )


def _metric(geometries: Any, crs: Any) -> np.ndarray:
    """The geometries in :data:`METRIC_CRS`, as a plain array of shapely objects (fast in shapely's functions)."""
    return np.asarray(gpd.GeoSeries(geometries, crs=crs).to_crs(METRIC_CRS).values, dtype=object)


def _days(values: list[Any]) -> np.ndarray:
    """Dates as ``datetime64`` (NaT where open or unreadable), read once per leg rather than once per pair."""
    return cast(
        np.ndarray, pd.to_datetime(pd.Series(values, dtype=object), errors="coerce", format="ISO8601").to_numpy()
    )


def _objects(values: list[Any]) -> np.ndarray:
    """A 1-d object array of ``values`` (tuples stay whole, as numpy would otherwise make them a second axis)."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


class _Attribution:
    """The columns attribution adds, one array each, filled step by step; ``leg_pos`` is the leg's row in
    :class:`_Legs` (-1: none yet). ``frame`` is the incident table, without ``attrs``."""

    COLUMNS = ("u", "v", "key", "leg", "direction", "share_north", "share_south", "distance_m", "match",
               "match_reason", "direction_basis")

    def __init__(self, frame: gpd.GeoDataFrame) -> None:
        n = len(frame)
        self.frame = frame
        self.leg_pos = np.full(n, -1, dtype=int)
        self.u, self.v, self.key = (np.full(n, "", dtype=object) for _ in range(3))
        self.leg, self.direction = np.full(n, "", dtype=object), np.full(n, "", dtype=object)
        self.share_north, self.share_south = np.zeros(n), np.zeros(n)
        self.distance_m = np.full(n, np.nan)
        self.match = np.full(n, "off_network", dtype=object)
        self.match_reason = np.full(n, "", dtype=object)
        self.direction_basis = np.full(n, "", dtype=object)
        self._dates: np.ndarray | None = None
        self._months: np.ndarray | None = None

    @property
    def dates(self) -> np.ndarray:
        """The incidents' dates (``datetime64``, NaT where unknown)."""
        if self._dates is None:
            self._dates = pd.to_datetime(self.frame["date"]).to_numpy()
        return self._dates

    @property
    def months(self) -> np.ndarray:
        """The incidents' months ``"YYYY-MM"`` (``""`` where unknown)."""
        if self._months is None:
            self._months = month_keys(self.frame["date"])
        return self._months

    def table(self) -> gpd.GeoDataFrame:
        """The incidents with the attribution columns."""
        out = self.frame.copy()
        for c in self.COLUMNS:
            out[c] = getattr(self, c)
        return out


def _screen(result: _Attribution) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the incidents to match (a usable position and a corridor route tag); say why for the others.

    Returns those positions and every incident's route tag (stripped, lower case).
    """
    frame = result.frame
    geom = frame.geometry.values
    usable = ~(shapely.is_missing(geom) | shapely.is_empty(geom))
    if "coord_quality" in frame.columns:
        usable &= frame["coord_quality"].astype(str).isin(["ok", "truncated"]).to_numpy()
    route = route_tags(frame["route"])
    in_corridor = np.isin(route, list(CORRIDOR_ROUTE_TAGS))
    result.match_reason[~usable] = "no usable position"
    outside = usable & ~in_corridor
    tags, which = np.unique(route[outside].astype(str), return_inverse=True)
    reasons = np.array([f"IOM route {str(t)!r} is outside the corridor" for t in tags], dtype=object)
    result.match_reason[outside] = reasons[which]
    return np.flatnonzero(usable & in_corridor), route


def route_tags(route: pd.Series) -> np.ndarray:
    """IOM route tags as compared: stripped, lower case, ``""`` where blank (each distinct tag is folded once).

    Examples
    --------
    >>> route_tags(pd.Series([" Darien", None, "darien"])).tolist()
    ['darien', '', 'darien']
    """
    codes, tags = pd.factorize(route.to_numpy(dtype=object))  # a missing tag: code -1
    folded = np.array([*(str(t).strip().lower() for t in tags), ""], dtype=object)
    return cast(np.ndarray, folded[codes])


class _Travelled:
    """The ``travelled`` pairs of :func:`attribute_incidents`, hashed once to be asked about whole columns of pairs."""

    SEP = "\x1f"  # joins a leg and a month into one key (no leg id holds it)

    def __init__(self, travelled: set[tuple[str, str]]) -> None:
        self.known = pd.Index([f"{leg}{self.SEP}{month}" for leg, month in travelled], dtype=object)

    def __call__(self, legs: np.ndarray, months: np.ndarray) -> np.ndarray:
        """For each ``(legs[i], months[i])``, whether someone is known to have travelled that leg that month."""
        if not len(self.known) or not len(legs):
            return np.zeros(len(legs), dtype=bool)
        keys = np.char.add(np.char.add(legs.astype(str), self.SEP), months.astype(str))
        return np.asarray(pd.Index(keys.astype(object)).isin(self.known), dtype=bool)


def _nearest_leg(result: _Attribution, todo: np.ndarray, points: np.ndarray, legs: _Legs, limits: Mapping[str, float],
                 travelled: _Travelled | None) -> None:
    """Match each incident of ``todo`` to its leg of lowest score, within its mode's reach and in use on its date.

    The score is the distance over the mode's reach, times the cause's preference (:func:`_preference`), times
    :data:`UNTRAVELLED_PENALTY` where nobody is known to travel the leg that month; of equal scores, the leg first in
    the tree's order (:func:`routes.model.nearest.pairs_within`) wins. Everything is arithmetic on the (incident, leg)
    pairs within reach. Fills
    ``result`` in place.
    """
    modes, which = np.unique(legs.mode, return_inverse=True)
    reach = np.array([limits.get(str(m), 0.0) for m in modes], dtype=float)[which]
    pi, li, dist, leaf = pairs_within(points, legs.lines_m, reach)
    limit = reach[li]
    in_period = np.ones(len(pi), dtype=bool)
    dated = np.flatnonzero(
        ~(np.isnat(legs.period_start) & np.isnat(legs.period_end))[li]
    )  # pairs of legs with a period
    in_period[dated] = in_periods(result.dates[todo][pi[dated]], legs.period_start[li[dated]],
                                  legs.period_end[li[dated]], slack_days=PERIOD_SLACK_DAYS)
    drowning, vehicle = _causes(result.frame["cause"].fillna("").astype(str).to_numpy()[todo])
    with np.errstate(divide="ignore", invalid="ignore"):  # a reach of 0 m: only a point on the line, score nan
        score = dist / limit * _preference(drowning[pi], vehicle[pi], legs.mode[li])
    if travelled is not None:
        idle = ~travelled(legs.key[li], result.months[todo][pi])
        score = np.where(idle, score * UNTRAVELLED_PENALTY, score)
    near_but_closed = np.zeros(len(todo), dtype=bool)
    near_but_closed[pi[~in_period]] = True
    keep = np.flatnonzero(in_period)
    best = keep[lowest_per_group(pi[keep], score[keep], leaf[keep])]
    bi, bl, bd, blim = pi[best], li[best], dist[best], limit[best]
    rows = todo[bi]
    result.leg_pos[rows] = bl
    result.leg[rows] = legs.key[bl]
    result.distance_m[rows] = np.round(bd, 1)
    result.match[rows] = np.where(bd <= blim * GOOD_FRACTION, "good", "fair")
    result.match_reason[rows] = [f"{m} leg within {d / 1000:.1f} km" for m, d in zip(legs.mode[bl], bd, strict=True)]
    unmatched = np.setdiff1d(np.arange(len(todo)), bi)
    result.match_reason[todo[unmatched]] = np.where(
        near_but_closed[unmatched], "near a leg that was not in use on that date", "no leg within reach of its mode"
    )


def _route_tag_fallback(result: _Attribution, rows: np.ndarray, points: np.ndarray, tags: np.ndarray, legs: _Legs,
                        travelled: _Travelled | None) -> None:
    """Attribute unmatched incidents with a corridor route tag to the nearest leg of that corridor (in place).

    An incident's candidates are the legs of its tag's corridors (:data:`ROUTE_TAG_CORRIDORS`) in use on its date
    (all of them when the date is unknown); of those, the legs someone is known to travel in its month when there
    are any. The nearest candidate wins if it lies within :data:`ROUTE_TAG_DISTANCE_M`. The in-use and travelled
    tests are made on every (incident, corridor leg) pair at once, the distances on the pairs an STRtree query
    finds within reach.
    """
    for tag, prefixes in ROUTE_TAG_CORRIDORS.items():
        cand = np.flatnonzero([c.startswith(prefixes) for c in legs.corridor])
        mine = tags == tag
        if not len(cand) or not mine.any():
            continue
        inc, pts = rows[mine], points[mine]
        n_i, n_c = len(inc), len(cand)
        dates = result.dates[inc]
        ok = in_periods(np.repeat(dates, n_c), np.tile(legs.period_start[cand], n_i),
                        np.tile(legs.period_end[cand], n_i), slack_days=PERIOD_SLACK_DAYS).reshape(n_i, n_c)
        if travelled is not None:
            busy = ok & travelled(np.tile(legs.key[cand], n_i), np.repeat(result.months[inc], n_c)).reshape(n_i, n_c)
            prefer = busy.any(axis=1) & ~pd.isna(dates)
            ok = np.where(prefer[:, None], busy, ok)
        lines = legs.lines_m[cand]
        pi, ci = shapely.STRtree(lines).query(pts, predicate="dwithin", distance=ROUTE_TAG_DISTANCE_M)
        keep = ok[pi, ci]
        pi, ci = pi[keep], ci[keep]
        dist = shapely.distance(pts[pi], lines[ci])
        keep = dist <= ROUTE_TAG_DISTANCE_M
        pi, ci, dist = pi[keep], ci[keep], dist[keep]
        order = np.lexsort((ci, dist, pi))  # per incident the nearest, and of equals the first leg (as np.argmin)
        pi, ci, dist = pi[order], ci[order], dist[order]
        first = np.ones(len(pi), dtype=bool)
        first[1:] = pi[1:] != pi[:-1]
        pi, ci, dist = pi[first], ci[first], dist[first]
        r = inc[pi]
        result.leg_pos[r] = cand[ci]
        result.leg[r] = legs.key[cand[ci]]
        result.distance_m[r] = [round(float(d), 1) for d in dist]  # Python's rounding, as recorded before
        result.match[r] = "route_tag"
        result.match_reason[r] = [f"IOM route {tag!r}, no leg within reach of its mode: nearest {tag} leg in use, "
                                  f"{d / 1000:.1f} km" for d in dist]


def _directions(result: _Attribution, legs: _Legs, flows_share: pd.DataFrame | None) -> None:
    """Give each matched incident its edge and how it is shared between the two directions of its leg (in place).

    A one-way leg's incident takes its edge's direction; a two-way leg's is shared by the month's flows
    (``flows_share``), half and half when there is no figure for the month, and goes to the dominant direction's edge.
    """
    rows = np.flatnonzero(result.leg_pos >= 0)
    if not len(rows):
        return
    pos = result.leg_pos[rows]
    one_way = legs.n_directions[pos] == 1
    share = np.full(len(rows), np.nan)
    if flows_share is not None and len(flows_share) and not one_way.all():
        table = pd.DataFrame({"leg": flows_share["leg"].astype(str).to_numpy(),
                              "month": flows_share["month"].astype(str).to_numpy(),
                              "share": flows_share["share_north"].to_numpy(float)})
        table = table.drop_duplicates(["leg", "month"], keep="last")  # as a dict of the rows would keep
        at = pd.MultiIndex.from_frame(table[["leg", "month"]]).get_indexer(
            pd.MultiIndex.from_arrays([result.leg[rows].astype(str), result.months[rows].astype(str)]))
        share = np.where(one_way | (at < 0), np.nan, table["share"].to_numpy()[at])
    known = ~np.isnan(share)
    only = legs.only_direction[pos]
    sn = np.where(one_way, np.where(only == "north", 1.0, 0.0), np.where(known, share, 0.5))
    direction = np.where(one_way, only, np.where(sn >= 0.5, "north", "south")).astype(object)
    result.direction_basis[rows] = np.where(one_way, "one-way leg", np.where(
        known, "flows of the month", "no flow figure for the month: split half and half"))
    result.direction[rows] = direction
    result.share_north[rows], result.share_south[rows] = sn, 1.0 - sn
    edge = np.where(direction == "north", legs.north[pos], legs.south[pos])
    for i, part in enumerate((result.u, result.v, result.key)):
        part[rows] = [e[i] for e in edge]


def _position_quality(out: gpd.GeoDataFrame, G: nx.MultiDiGraph) -> np.ndarray:
    """``"generic"`` for positions that stand for an area rather than a place, else ``"precise"``.

    A position is generic when the same coordinates (to 4 decimals, ~10 m) carry incidents on
    :data:`GENERIC_MIN_DATES` or more different dates and lie more than :data:`NAMED_PLACE_M` from every place
    of the network (IOM's "Undetermined location in Darien National Park" points; a repeated point at a named
    landmark such as Cerro de Haití stays precise), or when the incident was matched by its route tag only.
    ``"unknown"`` when there is no position.
    """
    lon = pd.Series(shapely.get_x(out.geometry.values), index=out.index).round(4)
    lat = pd.Series(shapely.get_y(out.geometry.values), index=out.index).round(4)
    day = pd.to_datetime(out["date"]).dt.normalize()
    dates_per_point = day.groupby([_exact(lon.to_numpy()), _exact(lat.to_numpy())]).transform("nunique")
    repeated = (dates_per_point >= GENERIC_MIN_DATES).to_numpy().copy()
    if repeated.any() and G.number_of_nodes():
        places = gpd.GeoSeries(gpd.points_from_xy([d["x"] for _, d in G.nodes(data=True)],
                                                  [d["y"] for _, d in G.nodes(data=True)]), crs="EPSG:4326")
        tree = shapely.STRtree(places.to_crs(METRIC_CRS).values)
        pts = gpd.GeoSeries(out.geometry.values[repeated], crs=out.crs or "EPSG:4326").to_crs(METRIC_CRS).values
        near = np.zeros(len(pts), dtype=bool)
        hit, _ = tree.query(pts, predicate="dwithin", distance=NAMED_PLACE_M)
        near[hit] = True
        repeated[np.flatnonzero(repeated)[near]] = False
    generic = repeated | (out["match"] == "route_tag").to_numpy()
    quality = np.where(generic, "generic", "precise").astype(object)
    quality[lon.isna().to_numpy() | lat.isna().to_numpy()] = "unknown"
    return quality


def _exact(x: np.ndarray) -> np.ndarray:
    """Each number's exact value as an integer, NaN as one value: equal numbers (and only they) get equal keys.

    Grouping by these keys groups as the numbers' text (``repr``) would, without writing any text.
    """
    return np.where(np.isnan(x), np.nan, x).astype(float).view(np.int64)


def attribution_report(attributed: pd.DataFrame) -> pd.DataFrame:
    """Counts of incidents and dead+missing by match quality and reason, for the record.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"match": ["good", "off_network"], "match_reason": ["x", "y"], "dead": [1, 2],
    ...                   "missing": [0, 1]})
    >>> attribution_report(t)["incidents"].tolist()
    [1, 1]
    """
    t = attributed.assign(dead_missing=attributed["dead"] + attributed["missing"], reason=attributed["match_reason"])
    t["reason"] = t["reason"].where(t["match"] == "off_network", "attributed")
    return (
        t.groupby(["match", "reason"], dropna=False)
        .agg(incidents=("match", "size"), dead_missing=("dead_missing", "sum"))
        .reset_index()
    )


def legs_within_reach(G: nx.MultiDiGraph, attributed: pd.DataFrame,
                      max_distance_m: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Every leg in use within its mode's reach of each incident that distance matched (``match`` good or fair).

    The candidates of soft attribution (:func:`routes.model.soft_attribution.soft_shares`): the same legs, reach and
    periods of use as :func:`attribute_incidents` considers, without its tie-break to one leg.

    Returns
    -------
    pandas.DataFrame
        One row per (incident, leg) pair: ``row`` (position in ``attributed``), ``leg``, ``mode``, ``distance_m``.
    """
    rows = np.flatnonzero(attributed["match"].isin(["good", "fair"]).to_numpy())
    legs = _candidate_legs(G)
    empty = pd.DataFrame({"row": np.zeros(0, dtype=int), "leg": np.zeros(0, dtype=object),
                          "mode": np.zeros(0, dtype=object), "distance_m": np.zeros(0)})
    if not len(rows) or legs.n == 0:
        return empty
    limits = _limits(max_distance_m if max_distance_m is not None else attributed.attrs.get("max_distance_m"))
    frame = without_attrs(attributed) if attributed.attrs else attributed
    geometry = gpd.GeoSeries(frame.geometry.values[rows], crs=getattr(frame, "crs", None) or CRS)
    points = _metric(geometry.values, geometry.crs)
    modes, which = np.unique(legs.mode, return_inverse=True)
    reach = np.array([limits.get(str(m), 0.0) for m in modes], dtype=float)[which]
    pi, li, dist, _ = pairs_within(points, legs.lines_m, reach)
    dates = pd.to_datetime(frame["date"]).to_numpy()[rows]
    ok = np.ones(len(pi), dtype=bool)
    dated = np.flatnonzero(~(np.isnat(legs.period_start) & np.isnat(legs.period_end))[li])
    ok[dated] = in_periods(dates[pi[dated]], legs.period_start[li[dated]], legs.period_end[li[dated]],
                           slack_days=PERIOD_SLACK_DAYS)
    pi, li, dist = pi[ok], li[ok], dist[ok]
    return pd.DataFrame({"row": rows[pi], "leg": legs.key[li], "mode": legs.mode[li].astype(object),
                         "distance_m": dist})
