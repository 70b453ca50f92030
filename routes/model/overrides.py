"""Incident overrides: an incident whose IOM position is not where it happened, tied to its leg by a source.

A few IOM positions are not the place of the death: a generic point ("International Waters near San Andrés y
Providencia"), or the place where belongings or bodies were found adrift, far from the route the boat took. The
distance match of :func:`routes.model.attribution.attribute_incidents` cannot place them, or places them wrongly.
``geodata/sources/incident_overrides.csv`` lists such incidents, one row each (:data:`OVERRIDE_COLUMNS`: the IOM
``main_id``, the ``leg`` a source puts the people on, the ``reason`` in our words and the ``source``).

:func:`apply_overrides` is the last, separate step of the attribution: an override wins over the distance match,
whose result stays readable in ``match_reason``; ``match`` becomes ``"override"`` and ``distance_m`` is the distance
from the IOM position to the leg. Only incidents with a sourced reason belong in the table.

Examples
--------
>>> table = read_overrides()
>>> list(table.columns) == list(OVERRIDE_COLUMNS) and table["main_id"].is_unique
True
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from routes.errors import DataError
from routes.io.csv_text import read_string_table
from routes.vocabulary import month_keys

log = logging.getLogger(__name__)

OVERRIDE_COLUMNS = ("main_id", "leg", "reason", "source")
#: the ``match`` of an incident placed by an override
OVERRIDE = "override"


def read_overrides(path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """The incident overrides: ``geodata/sources/incident_overrides.csv`` (shipped) or the CSV at ``path``.

    Raises
    ------
    DataError
        If a column is missing, a value is empty, or an incident is listed twice (every problem, by line).

    Examples
    --------
    >>> sorted(read_overrides()["main_id"])
    ['2022.MMP1234', '2023.MMP0038', '2023.MMP1109']
    """
    name, table = read_string_table(path, "sources/incident_overrides.csv", OVERRIDE_COLUMNS)
    problems = [f"{name} line {i + 2}: empty {c!r}; every override needs an incident, a leg, a reason and a source"
                for i, row in table.iterrows() for c in OVERRIDE_COLUMNS if not str(row[c]).strip()]
    problems += [f"{name} line {i + 2}: incident {m!r} listed again; one override per incident"
                 for i, m in table["main_id"][table["main_id"].duplicated()].items()]
    if problems:
        raise DataError(f"{name}: {len(problems)} problem(s)", problems)
    return table[list(OVERRIDE_COLUMNS)].reset_index(drop=True)


def apply_overrides(
    attributed: gpd.GeoDataFrame,
    G: nx.MultiDiGraph,
    overrides: pd.DataFrame,
    *,
    flows_share: pd.DataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Put the incidents of ``overrides`` on their leg; return a new table (the input is not modified).

    Parameters
    ----------
    attributed
        The output of the distance match (:func:`routes.model.attribution.attribute_incidents`).
    G
        The network; an override whose leg it lacks is skipped (and logged), so a user's own network works.
    overrides
        :func:`read_overrides` (columns :data:`OVERRIDE_COLUMNS`).
    flows_share
        As in :func:`routes.model.attribution.attribute_incidents`: for a two-way leg, the share of its travellers
        going north that month; without it the incident goes half and half.

    Returns
    -------
    geopandas.GeoDataFrame
        ``attributed`` with, for each incident overridden: ``leg``, ``u``, ``v``, ``key``, ``direction``,
        ``share_north``, ``share_south``, ``direction_basis``, ``distance_m`` (from the IOM position to the leg, in the
        projection of ``attrs["metric_crs"]``), ``match = "override"`` and ``match_reason`` (the reason, the source and
        what the distance match had said).

    Examples
    --------
    >>> import networkx as nx
    >>> from shapely.geometry import LineString, Point
    >>> G = nx.MultiDiGraph(crs="EPSG:4326")
    >>> _ = G.add_edge("a", "b", key="boat", direction="north", geometry=LineString([(-81.7, 12.6), (-83.0, 12.2)]))
    >>> inc = gpd.GeoDataFrame({"main_id": ["X1"], "date": [pd.Timestamp("2023-01-17")], "match": ["off_network"],
    ...                         "match_reason": ["no leg within reach of its mode"]},
    ...                        geometry=[Point(-83.5, 10.8)], crs="EPSG:4326")
    >>> out = apply_overrides(inc, G, pd.DataFrame({"main_id": ["X1"], "leg": ["boat"], "reason": ["found adrift"],
    ...                                             "source": ["a report"]}))
    >>> out.loc[0, ["leg", "direction", "match"]].tolist()
    ['boat', 'north', 'override']
    """
    out = attributed.copy()
    out.attrs = dict(attributed.attrs)
    if not len(overrides) or not len(out):
        return out
    ids = out["main_id"].astype(str).to_numpy()
    listed = pd.Index(overrides["main_id"].astype(str).to_numpy(), dtype=object)
    if not listed.isin(ids).any():  # none of the table's incidents is overridden: no pass over the edges
        return out
    legs = set(overrides["leg"].astype(str))
    edges, lines = _legs_of(G, legs)
    months = month_keys(out["date"]) if "date" in out.columns else np.full(len(out), "")
    shares = _share_lookup(flows_share, legs)
    crs = out.attrs.get("metric_crs")
    updates: dict[str, dict[Any, Any]] = {}
    for row in overrides.itertuples(index=False):
        hits = np.flatnonzero(ids == str(row.main_id))
        if not len(hits):
            continue
        if row.leg not in edges:
            log.info("override of %s skipped: the network has no leg %r", row.main_id, row.leg)
            continue
        for r in hits:
            ix = out.index[r]
            by_dir = edges[row.leg]
            if len(by_dir) == 1:
                (direction, edge), = by_dir.items()
                north, basis = float(direction == "north"), "one-way leg"
            else:
                s = shares.get((row.leg, months[r]))
                north, basis = (0.5, "no flow figure for the month: split half and half") if s is None \
                    else (s, "flows of the month")
                direction = "north" if north >= 0.5 else "south"
                edge = by_dir[direction]
            before = str(out.at[ix, "match_reason"]) if "match_reason" in out.columns else ""
            was = str(out.at[ix, "match"]) if "match" in out.columns else ""
            values = {"u": edge[0], "v": edge[1], "key": edge[2], "leg": row.leg, "direction": direction,
                      "share_north": north, "share_south": 1.0 - north, "direction_basis": basis,
                      "distance_m": _distance_m(out.geometry.iloc[r], lines.get(row.leg), crs, out.crs),
                      "match": OVERRIDE,
                      "match_reason": f"override: {row.reason} (source: {row.source}); distance match: "
                                      f"{was}{', ' + before if before else ''}"}
            for col, value in values.items():
                updates.setdefault(col, {})[ix] = value
    _write(out, updates)
    n = int((out["match"] == OVERRIDE).sum()) if "match" in out.columns else 0
    if n:
        log.info("%d incident(s) placed on their leg by an override", n)
    return out


