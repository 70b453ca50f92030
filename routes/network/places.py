"""Place names: finding a place by the names people use, accent-, case- and spelling-tolerant.

A place is found by its id, its name, any alternative name, or its name without a parenthesis
("Lajas Blancas" for "Lajas Blancas (ETRM)"), after folding accents, case and punctuation
(:func:`normalise_name`). When nothing matches, the error suggests the closest names.
"""

from __future__ import annotations

import re

import networkx as nx

from routes.errors import UnknownPlaceError
from routes.vocabulary import fold, suggest


def normalise_name(text: str) -> str:
    """Fold a place name for matching: accents and case removed, punctuation collapsed to single spaces.

    Examples
    --------
    >>> normalise_name("  Necoclí ")
    'necocli'
    >>> normalise_name("Cartí Sugdub (Gardi Sugdub)")
    'carti sugdub gardi sugdub'
    """
    return fold(text)


def _name_index(G: nx.MultiDiGraph) -> dict[str, set[str]]:
    index: dict[str, set[str]] = {}
    for nid, d in G.nodes(data=True):
        names: list[str] = [str(nid), str(nid).replace("-", " "), str(d.get("name", ""))]
        names += [str(a) for a in (d.get("alt_names") or [])]
        base = re.sub(
            r"\s*\(.*?\)\s*", " ", str(d.get("name", ""))
        ).strip()  # "Lajas Blancas (ETRM)" -> "Lajas Blancas"
        names.append(base)
        for n in names:
            key = normalise_name(n)
            if key:
                index.setdefault(key, set()).add(str(nid))
    return index


def _suggest_ids(name: str, G: nx.MultiDiGraph) -> str:
    index = _name_index(G)
    close = suggest(name, list(index))
    labels = []
    for c in close:
        for nid in sorted(index[c]):
            label = f"{G.nodes[nid].get('name', nid)!r} (id {nid!r})"
            if label not in labels:
                labels.append(label)
    return f"did you mean {' or '.join(labels)}?" if labels else "no similar place; list them with `route-risk places`"


def find_place(G: nx.MultiDiGraph, name: str) -> str:
    """Find a place by id, name or alternative name, ignoring accents, case and punctuation.

    Parameters
    ----------
    G
        The network.
    name
        What a user typed: ``"Necocli"``, ``"necoclí"``, ``"Manuscum"``, ``"la-miel"``.

    Returns
    -------
    str
        The node id.

    Raises
    ------
    UnknownPlaceError
        If nothing matches (the message suggests the closest names) or the name is ambiguous (it lists the
        candidates).

    Examples
    --------
    >>> from routes import load_network
    >>> G = load_network(risk=False)
    >>> find_place(G, "Manuscum")
    'mansukun'
    """
    if not isinstance(name, str) or not name.strip():
        raise UnknownPlaceError(f"place name must be a non-empty string, got {name!r}")
    if name in G:
        return name
    key = normalise_name(name)
    index = _name_index(G)
    hits = index.get(key)
    if not hits:
        starts = {nid for k, ids in index.items() if k.startswith(key + " ") for nid in ids} if len(key) >= 3 else set()
        hits = starts or None
    if hits and len(hits) == 1:
        return next(iter(hits))
    if hits:
        options = ", ".join(f"{G.nodes[n].get('name', n)!r} (id {n!r})" for n in sorted(hits))
        raise UnknownPlaceError(f"place name {name!r} is ambiguous: it matches {options}; use the id")
    raise UnknownPlaceError(f"unknown place {name!r}; {_suggest_ids(name, G)}")


def search_places(G: nx.MultiDiGraph, query: str = "", *, limit: int = 10) -> list[str]:
    """Place ids whose names contain ``query`` (accent- and case-insensitive), else the closest names.

    Examples
    --------
    >>> from routes import load_network
    >>> G = load_network(risk=False)
    >>> "lajas-blancas" in search_places(G, "lajas")
    True
    """
    index = _name_index(G)
    key = normalise_name(query)
    if not key:
        return sorted(G.nodes)[:limit] if limit else sorted(G.nodes)
    found = sorted({nid for k, ids in index.items() if key in k for nid in ids})
    if not found:
        close = suggest(key, list(index), n=limit)
        found = list(dict.fromkeys(nid for c in close for nid in sorted(index[c])))
    return found[:limit]
