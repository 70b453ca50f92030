"""The methods the backtest scores besides the previous model: the v2 model (and its variants) and the two baselines.

A method (:class:`routes.model.rolling.Method`) is a name and a function from what was known at an origin (a
:class:`~routes.model.rolling.History`) to a predictor of a unit-year's dead and missing (draws). The previous model
is in :mod:`routes.model.v1`; :func:`routes.model.backtest.method` finds any of them by name.

Examples
--------
>>> [m.name for m in (v2_method(), v2_method("v2 + flow elasticity", Variant(flow_elasticity=True)), crude_method())]
['v2', 'v2 + flow elasticity', 'crude']
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from routes.model.baselines import crude_rate_baseline, mode_rate_baseline
from routes.model.events import fit_event_sizes_by_mode
from routes.model.fitting import FloatArray
from routes.model.pooling import PoolingPrior
from routes.model.predictive import predict_v2
from routes.model.rolling import History, Method, Predict, Target
from routes.model.v2 import fit_v2
from routes.model.years import YearPrior

__all__ = ["Variant", "crude_method", "mode_method", "v2_method"]


@dataclass(frozen=True)
class Variant:
    """Options of the v2 model's fit and prediction (:func:`v2_method`).

    Attributes
    ----------
    year_effects, n_iter, pooling_prior, year_prior, ref_length_km, flow_elasticity
        Passed to :func:`routes.model.v2.fit_v2`.
    corridors
        Whether the corridors of the legs enter the pooling as an effect.
    hyper
        Passed to :func:`routes.model.predictive.predict_v2`: draw the hyperparameters too.
    """

    year_effects: bool = True
    n_iter: int = 4
    pooling_prior: PoolingPrior | None = None
    year_prior: YearPrior | None = None
    ref_length_km: float = 50.0
    corridors: bool = True
    hyper: bool = True
    flow_elasticity: bool = False


def v2_method(name: str = "v2", variant: Variant | None = None, description: str = "") -> Method:
    """The v2 model (:mod:`routes.model.v2`) as a backtest method, refitted at each origin.

    Examples
    --------
    >>> v2_method("v2 + flow elasticity", Variant(flow_elasticity=True)).name
    'v2 + flow elasticity'
    """
    v = variant or Variant()

    def fit(h: History) -> Predict:
        sizes = fit_event_sizes_by_mode(h.incident_sizes, h.incident_modes, h.incident_weights,
                                        all_modes=sorted(set(h.modes.tolist())))
        model = fit_v2(h.counts, h.exposure, h.modes, h.length_km, h.groups, sizes,
                       corridors=h.corridors if v.corridors else None, year_effects=v.year_effects, n_iter=v.n_iter,
                       pooling_prior=v.pooling_prior, year_prior=v.year_prior, ref_length_km=v.ref_length_km,
                       flow_elasticity=v.flow_elasticity)

        def predict(t: Target, n_draws: int, rng: np.random.Generator) -> FloatArray:
            return predict_v2(model, t.legs, t.exposure, n_draws=n_draws, seed=rng, hyper=v.hyper,
                              group_flow=t.group_flow).deaths

        return predict

    text = description or ("v2: incidents Poisson in traversals, rates pooled by marginal likelihood, a multiplier per "
                           "flow series and year, event sizes by mode" + (", rate per traversal scaling with the "
                                                                          "flow" if v.flow_elasticity else ""))
    return Method(name, fit, text)


def crude_method(name: str = "crude") -> Method:
    """Baseline (a): each unit's crude rate over the earlier years (dead and missing / its flow), Poisson counts.

    Examples
    --------
    >>> crude_method().name
    'crude'
    """

    def fit(h: History) -> Predict:
        def predict(t: Target, n_draws: int, rng: np.random.Generator) -> FloatArray:
            past = float(h.deaths[t.legs].sum())
            flow = float(np.sum(h.unit_flow[t.unit])) if t.unit in h.unit_flow else float(h.exposure[t.legs].sum())
            return crude_rate_baseline(past, flow, t.flow, n_draws=n_draws, seed=rng)

        return predict

    return Method(name, fit, "crude: the unit's dead and missing per traveller in the earlier years, Poisson count")


def mode_method(name: str = "mode") -> Method:
    """Baseline (b): one pooled rate per traveller-km for each mode, Poisson counts.

    Examples
    --------
    >>> mode_method().name
    'mode'
    """

    def fit(h: History) -> Predict:
        past_deaths = h.deaths.sum(axis=1)
        past_km = h.exposure.sum(axis=1) * h.length_km

        def predict(t: Target, n_draws: int, rng: np.random.Generator) -> FloatArray:
            return mode_rate_baseline(past_deaths, past_km, h.modes, t.exposure * h.length_km[t.legs],
                                      h.modes[t.legs], n_draws=n_draws, seed=rng)

        return predict

    return Method(name, fit, "mode: one rate per traveller-km for each mode, pooled over its legs, Poisson count")
