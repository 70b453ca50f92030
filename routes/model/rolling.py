"""The rolling-origin backtest over arrays: refit each method on the years before a test year, predict it, score it.

For each test year ``Y`` every method is fitted on what it may know at the origin (the years before ``Y``: a
:class:`History`), predicts the dead and missing of each scored unit in ``Y`` from the unit's travellers that year (a
:class:`Target`), and the predictive draws are scored against what was recorded (:func:`score_draws`): coverage of the
central 90% interval, CRPS and log score. Every method gets the same unit-years and the same random numbers.

A method is a name and a function from a history to a predictor (:class:`Method`; the v2 model and the baselines are in
:mod:`routes.model.methods`, the previous model in :mod:`routes.model.v1`). :func:`rolling_origin` runs any of them
given how to build the history and the targets of a year;
:func:`rolling_origin_backtest` does it for leg-year arrays (simulated data, for example), and
:func:`routes.backtest` for the shipped network, with the previous model as one more method.

Examples
--------
>>> import numpy as np
>>> from routes.model.methods import crude_method
>>> rng = np.random.default_rng(0)
>>> E = np.full((4, 8), 2e4)
>>> n = rng.poisson(E * 1e-4).astype(float)
>>> records = rolling_origin_backtest(n, n, E, np.arange(2010, 2018), ["road"] * 4, [20.0] * 4, ["a"] * 4,
...                                   {"u": [0, 1, 2, 3]}, np.ones(int(n.sum())), ["road"] * int(n.sum()),
...                                   np.repeat(np.tile(np.arange(2010, 2018), 4), n.astype(int).ravel()),
...                                   test_years=[2016, 2017], methods=[crude_method()], n_draws=500)
>>> [(r.year, r.method) for r in records]
[(2016, 'crude'), (2017, 'crude')]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from routes.errors import ArgumentError
from routes.model.fitting import FloatArray, IntArray, as_floats
from routes.model.scores import crps_samples, interval, log_score_samples
from routes.vocabulary import DRAWS_ESTIMATE, INTERVAL_LEVEL

__all__ = [
    "BacktestRecord",
    "History",
    "Method",
    "Predict",
    "Target",
    "rolling_origin",
    "rolling_origin_backtest",
    "score_draws",
    "summarise_backtest",
]


@dataclass(frozen=True)
class History:
    """What a method may use at one origin: the legs, and the years before the test year.

    Attributes
    ----------
    years
        The past years (the columns of the arrays).
    counts, deaths, exposure
        Legs x past years: fatal incidents (attributed shares), dead and missing, traversals.
    modes, length_km, groups, corridors
        Per leg: the mode, the length, the group that shares a year multiplier (a flow series and direction), the
        corridor (or None).
    incident_sizes, incident_modes, incident_weights
        One entry per attributed share of an incident of those years: its dead and missing, the mode of its leg, the
        share.
    unit_flow
        Per scored unit, its flow series in each past year.
    estimate
        The previous model's estimate as of the origin (:class:`routes.model.estimate.Estimate`, for the v1 method).
    """

    years: IntArray
    counts: FloatArray
    deaths: FloatArray
    exposure: FloatArray
    modes: NDArray[np.str_]
    length_km: FloatArray
    groups: NDArray[np.str_]
    corridors: NDArray[np.str_] | None
    incident_sizes: FloatArray
    incident_modes: NDArray[np.str_]
    incident_weights: FloatArray
    unit_flow: Mapping[str, FloatArray] = field(default_factory=dict)
    estimate: Any = None


@dataclass(frozen=True)
class Target:
    """One unit-year to predict: the unit's legs and their traversals that year, its flow, what was recorded.

    Attributes
    ----------
    unit, year
        The unit's name and the test year.
    legs
        Row indices of the unit's legs (rows of the arrays of :class:`History`).
    exposure
        Traversals of those legs in the test year.
    flow
        The unit's flow series in the test year (the crude baseline's denominator).
    group_flow
        The travellers of every group in the test year (the flow-elasticity variant needs it).
    observed
        Dead and missing recorded on the unit's legs that year (the frozen rule of :mod:`routes.model.units`).
    """

    unit: str
    year: int
    legs: IntArray
    exposure: FloatArray
    flow: float
    group_flow: Mapping[str, float]
    observed: float


#: a fitted method: draws of a target's dead and missing (``n_draws`` of them, from the generator)
Predict = Callable[[Target, int, np.random.Generator], FloatArray]


@dataclass(frozen=True)
class Method:
    """A method the backtest scores: a short name, what it is in words, and how it is fitted on a history.

    Attributes
    ----------
    name
        The name in the tables (``"v2"``, ``"crude"``, ...).
    fit
        Fits the method on a :class:`History` and returns its :data:`Predict`.
    description
        One line for the report.
    """

    name: str
    fit: Callable[[History], Predict]
    description: str = ""


@dataclass(frozen=True)
class BacktestRecord:
    """The score of one method on one unit-year.

    Attributes
    ----------
    unit, year, method
        What was predicted, for which year, by which method.
    observed
        The dead and missing recorded on the unit's legs that year.
    mean, median, lo, hi
        The predictive distribution: mean, median and central interval.
    covered
        Whether ``lo <= observed <= hi``.
    crps, log_score
        CRPS from the draws and the negative log predictive probability of the observed count (rounded); lower is
        better for both.
    """

    unit: str
    year: int
    method: str
    observed: float
    mean: float
    median: float
    lo: float
    hi: float
    covered: bool
    crps: float
    log_score: float


def score_draws(
    unit: str, year: int, method: str, draws: ArrayLike, observed: float, level: float = INTERVAL_LEVEL
) -> BacktestRecord:
    """Score predictive draws of a count against the observed count.

    Examples
    --------
    >>> r = score_draws("u", 2024, "m", np.arange(101.0), 50.0)
    >>> r.covered, r.median, round(r.lo, 6), round(r.hi, 6)
    (True, 50.0, 5.0, 95.0)
    """
    x = np.asarray(draws, dtype=np.float64)
    lo, hi = interval(x, level)
    return BacktestRecord(unit, int(year), method, float(observed), float(x.mean()), float(np.median(x)), float(lo),
                          float(hi), bool(lo <= observed <= hi), float(crps_samples(x, observed)),
                          log_score_samples(x, observed))


# ----------------------------------------------------------------------------------------------------- the loop
def rolling_origin(
    history_at: Callable[[int], History],
    targets_at: Callable[[int], Sequence[Target]],
    methods: Sequence[Method],
    test_years: Sequence[int],
    *,
    n_draws: int = DRAWS_ESTIMATE,
    seed: int = 0,
    level: float = INTERVAL_LEVEL,
) -> list[BacktestRecord]:
    """Fit every method at each origin and score its predictions of that year's targets.

    A target is scored only when its unit has travellers in the test year and in some earlier year of the history
    (the crude rate needs both), so every method is scored on the same unit-years. Each (year, unit) gets its own
    seed, shared by the methods.

    Parameters
    ----------
    history_at
        The :class:`History` of a test year (what may be known before it).
    targets_at
        The :class:`Target` s of a test year.
    methods
        The methods to score (:mod:`routes.model.methods`, :func:`routes.model.v1.today_method`).
    test_years
        The years to predict.
    n_draws, seed, level
        Draws per prediction, the seed (results are reproducible) and the level of the interval.

    Returns
    -------
    list of BacktestRecord
        One per method and scored unit-year, in the order test year, unit, method.

    Raises
    ------
    ArgumentError
        If no method is given, two share a name, or ``n_draws`` is below 100.
    """
    names = [m.name for m in methods]
    if not names or len(set(names)) != len(names):
        raise ArgumentError(f"methods must be one or more with distinct names, got {names!r}")
    if n_draws < 100:
        raise ArgumentError(f"n_draws must be at least 100 for a 90% interval, got {n_draws!r}")
    out: list[BacktestRecord] = []
    for t, year in enumerate(test_years):
        history = history_at(int(year))
        scored = [(ui, x) for ui, x in enumerate(targets_at(int(year))) if x.flow > 0 and x.exposure.sum() > 0
                  and float(np.sum(history.unit_flow.get(x.unit, history.exposure[x.legs]))) > 0]
        if not scored or not len(history.years):
            continue
        fitted = [(m.name, m.fit(history)) for m in methods]
        for ui, target in scored:
            for name, predict in fitted:
                rng = np.random.default_rng(seed + 1000 * t + 17 * ui)
                out.append(score_draws(target.unit, target.year, name, predict(target, n_draws, rng),
                                       target.observed, level))
    return out


def rolling_origin_backtest(
    counts: ArrayLike,
    deaths: ArrayLike,
    exposure: ArrayLike,
    years: ArrayLike,
    modes: ArrayLike,
    length_km: ArrayLike,
    groups: ArrayLike,
    units: Mapping[str, ArrayLike],
    incident_sizes: ArrayLike,
    incident_modes: ArrayLike,
    incident_years: ArrayLike,
    *,
    test_years: Sequence[int],
    incident_weights: ArrayLike | None = None,
    unit_flow: Mapping[str, ArrayLike] | None = None,
    corridors: ArrayLike | None = None,
    methods: Sequence[Method] | None = None,
    first_year: int | None = None,
    n_draws: int = DRAWS_ESTIMATE,
    seed: int = 0,
    level: float = INTERVAL_LEVEL,
) -> list[BacktestRecord]:
    """The rolling-origin backtest on leg-year arrays (for data drawn from a known model, for example).

    The history of a test year ``Y`` is the columns ``first_year .. Y - 1`` and the incidents of those years; the
    targets are the units' legs with their traversals and deaths in ``Y``.

    Parameters
    ----------
    counts, deaths, exposure
        Legs x years: fatal incidents, dead and missing, traversals (fractional attributions allowed).
    years
        The calendar year of each column.
    modes, length_km, groups
        Per leg: mode, length, the group sharing a year multiplier.
    units
        ``{unit name: row indices of its legs}``.
    incident_sizes, incident_modes, incident_years
        One entry per incident (or attributed share of one): size, mode of its leg, year.
    test_years
        The years to predict.
    incident_weights
        Weights of the incident entries (1 by default).
    unit_flow
        ``{unit: flow per year}``, the crude baseline's denominator; by default the sum of the unit's legs' exposure.
    corridors
        Per leg corridor (for the pooling's corridor effect), or None.
    methods
        The methods to score; by default v2, the crude rate and the rate per mode.
    first_year
        The first year any method may use; the first column by default.
    n_draws, seed, level
        As :func:`rolling_origin`.

    Returns
    -------
    list of BacktestRecord

    Raises
    ------
    ArgumentError
        If the arrays do not line up.
    """
    n = as_floats(counts, "counts", ndim=2)
    dth = as_floats(deaths, "deaths", ndim=2)
    E = as_floats(exposure, "exposure", ndim=2)
    yrs = np.asarray(years, dtype=np.int64)
    if not (n.shape == dth.shape == E.shape) or n.shape[1] != len(yrs):
        raise ArgumentError(f"counts, deaths and exposure must be legs x years with one year per column; got shapes "
                            f"{n.shape}, {dth.shape}, {E.shape} and {len(yrs)} years")
    md = np.asarray(modes).astype(str)
    ln = as_floats(length_km, "length_km")
    g = np.asarray(groups).astype(str)
    cd = None if corridors is None else np.asarray(corridors).astype(str)
    s = as_floats(incident_sizes, "incident_sizes")
    sm = np.asarray(incident_modes).astype(str)
    sy = np.asarray(incident_years, dtype=np.int64)
    sw = np.ones_like(s) if incident_weights is None else as_floats(incident_weights, "incident_weights")
    if not (len(s) == len(sm) == len(sy) == len(sw)):
        raise ArgumentError(f"incident_sizes, incident_modes, incident_years and incident_weights must have one entry "
                            f"per incident, got {len(s)}, {len(sm)}, {len(sy)} and {len(sw)}")
    start = int(yrs.min()) if first_year is None else int(first_year)
    legs_of = {u: np.asarray(ix, dtype=np.intp) for u, ix in units.items()}
    flows = {u: as_floats(unit_flow[u], f"unit_flow[{u!r}]") if unit_flow is not None else E[ix].sum(axis=0)
             for u, ix in legs_of.items()}

    def history_at(year: int) -> History:
        past = (yrs >= start) & (yrs < year)
        inc = (sy >= start) & (sy < year)
        return History(yrs[past], n[:, past], dth[:, past], E[:, past], md, ln, g, cd, s[inc], sm[inc], sw[inc],
                       {u: f[past] for u, f in flows.items()})

    def targets_at(year: int) -> list[Target]:
        col = np.flatnonzero(yrs == year)
        if not len(col):
            return []
        c = int(col[0])
        group_flow = {str(x): float(E[g == x, c].sum()) for x in sorted(set(g.tolist()))}
        return [Target(u, year, ix, E[ix, c], float(flows[u][c]), group_flow, float(dth[ix, c].sum()))
                for u, ix in legs_of.items()]

    if methods is None:
        from routes.model.methods import crude_method, mode_method, v2_method

        methods = [v2_method(), crude_method(), mode_method()]
    chosen = list(methods)
    return rolling_origin(history_at, targets_at, chosen, test_years, n_draws=n_draws, seed=seed, level=level)


def summarise_backtest(records: Sequence[BacktestRecord]) -> dict[str, dict[str, float]]:
    """Per method, in order of first appearance: unit-years ``N``, covered ``k``, ``coverage``, mean CRPS and log score.

    Examples
    --------
    >>> r = [score_draws("u", 2024, "m", np.arange(101.0), y) for y in (50.0, 99.0)]
    >>> s = summarise_backtest(r)["m"]
    >>> s["k"], s["N"], s["coverage"]
    (1.0, 2.0, 0.5)
    """
    out: dict[str, dict[str, float]] = {}
    for m in dict.fromkeys(r.method for r in records):
        rs = [r for r in records if r.method == m]
        k = sum(r.covered for r in rs)
        out[m] = {"N": float(len(rs)), "k": float(k), "coverage": k / len(rs),
                  "crps": float(np.mean([r.crps for r in rs])), "log_score": float(np.mean([r.log_score for r in rs]))}
    return out