def _legs_of(G: nx.MultiDiGraph, wanted: set[str]
             ) -> tuple[dict[str, dict[str, tuple[str, str, str]]], dict[str, shapely.Geometry]]:
    """The edges of the legs ``wanted``, ``{leg: {direction: (u, v, key)}}``, and each one's line (its north edge's)."""
    edges: dict[str, dict[str, tuple[str, str, str]]] = {}
    lines: dict[str, shapely.Geometry] = {}
    for u, v, k, d in G.edges(keys=True, data=True):
        if k not in wanted:
            continue
        edges.setdefault(k, {})[d.get("direction", "north")] = (u, v, k)
        if d.get("direction", "north") == "north" or k not in lines:
            lines[k] = d.get("geometry")
    return edges, lines


def _write(out: gpd.GeoDataFrame, updates: Mapping[str, Mapping[Any, Any]]) -> None:
    """Write ``{column: {row label: value}}`` into ``out``, a column at a time (a cast per value took a tenth of the
    estimate); a new column starts empty (NaN for numbers, "" for text)."""
    for col, by_row in updates.items():
        if col not in out.columns:
            out[col] = np.nan if col in ("share_north", "share_south", "distance_m") else ""
        if any(isinstance(v, str) for v in by_row.values()):
            out[col] = out[col].astype(object)
        for ix, value in by_row.items():
            out.at[ix, col] = value


def _share_lookup(flows_share: pd.DataFrame | None, legs: set[str]) -> Mapping[tuple[str, str], float]:
    """``{(leg, month): share north}`` of the overridden legs (only theirs: the table has a row per leg and month)."""
    if flows_share is None or not len(flows_share):
        return {}
    mine = flows_share[flows_share["leg"].astype(str).isin(legs)]
    return {(str(a), str(b)): float(c)
            for a, b, c in zip(mine["leg"].to_numpy(), mine["month"].to_numpy(), mine["share_north"].to_numpy(),
                               strict=True)}


def _distance_m(point: object, line: object, metric_crs: str | None, crs: object) -> float:
    """Metres from ``point`` to ``line`` in ``metric_crs`` (NaN without a position, a line or a projection)."""
    if point is None or line is None or metric_crs is None or getattr(point, "is_empty", True):
        return float("nan")
    pts = gpd.GeoSeries([point, line], crs=crs or "EPSG:4326").to_crs(metric_crs)
    return round(float(pts.iloc[0].distance(pts.iloc[1])), 1)
