"""The rolling-origin backtest on the network: had each model been fitted on the years before, would it have
predicted the deaths that followed, and were its 90% intervals right nine times in ten?

:func:`backtest` scores, for each test year ``Y`` from ``first_year`` to ``last_year`` and each scored unit
(:mod:`routes.model.units`):

* **v2 with a flow elasticity** (``v2 + flow elasticity``), the statistics of :func:`routes.estimate_risk`'s default,
  and **v2** without the elasticity (:mod:`routes.model.v2`), fitted on the as-of attribution and travellers;
* **the previous model** (``v1``): ``estimate_risk(model="v1")`` as of January 1 of ``Y``, its posterior draws times
  the unit's travellers of ``Y``, Poisson incidents and the recorded incident sizes (:mod:`routes.model.v1`);
* the baselines: (a) ``crude``, each unit's dead and missing per traveller in the earlier years with a Poisson interval,
  and (b) ``mode``, one pooled rate per traveller-km for each mode.

Every method sees only what was known before ``Y`` (the estimate as of January 1 of ``Y``: its incidents, flows and
shares), predicts from the unit's travellers of ``Y`` (its observed flows), and is scored against the same observed
numbers (the frozen rule of :mod:`routes.model.units`) by the coverage of its central 90% interval (``k`` of ``N``
unit-years), the CRPS of its draws and the log score of the observed count. ``route-risk backtest`` prints the table;
:mod:`routes.report.validation` formats it.

Examples
--------
>>> result = backtest(first_year=2024, last_year=2024, methods=["crude", "mode"], n_draws=500)
>>> sorted(result.summary()["method"])
['crude', 'mode']
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from routes.errors import ArgumentError
from routes.model.estimate import estimate_of, forget
from routes.model.legyears import feeding_groups, leg_attributes, leg_years, series_by_year
from routes.model.methods import Variant, crude_method, mode_method, v2_method
from routes.model.rolling import History, Method, Target, rolling_origin, summarise_backtest
from routes.model.units import CAVEATS, OBSERVED_RULE, ScoredUnit, observed_estimate, scored_units
from routes.model.v1 import today_method
from routes.vocabulary import DRAWS_ESTIMATE, INTERVAL_LEVEL

log = logging.getLogger(__name__)

__all__ = ["DEFAULT_METHOD", "METHODS", "BacktestResult", "backtest", "method"]

#: the methods :func:`backtest` scores by default, in the order of the table
METHODS = ("v2 + flow elasticity", "v2", "v1", "crude", "mode")
#: the method that is the statistics of :func:`routes.estimate_risk`'s default
DEFAULT_METHOD = "v2 + flow elasticity"


def method(name: str) -> Method:
    """A backtest method by name (:data:`METHODS`, or ``"v2 no year effect"`` for the v2 model without the year
    multiplier).

    Raises
    ------
    ArgumentError
        For an unknown name; the message lists the known ones.

    Examples
    --------
    >>> method("crude").description.split(":")[0]
    'crude'
    """
    makers: dict[str, Callable[[], Method]] = {
        "v1": today_method,
        "v2": lambda: v2_method("v2", Variant()),
        "v2 + flow elasticity": lambda: v2_method("v2 + flow elasticity", Variant(flow_elasticity=True)),
        "v2 no year effect": lambda: v2_method("v2 no year effect", Variant(year_effects=False)),
        "crude": crude_method,
        "mode": mode_method,
    }
    if name not in makers:
        raise ArgumentError(f"unknown backtest method {name!r}; choose from {sorted(makers)}")
    return makers[name]()


@dataclass
class BacktestResult:
    """What :func:`backtest` found: one row per method and unit-year, the summary, and what the numbers rest on.

    Attributes
    ----------
    records
        One row per method and scored unit-year: ``unit``, ``year``, ``method``, ``observed``, ``mean``, ``median``,
        ``lo``, ``hi`` (the central interval), ``covered``, ``crps``, ``log_score``.
    units
        The scored units.
    methods
        ``{name: what it is}`` in the order of the table.
    observed
        Dead and missing observed on each unit (rows) in each year (columns), by the frozen rule.
    notes
        What every reader must know: the observed rule, the incomplete last year, the shares written with hindsight.
    settings
        The arguments, and ``seconds``, the run time.
    """

    records: pd.DataFrame
    units: list[ScoredUnit]
    methods: dict[str, str]
    observed: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        """Per method: ``covered`` (k), ``N``, ``coverage`` (k / N), mean ``crps`` and mean ``log_score``."""
        from routes.model.rolling import BacktestRecord

        recs = [BacktestRecord(**r) for r in self.records.to_dict("records")]
        s = summarise_backtest(recs)
        rows = [{"method": m, "covered": int(x["k"]), "N": int(x["N"]), "coverage": x["coverage"], "crps": x["crps"],
                 "log_score": x["log_score"]} for m, x in s.items()]
        return pd.DataFrame(rows, columns=["method", "covered", "N", "coverage", "crps", "log_score"])

    def __repr__(self) -> str:
        s = self.summary()
        cells = ", ".join(f"{r.method} {r.covered}/{r.N}" for r in s.itertuples())
        return f"BacktestResult({self.settings.get('first_year')}-{self.settings.get('last_year')}: {cells})"


def backtest(
    G: nx.MultiDiGraph | None = None,
    *,
    first_year: int = 2019,
    last_year: int = 2025,
    methods: Sequence[str | Method] = METHODS,
    incidents: gpd.GeoDataFrame | str | Path | None = None,
    flows: pd.DataFrame | str | Path | None = None,
    exposure: pd.DataFrame | str | Path | None = None,
    n_draws: int = DRAWS_ESTIMATE,
    seed: int = 0,
    level: float = INTERVAL_LEVEL,
) -> BacktestResult:
    """Rolling-origin backtest of the model, its variants, the previous model and the baselines, test years
    ``first_year..last_year``.

    Parameters
    ----------
    G
        The network (risk not needed); the shipped one by default.
    first_year, last_year
        The test years. Each is predicted by methods fitted on the years before it, from January of the first
        incident year (2014 on the shipped snapshot).
    methods
        Names (:data:`METHODS`, :func:`method`) or :class:`~routes.model.rolling.Method` objects.
    incidents, flows, exposure
        As :func:`routes.estimate_risk` (the active snapshot and the shipped tables by default).
    n_draws, seed, level
        Predictive draws per unit-year, the seed (results are reproducible), the interval's level.

    Returns
    -------
    BacktestResult

    Raises
    ------
    ArgumentError
        If the years run backwards, start before the second year of the incident record, or a method is unknown.
    """
    started = time.perf_counter()
    if first_year > last_year:
        raise ArgumentError(f"first_year {first_year} is after last_year {last_year}; try first_year={last_year}, "
                            f"last_year={first_year}")
    chosen = [m if isinstance(m, Method) else method(m) for m in methods]
    if G is None:
        from routes.network.graph import read_network

        G = read_network()
    if incidents is None or isinstance(incidents, (str, Path)):
        from routes.io.snapshot import load_incidents

        incidents = load_incidents(incidents)
    frozen = observed_estimate(G, incidents, flows, exposure=exposure)
    start = int(pd.to_datetime(frozen.incidents["date"]).dropna().dt.year.min())
    if first_year <= start:
        raise ArgumentError(f"first_year must be after {start}, the first year of the incident record (a method "
                            f"needs an earlier year to fit), got {first_year}")
    units = scored_units(G, frozen)
    all_years = list(range(start, last_year + 1))
    full = leg_years(frozen, all_years)
    att = leg_attributes(G, full.edges)
    groups = feeding_groups(frozen)
    rows = {e: i for i, e in enumerate(full.edges)}
    legs_of = {u.name: np.array([rows[e] for e in u.edges], dtype=np.intp) for u in units}

    def history_at(year: int) -> History:
        from routes.model.risk import estimate_risk

        # the attribution and travellers the v2 methods and the baselines fit on: the shipped model's soft
        # attribution (an estimate of the previous model, which is quick, with soft shares) ...
        H = estimate_risk(G, incidents, flows, exposure=exposure, as_of=f"{year}-01-01", draws=n_draws, seed=seed,
                          model="v1", attribution="soft")
        est = estimate_of(H)
        assert est is not None
        forget(H)  # kept in the history, not in the register of the user's estimates
        # ... and the previous model as it was (nearest-leg attribution), for the v1 method
        H1 = estimate_risk(G, incidents, flows, exposure=exposure, as_of=f"{year}-01-01", draws=n_draws, seed=seed,
                           model="v1")
        v1 = estimate_of(H1)
        forget(H1)
        past = list(range(start, year))
        ly = leg_years(est, past)
        modes = att.mode
        return History(
            years=ly.years, counts=ly.counts, deaths=ly.deaths, exposure=ly.exposure, modes=modes,
            length_km=att.length_km, groups=groups, corridors=att.corridor, incident_sizes=ly.incident_size,
            incident_modes=modes[ly.incident_edge], incident_weights=ly.incident_weight,
            unit_flow={u.name: series_by_year(est.flows, u.series, u.direction, past) for u in units}, estimate=v1)

    def targets_at(year: int) -> list[Target]:
        c = all_years.index(year)
        group_flow = {str(g): float(full.exposure[groups == g, c].sum()) for g in sorted(set(groups.tolist()))}
        out = []
        for u in units:
            ix = legs_of[u.name]
            flow = float(series_by_year(frozen.flows, u.series, u.direction, [year])[0])
            out.append(
                Target(u.name, year, ix, full.exposure[ix, c], flow, group_flow, float(full.deaths[ix, c].sum()))
            )
        return out

    records = rolling_origin(history_at, targets_at, chosen, list(range(first_year, last_year + 1)), n_draws=n_draws,
                             seed=seed, level=level)
    table = pd.DataFrame([r.__dict__ for r in records],
                         columns=["unit", "year", "method", "observed", "mean", "median", "lo", "hi", "covered", "crps",
                                  "log_score"])
    observed = pd.DataFrame({u.name: full.deaths[legs_of[u.name]].sum(axis=0) for u in units}, index=all_years).T
    last = pd.to_datetime(frozen.incidents["date"]).max()
    notes = [OBSERVED_RULE, *CAVEATS,
             (f"fitted on {start} to the year before each test year (as of January 1); the incident snapshot ends "
             f"{last:%Y-%m-%d}; a unit-year is scored when the unit has travellers that year and in an earlier one")]
    seconds = time.perf_counter() - started
    settings = {"first_year": first_year, "last_year": last_year, "start": start, "n_draws": n_draws, "seed": seed,
                "level": level, "seconds": seconds}
    return BacktestResult(table, units, {m.name: m.description for m in chosen}, observed, notes, settings)
