"""Checks of what the estimate and the scorer read, before they read it: every problem collected, then one error.

:func:`check_estimate_inputs` guards :func:`routes.model.risk.estimate_risk` (each edge's ``length_km`` and ``mode``,
each incident's counts, date and position); :func:`check_edge_risk` guards the scorer (each edge's ``p_death`` in
[0, 1], ``risk_shape`` and ``risk_rate`` finite and positive, and ``p_death`` equal to the mean of their Gamma, as the
estimate writes them: a ``p_death`` edited by hand would otherwise be ignored by the draws, which use the Gamma).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from numbers import Real
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from routes.errors import DataError
from routes.model.posterior import gamma_risk
from routes.vocabulary import MODES

__all__ = ["check_edge_risk", "check_estimate_inputs"]

#: how far ``p_death`` may stray from the mean of its Gamma (relative) and still be taken for the estimate's own
RISK_RTOL = 1e-6
PROBABILITIES = ("p_death", "p_death_lo", "p_death_hi")


def _number(value: Any) -> float | None | str:
    """A float; ``None`` when missing (``None``, NaN); the type's name when it is not a number."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Real):
        return type(value).__name__
    x = float(value)
    return None if math.isnan(x) else x


def _where(u: Any, v: Any, k: Any) -> str:
    return f"leg {k!r} ({u} -> {v})"


_NUMBER_TYPES = {float, int, np.float64, np.float32, np.int64, np.int32, type(None)}


def _column(data: Sequence[Mapping[str, Any]], name: str, where: Callable[[int], str], out: list[str]) -> np.ndarray:
    """One attribute of every edge as floats (NaN: missing); values that are not numbers are reported in ``out``."""
    raw = [d.get(name) for d in data]
    if not set(map(type, raw)) <= _NUMBER_TYPES:  # a string, a bool, a list...: name each one
        for i, x in enumerate(raw):
            if isinstance(x, str | bool) or not (x is None or isinstance(x, Real)):
                out.append(f"{where(i)}: {name} {x!r} is a {type(x).__name__}, not a number")
                raw[i] = None
    return np.array([math.nan if x is None else float(x) for x in raw], dtype=float) if raw else np.empty(0)


