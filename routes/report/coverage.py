"""Network coverage: which of an incident table's dead and missing lie on the network, which off it, and why.

The model counts only the deaths it can put on a leg; the others make the routes where they happened look safe.
:func:`coverage` reports, for an incident table, the dead and missing on the network and off it by country and year,
and every off-network incident with one reason:

``too_far``
    No leg of a plausible mode within reach (:mod:`routes.model.attribution`), or only one not in use on that date;
    ``distance_km`` is the distance to the nearest leg of any period (``nearest_leg``).
``not_transit``
    Not a death on a migrant transit route of this corridor: a death inside the person's own country, a boat of
    another route (IOM's route tag says so: a rule), a destination country.
``position_unknown``
    No usable position, or one that contradicts IOM's own place name (mis-geocoded, truncated, generic).

Judgements that need the IOM record's text (a death inside the origin country, a mis-geocoded point) are hand-written,
with a note and a source, in ``geodata/sources/offnet_reasons.csv`` (:func:`read_offnet_reasons`); the rest follow
from the attribution. By default the report covers the fixed box of issue 14, :data:`COVERAGE_BOX` (longitude −93.12
to −76.73, latitude 3.88 to 17.99: from Buenaventura and Necoclí to Tapachula and Villahermosa), whatever the network's
own extent, so the figures of two versions of the network compare.

Examples
--------
>>> from routes import load_network
>>> report = coverage(load_network())
>>> report.off_network["reason"].isin(REASONS).all() and report.share_off <= 0.10
True
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from routes.errors import ArgumentError, DataError
from routes.io.csv_text import read_string_table
from routes.model.attribution import METRIC_CRS, attribute_incidents
from routes.model.estimate import estimate_of
from routes.network.convert import graph_to_gdfs
from routes.vocabulary import COVERAGE_BOX

log = logging.getLogger(__name__)

__all__ = ["COVERAGE_BOX", "REASONS", "REASON_COLUMNS", "Coverage", "coverage", "read_offnet_reasons"]

#: the box of issue 14, fixed (min lon, min lat, max lon, max lat): the network's extent when the issue was filed
#: why an incident is off the network
REASONS = ("too_far", "not_transit", "position_unknown")
REASON_COLUMNS = ("main_id", "reason", "note", "source")
#: columns of :attr:`Coverage.off_network`
OFF_COLUMNS = ("main_id", "date", "country", "dead_missing", "reason", "distance_km", "nearest_leg", "note", "source",
               "lon", "lat")
BY_COLUMNS = ("country", "year", "incidents", "dead_missing", "on_network", "off_network")


@dataclass(frozen=True)
class Coverage:
    """The result of :func:`coverage`.

    Attributes
    ----------
    by_country_year
        One row per country of incident and year: ``incidents``, ``dead_missing``, and the dead and missing
        ``on_network`` and ``off_network``.
    off_network
        One row per off-network incident (:data:`OFF_COLUMNS`), most dead and missing first: its ``reason``
        (:data:`REASONS`), the ``distance_km`` to the ``nearest_leg``, a ``note`` and the ``source`` of the reason.
    bbox
        The box the report covers, or ``None`` for every incident.
    unplaced
        Incidents left out of a box because they have no position (with ``bbox=None`` they are reported as
        ``position_unknown``).
    """

    by_country_year: pd.DataFrame
    off_network: pd.DataFrame
    bbox: tuple[float, float, float, float] | None
    unplaced: int = 0

    @property
    def dead_missing(self) -> int:
        """Dead and missing covered by the report."""
        return int(self.by_country_year["dead_missing"].sum())

    @property
    def off(self) -> int:
        """Dead and missing off the network."""
        return int(self.by_country_year["off_network"].sum())

    @property
    def share_off(self) -> float:
        """Share of the dead and missing off the network (0 when there are none)."""
        return self.off / self.dead_missing if self.dead_missing else 0.0

    def by_reason(self) -> pd.DataFrame:
        """Off-network incidents and dead and missing by reason."""
        t = self.off_network.groupby("reason").agg(incidents=("main_id", "size"), dead_missing=("dead_missing", "sum"))
        return t.reindex([r for r in REASONS if r in t.index])


def read_offnet_reasons(path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """The hand-written reasons: ``geodata/sources/offnet_reasons.csv`` (shipped) or the CSV at ``path``.

    Raises
    ------
    DataError
        If a column is missing, a reason is not one of :data:`REASONS`, a note or source is empty, or an incident is
        listed twice (every problem, by line).

    Examples
    --------
    >>> sorted(set(read_offnet_reasons()["reason"])) == sorted(REASONS)
    True
    """
    name, table = read_string_table(path, "sources/offnet_reasons.csv", REASON_COLUMNS)
    problems = [f"{name} line {i + 2}: reason {r!r} is not one of {list(REASONS)}"
                for i, r in table["reason"].items() if r not in REASONS]
    problems += [f"{name} line {i + 2}: empty {c!r}; every reason needs a note and a source"
                 for i, row in table.iterrows() for c in ("main_id", "note", "source") if not str(row[c]).strip()]
    problems += [f"{name} line {i + 2}: incident {m!r} listed again" for i, m in
                 table["main_id"][table["main_id"].duplicated()].items()]
    if problems:
        raise DataError(f"{name}: {len(problems)} problem(s)", problems)
    return table[list(REASON_COLUMNS)].reset_index(drop=True)


def _attributed(G: nx.MultiDiGraph, incidents: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """The incidents with their attribution: as given, as the graph's estimate made it, or by the distance match."""
    if incidents is not None and "match" in incidents.columns:
        return incidents
    if incidents is None:
        estimate = estimate_of(G)
        if estimate is not None:
            return estimate.incidents
        from routes.io.snapshot import load_incidents

        incidents = load_incidents()
    return attribute_incidents(G, incidents)


