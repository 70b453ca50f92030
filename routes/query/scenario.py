"""What-if conditions for scoring, and the table of legs they apply to.

A :class:`Scenario` closes legs or places, multiplies the hazard of sea legs (a weather advisory), picks a
month of the legs' seasonal factors, a window of incident years to re-estimate risk from, and a date that
closes legs outside their ``period_start``/``period_end``. Scenarios compose with ``|``.

The legs table holds the edge attributes of a corridor graph (see :mod:`routes.network.graph`) as arrays, in the
canonical edge order of a :class:`routes.query.paths.IndexedGraph`, and applies a scenario to them: which legs it
closes, and each leg's effective probability of death.

Conventions
-----------
Scenario
    A leg's hazard is multiplied by its ``season[month - 1]`` when a month is set and by ``advisory`` when
    it is a sea leg; with the Gamma posterior of the hazard the leg's probability becomes
    ``1 - (rate / (rate + m)) ** shape`` (the posterior mean under the multiplier ``m``). Legs without
    ``risk_shape``/``risk_rate`` scale their point hazard ``-log(1 - p_death)`` by ``m``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np

from routes.errors import ScenarioError
from routes.model.checks import check_edge_risk
from routes.model.estimate import estimate_of
from routes.model.posterior import gamma_risk, hazard_of_risk, risk_of_hazard
from routes.query.paths import IndexedGraph
from routes.vocabulary import SEA_MODES, check_window, in_period, line_length_km, to_day

__all__ = ["SEA_MODES", "Scenario", "check_month"]

_P_MAX = 1.0 - 1e-15


@dataclass(frozen=True, init=False)
class Scenario:
    """What-if conditions for scoring, composable with ``|``.

    Parameters
    ----------
    closed
        Leg ids (edge keys) or place ids closed: a border shut, a station closed. A string is one id.
    advisory
        Multiplier (> 0) of the hazard of every sea leg, e.g. ``2.0`` for a weather advisory.
    month
        1-12: each leg's hazard is multiplied by its ``season[month - 1]``.
    window
        ``(first_year, last_year)`` of incidents used to re-estimate risk with
        :func:`routes.model.risk.estimate_risk`.
    date
        ``"YYYY-MM-DD"``: legs whose ``period_start``/``period_end`` exclude the date are closed.

    Examples
    --------
    >>> s = Scenario(closed="la-miel") | Scenario(advisory=2.0, month=10)
    >>> s.to_dict()
    {'closed': ['la-miel'], 'advisory': 2.0, 'month': 10, 'window': None, 'date': None}
    """

    closed: frozenset[str]
    advisory: float | None
    month: int | None
    window: tuple[int, int] | None
    date: str | None

    def __init__(
        self,
        closed: str | Iterable[str] = (),
        advisory: float | None = None,
        month: int | None = None,
        window: Sequence[int] | None = None,
        date: str | None = None,
    ) -> None:
        setattr_ = object.__setattr__
        setattr_(
            self, "closed", frozenset([closed]) if isinstance(closed, str) else frozenset(map(str, closed))
        )
        if advisory is not None:
            a = float(advisory)
            if not (math.isfinite(a) and a > 0):
                raise ScenarioError(f"advisory must be a finite multiplier > 0 (e.g. 2.0), got {advisory!r}")
            advisory = a
        setattr_(self, "advisory", advisory)
        setattr_(self, "month", None if month is None else check_month(month))
        setattr_(self, "window", check_window(window))
        if date is not None:
            try:
                dt.date.fromisoformat(str(date))
            except ValueError:
                raise ScenarioError(f"date must be 'YYYY-MM-DD', got {date!r}") from None
            date = str(date)
        setattr_(self, "date", date)

    def combine(self, other: Scenario) -> Scenario:
        """Both scenarios at once: closures add up, advisories multiply; month, window and date must agree."""
        values: dict[str, Any] = {}
        for name in ("month", "window", "date"):
            a, b = getattr(self, name), getattr(other, name)
            if a is not None and b is not None and a != b:
                raise ScenarioError(
                    f"cannot combine scenarios with {name}={a!r} and {name}={b!r}; choose one"
                )
            values[name] = a if a is not None else b
        adv = [x for x in (self.advisory, other.advisory) if x is not None]
        return Scenario(closed=self.closed | other.closed, advisory=math.prod(adv) if adv else None, **values)

    def __or__(self, other: Scenario) -> Scenario:
        if not isinstance(other, Scenario):
            return NotImplemented
        return self.combine(other)

    def to_dict(self) -> dict[str, Any]:
        """A plain dict (JSON-ready), as recorded in ``gdf.attrs["scenario"]``."""
        return {
            "closed": sorted(self.closed),
            "advisory": self.advisory,
            "month": self.month,
            "window": list(self.window) if self.window is not None else None,
            "date": self.date,
        }


def check_month(month: object) -> int:
    """Return ``month`` as an int in 1-12 or raise :class:`ScenarioError`."""
    if isinstance(month, bool) or not isinstance(month, (int, np.integer)) or not 1 <= int(month) <= 12:
        raise ScenarioError(f"month must be an integer from 1 (January) to 12 (December), got {month!r}")
    return int(month)


# ----------------------------------------------------------------------------------------------- legs table
def _num(value: object) -> float:
    """A float, NaN when missing or not a number."""
    if value is None or isinstance(value, bool):
        return math.nan
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
    return x if math.isfinite(x) else math.nan


def _column(data: Sequence[dict[str, Any]], key: str) -> np.ndarray:
    """A float array of one edge attribute: NaN where missing, not a number or not finite."""
    values = [d.get(key) for d in data]
    try:
        arr = np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        arr = np.array([_num(v) for v in values], dtype=np.float64)
    arr[~np.isfinite(arr)] = np.nan
    return arr


def _season(value: object) -> np.ndarray:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = None
    if not isinstance(value, (list, tuple, np.ndarray)):
        return np.ones(12)
    arr = np.array([_num(v) for v in value], dtype=np.float64)
    return arr if arr.shape == (12,) else np.ones(12)


def _seasons(data: Sequence[dict[str, Any]]) -> np.ndarray:
    """Edges x 12 seasonal factors; 1.0 where missing or invalid."""
    values = [d.get("season") for d in data]
    try:
        arr = np.array(values, dtype=np.float64).reshape(len(data), 12)
    except (TypeError, ValueError):
        arr = np.array([_season(v) for v in values], dtype=np.float64).reshape(len(data), 12)
    return np.where(np.isfinite(arr) & (arr >= 0), arr, 1.0)


def _joint_draws(G: nx.MultiDiGraph, ig: IndexedGraph, shape: np.ndarray, rate: np.ndarray) -> dict[str, Any]:
    """The risk estimate's joint draws of the hazards, and each edge's row in them, when the graph has an estimate.

    An edge whose posterior was changed after the estimate no longer matches its draws: its row is -1 and the
    scorer draws it from its own Gamma.
    """
    estimate = estimate_of(G)
    if estimate is None:
        return {}
    nodes = ig.nodes
    edges = [(str(nodes[a]), str(nodes[b]), str(k)) for a, b, k in zip(ig.src, ig.dst, ig.keys, strict=True)]
    return {"draws": estimate.lam_draws, "draw_row": estimate.rows_matching(edges, shape, rate)}


class _EdgeNames(Sequence[tuple[str, str, str]]):
    """``(u, v, key)`` of each edge of an indexed graph, made only when asked (for an error message)."""

    def __init__(self, ig: IndexedGraph) -> None:
        self.ig = ig

    def __len__(self) -> int:
        return len(self.ig.keys)

    def __getitem__(self, i: Any) -> Any:
        ig = self.ig
        return (str(ig.nodes[ig.src[i]]), str(ig.nodes[ig.dst[i]]), str(ig.keys[i]))


@dataclass
class _Legs:
    """Edge attributes as arrays, in the canonical edge order of an :class:`IndexedGraph`."""

    ig: IndexedGraph
    src: np.ndarray
    dst: np.ndarray
    keys: list[str]
    p: np.ndarray
    shape: np.ndarray
    rate: np.ndarray
    season: np.ndarray  # edges x 12
    sea: np.ndarray
    direction: np.ndarray
    duration: np.ndarray
    cost: np.ndarray
    length: np.ndarray
    prior_weight: np.ndarray  # NaN where the estimate gives none
    mode: list[str]
    corridor: list[str]
    xy: list[tuple[float, float]]
    #: joint posterior draws of the hazards (:attr:`routes.model.estimate.Estimate.lam_draws`) and each edge's row in
    #them (-1: none)
    draws: np.ndarray | None = None
    draw_row: np.ndarray | None = None

    @classmethod
    def from_graph(cls, G: nx.MultiDiGraph) -> _Legs:
        ig = IndexedGraph.from_graph(G)
        data = ig.data
        check_edge_risk(_EdgeNames(ig), data)  # a p_death of -0.5, or edited after the estimate: an error, not a guess
        p, shape, rate = (_column(data, k) for k in ("p_death", "risk_shape", "risk_rate"))
        gamma = np.isfinite(shape) & np.isfinite(rate) & (shape > 0) & (rate > 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            p = np.where(np.isnan(p) & gamma, gamma_risk(shape, rate), p)
        length = _column(data, "length_km")
        prior_weight = _column(data, "prior_weight")
        for e in np.flatnonzero(np.isnan(length)):
            geom = data[e].get("geometry")
            if geom is not None:
                length[e] = line_length_km(geom)
        modes = [str(d.get("mode", "")) for d in data]
        nodes = G.nodes
        return cls(
            ig=ig,
            src=np.array(ig.src, dtype=np.intp),
            dst=np.array(ig.dst, dtype=np.intp),
            keys=[str(k) for k in ig.keys],
            p=p,
            shape=np.where(gamma, shape, np.nan),
            rate=np.where(gamma, rate, np.nan),
            season=_seasons(data),
            sea=np.array([m in SEA_MODES for m in modes], dtype=bool),
            direction=np.array([str(d.get("direction", "")) for d in data], dtype=object),
            duration=_column(data, "duration_h"),
            cost=_column(data, "cost_usd"),
            length=length,
            prior_weight=prior_weight,
            mode=modes,
            corridor=[str(d.get("corridor") or "") for d in data],
            xy=[(_num(nodes[n].get("x")), _num(nodes[n].get("y"))) for n in ig.nodes],
            **_joint_draws(G, ig, shape, rate),
        )

    def ended_before(self, day: dt.date) -> np.ndarray:
        """Mask of edges whose ``period_end`` is before ``day`` (legs no longer in use, kept for the history)."""
        ends = [to_day(d.get("period_end")) for d in self.ig.data]
        return np.array([e is not None and e < day for e in ends], dtype=bool)

    def out_of_period(self, day: dt.date) -> np.ndarray:
        """Mask of edges whose ``period_start``/``period_end`` exclude ``day``."""
        return np.array(
            [not in_period(day, d.get("period_start"), d.get("period_end")) for d in self.ig.data],
            dtype=bool,
        )

    def closed_ids(self, scenario: Scenario) -> tuple[list[str], list[str]]:
        """The leg ids and the place ids that ``scenario`` closes and this table holds, sorted."""
        key_set = set(self.keys)
        return (
            sorted(k for k in scenario.closed if k in key_set),
            sorted(k for k in scenario.closed if k in self.ig.index),
        )

    def close(self, active: np.ndarray, scenario: Scenario) -> tuple[np.ndarray, list[int], list[str]]:
        """Shut what ``scenario`` closes among the ``active`` edges (not modified).

        Returns the new mask, the node indices of the closed places and the ids of the active legs its
        date falls outside the period of.
        """
        closed_legs, closed_places = self.closed_ids(scenario)
        active = active.copy()
        shut_nodes: list[int] = []
        dated: list[str] = []
        if closed_legs:
            shut = set(closed_legs)
            active &= ~np.array([k in shut for k in self.keys], dtype=bool)
        if closed_places:
            places = np.array([self.ig.index[p] for p in closed_places], dtype=np.intp)
            active &= ~(np.isin(self.src, places) | np.isin(self.dst, places))
            shut_nodes = places.tolist()
        if scenario.date is not None:
            out = active & self.out_of_period(dt.date.fromisoformat(scenario.date))
            dated = sorted({self.keys[e] for e in np.flatnonzero(out)})
            active &= ~out
        return active, shut_nodes, dated

    def hazards(self, scenario: Scenario) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per edge: the hazard multiplier of ``scenario``, the probability of death and the hazard under it."""
        mult = np.ones(len(self.keys))
        if scenario.month is not None:
            mult = mult * self.season[:, scenario.month - 1]
        if scenario.advisory is not None:
            mult = np.where(self.sea, mult * scenario.advisory, mult)
        gamma = np.isfinite(self.shape)
        p_gamma = gamma_risk(self.shape, self.rate, mult)
        with np.errstate(invalid="ignore", divide="ignore"):
            p_point = risk_of_hazard(mult * hazard_of_risk(np.minimum(self.p, _P_MAX)))
        p_eff = np.clip(np.where(gamma, p_gamma, p_point), 0.0, 1.0)
        p_eff = np.where(np.isnan(self.p) & ~gamma, 0.0, p_eff)
        lam = hazard_of_risk(np.minimum(p_eff, _P_MAX))
        return mult, p_eff, lam
