"""Rank the paths between two places, or two regions, by the risk of dying on the way.

A path is a sequence of edges of the corridor graph (see :mod:`routes.network.graph`), named by their keys (the
leg ids), so a boat and a trail between the same two towns are two paths. Its probability of death is
``1 - prod(1 - p_leg)``; legs add their hazards ``lam = -log(1 - p)``, so the safest paths are the shortest
paths under ``lam`` and are found exactly with Yen's algorithm (:mod:`routes.query.paths`).

Conventions
-----------
Places, regions and direction
    How ``origin``, ``destination``, ``direction`` and ``span`` pick where paths start, end and which legs
    they use is set out in :mod:`routes.query.regions`.
Scenario
    How a :class:`~routes.query.scenario.Scenario` (closures, sea advisory, month, window, date) changes the legs
    is set out in :mod:`routes.query.scenario`.
Uncertainty
    Each leg's hazard is drawn from its Gamma posterior once (a legs x draws matrix, seeded); paths sharing
    a leg share its draws. ``p_death_lo``/``p_death_hi`` are the 5% and 95% quantiles of the path
    probability and ``p_safest`` the share of draws in which a path is the safest candidate (ties split).
    Legs without ``risk_shape``/``risk_rate`` keep their point value in every draw.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import textwrap
from collections.abc import Sequence
from typing import Any, Literal, cast

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from shapely.geometry import LineString

from routes.errors import ArgumentError
from routes.model.estimate import estimate_of
from routes.model.frames import shared_attrs
from routes.model.posterior import PathDraws, risk_of_hazard, simulate_paths
from routes.query.alternatives import MAX_OVERLAP, Route, distinct_routes, hazard_overlap
from routes.query.paths import pareto_front
from routes.query.regions import (  # the query; BORDER_POINT ... Span are re-exported
    BORDER_POINT,
    CORRIDOR_ORDER,
    Direction,
    Span,
    _Query,
    _setup,
    check_k,
)
from routes.query.scenario import Scenario, check_month  # re-exported
from routes.query.summary import summary_table
from routes.vocabulary import DIRECTIONS, DRAWS_PATHS, SEA_MODES

__all__ = [
    "BORDER_POINT",
    "CORRIDOR_ORDER",
    "CRITERIA",
    "DIRECTIONS",
    "SEA_MODES",
    "Direction",
    "Scenario",
    "Span",
    "check_month",
    "direction_summary",
    "pareto_paths",
    "rank_paths",
]

logger = logging.getLogger(__name__)

CRITERIA = ("p_death", "duration_h", "cost_usd", "length_km")


# ----------------------------------------------------------------------------------------------- results
def _simulate(
    q: _Query, paths: Sequence[Sequence[int]], *, seed: int | None = 0, draws: int = DRAWS_PATHS
) -> PathDraws:
    """The interval, ``p_safest`` and comparison with the first of each path
    (:func:`routes.model.posterior.simulate_paths`)."""
    return simulate_paths(paths, lam=q.lam, shape=q.legs.shape, rate=q.legs.rate, multiplier=q.mult,
                          joint=q.legs.draws, joint_row=q.legs.draw_row, seed=seed, draws=draws)


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


def _frame(q: _Query, paths: Sequence[Sequence[int]], *, seed: int | None, draws: int,
           day: str | None = None) -> gpd.GeoDataFrame:
    legs, ig = q.legs, q.legs.ig
    sim = _simulate(q, paths, seed=seed, draws=draws)
    lo, hi, p_safest = sim.lo, sim.hi, sim.p_safest
    ended = legs.ended_before(dt.date.fromisoformat(day) if day else dt.date.today())
    rows = []
    for i, path in enumerate(paths):
        idx = np.array(path, dtype=np.intp)
        lam = q.lam[idx]
        total = float(lam.sum())
        p = float(risk_of_hazard(total))
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
                "p_riskier_than_1": float(sim.p_riskier[i]),
                "ratio_to_1": float(sim.ratio[i]),
                "ratio_to_1_lo": float(sim.ratio_lo[i]),
                "ratio_to_1_hi": float(sim.ratio_hi[i]),
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
                "prior_share": (float(np.nansum(legs.prior_weight[idx] * lam) / total)
                                if total > 0 and np.isfinite(legs.prior_weight[idx]).any() else math.nan),
                "legs_ended": [str(ig.keys[e]) for e in path if ended[e]],
                "geometry": _line(q, path),
            }
        )
    gdf = RankedPaths(rows, geometry="geometry", crs="EPSG:4326")
    gdf.insert(0, "rank", np.arange(1, len(gdf) + 1))
    return gdf


def _distinct_vias(paths: list[list[str]], width: int = 64) -> list[str]:
    """Each path as the places that set it apart from the others (all of them when it is alone), shortened."""
    common = set.intersection(*(set(p) for p in paths)) if len(paths) > 1 else set()
    out = []
    for nodes in paths:
        own = [n for n in nodes[1:-1] if n not in common]
        text = " → ".join(own) if own else " → ".join(nodes)
        out.append(textwrap.shorten(text, width, placeholder=" …") if own or len(paths) == 1 else "(shared route)")
    return out


class RankedPaths(gpd.GeoDataFrame):  # type: ignore[misc]  # geopandas ships no type information
    """Ranked paths: a GeoDataFrame that shows its main columns, by their real names, in Jupyter and in a terminal.

    Every column and method of a GeoDataFrame is there (``ranked.columns``, ``ranked.geometry``, ``to_file``);
    only the display is narrowed to :data:`SHOWN` (and in Jupyter the tidy :func:`routes.summary_table`). A frame
    without those columns shows as a plain GeoDataFrame.
    """

    #: the columns a ranked result shows, by their names in the frame
    SHOWN = ("rank", "variant", "p_death", "p_death_lo", "p_death_hi", "p_safest", "ratio_to_1", "p_riskier_than_1",
             "duration_h", "sea_legs", "main_corridor", "top_leg", "group")

    def _summary_title(self) -> str:
        a = self.attrs
        way = f"{a['direction']}bound " if a.get("direction") else ""
        when = a.get("period") or {}
        told = (f"; incidents {when['incidents_from']} to {when['incidents_to']}, travel "
                f"{'on ' + when['travel_date'] if when.get('travel_date') else 'on any date'}"
                if when.get("incidents_from") else "")
        return (f"{len(self)} {way}path{'s' if len(self) != 1 else ''} from {a.get('origin', '?')} to "
                f"{a.get('destination', '?')}{told}\n(the main columns; a GeoDataFrame: .columns lists them all, "
                "routes.summary_table(ranked, G=G) is a tidy table)")

    def _shown(self) -> list[str] | None:
        cols = [c for c in self.SHOWN if c in self.columns]
        return cols if {"rank", "p_death"} <= set(cols) else None

    def __repr__(self) -> str:
        cols = self._shown()
        if cols is None:
            return cast(str, super().__repr__())
        return f"{self._summary_title()}\n{pd.DataFrame(self[cols]).to_string(index=False)}"

    def _repr_html_(self) -> str | None:
        if self._shown() is None or "nodes" not in self.columns:
            return super()._repr_html_()  # type: ignore[no-any-return]
        return f"<p>{self._summary_title()}</p>{summary_table(self).to_html()}"


def period(G: nx.MultiDiGraph, scenario: Scenario | None = None) -> dict[str, Any]:
    """The period a graph's risk numbers describe, and the travel date of a query.

    ``incidents_from``/``incidents_to`` (the months of the incidents used, after the estimate's window), ``as_of``
    (the estimate's ``as_of`` date when it was given, ``as_of_given`` true; else the date of the last incident known
    to the estimate) and ``travel_date`` (``None``: any date, legs no longer in use included and marked).
    """
    estimate = estimate_of(G)
    dates = estimate.incidents["date"].dropna() if estimate is not None else None
    given = G.graph.get("risk_settings", {}).get("as_of")
    out: dict[str, Any] = {"incidents_from": None, "incidents_to": None, "as_of": None, "as_of_given": bool(given),
                           "travel_date": scenario.date if scenario is not None else None}
    if dates is not None and len(dates):
        first, last = dates.min(), dates.max()
        window = G.graph.get("risk_settings", {}).get("window")
        if window:
            first = max(first, dt.datetime(int(window[0]), 1, 1))
            last = min(last, dt.datetime(int(window[1]), 12, 31))
        out.update(incidents_from=f"{first:%Y-%m}", incidents_to=f"{last:%Y-%m}",
                   as_of=str(given) if given else f"{dates.max():%Y-%m-%d}")
    return out


def _attrs(
    gdf: gpd.GeoDataFrame, q: _Query, origin: str, destination: str, scen: Scenario, rule: str, **more: Any
) -> gpd.GeoDataFrame:
    gdf.attrs.update(shared_attrs(  # read by the tables, never copied into every row or column read from them
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
    ))
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
    draws: int = DRAWS_PATHS,
    span: Span = "journey",
    distinct: bool = True,
    max_overlap: float = MAX_OVERLAP,
    variants: bool = False,
) -> gpd.GeoDataFrame:
    """Rank the ``k`` safest distinct routes (or plain paths) from ``origin`` to ``destination``.

    By default the routes listed differ materially: no two share more than ``max_overlap`` of the smaller one's
    hazard (:mod:`routes.query.alternatives`: k shortest paths with limited overlap), so the list shows different
    ways through the dangerous parts; fewer rows when fewer such routes exist. Near-identical variants are folded
    under their route (``n_variants``) and listed with ``variants=True``. ``distinct=False`` gives the plain k
    safest paths (exact, Yen's algorithm).

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
    distinct
        List distinct routes (default) or the plain k safest paths.
    max_overlap
        The largest share of hazard two listed routes may share (0 to 1).
    variants
        Also list each route's folded variants, after it (``variant`` 1, 2, ...).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per path, safest first (``route`` and ``variant`` say which route a row is, 0 for the route
        itself; ``n_variants`` how many near-copies were folded under it; ``overlap_max`` its largest hazard overlap
        with a route listed before it; ``p_riskier_than_1`` the probability that it is riskier than the first
        route, and ``ratio_to_1`` with ``ratio_to_1_lo``/``ratio_to_1_hi`` its risk over the first route's with
        the 90% interval, from the same joint draws), in EPSG:4326, its geometry the path's line. Columns: ``rank``,
        ``legs`` (edge keys in order), ``nodes``, ``origin``, ``destination``, ``n_legs``, ``p_death``
        (``1 - prod(1 - p_leg)``), ``p_death_lo``, ``p_death_hi`` (90% Monte Carlo interval),
        ``deaths_per_1000``, ``p_safest``, ``duration_h`` (NaN if a leg's is unknown), ``duration_unknown``
        (legs with unknown duration), ``length_km``, ``cost_usd`` (sum of known costs), ``cost_unknown``,
        ``sea_legs``, ``modes``, ``main_corridor``, ``main_mode`` (carrying most of the hazard),
        ``top_leg`` and ``top_leg_share`` (its share of the path's hazard ``-log(1 - p)``), ``prior_share`` (how
        much of the path's hazard rests on the pooled prior: the legs' ``prior_weight`` weighted by their hazard;
        above 0.5 the number is mostly assumption), ``legs_ended`` (legs
        of the path whose period of use ended before today, or before the scenario's date: kept for the history; pass
        ``Scenario(date="YYYY-MM-DD")`` to rank only legs in use on a date). ``gdf.attrs`` records origin, destination,
        direction, direction_rule, k, month, scenario (a dict),
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
    k = check_k(k)
    q, scen, rule, best = _setup(G, origin, destination, direction, month, scenario, 1 if distinct else k, span)
    listed = distinct_routes(q, int(k), max_overlap=max_overlap) if distinct else [Route(c, p) for c, p in best]
    paths, route, variant = [], [], []
    for i, r in enumerate(listed, start=1):
        for j, path in enumerate([r.path, *(p for _, p in r.variants)] if variants else [r.path]):
            paths.append(path)
            route.append(i)
            variant.append(j)
    gdf = _frame(q, paths, seed=seed, draws=draws, day=scen.date)
    gdf["rank"] = route
    gdf.insert(1, "variant", variant)
    gdf.insert(2, "n_variants", [len(listed[i - 1].variants) for i in route])
    gdf["overlap_max"] = [max((hazard_overlap(p, listed[m].path, q.lam) for m in range(i - 1)), default=0.0)
                          for p, i in zip(paths, route, strict=True)]
    logger.debug("ranked %d %sbound paths from %r to %r", len(gdf), q.direction, origin, destination)
    return _attrs(gdf, q, origin, destination, scen, rule, period=period(G, scen), k=int(k), seed=seed,
                  draws=int(draws), span=span,
                  distinct=bool(distinct), max_overlap=float(max_overlap) if distinct else None,
                  variants=bool(variants))


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
    draws: int = DRAWS_PATHS,
    max_labels: int = 200_000,
    unknown: Literal["worst", "zero"] = "worst",
    span: Span = "journey",
) -> gpd.GeoDataFrame:
    """The Pareto front of paths over risk, duration and cost: the safest, the fastest and the trade-offs.

    A path is on the front when no other path is at least as good on every criterion and better on one.
    The search is a label-setting
    multi-criteria search (:func:`routes.query.paths.pareto_front`), exact unless ``max_labels`` labels are
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
        raise ArgumentError(f"criteria must be two or more of {CRITERIA}, got {criteria!r}")
    if unknown not in ("worst", "zero"):
        raise ArgumentError(f"unknown must be 'worst' or 'zero', got {unknown!r}")
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
    front, exact = pareto_front(q.adjacency(), costs, q.sources, q.targets, max_labels=max_labels)
    front.sort(
        key=lambda vp: (vp[0][criteria.index("p_death")] if "p_death" in criteria else 0.0, vp[0], vp[1])
    )
    gdf = _frame(q, [p for _, p in front], seed=seed, draws=draws, day=scen.date)
    vectors = np.array([v for v, _ in front])
    lowest = vectors.min(axis=0)
    best = (vectors <= lowest * (1 + 1e-12) + 1e-300) & np.isfinite(lowest)
    gdf["best_for"] = [[c for j, c in enumerate(criteria) if best[i, j]] for i in range(len(front))]
    return _attrs(gdf, q, origin, destination, scen, rule, period=period(G, scen), criteria=list(criteria),
                  unknown=unknown, span=span, exact=exact, max_labels=int(max_labels), seed=seed, draws=int(draws))


#: corridors that are a country's main roads, not a way analysts name: a path is grouped by the named corridor it takes
#: (a Darién trail, the Guna Yala boats, the Pacific boats, a Honduran entry, ...), these only when it takes none
GENERAL_CORRIDORS = frozenset({"colon-road", "costa-rica", "guatemala", "honduras", "mexico", "nicaragua",
                               "panama-road", "el-salvador", "chiapas-road"})


def _group_of(q: _Query, path: Sequence[int], by: str) -> str | None:
    """The named corridor carrying most of a path's hazard (or, with ``by="mode"``, the mode)."""
    weights: dict[str, float] = {}
    named: dict[str, float] = {}
    legs = q.legs
    for e in path:
        name = (legs.corridor[e] or legs.mode[e]) if by == "corridor" else legs.mode[e]
        weights[name] = weights.get(name, 0.0) + float(q.lam[e])
        if by == "corridor" and name not in GENERAL_CORRIDORS:
            named[name] = named.get(name, 0.0) + float(q.lam[e]) + 1e-300  # a named corridor wins even at no hazard
    return _main(named) if named else _main(weights)


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
    draws: int = DRAWS_PATHS,
    span: Span = "journey",
    search: int = 500,
) -> gpd.GeoDataFrame:
    """All paths of one direction between two regions, ranked together and grouped by main corridor or mode.

    For example every southbound path from Panama to Colombia, to compare the Guna Yala boats with the
    Darien on foot and the Pacific boats. A region path runs from where travel enters the origin region
    (or, with ``span="crossing"``, from its last place there) to the first town, port or station it reaches in the
    destination region (not a border marker, camp or sea point).

    Parameters
    ----------
    G, month, scenario, seed, draws, span
        As in :func:`rank_paths`.
    origin_region, destination_region
        ISO3 country codes (place ids or names also work).
    direction
        ``"north"`` or ``"south"`` (required here).
    k
        Number of safest paths ranked together; the safest path of every other group found among the ``search``
        safest paths is added, so each group is represented whatever ``k`` (``k=1`` gives one path per group).
    search
        How many of the safest paths are searched for the groups' best paths.
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
        raise ArgumentError(f"direction must be 'north' or 'south', got {direction!r}")
    if by not in ("corridor", "mode"):
        raise ArgumentError(f"by must be 'corridor' or 'mode', got {by!r}")
    if isinstance(search, bool) or not isinstance(search, (int, np.integer)) or search < 1:
        raise ArgumentError(f"search must be an integer >= 1 (paths searched for each group's best), got {search!r}")
    q, scen, rule, found = _setup(G, origin_region, destination_region, direction, month, scenario,
                                  max(int(k), int(search)), span)
    # the k safest paths, plus the safest path of every group among the `search` safest: a group is never missed
    # because k is small, and a group's best is the same whatever k
    keep: list[tuple[int, ...]] = [p for _, p in found[: int(k)]]
    seen = {_group_of(q, p, by) for p in keep}
    for _, p in found[int(k):]:
        g = _group_of(q, p, by)
        if g not in seen:
            seen.add(g)
            keep.append(p)
    keep.sort(key=lambda p: float(q.lam[np.array(p, dtype=np.intp)].sum()))
    gdf = _attrs(_frame(q, keep, seed=seed, draws=draws, day=scen.date), q, origin_region, destination_region, scen,
                 rule, period=period(G, scen), k=int(k), search=int(search), seed=seed, draws=int(draws), span=span)
    gdf["group"] = [_group_of(q, p, by) for p in keep]
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
