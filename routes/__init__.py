"""routes: a route-risk model for migrant land and sea routes between Colombia and Mexico, in both directions.

The public API, by idea:

* the network: :func:`load_network`, :func:`graph_to_gdfs`, :func:`graph_from_gdfs`, :func:`find_place`,
  :func:`validate_network` (:mod:`routes.network.graph`); :func:`to_graphml`, :func:`read_graphml`
  (:mod:`routes.network.graphml`); :func:`select_legs` (:mod:`routes.query.select`);
* incidents: :func:`read_incidents` (:mod:`routes.io.incidents`), :func:`load_incidents` (:mod:`routes.io.snapshot`),
  :func:`attribute_incidents` (:mod:`routes.model.attribution`), :func:`coverage` (which dead and missing the
  network covers, and why the others are off it: :mod:`routes.report.coverage`);
* risk: :func:`estimate_risk` (:mod:`routes.model.risk`), :func:`estimate_of` and :class:`Estimate`
  (:mod:`routes.model.estimate`), :func:`explain_leg` (:mod:`routes.report.explain`);
* validation: :func:`backtest` (:mod:`routes.model.backtest`: the v2 model, the previous model and the baselines
  scored on years they have not seen); predictions: :func:`predict_deaths` (:mod:`routes.model.predict`: dead and
  missing for a period and a flow scenario); :func:`sensitivity` (:mod:`routes.model.sensitivity`: a leg or route
  under the prior's strength and each share assumption);
* paths: :func:`rank_paths`, :func:`pareto_paths`, :func:`direction_summary`, :class:`Scenario`
  (:mod:`routes.query.scoring`);
* GIS: :func:`to_geojson`, :func:`to_geopackage` (:mod:`routes.report.export`), with QGIS styles
  (:mod:`routes.report.style`); maps: :func:`plot_network`, :func:`plot_paths` (:mod:`routes.report.plot`) and
  :func:`explore`, an offline web map in one HTML file (:mod:`routes.report.webmap`).

Names are imported on first use, so ``import routes`` stays quick.
"""

from __future__ import annotations

import importlib
from typing import Any

from routes.errors import (
    DataError,
    NetworkError,
    NoPathError,
    RouteError,
    ScenarioError,
    UnknownLegError,
    UnknownPlaceError,
)

__version__ = "0.1.0"

_LAZY = {
    "load_network": "routes.load",
    "read_network": "routes.network.graph",
    "graph_to_gdfs": "routes.network.convert",
    "graph_from_gdfs": "routes.network.convert",
    "to_graphml": "routes.network.graphml",
    "read_graphml": "routes.network.graphml",
    "select_legs": "routes.query.select",
    "find_place": "routes.network.places",
    "search_places": "routes.network.places",
    "validate_network": "routes.network.graph",
    "read_incidents": "routes.io.incidents",
    "load_incidents": "routes.io.snapshot",
    "update_snapshot": "routes.io.snapshot",
    "attribute_incidents": "routes.model.attribution",
    "coverage": "routes.report.coverage",
    "estimate_risk": "routes.model.risk",
    "duplicate_ids": "routes.model.risk",
    "estimate_of": "routes.model.estimate",
    "Estimate": "routes.model.estimate",
    "explain_leg": "routes.report.explain",
    "backtest": "routes.model.backtest",
    "predict_deaths": "routes.model.predict",
    "sensitivity": "routes.model.sensitivity",
    "load_flows": "routes.io.flows",
    "rank_paths": "routes.query.scoring",
    "pareto_paths": "routes.query.scoring",
    "direction_summary": "routes.query.scoring",
    "Scenario": "routes.query.scenario",
    "to_geojson": "routes.report.export",
    "to_geopackage": "routes.report.export",
    "plot_network": "routes.report.plot",
    "plot_paths": "routes.report.plot",
    "explore": "routes.report.webmap",
    "summary_table": "routes.query.summary",
    "leg_table": "routes.report.plot",
    "plot_rates": "routes.report.plot",
}

__all__ = [
    "DataError",
    "Estimate",
    "NetworkError",
    "NoPathError",
    "RouteError",
    "Scenario",
    "ScenarioError",
    "UnknownLegError",
    "UnknownPlaceError",
    "__version__",
    "attribute_incidents",
    "backtest",
    "coverage",
    "direction_summary",
    "duplicate_ids",
    "estimate_of",
    "estimate_risk",
    "explain_leg",
    "explore",
    "find_place",
    "graph_from_gdfs",
    "graph_to_gdfs",
    "leg_table",
    "load_flows",
    "load_incidents",
    "load_network",
    "pareto_paths",
    "plot_network",
    "plot_paths",
    "plot_rates",
    "predict_deaths",
    "rank_paths",
    "read_graphml",
    "read_incidents",
    "read_network",
    "search_places",
    "select_legs",
    "sensitivity",
    "summary_table",
    "to_geojson",
    "to_geopackage",
    "to_graphml",
    "update_snapshot",
    "validate_network",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'routes' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
