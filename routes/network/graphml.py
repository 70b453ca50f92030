"""GraphML interchange: the network with its risk, in a file Gephi, yEd, networkx and OSMnx read.

GraphML holds only numbers, booleans and strings, so :func:`to_graphml` writes (as ``osmnx.save_graphml`` does)
geometries as WKT and every other value as text: an attribute whose values are all ``int``, all ``float``, all
``bool`` or all ``str`` keeps its GraphML type, and any other (lists, tuples such as ``season``, dicts such as
``risk_settings``, values with ``None`` among them, ints mixed with floats) is JSON text (an attribute whose values
are all tuples, such as ``season``, as plain JSON arrays; elsewhere a tuple is ``{"__tuple__": [...]}``). The graph
attribute
:data:`ENCODING_KEY` records which attributes were encoded how, so :func:`read_graphml` returns the same graph:
the same nodes, edges, keys and attribute values and types. A risk estimate's draws are not in the file: the graph
read back has the numbers on its edges and its ``estimate_id``, not the estimate (see ``docs/CONTRACT.md``). Graph
attributes that name local files (``risk_settings``) are written with the file names only.
"""

from __future__ import annotations

import json
import logging
import math
import os
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import networkx as nx
import shapely
from shapely.geometry.base import BaseGeometry

from routes.errors import DataError
from routes.io.localpaths import scrub_paths

log = logging.getLogger(__name__)

#: the graph attribute that records how attributes were encoded: ``{"graph"|"node"|"edge": {name: kind}}``
ENCODING_KEY = "routes_graphml_encoding"
_NATIVE = (bool, int, float, str)
_TUPLE = "__tuple__"  # a tuple among other values, in JSON text: {"__tuple__": [...]}


