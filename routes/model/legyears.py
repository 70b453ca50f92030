"""An estimate as leg-year arrays: incidents, dead and missing and travellers of every directed edge in every year.

The statistics of the v2 model and of the backtest (:mod:`routes.model.rolling`) work on arrays, one row per directed
edge and one column per calendar year; :func:`leg_years` makes them from an :class:`~routes.model.estimate.Estimate`
(its attribution and its monthly exposure), :func:`feeding_groups` names the flow series that brings most travellers
to each edge (the legs of one series share a year multiplier), and :func:`series_by_year` sums a flow series by year.

Examples
--------
>>> import routes
>>> from routes.model.estimate import estimate_of
>>> est = estimate_of(routes.load_network())
>>> ly = leg_years(est, range(2022, 2025))
>>> ly.counts.shape == ly.exposure.shape == (len(ly.edges), 3)
True
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from routes.errors import DataError
from routes.model.estimate import Estimate
from routes.model.fitting import FloatArray, IntArray

__all__ = ["LegAttributes", "LegYears", "feeding_groups", "leg_attributes", "leg_years", "series_by_year"]

Edge = tuple[str, str, str]


@dataclass(frozen=True)
class LegYears:
    """Leg-year arrays of an estimate (rows: ``edges``; columns: ``years``).

    Attributes
    ----------
    edges
        The directed edges ``(u, v, key)``, in the estimate's order.
    years
        The calendar years of the columns.
    counts, deaths, exposure
        Fatal incidents (attributed shares), dead and missing, and travellers of each edge in each year.
    incident_edge, incident_year, incident_size, incident_weight
        One entry per attributed share of an incident in those years: the edge's row, the year, the incident's dead
        and missing, the share.
    """

    edges: list[Edge]
    years: IntArray
    counts: FloatArray
    deaths: FloatArray
    exposure: FloatArray
    incident_edge: IntArray
    incident_year: IntArray
    incident_size: FloatArray
    incident_weight: FloatArray


def leg_years(estimate: Estimate, years: Iterable[int]) -> LegYears:
    """The incidents, dead and missing and travellers of every edge of an estimate, by calendar year.

    Deaths are those of the estimate's attribution (``allocation``: an incident shared between the two directions of
    its leg, or spread over the legs of a generic position, counts by its shares); travellers are the estimate's
    central monthly exposure summed over each year.

    Raises
    ------
    DataError
        If ``years`` is empty.
    """
    yrs = np.array(sorted({int(y) for y in years}), dtype=np.intp)
    if not len(yrs):
        raise DataError("leg_years: no year asked; pass a range such as range(2014, 2025)")
    exp = estimate.exposure
    n_e = len(exp.edges)
    month_year = np.asarray(exp.months.year, dtype=np.intp)
    E = np.zeros((n_e, len(yrs)))
    for j, y in enumerate(yrs):
        E[:, j] = exp.central[:, month_year == y].sum(axis=1)
    a = estimate.allocation
    index = exp.edge_index()
    edge = np.array([index[(u, v, k)] for u, v, k in zip(a["u"], a["v"], a["key"], strict=True)], dtype=np.intp)
    year = pd.to_datetime(a["date"]).dt.year.to_numpy()
    weight = a["weight"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        size = np.where(weight > 0, a["deaths"].to_numpy(float) / np.where(weight > 0, weight, 1.0), 0.0)
    inside = np.isin(year, yrs) & (weight > 0)
    col = np.searchsorted(yrs, year[inside])
    counts, deaths = np.zeros((n_e, len(yrs))), np.zeros((n_e, len(yrs)))
    np.add.at(counts, (edge[inside], col), weight[inside])
    np.add.at(deaths, (edge[inside], col), weight[inside] * size[inside])
    return LegYears(list(exp.edges), yrs, counts, deaths, E, edge[inside], year[inside].astype(np.intp),
                    size[inside], weight[inside])


@dataclass(frozen=True)
class LegAttributes:
    """What the statistics need of each edge, as arrays in the order asked."""

    mode: NDArray[np.str_]
    corridor: NDArray[np.str_]
    direction: NDArray[np.str_]
    length_km: FloatArray


def leg_attributes(G: nx.MultiDiGraph, edges: list[Edge]) -> LegAttributes:
    """The ``mode``, ``corridor``, ``direction`` and ``length_km`` (1 where unknown) of the edges."""
    return LegAttributes(
        mode=np.array([str(G.edges[e].get("mode")) for e in edges]),
        corridor=np.array([str(G.edges[e].get("corridor") or "") for e in edges]),
        direction=np.array([str(G.edges[e].get("direction")) for e in edges]),
        length_km=np.array([float(G.edges[e].get("length_km") or 1.0) for e in edges], dtype=np.float64),
    )


def feeding_groups(estimate: Estimate) -> NDArray[np.str_]:
    """For each edge, ``"series:direction"`` of the flow series that brings it most travellers (``"none"``: no series).

    Examples
    --------
    >>> import routes
    >>> from routes.model.estimate import estimate_of
    >>> sorted(str(g) for g in set(feeding_groups(estimate_of(routes.load_network()))))[:3]
    ['darien:north', 'honduras-dtm:south', 'honduras-entries:north']
    """
    from routes.model.graph_fit import feeding_group

    return feeding_group(estimate.exposure, estimate.exposure_table)


def series_by_year(flows: pd.DataFrame, series: str, direction: str, years: Iterable[int]) -> FloatArray:
    """Persons of one flow series and direction in each of ``years`` (0 for a year without months).

    Examples
    --------
    >>> from routes.io.flows import load_flows
    >>> series_by_year(load_flows(), "darien", "north", [2023, 2030]).tolist()
    [520085.0, 0.0]
    """
    sel = flows[(flows["series"] == series) & (flows["direction"] == direction)]
    by_year = sel.groupby(sel["month"].astype(str).str[:4].astype(int))["persons"].sum()
    return np.array([float(by_year.get(int(y), 0.0)) for y in years], dtype=np.float64)
