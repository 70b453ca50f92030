"""The v2 risk model on leg-year arrays: events per traversal, partial pooling, years that differ, sizes of events.

Fatal incidents on directed leg ``l`` in year ``y``::

    n[l, y] ~ Poisson(E[l, y] * lam[l] * gamma[g(l), y])

with ``E`` the traversals, ``lam[l]`` the leg's rate of fatal incidents per traversal (pooled:
:mod:`routes.model.pooling`), ``gamma`` the multiplier of the leg's flow series that year (:mod:`routes.model.years`),
and the dead and missing of each incident drawn from its mode's size distribution (:mod:`routes.model.events`).
:func:`fit_v2` alternates the pooling fit and the year-effect fit a few times (``gamma_hat`` feeds the effective
exposure ``E'``, the legs' rates feed the expected counts); :func:`routes.model.predictive.predict_v2` draws the
deaths of a new period from the fit.

This is the model of :func:`routes.estimate_risk` (on the network: :mod:`routes.model.graph_fit`), scored by
:func:`routes.backtest` beside the previous model and two baselines; nothing here knows the graph: the backtest turns
an estimate into the arrays (:mod:`routes.model.legyears`).

Examples
--------
>>> import numpy as np
>>> from routes.model.events import fit_event_sizes_by_mode
>>> n = np.array([[1.0, 0.0, 2.0], [0.0, 0.0, 1.0], [3.0, 1.0, 4.0]])
>>> E = np.full((3, 3), 1e4)
>>> sizes = fit_event_sizes_by_mode([1, 2, 1, 5], ["road", "road", "sea_boat", "sea_boat"])
>>> fit = fit_v2(n, E, ["road", "road", "sea_boat"], [10.0, 40.0, 80.0], ["a", "a", "b"], sizes)
>>> fit.posterior.mean.shape, fit.years is not None
((3,), True)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from routes.errors import ArgumentError
from routes.model.events import SizeFit
from routes.model.fitting import FloatArray, as_floats, level_codes
from routes.model.pooling import LegPosterior, PoolingFit, PoolingPrior, fit_pooling, leg_posterior
from routes.model.years import YearEffectFit, YearPrior, fit_year_effects

__all__ = ["V2Fit", "fit_v2"]


@dataclass(frozen=True)
class V2Fit:
    """Everything :func:`predict_v2` needs, from :func:`fit_v2`.

    Attributes
    ----------
    pooling
        The pooling hyperparameters.
    years
        The spread of the year multipliers, or None when fitted without year effects.
    sizes
        ``{mode: SizeFit}`` (with ``"*"`` for modes it lacks).
    posterior
        Each leg's posterior rate, prior weight and crude rate (in the order of the legs given to :func:`fit_v2`).
    modes, corridors, groups, length_km
        The legs' attributes, as given.
    counts, exposure_eff
        ``n[l]`` and ``E'[l] = sum_y E[l, y] gamma_hat[g(l), y]``.
    gamma_hat
        Posterior mean multiplier of each group (rows, ``group_levels`` order) and year (columns).
    group_levels
        The group labels in ``gamma_hat`` order.
    flow_ref
        ``F_ref`` per group when the flow elasticity is fitted (else empty).
    """

    pooling: PoolingFit
    years: YearEffectFit | None
    sizes: dict[str, SizeFit]
    posterior: LegPosterior
    modes: NDArray[np.str_]
    corridors: NDArray[np.str_] | None
    groups: NDArray[np.str_]
    length_km: FloatArray
    counts: FloatArray
    exposure_eff: FloatArray
    gamma_hat: FloatArray
    group_levels: list[str] = field(default_factory=list)
    flow_ref: dict[str, float] = field(default_factory=dict)

    def size_of(self, mode: str) -> SizeFit:
        """The size distribution of a mode (the pooled one if the mode had none)."""
        return self.sizes.get(mode, self.sizes["*"])

    def mean_size(self) -> FloatArray:
        """Mean dead and missing per incident on each leg's mode."""
        return np.array([self.size_of(str(m)).mean for m in self.modes], dtype=np.float64)


def _fit_years(gidx: NDArray[np.intp], E: FloatArray, rate_mean: FloatArray, n: FloatArray, cell_g: NDArray[np.str_],
               log_flow: FloatArray | None, prior: YearPrior | None, *, shape: tuple[int, int],
               start: YearEffectFit | None = None) -> tuple[FloatArray, FloatArray, YearEffectFit]:
    """The expected deaths ``M`` (exposure times the legs' posterior mean rates) and the deaths ``Ncell`` of each
    group-year cell, and the year effects fitted on them."""
    M = np.zeros(shape)
    Ncell = np.zeros(shape)
    np.add.at(M, gidx, E * rate_mean[:, None])
    np.add.at(Ncell, gidx, n)
    years = fit_year_effects(Ncell.ravel(), M.ravel(), cell_g, prior=prior,
                             log_flow=log_flow.ravel() if log_flow is not None else None, start=start)
    return M, Ncell, years


