"""How much of a number is assumption: the estimate of a leg or a route under a stronger or weaker prior, and with
each stated share of its corridor at the low or high end of its range.

:func:`sensitivity` answers "would the risk of this Darién trail change much if ...?":

* **prior strength** x4 and /4: the model pulls a thinly travelled leg toward its pooled prior mean ``mu`` (v2: a
  Gamma of shape ``a`` and rate ``a / mu`` on the rate of fatal incidents per traversal; v1: a Gamma per mode and
  traveller-km); multiplying shape and rate by a factor keeps the prior's mean and makes it count as that many times
  the pseudo-travellers. The posterior is closed form given the leg's incidents and effective travellers, so each
  case is computed exactly (hyperparameters held at their fit) and applied to the estimate's ``p_death`` as a ratio
  (the estimate's draws are kept).
* **each stated share** of the corridor (an exposure-table row with ``method = "assumption"`` and a range, all the
  periods of one set of legs together) at its ``share_lo`` and at its ``share_hi``, the other rows unchanged: one refit
  of :func:`routes.estimate_risk` per assumption and end (incidents attributed again, risk estimated again, with the
  estimate's own settings).

A route's probability is ``1 - exp(-sum of its legs' hazards)``.

Examples
--------
>>> import routes
>>> s = sensitivity(routes.load_network(), "cerro-de-haiti-bajo-chiquito-foot", direction="north", shares=False)
>>> list(s["case"])
['estimate', 'prior strength', 'prior strength']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from routes.errors import ArgumentError, DataError, UnknownLegError
from routes.model.estimate import Estimate, estimate_of, forget
from routes.model.posterior import gamma_risk, hazard_of_risk, risk_of_hazard
from routes.vocabulary import did_you_mean

__all__ = ["prior_ratio", "sensitivity", "share_assumptions", "target_edges"]

Edge = tuple[str, str, str]


def target_edges(G: nx.MultiDiGraph, what: str | Sequence[str], direction: str | None = None) -> tuple[list[Edge], str]:
    """The directed edges of a leg id, a corridor slug or a list of leg ids, in one direction, and how to name them.

    Without ``direction`` a two-way target takes the direction with more travellers.

    Raises
    ------
    UnknownLegError
        If a name is neither a leg nor a corridor (the message suggests the closest).
    ArgumentError
        If the target has no edge in ``direction``.
    """
    legs = {k for *_, k in G.edges(keys=True)}
    corridors = {str(d.get("corridor")) for *_, d in G.edges(data=True)}
    names = [what] if isinstance(what, str) else list(what)
    chosen: list[Edge] = []
    for name in names:
        if name in legs:
            chosen += [(u, v, k) for u, v, k in G.edges(keys=True) if k == name]
        elif name in corridors:
            chosen += [(u, v, k) for u, v, k, d in G.edges(keys=True, data=True) if d.get("corridor") == name]
        else:
            hint = did_you_mean(name, sorted(legs | corridors))
            raise UnknownLegError(f"{name!r} is neither a leg nor a corridor; {hint or 'see route-risk legs'}")
    ways = sorted({str(G.edges[e]["direction"]) for e in chosen})
    if direction is None:
        volume = {w: sum(float(G.edges[e].get("exposure") or 0) for e in chosen if G.edges[e]["direction"] == w)
                  for w in ways}
        direction = max(ways, key=lambda w: (volume[w], w == "north"))
    if direction not in ways:
        raise ArgumentError(f"{', '.join(names)} is not travelled {direction}bound; it is travelled "
                            f"{' and '.join(ways)}bound")
    edges = [e for e in dict.fromkeys(chosen) if G.edges[e]["direction"] == direction]
    label = (f"leg {names[0]}" if len(names) == 1 and names[0] in legs else
             f"corridor {names[0]}" if len(names) == 1 else f"route of {len(names)} legs")
    return edges, f"{label} ({direction}bound, {len(edges)} directed leg{'s' * (len(edges) != 1)})"


def _route_p(p: np.ndarray) -> float:
    return float(risk_of_hazard(np.sum(hazard_of_risk(np.clip(p, 0.0, 1 - 1e-15)))))


def prior_ratio(G: nx.MultiDiGraph, estimate: Estimate, edges: Sequence[Edge], factor: float) -> np.ndarray:
    """For each edge, its posterior mean ``p_death`` with the prior's shape and rate times ``factor`` over the same
    with the prior as it is (both in closed form with the central exposure).

    Examples
    --------
    >>> import routes
    >>> G = routes.load_network()
    >>> e = ("cerro-de-haiti", "bajo-chiquito", "cerro-de-haiti-bajo-chiquito-foot")
    >>> float(prior_ratio(G, estimate_of(G), [e], 1.0)[0])
    1.0
    """
    out = np.empty(len(edges))
    fit = estimate.fit
    rows = estimate.edge_row()
    for i, e in enumerate(edges):
        d = G.edges[e]
        if fit is not None:  # v2: lam ~ Gamma(c a + n, c a / mu + E'), hazard s q lam (mean size, quote factor)
            r = rows[e]
            a, mu = float(fit.params["shape"]), float(fit.prior_mean[r])
            n, E = float(fit.counts[r]), float(fit.exposure_eff[r])
            scale = float(fit.mean_size[r] * fit.quote_factor[r])
            p = [float(gamma_risk(c * a + n, (c * a / mu + E) / scale)) for c in (factor, 1.0)]
        else:
            a0, b0, _, phi = estimate.priors[str(d["mode"])]
            length = float(d.get("length_km") or 1.0)
            D, E = float(d.get("deaths") or 0.0), float(d.get("exposure") or 0.0)
            # hazard per traversal lam = length * kappa, kappa ~ Gamma(c a0 + D / phi, c b0 + length E / phi)
            p = [float(gamma_risk(c * a0 + D / phi, (c * b0 + length * E / phi) / length)) for c in (factor, 1.0)]
        out[i] = p[0] / p[1]
    return out


def share_assumptions(estimate: Estimate, G: nx.MultiDiGraph, edges: Sequence[Edge]) -> list[tuple[str, list[Any]]]:
    """The stated share assumptions of the edges' corridors: ``(label, table row labels)`` per set of legs, all its
    periods together (rows with ``method = "assumption"`` and ``share_lo < share_hi``)."""
    exp, table = estimate.exposure, estimate.exposure_table
    corridors = {G.edges[e].get("corridor") for e in edges}
    way = {G.edges[e]["direction"] for e in edges}
    mine = {i for i, e in enumerate(exp.edges) if G.edges[e].get("corridor") in corridors
            and G.edges[e]["direction"] in way}
    labels = table.index.to_numpy()
    rows = sorted({labels[r] for e, r in zip(exp.pair_edge, exp.pair_row, strict=True) if int(e) in mine})
    t = table.loc[rows]
    t = t[(t["method"].astype(str) == "assumption") & (t["share_lo"] < t["share_hi"])]
    groups: dict[tuple[str, str, str], list[Any]] = {}
    for i, r in t.iterrows():
        groups.setdefault((str(r["legs"]), str(r["series"]), str(r["direction"])), []).append(i)
    out = []
    for (legs, series, direction), ix in groups.items():
        names = legs.split()
        short = names[0] + (f" and {len(names) - 1} more leg{'s' * (len(names) > 2)}" if len(names) > 1 else "")
        out.append((f"share of {series} {direction}bound on {short} ({len(ix)} period{'s' * (len(ix) != 1)})", ix))
    return out


def sensitivity(
    G: nx.MultiDiGraph,
    what: str | Sequence[str],
    *,
    direction: str | None = None,
    factor: float = 4.0,
    shares: bool = True,
) -> pd.DataFrame:
    """How a leg's or a route's probability of death moves under the prior's strength and each share assumption.

    Parameters
    ----------
    G
        A graph with risk (:func:`routes.load_network`, :func:`routes.estimate_risk`).
    what
        A leg id, a corridor slug (a named route, e.g. ``"darien-acandi"``) or a list of leg ids (a path).
    direction
        ``"north"`` or ``"south"``; by default the direction with more travellers.
    factor
        The prior's strength is multiplied and divided by it (4 by default).
    shares
        Whether to refit once per share assumption and end (the slow part: about a second per refit).

    Returns
    -------
    pandas.DataFrame
        One row per case: ``case``, ``value``, ``p_death`` (the leg's, or the route's ``1 - exp(-sum hazard)``) and
        ``ratio`` to the estimate; ``attrs`` name the target, its edges, the number of refits and notes.

    Raises
    ------
    DataError
        If ``G`` has no estimate.
    UnknownLegError
        If ``what`` names no leg or corridor.
    """
    est = estimate_of(G)
    if est is None:
        raise DataError("sensitivity: this graph has no risk estimate; use routes.load_network() or "
                        "routes.estimate_risk(G)")
    if not factor > 1:
        raise ArgumentError(f"factor must be above 1 (the prior is multiplied and divided by it), got {factor!r}")
    edges, label = target_edges(G, what, direction)
    p0 = np.array([float(G.edges[e]["p_death"]) for e in edges])
    base = _route_p(p0)
    rows = [{"case": "estimate", "value": "as estimated", "p_death": base}]
    for c, text in ((factor, f"x{factor:g}"), (1 / factor, f"/{factor:g}")):
        p = np.clip(p0 * prior_ratio(G, est, edges, c), 0.0, 1.0)
        rows.append({"case": "prior strength", "value": text, "p_death": _route_p(p)})
    refits = 0
    if shares:
        from routes.model.risk import estimate_risk

        s = est.settings
        for name, ix in share_assumptions(est, G, edges):
            for end in ("share_lo", "share_hi"):
                table = est.exposure_table.copy()
                table.loc[ix, "share"] = table.loc[ix, end]
                H = estimate_risk(G, est.incidents, est.flows, exposure=table, window=s.get("window"),
                                  as_of=s.get("as_of"), half_life_years=s.get("half_life_years"),
                                  count=s.get("count", "dead+missing"), exclude=s.get("exclude") or (),
                                  draws=int(s.get("draws", 4000)), seed=int(s.get("seed", 0)),
                                  model=s.get("model", "v2"), flow_elasticity=bool(s.get("flow_elasticity", True)),
                                  attribution=s.get("attribution"))
                refits += 1
                forget(H)  # a throwaway refit: keep the register for the estimates the user holds
                values = table.loc[ix, end].astype(float)
                span = f"{values.min():.3g}" if values.nunique() == 1 else f"{values.min():.3g}-{values.max():.3g}"
                rows.append({"case": name, "value": f"{end.split('_')[1]} ({span})",
                             "p_death": _route_p(np.array([float(H.edges[e]["p_death"]) for e in edges]))})
    out = pd.DataFrame(rows)
    out["ratio"] = out["p_death"] / base if base > 0 else np.nan
    out.attrs.update(what=label, edges=edges, refits=refits, factor=factor,
                     notes=[f"{refits} refit(s) of the estimate with its own settings" if shares else
                            "share assumptions not refitted (shares=False)"])
    return out