def _check_bbox(bbox: Any) -> tuple[float, float, float, float] | None:
    if bbox is None:
        return None
    try:
        x0, y0, x1, y1 = (float(v) for v in bbox)
    except (TypeError, ValueError):
        raise ArgumentError(f"bbox must be (min_lon, min_lat, max_lon, max_lat) or None, got {bbox!r}") from None
    if not (x0 < x1 and y0 < y1):
        raise ArgumentError(f"bbox must be (min_lon, min_lat, max_lon, max_lat) with min < max, got {bbox!r}")
    return x0, y0, x1, y1


def _nearest(G: nx.MultiDiGraph, points: gpd.GeoSeries) -> tuple[np.ndarray, np.ndarray]:
    """Leg id and distance (km) of the nearest leg of any period to each point (NaN and "" without a position)."""
    legs_id = np.full(len(points), "", dtype=object)
    km = np.full(len(points), np.nan)
    have = ~(points.isna() | points.is_empty).to_numpy()
    have &= np.isfinite(shapely.get_x(points.values)) & np.isfinite(shapely.get_y(points.values))
    if not have.any() or G.number_of_edges() == 0:
        return legs_id, km
    edges = graph_to_gdfs(G, nodes=False)
    assert isinstance(edges, gpd.GeoDataFrame)
    edges = edges.reset_index().drop_duplicates("key").to_crs(METRIC_CRS)
    pts = points[have].to_crs(METRIC_CRS).values
    idx = shapely.STRtree(edges.geometry.values).nearest(pts)
    legs_id[have] = edges["key"].to_numpy()[idx]
    km[have] = np.round(shapely.distance(pts, edges.geometry.values[idx]) / 1000.0, 1)
    return legs_id, km


def _reasons(off: gpd.GeoDataFrame, listed: pd.DataFrame) -> pd.DataFrame:
    """Reason, note and source of each off-network incident: the hand-written list first, then the rules."""
    by_id = listed.set_index("main_id")
    usable = off["match_reason"].astype(str).ne("no usable position")
    if "coord_quality" in off.columns:
        usable &= off["coord_quality"].astype(str).isin(["ok", "truncated"])
    rows = []
    for ix, r in off.iterrows():
        mid, why = str(r["main_id"]), str(r.get("match_reason", ""))
        if mid in by_id.index:
            rows.append(tuple(by_id.loc[mid, ["reason", "note", "source"]]))
        elif not usable[ix]:
            rows.append(("position_unknown", f"no usable position (coordinates {r.get('coord_quality', 'missing')})",
                         "IOM Missing Migrants Project record (Coordinates)"))
        elif why.startswith("IOM route"):
            rows.append(("not_transit", why, "IOM Missing Migrants Project record (Migration Route)"))
        else:
            rows.append(("too_far", why, "distance to the network (routes.model.attribution)"))
    return pd.DataFrame(rows, columns=["reason", "note", "source"], index=off.index)


