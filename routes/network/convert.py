"""Conversion between the network graph and GeoDataFrames, a lossless round trip (the OSMnx convention)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import networkx as nx
import pandas as pd
from shapely.geometry import LineString, Point

from routes.errors import ArgumentError, NetworkError
from routes.vocabulary import CRS


def _plain(value: Any) -> Any:
    """Turn pandas/numpy scalars and missing values into plain Python values."""
    if isinstance(value, (list, tuple, dict)):
        return value
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        return value
    if hasattr(value, "item"):
        return value.item()
    return value


def _has_geometry(gdf: gpd.GeoDataFrame) -> bool:
    return isinstance(gdf, gpd.GeoDataFrame) and gdf._geometry_column_name in gdf.columns


def _wgs84(gdf: gpd.GeoDataFrame, what: str) -> gpd.GeoDataFrame:
    """``gdf`` in EPSG:4326: reprojected from its CRS, or checked to hold longitudes and latitudes when it has none."""
    if not _has_geometry(gdf):
        return gdf
    if gdf.crs is not None:
        return gdf if gdf.crs.equals(CRS) else gdf.to_crs(CRS)
    xmin, ymin, xmax, ymax = gdf.total_bounds if len(gdf) else (0.0, 0.0, 0.0, 0.0)
    if not (-180 <= xmin <= xmax <= 180 and -90 <= ymin <= ymax <= 90):
        raise NetworkError(f"graph_from_gdfs: {what} has no CRS and coordinates from ({xmin:g}, {ymin:g}) to "
                           f"({xmax:g}, {ymax:g}), not longitudes and latitudes; set its CRS "
                           f"(e.g. {what}.set_crs('EPSG:3857')) so that it is reprojected to EPSG:4326")
    return gdf


def graph_to_gdfs(
    G: nx.MultiDiGraph, *, nodes: bool = True, edges: bool = True
) -> gpd.GeoDataFrame | tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Convert the graph to a nodes and an edges GeoDataFrame (OSMnx style).

    Parameters
    ----------
    G
        A network following the graph contract.
    nodes, edges
        Which frames to return.

    Returns
    -------
    geopandas.GeoDataFrame or tuple of two
        ``nodes`` indexed by place id with Point geometry; ``edges`` indexed by ``(u, v, key)`` with the edge
        geometry. Both in ``G.graph["crs"]``.

    Examples
    --------
    >>> from routes import load_network
    >>> G = load_network(risk=False)
    >>> nodes, edges = graph_to_gdfs(G)
    >>> edges.index.names
    FrozenList(['u', 'v', 'key'])
    """
    if not (nodes or edges):
        raise ArgumentError("graph_to_gdfs: ask for nodes, edges or both (nodes=True and/or edges=True)")
    crs = G.graph.get("crs", CRS)
    out: list[gpd.GeoDataFrame] = []
    if nodes:
        ids = list(G.nodes)
        data = [dict(G.nodes[n]) for n in ids]
        geom = [Point(d["x"], d["y"]) for d in data]
        gn = gpd.GeoDataFrame(data, index=pd.Index(ids, name="id"), geometry=geom, crs=crs)
        gn.attrs["graph"] = dict(G.graph)  # plain values only (the graph contract)
        out.append(gn)
    if edges:
        keys = list(G.edges(keys=True))
        data = [dict(d) for _, _, _, d in G.edges(keys=True, data=True)]
        geom = [d.pop("geometry", None) for d in data]
        for i, (u, v, _) in enumerate(keys):
            if geom[i] is None:
                geom[i] = LineString([(G.nodes[u]["x"], G.nodes[u]["y"]), (G.nodes[v]["x"], G.nodes[v]["y"])])
        index = pd.MultiIndex.from_tuples(keys, names=["u", "v", "key"]) if keys else pd.MultiIndex.from_arrays(
            [[], [], []], names=["u", "v", "key"]
        )
        out.append(gpd.GeoDataFrame(data, index=index, geometry=geom, crs=crs))
    return tuple(out) if len(out) == 2 else out[0]


def graph_from_gdfs(
    gdf_nodes: gpd.GeoDataFrame, gdf_edges: gpd.GeoDataFrame, *, graph_attrs: Mapping[str, Any] | None = None
) -> nx.MultiDiGraph:
    """Build the graph back from :func:`graph_to_gdfs` output (a lossless round trip).

    Parameters
    ----------
    gdf_nodes
        Indexed by node id, with ``x`` and ``y`` columns (or Point geometry).
    gdf_edges
        Indexed by ``(u, v, key)``, with a ``geometry`` column.
    graph_attrs
        Graph-level attributes; by default ``gdf_nodes.attrs["graph"]``. ``crs`` is always ``"EPSG:4326"``.

    Returns
    -------
    networkx.MultiDiGraph
        In EPSG:4326: frames in another CRS (Web Mercator, UTM) are reprojected, and the nodes' ``x``, ``y`` taken
        from their reprojected geometry. Frames without a CRS must hold longitudes and latitudes.

    Raises
    ------
    NetworkError
        If the edges are not indexed by ``(u, v, key)``, refer to unknown nodes, or a frame without a CRS holds
        coordinates that are not longitudes and latitudes.
    ArgumentError
        If ``graph_attrs`` names another CRS than EPSG:4326.

    Examples
    --------
    >>> from routes import load_network
    >>> G = load_network(risk=False)
    >>> H = graph_from_gdfs(*graph_to_gdfs(G))
    >>> sorted(H.edges(keys=True)) == sorted(G.edges(keys=True))
    True
    """
    if list(gdf_edges.index.names) != ["u", "v", "key"]:
        raise NetworkError(
            f"graph_from_gdfs: edges must be indexed by ['u', 'v', 'key'], got {list(gdf_edges.index.names)!r}; "
            "use graph_to_gdfs output or set_index(['u', 'v', 'key'])"
        )
    attrs = dict(graph_attrs) if graph_attrs is not None else dict(gdf_nodes.attrs.get("graph") or {})
    if graph_attrs is not None and graph_attrs.get("crs") not in (None, CRS, "epsg:4326"):
        raise ArgumentError(f"graph_from_gdfs: graph_attrs crs {graph_attrs['crs']!r}: the graph is always in {CRS} "
                            "(the frames are reprojected to it); drop 'crs' from graph_attrs")
    nodes_4326 = _wgs84(gdf_nodes, "gdf_nodes")
    edges_4326 = _wgs84(gdf_edges, "gdf_edges")
    reprojected = nodes_4326 is not gdf_nodes
    attrs["crs"] = CRS
    G = nx.MultiDiGraph(**attrs)
    geom_col = nodes_4326.geometry.name if _has_geometry(nodes_4326) else None
    for nid, row in nodes_4326.iterrows():
        d = {k: _plain(v) for k, v in row.items() if k != geom_col}
        if (reprojected or "x" not in d or d["x"] is None) and geom_col is not None:
            d["x"], d["y"] = float(row[geom_col].x), float(row[geom_col].y)  # the position in longitude/latitude
        G.add_node(nid, **d)
    gdf_edges = edges_4326
    missing = sorted({n for u, v, _ in gdf_edges.index for n in (u, v) if n not in G})
    if missing:
        raise NetworkError(f"graph_from_gdfs: edges refer to nodes not in gdf_nodes: {missing!r}")
    for (u, v, k), row in gdf_edges.iterrows():
        d = {c: _plain(val) for c, val in row.items()}
        G.add_edge(u, v, key=k, **d)
    return G
