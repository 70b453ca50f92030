"""The risk estimate as one object: what a graph's risk numbers rest on, found from the graph by a stable key.

:func:`routes.estimate_risk` writes plain numbers on every edge (``p_death``, ``risk_shape``, ...; the graph contract in
``docs/CONTRACT.md``) and returns the rest as an :class:`Estimate`: the incidents and how they were attributed, the
exposure, the priors, the joint posterior draws the scorer uses, and the settings. ``G.graph`` keeps only plain values:
``G.graph["estimate_id"]``, the estimate's key (a checksum of its settings and posterior parameters), and
``G.graph["risk_settings"]``. :func:`estimate_of` finds the estimate of a graph by that key in this process's
register of recent estimates.

The estimate knows the posterior parameters it gave every edge; an edge whose ``risk_shape``/``risk_rate`` no longer
equal them (the user edited the graph) is not described by it, and the scorer draws that edge from its own Gamma
(:meth:`Estimate.rows_matching`). An edge whose ``p_death`` was edited alone no longer matches its Gamma and is
refused by the scorer with the advice to re-estimate (:func:`routes.model.checks.check_edge_risk`), never ignored. A
graph copied, pickled or read back in another process keeps its numbers but not
the estimate: :func:`estimate_of` then returns ``None`` and the scorer draws every edge independently.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from routes.model.exposure import Exposure
from routes.model.graph_fit import EdgeFit

__all__ = ["ESTIMATE_KEY", "Estimate", "estimate_of", "forget", "register"]

#: the key of ``G.graph`` that names a graph's estimate
ESTIMATE_KEY = "estimate_id"
#: how many estimates this process keeps findable (the oldest is forgotten first)
REGISTER_SIZE = 8

_REGISTER: OrderedDict[str, Estimate] = OrderedDict()


@dataclass
class Estimate:
    """What an estimate rests on (for :func:`routes.explain_leg`, the exports and the scorer).

    Attributes
    ----------
    incidents
        Every incident read, with its attribution (:func:`routes.attribute_incidents`).
    allocation
        How each attributed incident's deaths were shared among directed edges: ``row`` (position in
        ``incidents``), ``main_id``, ``u``, ``v``, ``key``, ``weight`` (share of the incident), ``deaths``
        (weighted, before the time weights), ``basis``.
    exposure
        Monthly exposure of every edge.
    exposure_table, flows
        The tables the exposure came from.
    priors
        Per mode: ``{mode: (shape, rate, pooled_rate_per_km, clustering)}`` of the Gamma prior per traveller-km.
    lam_draws
        Joint posterior draws of each edge's hazard per traversal, edges (in ``exposure.edges`` order) x draws.
    settings
        The arguments of :func:`routes.estimate_risk` (window, half-life, what counts as a death, seed).
    shape, rate
        The Gamma posterior parameters written on each edge (``risk_shape``, ``risk_rate``), in ``exposure.edges``
        order: an edge whose values differ is no longer described by this estimate.
    fit
        The v2 model's fit on the edges (:class:`routes.model.graph_fit.EdgeFit`: prior means and weights, effective
        exposure, sizes, year spread, flow elasticity), or None for the previous model (``model="v1"``, whose
        per-mode priors are in :attr:`priors`).
    """

    incidents: gpd.GeoDataFrame
    allocation: pd.DataFrame
    exposure: Exposure
    exposure_table: pd.DataFrame
    flows: pd.DataFrame
    priors: dict[str, tuple[float, float, float, float]]
    lam_draws: np.ndarray
    settings: dict[str, Any] = field(default_factory=dict)
    shape: np.ndarray = field(default_factory=lambda: np.empty(0))
    rate: np.ndarray = field(default_factory=lambda: np.empty(0))
    fit: EdgeFit | None = None

    @property
    def key(self) -> str:
        """A checksum of the settings and posterior parameters: the value of ``G.graph["estimate_id"]``."""
        h = hashlib.sha256(json.dumps(self.settings, sort_keys=True, default=str).encode())
        h.update(np.ascontiguousarray(self.shape, dtype=float).tobytes())
        h.update(np.ascontiguousarray(self.rate, dtype=float).tobytes())
        h.update("\n".join("\t".join(e) for e in self.exposure.edges).encode())
        return h.hexdigest()[:20]

    def edge_row(self) -> dict[tuple[str, str, str], int]:
        """Row of each edge in :attr:`lam_draws`."""
        return self.exposure.edge_index()

    def rows_matching(self, edges: Sequence[tuple[str, str, str]], shape: np.ndarray,
                      rate: np.ndarray) -> np.ndarray:
        """Row in :attr:`lam_draws` of each edge, or -1 where the edge is unknown or its posterior was changed."""
        rows = self.edge_row()
        row = np.array([rows.get(e, -1) for e in edges], dtype=np.intp)
        has = row >= 0
        at = np.where(has, row, 0)
        same = (self.shape[at] == shape) & (self.rate[at] == rate)
        return np.where(has & same, row, -1)

    def __repr__(self) -> str:
        return f"Estimate({len(self.incidents)} incidents, {len(self.exposure.edges)} edges, settings={self.settings})"


def register(G: nx.MultiDiGraph, estimate: Estimate) -> str:
    """Make ``estimate`` findable from ``G`` (sets ``G.graph["estimate_id"]``) and return its key."""
    key = estimate.key
    _REGISTER[key] = estimate
    _REGISTER.move_to_end(key)
    while len(_REGISTER) > REGISTER_SIZE:
        _REGISTER.popitem(last=False)
    G.graph[ESTIMATE_KEY] = key
    return key


def estimate_of(G: nx.MultiDiGraph) -> Estimate | None:
    """The estimate behind ``G``'s risk numbers, or ``None`` when ``G`` has none in this process.

    Examples
    --------
    >>> import routes
    >>> G = routes.load_network()
    >>> estimate_of(G).settings["seed"]
    0
    >>> estimate_of(routes.load_network(risk=False)) is None
    True
    """
    key = G.graph.get(ESTIMATE_KEY)
    return _REGISTER.get(key) if isinstance(key, str) else None


def forget(G: nx.MultiDiGraph) -> None:
    """Drop ``G``'s estimate from this process's register, so throwaway refits (a backtest, a sensitivity analysis) do
    not push out the estimates the user holds. ``G`` itself is not changed.

    Examples
    --------
    >>> import routes
    >>> H = routes.estimate_risk(routes.load_network(risk=False), draws=100)
    >>> forget(H)
    >>> estimate_of(H) is None
    True
    """
    key = G.graph.get(ESTIMATE_KEY)
    if isinstance(key, str):
        _REGISTER.pop(key, None)