def coverage(
    G: nx.MultiDiGraph,
    incidents: gpd.GeoDataFrame | None = None,
    *,
    bbox: tuple[float, float, float, float] | None = COVERAGE_BOX,
    reasons: pd.DataFrame | None = None,
) -> Coverage:
    """The dead and missing of an incident table on the network and off it, and the reason for each off it.

    Parameters
    ----------
    G
        The network. With a risk estimate and no ``incidents``, the attribution the estimate used (legs people
        travelled that month preferred, the overrides applied) is reported: what the model counts.
    incidents
        An incident table: already attributed (it has ``match``), or normalised (:func:`routes.read_incidents`),
        then attributed here by :func:`routes.attribute_incidents`. Default: the graph's estimate, else the active
        snapshot.
    bbox
        ``(min_lon, min_lat, max_lon, max_lat)``: only incidents inside (edges included); :data:`COVERAGE_BOX` by
        default; ``None`` for every incident (those without a position are then ``position_unknown``).
    reasons
        The hand-written reasons (:func:`read_offnet_reasons`); the shipped table by default.

    Returns
    -------
    Coverage
        The table by country and year, the off-network incidents with their reasons, the box.

    Raises
    ------
    ArgumentError
        If ``bbox`` is not four numbers with min < max.
    DataError
        If the incident table lacks the columns the attribution needs.
    """
    box = _check_bbox(bbox)
    table = _attributed(G, incidents)
    listed = read_offnet_reasons() if reasons is None else reasons
    x, y = shapely.get_x(table.geometry.values), shapely.get_y(table.geometry.values)
    placed = np.isfinite(x) & np.isfinite(y)
    keep = placed & (x >= box[0]) & (x <= box[2]) & (y >= box[1]) & (y <= box[3]) if box else np.ones(len(table), bool)
    unplaced = int((~placed).sum()) if box else 0
    t = table[keep].copy()
    t["dead_missing"] = (t["dead"].astype(int) + t["missing"].astype(int)).to_numpy()
    t["year"] = pd.to_datetime(t["date"]).dt.year.astype("Int64") if "year" not in t.columns else t["year"]
    t["country"] = t["country"].fillna("").astype(str).replace("", "(unknown)") if "country" in t.columns \
        else "(unknown)"
    off_mask = t["match"].astype(str).eq("off_network")
    t["on_network"] = np.where(off_mask, 0, t["dead_missing"])
    t["off_network"] = np.where(off_mask, t["dead_missing"], 0)
    by = (t.groupby(["country", "year"], dropna=False)
          .agg(incidents=("main_id", "size"), dead_missing=("dead_missing", "sum"), on_network=("on_network", "sum"),
               off_network=("off_network", "sum")).reset_index())
    off = t[off_mask]
    leg, km = _nearest(G, off.geometry)
    why = _reasons(off, listed)
    out = pd.DataFrame({
        "main_id": off["main_id"].astype(str), "date": pd.to_datetime(off["date"]), "country": off["country"],
        "dead_missing": off["dead_missing"].astype(int), "reason": why["reason"], "distance_km": km,
        "nearest_leg": leg, "note": why["note"], "source": why["source"],
        "lon": np.round(shapely.get_x(off.geometry.values), 5), "lat": np.round(shapely.get_y(off.geometry.values), 5),
    }, index=off.index)
    out = out.sort_values(["dead_missing", "date"], ascending=[False, True], kind="stable").reset_index(drop=True)
    stale = sorted(set(listed["main_id"]) & set(t.loc[~off_mask, "main_id"].astype(str)))
    if stale:
        log.info("offnet_reasons.csv lists incidents now on the network: %s", ", ".join(stale))
    result = Coverage(by[list(BY_COLUMNS)], out[list(OFF_COLUMNS)], box, unplaced)
    log.info("coverage: %d of %d dead and missing off the network (%.1f%%)", result.off, result.dead_missing,
             100 * result.share_off)
    return result
