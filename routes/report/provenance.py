"""Where an output came from: the package version, the incident snapshot, its window and the question asked.

Every file ``routes`` writes carries :func:`provenance` (GeoJSON ``metadata``, GeoPackage metadata, the sidecar of a
CSV or JSON table, the web map's footer), and nothing it writes holds a path of the machine that wrote it:
:func:`scrub_paths` turns every absolute local path in metadata into its file name.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

import networkx as nx
import pandas as pd

from routes.io.localpaths import scrub_paths
from routes.io.snapshot import resolve_snapshot
from routes.model.estimate import estimate_of

#: keys of :func:`provenance`, in order
KEYS = ("routes_version", "snapshot_id", "snapshot_file", "snapshot_sha256", "snapshot_built", "incident_window",
        "as_of", "estimate_id", "direction", "scenario")

__all__ = ["KEYS", "provenance", "scrub_paths"]


def _version() -> str:
    from routes import __version__

    return __version__


def _day(value: Any) -> str | None:
    if value is None or value is pd.NaT:
        return None
    try:
        return cast(str, pd.Timestamp(value).date().isoformat())
    except (TypeError, ValueError):
        return None


def _from_incidents(incidents: Any, window: Any) -> dict[str, Any]:
    attrs = dict(getattr(incidents, "attrs", {}) or {})
    meta = attrs.get("meta") or {}
    path = attrs.get("snapshot") or attrs.get("path")
    try:
        shipped = path is not None and Path(path).resolve() == resolve_snapshot("shipped").resolve()
    except OSError:
        shipped = False
    built = meta.get("built")
    dates = pd.to_datetime(incidents["date"], errors="coerce").dropna() if "date" in incidents else pd.Series([])
    if window:
        dates = dates[(dates.dt.year >= int(window[0])) & (dates.dt.year <= int(window[1]))]
    first, last = (_day(dates.min()), _day(dates.max())) if len(dates) else (None, None)
    kind = "shipped" if shipped else "user" if attrs.get("snapshot") else "table"
    return {"snapshot_id": f"{kind}-{built}" if built else kind,
            "snapshot_file": Path(str(path)).name if path else attrs.get("source_file"),
            "snapshot_sha256": attrs.get("sha256"), "snapshot_built": built,
            "incident_window": [first, last] if first else None, "as_of": last}


def provenance(G: nx.MultiDiGraph | None = None, *, direction: str | None = None,
               scenario: Mapping[str, Any] | None = None, incidents: Any = None) -> dict[str, Any]:
    """The provenance of an output made from ``G``: version, snapshot, incident window, ``as_of``, question asked.

    Parameters
    ----------
    G
        The network the output was made from. Its risk estimate (:func:`routes.model.estimate.estimate_of`) names the
        incident snapshot; a graph without one in this process (read back from a file) falls back to its
        ``G.graph["provenance"]``, when it has one.
    direction
        ``"north"``, ``"south"``, or None for both directions.
    scenario
        The scenario of a query (:meth:`routes.query.scenario.Scenario.to_dict`), or None.
    incidents
        The incident table the estimate used, if not the estimate's own.

    Returns
    -------
    dict
        ``routes_version``; ``snapshot_id`` (``shipped-<built>`` for the snapshot shipped with the package,
        ``user-<built>`` for one refreshed by ``route-risk data update``), ``snapshot_file``, ``snapshot_sha256``
        (of its ``incidents.csv``), ``snapshot_built``; ``incident_window`` (first and last date of the incidents the
        estimate counted) and ``as_of`` (the last of them: the estimate knows nothing later); ``estimate_id``,
        ``direction`` (``both`` when not given) and ``scenario``. Unknown values are None; no local path.

    Examples
    --------
    >>> from routes.load import load_network
    >>> p = provenance(load_network(), direction="north")
    >>> p["snapshot_id"].startswith("shipped-"), len(p["snapshot_sha256"]), p["as_of"] == p["incident_window"][1]
    (True, 64, True)
    """
    out: dict[str, Any] = dict.fromkeys(KEYS)
    out["routes_version"] = _version()
    if G is not None:
        stored = G.graph.get("provenance")
        if isinstance(stored, str):
            try:
                stored = json.loads(stored)
            except json.JSONDecodeError:
                stored = None
        if isinstance(stored, Mapping):
            out.update({k: stored.get(k) for k in KEYS[1:8] if k in stored})
        estimate = estimate_of(G)
        table = incidents if incidents is not None else None if estimate is None else estimate.incidents
        if table is not None:
            window = (G.graph.get("risk_settings") or {}).get("window")
            out.update(_from_incidents(table, window))
        out["estimate_id"] = G.graph.get("estimate_id", out["estimate_id"])
    out["direction"] = direction or "both"
    out["scenario"] = dict(scenario) if scenario else None
    return cast(dict[str, Any], scrub_paths(out))
