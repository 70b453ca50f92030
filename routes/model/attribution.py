"""Attribution of IOM incidents to the legs of the network.

An incident is matched to the leg whose line passes nearest to its position, within a distance that fits how
coarse Missing Migrants positions are and the leg's mode, helped by the cause of death and IOM's route tag:

* a drowning prefers water (sea and river legs): its distance to a sea or river leg counts half, so a drowning
  2 km off the Guna Yala coast goes to the sea leg, not to the trail ashore;
* a death by violence, sickness or exposure prefers land: its distance to a sea leg counts three times;
* a vehicle accident prefers roads;
* only legs in use on the incident's date are candidates (``period_start``/``period_end``, with a month's slack),
  so a 2024 drowning off Carreto goes to the northbound boats of that time, a 2025 one to the southbound boats;
* an IOM route tag outside the corridor (``US-Mexico border crossing``, ``Caribbean to US``, ...) is not attributed;
* an incident tagged ``Darien`` beyond every leg's reach (many carry a generic "Darien Gap" position) goes to the
  nearest Darién leg in use within :data:`ROUTE_TAG_DISTANCE_M`, with ``match = "route_tag"``.

Distances are computed in metres in a Lambert conformal conic projection fitted to the corridor
(:data:`METRIC_CRS`, standard parallels 8°N and 16°N; scale error under 1.5% between 2°N and 20°N).

Nothing is dropped: an incident that matches no leg keeps ``match = "off_network"`` and a reason.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from routes.errors import ArgumentError, DataError
from routes.network.graph import graph_to_gdfs
from routes.vocabulary import MODES, WATER_MODES, in_periods, month_key, month_keys

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


def _preference(cause: np.ndarray, modes: np.ndarray) -> np.ndarray:
    """Multiplier of the distance for each (incident cause, leg mode) pair: below 1 favours, above 1 disfavours."""
    cause = np.char.lower(cause.astype(str))
    drowning = np.char.find(cause, "drown") >= 0
    vehicle = np.char.find(cause, "vehicle") >= 0
    water = np.isin(modes, list(WATER_MODES))
    sea = modes == "sea_boat"
    road = modes == "road"
    factor = np.ones(len(modes))
    factor = np.where(drowning & water, 0.5, factor)
    factor = np.where(~drowning & sea, 3.0, factor)
    factor = np.where(vehicle & road, 0.5, factor)
    return factor


def without_attrs(frame: pd.DataFrame) -> pd.DataFrame:
    """The same table without its ``attrs``, sharing its data: columns read from it copy no metadata.

    pandas deep-copies a frame's ``attrs`` into every column, row or slice taken from it; a snapshot's metadata can
    list thousands of skipped rows, so the model reads its columns from this bare table and puts ``attrs`` back on
    what it returns.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"a": [1]})
    >>> t.attrs["skipped"] = [{"row": 1}]
    >>> without_attrs(t).attrs, t.attrs["skipped"]
    ({}, [{'row': 1}])
    """
    bare = pd.DataFrame(frame)  # the constructor shares the blocks and leaves attrs behind
    if isinstance(frame, gpd.GeoDataFrame) and frame.active_geometry_name is not None:
        return gpd.GeoDataFrame(bare, geometry=frame.active_geometry_name)
    return bare


def attribute_incidents(
    G: nx.MultiDiGraph,
    incidents: gpd.GeoDataFrame,
    *,
    max_distance_m: Mapping[str, float] | None = None,
    flows_share: pd.DataFrame | None = None,
    travelled: set[tuple[str, str]] | None = None,
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

    Returns
    -------
    geopandas.GeoDataFrame
        The incidents, all of them, in their order, with columns added: ``u``, ``v``, ``key`` (the edge of the
        dominant direction; empty when off the network), ``leg``, ``direction``, ``share_north`` and
        ``share_south`` (how the incident is split between the two directions of its leg), ``distance_m``,
        ``match`` (``good``, ``fair``, ``route_tag`` or ``off_network``), ``match_reason``, ``direction_basis`` and
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
    limits = {m: p.reach_m for m, p in MODES.items()}
    if max_distance_m:
        unknown = set(max_distance_m) - set(limits)
        if unknown:
            raise ArgumentError(f"max_distance_m: unknown mode(s) {sorted(unknown)}; expected some of {sorted(limits)}")
        limits.update(max_distance_m)

    edges = graph_to_gdfs(G, nodes=False)
    assert isinstance(edges, gpd.GeoDataFrame)
    # one candidate line per leg (its digitised, from -> to orientation: the north edge of a two-way leg)
    legs = edges.reset_index()
    legs = legs.sort_values(["key", "direction"]).drop_duplicates("key", keep="first").reset_index(drop=True)
    legs_m = legs.to_crs(METRIC_CRS)
    out = incidents.copy()
    n = len(out)
    result = {
        "u": np.full(n, "", dtype=object), "v": np.full(n, "", dtype=object), "key": np.full(n, "", dtype=object),
        "leg": np.full(n, "", dtype=object), "direction": np.full(n, "", dtype=object),
        "share_north": np.zeros(n), "share_south": np.zeros(n), "distance_m": np.full(n, np.nan),
        "match": np.full(n, "off_network", dtype=object), "match_reason": np.full(n, "", dtype=object),
        "direction_basis": np.full(n, "", dtype=object),
    }
    if n == 0 or len(legs) == 0:
        result["match_reason"][:] = "the network has no legs" if len(legs) == 0 else ""
        for c, vals in result.items():
            out[c] = vals
        return out

    geom = out.geometry.values
    usable = ~(shapely.is_missing(geom) | shapely.is_empty(geom))
    if "coord_quality" in out.columns:
        usable &= out["coord_quality"].astype(str).isin(["ok", "truncated"]).to_numpy()
    route = out["route"].fillna("").astype(str).str.strip().str.lower().to_numpy()
    in_corridor = np.isin(route, list(CORRIDOR_ROUTE_TAGS))
    result["match_reason"][~usable] = "no usable position"
    result["match_reason"][usable & ~in_corridor] = [f"IOM route {r!r} is outside the corridor" for r in route[usable & ~in_corridor]]
    todo = np.flatnonzero(usable & in_corridor)

    points = gpd.GeoSeries(geom[todo], crs=out.crs or "EPSG:4326").to_crs(METRIC_CRS).values
    tree = shapely.STRtree(legs_m.geometry.values)
    reach = max(limits.values())
    pi, li = tree.query(points, predicate="dwithin", distance=reach)
    modes = legs["mode"].to_numpy().astype(str)
    dist = shapely.distance(points[pi], legs_m.geometry.values[li])
    limit = np.array([limits.get(m, 0.0) for m in modes[li]])
    ok = dist <= limit
    # legs in use on the incident's date
    dates = pd.to_datetime(out["date"]).to_numpy()[todo][pi]
    in_period = in_periods(dates, _column(legs, "period_start").to_numpy()[li],
                           _column(legs, "period_end").to_numpy()[li], slack_days=PERIOD_SLACK_DAYS)
    cause = out["cause"].fillna("").astype(str).to_numpy()[todo][pi]
    score = dist / limit * _preference(cause, modes[li])
    if travelled is not None:
        inc_month = month_keys(out["date"])[todo][pi]
        leg_ids = legs["key"].to_numpy()[li]
        idle = np.array([(k, m) not in travelled for k, m in zip(leg_ids, inc_month)], dtype=bool)
        score = np.where(idle, score * UNTRAVELLED_PENALTY, score)
    keep = ok & in_period
    near_but_closed = np.zeros(len(todo), dtype=bool)
    near_but_closed[pi[ok & ~in_period]] = True
    pi, li, dist, score, limit = pi[keep], li[keep], dist[keep], score[keep], limit[keep]

    # best candidate per incident: lowest score
    order = np.lexsort((score, pi))
    pi, li, dist, score, limit = pi[order], li[order], dist[order], score[order], limit[order]
    first = np.ones(len(pi), dtype=bool)
    first[1:] = pi[1:] != pi[:-1]
    bi, bl, bd, blim = pi[first], li[first], dist[first], limit[first]
    rows = todo[bi]
    result["leg"][rows] = legs["key"].to_numpy()[bl]
    result["distance_m"][rows] = np.round(bd, 1)
    result["match"][rows] = np.where(bd <= blim * GOOD_FRACTION, "good", "fair")
    result["match_reason"][rows] = [f"{m} leg within {d / 1000:.1f} km" for m, d in zip(modes[bl], bd)]
    unmatched = np.setdiff1d(np.arange(len(todo)), bi)
    result["match_reason"][todo[unmatched]] = np.where(
        near_but_closed[unmatched], "near a leg that was not in use on that date", "no leg within reach of its mode"
    )
    _route_tag_fallback(result, todo[unmatched], points[unmatched], route[todo[unmatched]],
                        pd.to_datetime(out["date"]).to_numpy()[todo[unmatched]], legs, legs_m, travelled)
    rows = np.flatnonzero(result["leg"] != "")

    # direction: one-way legs take their edge's direction; two-way legs share by the month's flows
    share_lookup: dict[tuple[str, str], float] = {}
    if flows_share is not None and len(flows_share):
        share_lookup = {
            (str(a), str(b)): float(c)
            for a, b, c in flows_share[["leg", "month"]].assign(s=flows_share["share_north"]).itertuples(index=False)
        }
    leg_edges: dict[str, dict[str, tuple[str, str, str]]] = {}
    for u, v, k, d in G.edges(keys=True, data=True):
        leg_edges.setdefault(k, {})[d["direction"]] = (u, v, k)
    months = month_keys(out["date"])
    for r in rows:
        by_dir = leg_edges[result["leg"][r]]
        if len(by_dir) == 1:
            (d, edge), = by_dir.items()
            sn = 1.0 if d == "north" else 0.0
            basis = "one-way leg"
        else:
            s = share_lookup.get((result["leg"][r], months[r]))
            sn, basis = (0.5, "no flow figure for the month: split half and half") if s is None else (s, "flows of the month")
            d = "north" if sn >= 0.5 else "south"
            edge = by_dir[d]
        result["u"][r], result["v"][r], result["key"][r] = edge
        result["direction"][r] = d
        result["share_north"][r], result["share_south"][r] = sn, 1.0 - sn
        result["direction_basis"][r] = basis

    for c, vals in result.items():
        out[c] = vals
    out["position"] = _position_quality(out, G)
    out.attrs = dict(incidents.attrs)
    out.attrs["metric_crs"] = METRIC_CRS
    out.attrs["max_distance_m"] = limits
    n_on = int((out["match"] != "off_network").sum())
    log.info("attributed %d of %d incidents to legs; %d off the network", n_on, n, n - n_on)
    return out


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
    key = lon.astype(str) + "," + lat.astype(str)
    dates_per_point = day.groupby(key).transform("nunique")
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


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    """A column, or a column of None when the frame lacks it (edges need not carry every optional attribute)."""
    return frame[name] if name in frame.columns else pd.Series([None] * len(frame), index=frame.index, dtype=object)


def _route_tag_fallback(
    result: dict[str, np.ndarray], rows: np.ndarray, points: np.ndarray, tags: np.ndarray, dates: np.ndarray,
    legs: gpd.GeoDataFrame, legs_m: gpd.GeoDataFrame, travelled: set[tuple[str, str]] | None,
) -> None:
    """Attribute unmatched incidents with a corridor route tag to the nearest leg of that corridor (in place).

    Legs that someone is known to travel in the incident's month are preferred when there are any."""
    corridor = _column(legs, "corridor").fillna("").astype(str).to_numpy()
    start = _column(legs, "period_start").to_numpy()
    end = _column(legs, "period_end").to_numpy()
    for tag, prefixes in ROUTE_TAG_CORRIDORS.items():
        cand = np.flatnonzero([any(c.startswith(p) for p in prefixes) for c in corridor])
        if not len(cand):
            continue
        for r, pt, t, when in zip(rows, points, tags, dates):
            if t != tag:
                continue
            ok = cand
            if not pd.isna(when):
                ok = cand[in_periods([when] * len(cand), start[cand], end[cand], slack_days=PERIOD_SLACK_DAYS)]
            if travelled is not None and len(ok) and not pd.isna(when):
                month = month_key(when)
                busy = ok[[(legs["key"].iloc[j], month) in travelled for j in ok]]
                ok = busy if len(busy) else ok
            if not len(ok):
                continue
            dist = shapely.distance(pt, legs_m.geometry.values[ok])
            j = int(np.argmin(dist))
            if dist[j] > ROUTE_TAG_DISTANCE_M:
                continue
            result["leg"][r] = legs["key"].iloc[ok[j]]
            result["distance_m"][r] = round(float(dist[j]), 1)
            result["match"][r] = "route_tag"
            result["match_reason"][r] = (f"IOM route {tag!r}, no leg within reach of its mode: nearest {tag} leg in use, "
                                         f"{dist[j] / 1000:.1f} km")


def attribution_report(attributed: pd.DataFrame) -> pd.DataFrame:
    """Counts of incidents and dead+missing by match quality and reason, for the record.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"match": ["good", "off_network"], "match_reason": ["x", "y"], "dead": [1, 2], "missing": [0, 1]})
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
