"""routes: a route-risk model for migrant land and sea routes between Colombia and Mexico, in both directions.

The public API, by idea:

* the network: :func:`load_network`, :func:`graph_to_gdfs`, :func:`graph_from_gdfs`, :func:`find_place`,
  :func:`validate_network` (:mod:`routes.network`);
* incidents: :func:`read_incidents` (:mod:`routes.incidents`), :func:`load_incidents` (:mod:`routes.snapshot`),
  :func:`attribute_incidents` (:mod:`routes.attribution`);
* risk: :func:`estimate_risk`, :func:`explain_leg` (:mod:`routes.risk`);
* paths: :func:`rank_paths`, :func:`pareto_paths`, :func:`direction_summary`, :class:`Scenario` (:mod:`routes.scoring`);
* GIS: :func:`to_geojson`, :func:`to_geopackage` (:mod:`routes.export`); maps: :func:`plot_network`,
  :func:`plot_paths`, :func:`explore` (:mod:`routes.plot`).

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
    "load_network": "routes.network",
    "graph_to_gdfs": "routes.convert",
    "graph_from_gdfs": "routes.convert",
    "find_place": "routes.places",
    "search_places": "routes.places",
    "validate_network": "routes.network",
    "read_incidents": "routes.incidents",
    "load_incidents": "routes.snapshot",
    "update_snapshot": "routes.snapshot",
    "attribute_incidents": "routes.attribution",
    "estimate_risk": "routes.risk",
    "explain_leg": "routes.explain",
    "load_flows": "routes.flows",
    "rank_paths": "routes.scoring",
    "pareto_paths": "routes.scoring",
    "direction_summary": "routes.scoring",
    "Scenario": "routes.scenario",
    "to_geojson": "routes.export",
    "to_geopackage": "routes.export",
    "plot_network": "routes.plot",
    "plot_paths": "routes.plot",
    "explore": "routes.plot",
    "summary_table": "routes.plot",
    "leg_table": "routes.plot",
    "plot_rates": "routes.plot",
}

__all__ = [
    "DataError",
    "NetworkError",
    "NoPathError",
    "RouteError",
    "Scenario",
    "ScenarioError",
    "UnknownLegError",
    "UnknownPlaceError",
    "__version__",
    "attribute_incidents",
    "direction_summary",
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
    "rank_paths",
    "read_incidents",
    "search_places",
    "summary_table",
    "to_geojson",
    "to_geopackage",
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
