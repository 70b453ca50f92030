"""A tidy table of ranked paths, the display of :class:`routes.query.scoring.RankedPaths`."""

from __future__ import annotations

import math

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

__all__ = ["summary_table"]


def _sig(x: float, digits: int = 3) -> float:
    if x is None or not np.isfinite(x) or x == 0:
        return x
    return round(float(x), digits - 1 - math.floor(math.log10(abs(x))))


def summary_table(ranked: gpd.GeoDataFrame, *, G: nx.MultiDiGraph | None = None) -> pd.DataFrame:
    """A tidy table of ranked paths for display: no geometry, lists joined, per-1,000 figures rounded.

    Parameters
    ----------
    ranked
        The result of :func:`routes.rank_paths`, :func:`routes.pareto_paths` or :func:`routes.direction_summary`.
    G
        If given, the route is written with place names instead of ids.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``rank``: ``route``, ``per_1000`` and its 90% interval ``per_1000_lo``/``per_1000_hi``
        (3 significant figures), ``p_safest``, ``duration_h``, ``length_km``, ``cost_usd``, ``sea_legs``,
        ``main_corridor``, ``top_leg``, ``top_leg_share``, ``legs`` (and ``group``/``best_for`` when present).

    Examples
    --------
    >>> from routes import load_network, rank_paths
    >>> t = summary_table(rank_paths(load_network(), "necocli", "bajo-chiquito", k=2))
    >>> list(t.index), "geometry" in t
    ([1, 2], False)
    """
    def name(pid: str) -> str:
        return str(G.nodes[pid].get("name", pid)) if G is not None and pid in G else pid

    out = pd.DataFrame({
        "route": [" → ".join(name(p) for p in nodes) for nodes in ranked["nodes"]],
        "per_1000": [_sig(1000 * p) for p in ranked["p_death"]],
        "per_1000_lo": [_sig(1000 * p) for p in ranked["p_death_lo"]],
        "per_1000_hi": [_sig(1000 * p) for p in ranked["p_death_hi"]],
        "p_safest": ranked["p_safest"].round(3).to_numpy(),
        "duration_h": ranked["duration_h"].round(1).to_numpy(),
        "length_km": ranked["length_km"].round(0).to_numpy(),
        "cost_usd": ranked["cost_usd"].round(0).to_numpy(),
        "sea_legs": ranked["sea_legs"].to_numpy(),
        "main_corridor": ranked["main_corridor"].to_numpy(),
        "top_leg": ranked["top_leg"].to_numpy(),
        "top_leg_share": ranked["top_leg_share"].round(2).to_numpy(),
        "legs": [", ".join(legs) for legs in ranked["legs"]],
    }, index=pd.Index(ranked["rank"].to_numpy(), name="rank"))
    if "group" in ranked:
        out.insert(1, "group", ranked["group"].to_numpy())
    if "best_for" in ranked:
        out["best_for"] = [", ".join(b) for b in ranked["best_for"]]
    return out