def check_edge_risk(edges: Sequence[tuple[Any, Any, Any]], data: Sequence[Mapping[str, Any]]) -> None:
    """Check the risk attributes the scorer reads, on each edge ``(u, v, key)`` with its attributes ``data``.

    Raises
    ------
    DataError
        Listing every edge whose ``p_death``, ``p_death_lo`` or ``p_death_hi`` is not a probability, whose
        ``risk_shape`` or ``risk_rate`` is not a finite positive number (or only one of them is there), or whose
        ``p_death`` no longer matches its ``risk_shape``/``risk_rate`` (edited after the estimate).

    Examples
    --------
    >>> check_edge_risk([("a", "b", "a-b-boat")], [{"p_death": -0.5}])
    Traceback (most recent call last):
    ...
    routes.errors.DataError: 1 edge(s) carry risk attributes the scorer cannot use; fix them or re-estimate with routes.estimate_risk(G)
      - leg 'a-b-boat' (a -> b): p_death -0.5 is not a probability in [0, 1]
    """  # noqa: E501 - a doctest's expected error message is one line
    def where(i: int) -> str:  # labels only for the edges at fault: a large graph is checked in milliseconds
        return _where(*edges[i])

    out: list[str] = []
    col = {name: _column(data, name, where, out) for name in (*PROBABILITIES, "risk_shape", "risk_rate")}
    for name in PROBABILITIES:
        x = col[name]
        for i in np.flatnonzero(~np.isnan(x) & ~((x >= 0) & (x <= 1))):
            out.append(f"{where(int(i))}: {name} {float(x[i])!r} is not a probability in [0, 1]")
    for name in ("risk_shape", "risk_rate"):
        x = col[name]
        for i in np.flatnonzero(~np.isnan(x) & ~(np.isfinite(x) & (x > 0))):
            out.append(f"{where(int(i))}: {name} {float(x[i])!r} must be a finite number > 0 (the Gamma posterior of "
                       "the hazard)")
    shape, rate, p = col["risk_shape"], col["risk_rate"], col["p_death"]
    for i in np.flatnonzero(np.isnan(shape) != np.isnan(rate)):
        have, lack = ("risk_shape", "risk_rate") if np.isnan(rate[i]) else ("risk_rate", "risk_shape")
        out.append(f"{where(int(i))}: has {have} but no {lack}; set both, or neither to rank on p_death alone")
    sound = (np.isfinite(shape) & (shape > 0) & np.isfinite(rate) & (rate > 0) & (p >= 0) & (p <= 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(sound, gamma_risk(np.where(sound, shape, 1.0), np.where(sound, rate, 1.0)), np.nan)
    off = sound & ~np.isclose(p, mean, rtol=RISK_RTOL, atol=1e-15)
    for i in np.flatnonzero(off):
        out.append(f"{where(int(i))}: p_death {float(p[i])!r} does not match its risk_shape and risk_rate, whose mean "
                   f"is {mean[i]:.6g}: the risk was edited after the estimate. Re-estimate with "
                   "routes.estimate_risk(G), or set p_death, risk_shape and risk_rate together "
                   "(p_death = 1 - (rate / (rate + 1)) ** shape), "
                   "or remove risk_shape and risk_rate to rank on p_death as a fixed value")
    if out:
        raise DataError(f"{len(out)} edge(s) carry risk attributes the scorer cannot use; fix them or re-estimate "
                        "with routes.estimate_risk(G)", out)


def check_estimate_inputs(G: nx.MultiDiGraph, incidents: pd.DataFrame) -> None:
    """Check what :func:`routes.model.risk.estimate_risk` reads: the edges' ``length_km`` and ``mode``, and the
    incidents' ``dead``, ``missing``, ``date`` and position.

    Raises
    ------
    DataError
        Listing every edge and incident row at fault, with what was expected and what arrived.
    """
    problems = [*_edge_input_problems(G), *_incident_input_problems(incidents)]
    if problems:
        raise DataError(f"estimate_risk: {len(problems)} problem(s) in its inputs", problems)


def _edge_input_problems(G: nx.MultiDiGraph) -> list[str]:
    """What is wrong with the edges' ``length_km`` and ``mode``."""
    problems: list[str] = []
    for u, v, k, d in G.edges(keys=True, data=True):
        length = _number(d.get("length_km"))
        if isinstance(length, str) or length is None or not (math.isfinite(length) and length > 0):
            problems.append(f"{_where(u, v, k)}: length_km {d.get('length_km')!r} must be a finite number of km > 0 "
                            "(read_network computes it from the line)")
        if d.get("mode") not in MODES:
            problems.append(f"{_where(u, v, k)}: mode {d.get('mode')!r} is not one of {sorted(MODES)}")
    return problems


def _incident_input_problems(incidents: pd.DataFrame) -> list[str]:
    """What is wrong with the incidents' ``dead``, ``missing``, ``date`` and position."""
    problems: list[str] = []
    label = incidents.attrs.get("source_file") or "the incident table"
    ids = incidents["main_id"].astype(str).to_numpy() if "main_id" in incidents.columns else None
    def who(i: int) -> str:
        return f"main_id {ids[i]!r}" if ids is not None else f"row {i}"

    counts = {c: pd.to_numeric(incidents[c], errors="coerce").to_numpy(dtype=float)
              for c in ("dead", "missing") if c in incidents.columns}
    for col, values in counts.items():
        for i in np.flatnonzero(~(np.isfinite(values) & (values == np.round(values))))[:50]:
            problems.append(f"{label}, {who(int(i))}: {col} {incidents[col].iloc[i]!s} must be a whole number")
    if len(counts) == 2:  # IOM books corrections as negative missing: only the total must not be negative
        total = counts["dead"] + counts["missing"]
        for i in np.flatnonzero((counts["dead"] < 0) | (total < 0))[:50]:
            problems.append(f"{label}, {who(int(i))}: dead {counts['dead'][i]:g} and missing {counts['missing'][i]:g}: "
                            "dead and dead + missing must be >= 0")
    for col, limit in (("lat", 90.0), ("lon", 180.0)):
        if col in incidents.columns:
            values = pd.to_numeric(incidents[col], errors="coerce").to_numpy(dtype=float)
            for i in np.flatnonzero(np.abs(values) > limit)[:50]:
                problems.append(f"{label}, {who(int(i))}: {col} {values[i]:g} is out of range (|{col}| <= {limit:g})")
    if "date" in incidents.columns and not pd.api.types.is_datetime64_any_dtype(incidents["date"]):
        problems.append(f"{label}: column 'date' holds {incidents['date'].dtype}, not dates; read the table with "
                        "routes.read_incidents or convert it with pandas.to_datetime")
    return problems