def fit_v2(
    counts: ArrayLike,
    exposure: ArrayLike,
    modes: ArrayLike,
    length_km: ArrayLike,
    groups: ArrayLike,
    sizes: Mapping[str, SizeFit],
    *,
    corridors: ArrayLike | None = None,
    year_effects: bool = True,
    n_iter: int = 4,
    pooling_prior: PoolingPrior | None = None,
    year_prior: YearPrior | None = None,
    ref_length_km: float = 50.0,
    flow_elasticity: bool = False,
    group_flow: Mapping[str, ArrayLike] | None = None,
) -> V2Fit:
    """Fit the v2 model on leg-year arrays: pooling of the legs' rates and the spread between years, alternately.

    Each round fits the pooling with the effective exposure ``E'[l] = sum_y E[l, y] * gamma_hat * flow factor``,
    then the year effects with the expected counts from the legs' posterior means; the last round is a pooling
    fit, so the returned posterior uses the returned ``exposure_eff``.

    Parameters
    ----------
    counts
        Fatal incidents, legs x years (fractional shares allowed).
    exposure
        Traversals, legs x years (a year without exposure on a leg is 0).
    modes, length_km, groups
        Per leg: the mode, the length (km), the group sharing a year multiplier (e.g. the flow series and
        direction that feeds it).
    sizes
        ``{mode: SizeFit}`` from :func:`fit_event_sizes_by_mode` (must hold ``"*"``).
    corridors
        Per leg corridor for a corridor effect in the pooling, or None.
    year_effects
        False: no year multiplier (``gamma = 1``), the model without between-year variation.
    n_iter
        Rounds of the alternation.
    pooling_prior, year_prior, ref_length_km
        Passed to :func:`fit_pooling` and :func:`fit_year_effects`.
    flow_elasticity
        Also fit ``rho``: the rate per traversal of every leg of a group scales as ``(F / F_ref) ** (rho - 1)``
        with ``F`` the group's flow that year and ``F_ref`` its geometric mean over the years with a flow (an
        experiment: incidents recorded may grow less than in proportion to the travellers). Needs
        ``year_effects``.
    group_flow
        ``{group: flow per year}`` for the elasticity; by default the sum of the group's legs' exposure.

    Returns
    -------
    V2Fit
    """
    n = as_floats(counts, "counts", ndim=2)
    E = as_floats(exposure, "exposure", ndim=2)
    if n.shape != E.shape:
        raise ArgumentError(f"counts {n.shape} and exposure {E.shape} must have the same shape")
    md = np.asarray(modes).astype(str)
    ln = as_floats(length_km, "length_km")
    gidx, glev = level_codes(groups, "groups")
    cd = None if corridors is None else np.asarray(corridors).astype(str)
    if not (len(md) == len(ln) == len(gidx) == n.shape[0]):
        raise ArgumentError(f"modes, length_km and groups must have one entry per leg (row of counts: {n.shape[0]}), "
                            f"got {len(md)}, {len(ln)} and {len(gidx)}")
    if "*" not in sizes:
        raise ArgumentError('sizes must hold the pooled fit under "*" (fit_event_sizes_by_mode does)')
    if flow_elasticity and not year_effects:
        raise ArgumentError("flow_elasticity=True needs year_effects=True (the elasticity is fitted with the year "
                            "multipliers)")
    n_leg = n.sum(axis=1)
    G, Y = len(glev), n.shape[1]
    log_flow = np.zeros((G, Y))
    flow_ref: dict[str, float] = {}
    if flow_elasticity:
        F = np.zeros((G, Y))
        if group_flow is None:
            np.add.at(F, gidx, E)
        else:
            for j, g in enumerate(glev):
                F[j] = as_floats(group_flow[g], f"group_flow[{g}]") if g in group_flow else E[gidx == j].sum(axis=0)
        for j, g in enumerate(glev):
            pos = F[j] > 0
            flow_ref[g] = float(np.exp(np.mean(np.log(F[j, pos])))) if pos.any() else 1.0
            log_flow[j, pos] = np.log(F[j, pos] / flow_ref[g])
    mult = np.ones((G, Y))
    years: YearEffectFit | None = None
    pool: PoolingFit | None = None
    post: LegPosterior | None = None
    rounds = max(1, n_iter) if year_effects else 1
    cell_g = np.repeat(np.array(glev, dtype=str), Y)
    for i in range(rounds):
        E_eff = (E * mult[gidx]).sum(axis=1)
        pool = fit_pooling(n_leg, E_eff, md, ln, cd, prior=pooling_prior, ref_length_km=ref_length_km,
                           start=None if pool is None else pool.theta,
                           start_inverse_hessian=None if pool is None else pool.inverse_hessian,
                           covariance=i == rounds - 1)
        post = leg_posterior(pool.prior_mean(md, ln, cd), pool.shape, n_leg, E_eff)
        if i == rounds - 1:
            break
        M, Ncell, years = _fit_years(gidx, E, post.mean, n, cell_g, log_flow if flow_elasticity else None,
                                     year_prior, shape=(G, Y), start=years)
        phi = years.flow_factor(log_flow).reshape(G, Y)
        shp, rate = years.gamma_posterior(Ncell.ravel(), (M * phi).ravel(), cell_g)
        # a group-year nobody travelled has no multiplier to estimate (its incidents, if any, are a data problem)
        mult = np.where(M > 0, (shp / rate).reshape(G, Y), 1.0) * phi
    assert pool is not None and post is not None
    if year_effects and years is None:  # n_iter = 1: one year fit after the pooling
        _, _, years = _fit_years(gidx, E, post.mean, n, cell_g, log_flow if flow_elasticity else None, year_prior,
                                 shape=(G, Y))
    phi_final = years.flow_factor(log_flow) if years is not None else np.ones((G, Y))
    return V2Fit(
        pooling=pool,
        years=years,
        sizes=dict(sizes),
        posterior=post,
        modes=md,
        corridors=cd,
        groups=np.array(glev, dtype=str)[gidx],
        length_km=ln,
        counts=n_leg,
        exposure_eff=(E * mult[gidx]).sum(axis=1),
        gamma_hat=mult / phi_final,
        group_levels=glev,
        flow_ref=flow_ref,
    )