def _tagged(value: Any) -> Any:
    """Tuples marked, so JSON text keeps them apart from lists."""
    if isinstance(value, tuple):
        return {_TUPLE: [_tagged(v) for v in value]}
    if isinstance(value, list):
        return [_tagged(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _tagged(v) for k, v in value.items()}
    return value


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") and not isinstance(value, BaseGeometry) else value


def _kind(values: Iterable[Any]) -> str | None:
    """How an attribute is written: None (GraphML's own type), ``wkt``, ``json`` or ``json-tuple``."""
    vals = [_plain(v) for v in values]
    if vals and all(isinstance(v, BaseGeometry) for v in vals):
        return "wkt"
    for t in _NATIVE:  # bool first: True is an int too
        if all(type(v) is t for v in vals) and not (t is float and any(math.isnan(v) for v in vals)):
            return None
    if any(isinstance(v, BaseGeometry) for v in vals):
        raise DataError("a geometry attribute mixes geometries with other values; GraphML stores one type per "
                        "attribute: keep geometries in their own attribute")
    return "json-tuple" if all(isinstance(v, tuple) for v in vals if v is not None) else "json"


def _encode(value: Any, kind: str | None) -> Any:
    value = _plain(value)
    if kind is None:
        return value
    if kind == "wkt":
        return value.wkt
    try:
        return json.dumps(value if kind == "json-tuple" else _tagged(value), ensure_ascii=False, default=_plain)
    except TypeError as err:
        raise DataError(f"cannot write {type(value).__name__} value {value!r:.60} to GraphML ({err}); convert it to "
                        "numbers, strings, lists or dicts") from None


def _decode(value: Any, kind: str | None) -> Any:
    if kind is None:
        return value
    if kind == "wkt":
        return shapely.from_wkt(value)
    if kind == "json-tuple":
        out = json.loads(value)
        return tuple(out) if isinstance(out, list) else out
    return json.loads(value, object_hook=lambda d: tuple(d[_TUPLE]) if set(d) == {_TUPLE} else d)


def _kinds(items: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    values: dict[str, list[Any]] = {}
    for d in items:
        for k, v in d.items():
            values.setdefault(str(k), []).append(v)
    return {k: kind for k, vs in values.items() if (kind := _kind(vs)) is not None}


def to_graphml(G: nx.MultiDiGraph, path: str | os.PathLike[str]) -> Path:
    """Write the network, with its risk, as GraphML that :func:`read_graphml` turns back into the same graph.

    Parameters
    ----------
    G
        A network (any networkx graph); not modified.
    path
        The ``.graphml`` file.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    DataError
        If the directory of ``path`` does not exist, or a value is neither a geometry nor plain JSON.

    Examples
    --------
    >>> import tempfile
    >>> from routes.load import load_network
    >>> G = load_network()
    >>> H = read_graphml(to_graphml(G, Path(tempfile.mkdtemp()) / "routes.graphml"))
    >>> H.edges["necocli", "capurgana", "necocli-capurgana-boat"]["p_death"] == \\
    ...     G.edges["necocli", "capurgana", "necocli-capurgana-boat"]["p_death"]
    True
    """
    target = Path(path)
    if not target.parent.is_dir():
        raise DataError(f"cannot write {str(target)!r}: the directory {str(target.parent)!r} does not exist; "
                        "create it first or choose another path")
    graph = {k: scrub_paths(v) for k, v in G.graph.items() if k != ENCODING_KEY}  # settings name files, not paths
    encoding = {"graph": _kinds([graph]), "node": _kinds(d for _, d in G.nodes(data=True)),
                "edge": _kinds(d for *_, d in G.edges(data=True))}
    H = G.__class__()
    H.graph.update({k: _encode(v, encoding["graph"].get(k)) for k, v in graph.items() if v is not None})
    H.graph[ENCODING_KEY] = json.dumps(encoding, sort_keys=True)
    for n, d in G.nodes(data=True):
        H.add_node(n, **{k: _encode(v, encoding["node"].get(k)) for k, v in d.items() if v is not None
                         or k in encoding["node"]})
    edges = G.edges(keys=True, data=True) if G.is_multigraph() else ((u, v, None, d) for u, v, d in G.edges(data=True))
    for u, v, key, d in edges:
        attrs = {k: _encode(val, encoding["edge"].get(k)) for k, val in d.items() if val is not None
                 or k in encoding["edge"]}
        if key is None:
            H.add_edge(u, v, **attrs)
        else:
            H.add_edge(u, v, key=key, **attrs)
    nx.write_graphml(H, target, encoding="utf-8")
    log.info("wrote %d nodes and %d edges to %s", H.number_of_nodes(), H.number_of_edges(), target)
    return target


def read_graphml(path: str | os.PathLike[str]) -> nx.MultiDiGraph:
    """Read a network written by :func:`to_graphml` (or any GraphML file) back into a ``MultiDiGraph``.

    Parameters
    ----------
    path
        The ``.graphml`` file.

    Returns
    -------
    networkx.MultiDiGraph
        Node ids and edge keys as strings; attributes decoded as :func:`to_graphml` recorded (geometries from WKT,
        lists, tuples and dicts from JSON).

    Raises
    ------
    DataError
        If the file does not exist or is not GraphML.

    Examples
    --------
    >>> read_graphml("absent.graphml")
    Traceback (most recent call last):
    ...
    routes.errors.DataError: cannot read GraphML 'absent.graphml': no such file; check the path
    """
    source = Path(path)
    if not source.is_file():
        raise DataError(f"cannot read GraphML {str(source)!r}: no such file; check the path")
    try:
        G = nx.read_graphml(source, node_type=str, force_multigraph=True)
    except (nx.NetworkXError, ET.ParseError, ValueError, KeyError) as err:  # not GraphML, or malformed
        raise DataError(f"cannot read GraphML {str(source)!r}: {err}; is it a GraphML file (to_graphml writes "
                        "one)?") from None
    if not G.is_directed():
        G = nx.MultiDiGraph(G)
    encoding = json.loads(G.graph.pop(ENCODING_KEY, "{}"))
    for key in ("node_default", "edge_default"):  # networkx adds them; empty unless the file declares defaults
        if not G.graph.get(key):
            G.graph.pop(key, None)
    for key, value in list(G.graph.items()):
        G.graph[key] = _decode(value, encoding.get("graph", {}).get(key))
    node_kinds, edge_kinds = encoding.get("node", {}), encoding.get("edge", {})
    for _, d in G.nodes(data=True):
        for key, value in d.items():
            d[key] = _decode(value, node_kinds.get(key))
    for *_, d in G.edges(data=True):
        for key, value in d.items():
            d[key] = _decode(value, edge_kinds.get(key))
    return G
