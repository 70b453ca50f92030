"""Variation between years: a multiplier shared by the legs of one flow series in one year, and its fitted spread.

Adjacent years differ six-fold on the Darién (0.10 to 0.59 dead and missing per 1,000 crossings). A rate fitted on
earlier years with an interval for the rate alone misses most later years, so the model carries a corridor-year
multiplier ``gamma[g, y] ~ Gamma(k, k)`` (mean 1, coefficient of variation ``1 / sqrt(k)``) shared by the legs of group
``g`` (a flow series and direction). :func:`fit_year_effects` fits ``k`` from the group-year counts
``N[g, y] ~ NegBin(mean theta[g] * M[g, y], shape k)``, with ``M`` the count expected from the legs' rates and the
group levels ``theta`` profiled out (Cox-Reid adjusted, as edgeR does for negative-binomial dispersions).

Optionally the rate per traversal also scales with the size of the flow, ``(F / F_ref) ** (rho - 1)``: the flow
elasticity ``rho`` (1 = incidents in proportion to travellers) is then fitted with ``k``.

Examples
--------
>>> fit = fit_year_effects([3.0, 9.0, 1.0, 6.0], [4.0, 4.0, 4.0, 4.0], ["a", "a", "a", "a"])
>>> fit.shape > 0 and fit.n_cells == 4
True
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from routes.errors import ArgumentError
from routes.model.fitting import (
    FloatArray,
    IntArray,
    as_floats,
    laplace_covariance,
    level_codes,
    minimize_numeric,
    negbin_logpmf,
)

__all__ = ["YearEffectFit", "YearPrior", "fit_year_effects"]


@dataclass(frozen=True)
class YearPrior:
    """Normal priors on ``log k``, the shape of the corridor-year multiplier, and on the flow elasticity ``rho``.

    The default centre, ``k = 4``, is a coefficient of variation of 0.5 between years; sd 1.5 on the log scale
    lets the data move it from about 0.2 (ten-fold swings) to 80 (almost no variation). ``rho`` (used only when
    the elasticity is fitted) is centred on 1, incidents proportional to travellers, with sd 0.5.
    """

    log_shape: float = math.log(4.0)
    log_shape_sd: float = 1.5
    elasticity: float = 1.0
    elasticity_sd: float = 0.5


@dataclass(frozen=True)
class YearEffectFit:
    """The spread of the corridor-year multipliers ``gamma ~ Gamma(k, k)`` (:func:`fit_year_effects`).

    Attributes
    ----------
    shape
        ``k``; the coefficient of variation between years is ``1 / sqrt(k)``.
    log_shape_sd
        Laplace standard deviation of ``log k`` (NaN if the curvature was not positive).
    levels
        ``theta[g]`` per group that has incidents (the group's level relative to the expected counts).
    n_cells
        The group-years used (those of groups with at least one incident and with a positive expected count).
    objective
        The adjusted profile negative log posterior at the fit.
    elasticity, fitted_elasticity
        ``rho``: the expected count of a cell is ``theta[g] * M * (F / F_ref) ** (rho - 1)`` with ``F`` the group's
        flow that year; 1 (proportional to the travellers) unless fitted.
    cov
        Laplace covariance of ``(log k, rho)`` when the elasticity is fitted, else None.
    """

    shape: float
    log_shape_sd: float
    levels: dict[str, float]
    n_cells: int
    objective: float
    elasticity: float = 1.0
    cov: FloatArray | None = None
    fitted_elasticity: bool = False

    def flow_factor(self, log_flow: ArrayLike) -> FloatArray:
        """``(F / F_ref) ** (rho - 1)`` from ``log(F / F_ref)``: the change of the rate per traversal with the flow."""
        return np.asarray(np.exp((self.elasticity - 1.0) * np.asarray(log_flow, dtype=np.float64)), dtype=np.float64)

    def gamma_posterior(
        self, counts: ArrayLike, expected: ArrayLike, groups: ArrayLike
    ) -> tuple[FloatArray, FloatArray]:
        """Posterior ``Gamma(k + N, k + theta[g] * M)`` of each cell's multiplier: (shape, rate).

        A group without a level (no incident in the fit) has ``theta = 1``. With a fitted elasticity, pass
        ``expected`` already multiplied by :meth:`flow_factor`.
        """
        N = as_floats(counts, "counts")
        M = as_floats(expected, "expected")
        g = np.asarray(groups).astype(str)
        theta = np.array([self.levels.get(str(x), 1.0) for x in g], dtype=np.float64)
        return np.asarray(self.shape + N, dtype=np.float64), np.asarray(self.shape + theta * M, dtype=np.float64)


def _group_levels(N: FloatArray, M: FloatArray, gidx: IntArray, n_groups: int, k: float,
                  start: FloatArray | None = None) -> FloatArray:
    """Maximum-likelihood ``log theta`` of each group for a given ``k`` (Newton; the log likelihood is concave),
    from ``start`` (the levels at a nearby ``k``) or from the Poisson estimate."""
    if start is not None:
        lt = start
    else:
        tot_n = np.bincount(gidx, weights=N, minlength=n_groups)
        tot_m = np.bincount(gidx, weights=M, minlength=n_groups)
        lt = np.log(tot_n / tot_m)
    for _ in range(100):
        m = M * np.exp(lt[gidx])
        score = np.bincount(gidx, weights=k * (N - m) / (k + m), minlength=n_groups)
        info = np.bincount(gidx, weights=k * m * (k + N) / (k + m) ** 2, minlength=n_groups)
        step = score / info
        lt = lt + np.minimum(np.maximum(step, -5.0), 5.0)  # a damped Newton step, not a bound on the estimate
        if np.max(np.abs(step)) < 1e-10:
            break
    return np.asarray(lt, dtype=np.float64)


def fit_year_effects(
    counts: ArrayLike,
    expected: ArrayLike,
    groups: ArrayLike,
    *,
    log_flow: ArrayLike | None = None,
    prior: YearPrior | None = None,
    start: YearEffectFit | None = None,
) -> YearEffectFit:
    """Fit the spread ``k`` of the corridor-year multipliers from group-year counts.

    Each cell (group ``g``, year ``y``) has ``N ~ NegBin(mean theta[g] * M, shape k)``: Poisson given the year's
    multiplier ``gamma ~ Gamma(k, k)``. The group levels ``theta`` are profiled out (Newton per group) and the
    profile is adjusted by Cox and Reid's ``-1/2 log det`` of their information, which removes most of the
    downward bias of the spread that plain profiling gives with few years per group. ``log k`` gets the prior
    :class:`YearPrior` and the 1-D adjusted profile is minimised by BFGS on central differences
    (:func:`routes.model.fitting.minimize_numeric`).

    With ``log_flow`` the expected count is ``theta[g] * M * exp((rho - 1) * log_flow)``: the rate per traversal
    may fall (``rho < 1``) or rise with the size of the flow, and ``(log k, rho)`` are fitted together (prior on
    ``rho`` in :class:`YearPrior`), with a Laplace covariance.

    Parameters
    ----------
    counts
        Incidents per cell (fractional shares allowed).
    expected
        The count expected in each cell from the legs' rates and the cell's exposure, ``M = sum_l E[l, y] lam[l]``.
    groups
        Group label of each cell.
    log_flow
        ``log(F / F_ref)`` of each cell (the group's flow that year relative to its usual flow), to fit the flow
        elasticity; None for none (``rho = 1``).
    prior
        Priors on ``log k`` and ``rho``.
    start
        An earlier fit to start the joint search of ``(log k, rho)`` from (the prior's centre by default).

    Returns
    -------
    YearEffectFit
        Groups without incidents and cells without expected count carry no information on ``k`` and are left out;
        with none left the fit is the prior's centre.
    """
    N = as_floats(counts, "counts")
    M = as_floats(expected, "expected")
    g_all = np.asarray(groups).astype(str)
    if not (len(N) == len(M) == len(g_all)):
        raise ArgumentError(f"counts, expected and groups must have one entry per cell, got {len(N)}, {len(M)} and "
                            f"{len(g_all)}")
    if np.any(N < 0) or np.any(M < 0):
        raise ArgumentError(f"counts and expected must be non-negative, got a minimum of {min(N.min(), M.min())!r}")
    pr = prior or YearPrior()
    lf = np.zeros_like(N) if log_flow is None else as_floats(log_flow, "log_flow")
    if len(lf) != len(N):
        raise ArgumentError(f"log_flow must have one entry per cell ({len(N)}), got {len(lf)}")
    cell = M > 0
    has = {str(x) for x in g_all[cell][N[cell] > 0]}
    cell &= np.isin(g_all, sorted(has))
    if not cell.any():
        return YearEffectFit(math.exp(pr.log_shape), pr.log_shape_sd, {}, 0, 0.0, pr.elasticity,
                             None, log_flow is not None)
    gidx, levels = level_codes(g_all[cell], "groups")
    Nc, Mc, lfc = N[cell], M[cell], lf[cell]
    G = len(levels)

    last: list[FloatArray] = []  # the levels of the previous evaluation: the next Newton starts there

    def objective2(x: FloatArray) -> float:
        logk, rho = float(x[0]), float(x[1])
        k = math.exp(logk)
        Mr = Mc * np.exp((rho - 1.0) * lfc)
        lt = _group_levels(Nc, Mr, gidx, G, k, last[0] if last else None)
        if np.all(np.isfinite(lt)):
            last[:] = [lt]
        m = Mr * np.exp(lt[gidx])
        ll = float(negbin_logpmf(Nc, m, k).sum())
        info = np.bincount(gidx, weights=k * m / (k + m), minlength=G)
        return (-ll + 0.5 * float(np.sum(np.log(info))) + 0.5 * ((logk - pr.log_shape) / pr.log_shape_sd) ** 2
                + 0.5 * ((rho - pr.elasticity) / pr.elasticity_sd) ** 2 * (log_flow is not None))

    def objective(logk: float) -> float:
        return objective2(np.array([logk, pr.elasticity]))

    if log_flow is not None:
        x0 = (np.array([math.log(start.shape), start.elasticity]) if start is not None and start.fitted_elasticity
              else np.array([pr.log_shape, pr.elasticity]))
        H0 = start.cov if start is not None and start.fitted_elasticity else None
        return _fit_year_effects_2d(objective2, x0, Nc, Mc, lfc, gidx, levels, H0)

    x0 = np.array([math.log(start.shape) if start is not None else pr.log_shape])
    x, fmin, *_ = minimize_numeric(lambda z: objective(float(z[0])), x0)
    logk = float(x[0])
    h = 1e-3
    curv = (objective(logk + h) - 2 * objective(logk) + objective(logk - h)) / h**2
    k = math.exp(logk)
    lt = _group_levels(Nc, Mc, gidx, G, k)
    return YearEffectFit(
        shape=k,
        log_shape_sd=1.0 / math.sqrt(curv) if curv > 0 else float("nan"),
        levels={lv: float(math.exp(lt[j])) for j, lv in enumerate(levels)},
        n_cells=int(cell.sum()),
        objective=fmin,
    )


def _fit_year_effects_2d(
    objective: Callable[[FloatArray], float],
    x0: FloatArray,
    Nc: FloatArray,
    Mc: FloatArray,
    lfc: FloatArray,
    gidx: IntArray,
    levels: list[str],
    inverse_hessian: FloatArray | None = None,
) -> YearEffectFit:
    """Fit ``(log k, rho)`` together by minimising the adjusted profile (BFGS on central differences, from
    ``inverse_hessian``: an earlier fit's covariance), then a Laplace covariance."""
    x = minimize_numeric(objective, x0, inverse_hessian=inverse_hessian).x
    h = 1e-3
    H = np.zeros((2, 2))
    f0 = objective(x)
    for i in range(2):
        for j in range(2):
            ei, ej = np.eye(2)[i] * h, np.eye(2)[j] * h
            H[i, j] = (objective(x + ei + ej) - objective(x + ei - ej) - objective(x - ei + ej)
                       + objective(x - ei - ej)) / (4 * h * h)
    cov = laplace_covariance(0.5 * (H + H.T))
    k, rho = math.exp(float(x[0])), float(x[1])
    lt = _group_levels(Nc, Mc * np.exp((rho - 1.0) * lfc), gidx, len(levels), k)
    return YearEffectFit(
        shape=k,
        log_shape_sd=math.sqrt(cov[0, 0]) if cov is not None else float("nan"),
        levels={lv: float(math.exp(lt[j])) for j, lv in enumerate(levels)},
        n_cells=len(Nc),
        objective=float(f0),
        elasticity=rho,
        cov=cov,
        fitted_elasticity=True,
    )


