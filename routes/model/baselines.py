"""The baselines a model must beat, as predictive draws: a unit's crude rate, and one pooled rate per mode.

Both count deaths as if each were independent (Poisson given the rate): that is their assumption, and what the
backtest (:func:`routes.backtest`) tests. (a) :func:`crude_rate_baseline`: each unit's dead and missing over its
travellers in the earlier years, with the rate's uncertainty (Jeffreys' prior) and the Poisson count.
(b) :func:`mode_rate_baseline`: one rate per traveller-km for each mode, pooled over every leg of the mode.

Examples
--------
>>> draws = crude_rate_baseline(20, 1e5, 5e4, n_draws=2000, seed=1)
>>> 5 < float(draws.mean()) < 16
True
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from routes.errors import ArgumentError
from routes.model.fitting import FloatArray, Seed, as_floats, generator
from routes.vocabulary import DRAWS_ESTIMATE

__all__ = ["crude_rate_baseline", "mode_rate_baseline"]


def crude_rate_baseline(
    past_deaths: float,
    past_exposure: float,
    exposure: float,
    *,
    prior_shape: float = 0.5,
    prior_rate: float = 0.0,
    n_draws: int = DRAWS_ESTIMATE,
    seed: Seed = 0,
) -> FloatArray:
    """Predictive draws of a unit's deaths from its crude rate over earlier years.

    ``rate ~ Gamma(prior_shape + D, prior_rate + X)`` (the default is Jeffreys' prior, flat-ish) with ``D`` the
    deaths and ``X`` the exposure of the earlier years; deaths in the new period ``~ Poisson(rate * exposure)``:
    the Poisson interval widened by the rate's uncertainty (a negative binomial with shape ``prior_shape + D``).
    Deaths are counted as if independent; that is the baseline's assumption.

    Raises
    ------
    ArgumentError
        If the posterior is improper (no earlier exposure and ``prior_rate = 0``).
    """
    shape, rate = prior_shape + float(past_deaths), prior_rate + float(past_exposure)
    if rate <= 0 or shape <= 0:
        raise ArgumentError(f"crude_rate_baseline needs earlier exposure (or a positive prior_rate), got past_exposure="
                            f"{past_exposure!r} and prior_rate={prior_rate!r}")
    rng = generator(seed)
    lam = rng.standard_gamma(shape, size=n_draws) / rate
    return np.asarray(rng.poisson(lam * float(exposure)), dtype=np.float64)


def mode_rate_baseline(
    past_deaths: ArrayLike,
    past_exposure: ArrayLike,
    past_modes: ArrayLike,
    exposure: ArrayLike,
    modes: ArrayLike,
    *,
    prior_shape: float = 0.5,
    n_draws: int = DRAWS_ESTIMATE,
    seed: Seed = 0,
) -> FloatArray:
    """Predictive draws of a unit's deaths from one pooled rate per mode.

    For each mode ``r_m ~ Gamma(prior_shape + D_m, X_m)`` with ``D_m`` and ``X_m`` the deaths and exposure of all
    legs of that mode in earlier years (exposure in traversals, or traveller-km if the caller multiplies by
    length); the unit's deaths are ``Poisson(sum_l r_{m(l)} x_l)``. A mode without earlier exposure gets the rate of
    all modes together.
    """
    D = as_floats(past_deaths, "past_deaths")
    X = as_floats(past_exposure, "past_exposure")
    pm = np.asarray(past_modes).astype(str)
    x = as_floats(exposure, "exposure")
    um = np.asarray(modes).astype(str)
    if not (len(D) == len(X) == len(pm)) or len(x) != len(um):
        raise ArgumentError(f"past_deaths, past_exposure and past_modes must have one entry per leg (got {len(D)}, "
                            f"{len(X)}, {len(pm)}), and exposure and modes likewise (got {len(x)}, {len(um)})")
    if X.sum() <= 0:
        raise ArgumentError("mode_rate_baseline needs earlier exposure: every past_exposure is 0")
    rng = generator(seed)
    mean = np.zeros(n_draws)
    for m in sorted(set(um.tolist())):
        sel = pm == m
        Dm, Xm = (float(D[sel].sum()), float(X[sel].sum())) if X[sel].sum() > 0 else (float(D.sum()), float(X.sum()))
        rate = rng.standard_gamma(prior_shape + Dm, size=n_draws) / Xm
        mean += rate * float(x[um == m].sum())
    return np.asarray(rng.poisson(mean), dtype=np.float64)


