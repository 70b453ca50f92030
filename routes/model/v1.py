"""The previous model (``routes.estimate_risk(model="v1")``) as a predictive distribution of dead and missing.

Today's estimate keeps joint posterior draws of every edge's hazard of death per traversal (``lam_draws``: the rate's
uncertainty and the uncertain route shares, legs that share an assumption moving together). Its predictive
distribution of the dead and missing on some legs over a period with ``E`` traversals is, for each draw:

* the expected dead and missing ``lam * E`` (times the leg's month-of-year factors, when the caller passes them);
* fatal incidents ``N ~ Poisson(lam * E / s)``, with ``s`` the mean dead and missing per incident on the leg's mode in
  the estimate's own attribution;
* each incident's size drawn from the sizes recorded on that mode (each incident weighted by its attributed share).

The mean is ``lam * E`` whatever the sizes; the spread is that of a compound Poisson count, the over-dispersion that
the previous model's clustering factor (``sum s^2 / sum s``) stands for. Nothing is refitted: this is what the previous
model says, so
:func:`routes.backtest` can score it beside the v2 model and the baselines.

Examples
--------
>>> import numpy as np
>>> sizes = EmpiricalSizes({"road": (np.array([1.0, 3.0]), np.array([0.5, 0.5]))})
>>> sizes.mean("road"), sizes.mean("sea_boat")  # a mode without sizes, and none pooled: one death each
(2.0, 1.0)
>>> sizes.sums("road", np.array([0, 2]), np.random.default_rng(0)).tolist()[0]
0.0
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from routes.errors import ArgumentError
from routes.model.estimate import Estimate
from routes.model.fitting import FloatArray, IntArray
from routes.model.rolling import History, Method, Predict, Target

__all__ = ["EmpiricalSizes", "empirical_sizes", "today_draws", "today_method"]


@dataclass(frozen=True)
class EmpiricalSizes:
    """The dead and missing per incident recorded on each mode: ``{mode: (sizes, probabilities)}``.

    A mode without a recorded incident takes the sizes of every mode together (key ``"*"``), or 1 when there is none.
    """

    by_mode: dict[str, tuple[FloatArray, FloatArray]]

    def _of(self, mode: str) -> tuple[FloatArray, FloatArray]:
        if mode in self.by_mode:
            return self.by_mode[mode]
        return self.by_mode.get("*", (np.ones(1), np.ones(1)))

    def mean(self, mode: str) -> float:
        """Mean dead and missing per incident on ``mode``."""
        values, p = self._of(mode)
        return float(values @ p)

    def sums(self, mode: str, counts: IntArray, rng: np.random.Generator) -> FloatArray:
        """For each entry of ``counts``, the total dead and missing of that many incidents drawn on ``mode``."""
        c = np.asarray(counts, dtype=np.int64).ravel()
        out = np.zeros(len(c))
        total = int(c.sum())
        if total == 0:
            return out.reshape(np.shape(counts))
        values, p = self._of(mode)
        drawn = rng.choice(values, size=total, p=p)
        some = np.flatnonzero(c > 0)
        starts = np.concatenate([[0], np.cumsum(c[some])[:-1]])
        out[some] = np.add.reduceat(drawn, starts)
        return out.reshape(np.shape(counts))


def empirical_sizes(estimate: Estimate, modes: ArrayLike) -> EmpiricalSizes:
    """The sizes of the incidents an estimate attributed, by the mode of the edge (``modes``, in the estimate's edge
    order) that took each share.

    Examples
    --------
    >>> import routes
    >>> from routes.model.estimate import estimate_of
    >>> G = routes.load_network()
    >>> est = estimate_of(G)
    >>> sizes = empirical_sizes(est, [G.edges[e]["mode"] for e in est.exposure.edges])
    >>> sizes.mean("sea_boat") > sizes.mean("road") > 1
    True
    """
    md = np.asarray(modes).astype(str)
    a = estimate.allocation
    index = estimate.exposure.edge_index()
    edge = np.array([index[(u, v, k)] for u, v, k in zip(a["u"], a["v"], a["key"], strict=True)], dtype=np.intp)
    w = a["weight"].to_numpy(float)
    keep = w > 0
    size = a["deaths"].to_numpy(float)[keep] / w[keep]
    w, mode = w[keep], md[edge[keep]] if len(edge) else np.array([], dtype=str)
    by_mode: dict[str, tuple[FloatArray, FloatArray]] = {}
    for m in ["*", *sorted(set(mode.tolist()))]:
        sel = np.ones(len(w), dtype=bool) if m == "*" else mode == m
        if not sel.any():
            continue
        values, inverse = np.unique(np.round(size[sel], 6), return_inverse=True)
        p = np.bincount(inverse, weights=w[sel])
        by_mode[m] = (values.astype(np.float64), p / p.sum())
    return EmpiricalSizes(by_mode)


def today_draws(
    lam: FloatArray,
    exposure: ArrayLike,
    modes: ArrayLike,
    sizes: EmpiricalSizes,
    rng: np.random.Generator,
    *,
    multiplier: ArrayLike | None = None,
) -> FloatArray:
    """Draws (draws x legs) of the dead and missing on each leg from today's hazards.

    Parameters
    ----------
    lam
        Hazards of death per traversal, draws x legs (columns of the estimate's ``lam_draws``, transposed).
    exposure
        Traversals of each leg in the period.
    modes
        The mode of each leg.
    sizes
        The recorded sizes (:func:`empirical_sizes`).
    rng
        The random generator.
    multiplier
        A factor of each leg's hazard in the period (month-of-year factors weighted by its travellers), 1 by default.

    Raises
    ------
    ArgumentError
        If the shapes do not line up.
    """
    L = np.asarray(lam, dtype=np.float64)
    E = np.asarray(exposure, dtype=np.float64)
    md = np.asarray(modes).astype(str)
    if L.ndim != 2 or E.shape != (L.shape[1],) or md.shape != E.shape:
        raise ArgumentError(f"lam must be draws x legs and exposure, modes one per leg; got shapes {L.shape}, "
                            f"{E.shape}, {md.shape}")
    f = np.ones(len(E)) if multiplier is None else np.asarray(multiplier, dtype=np.float64)
    mean_size = np.array([sizes.mean(m) for m in md])
    events = rng.poisson(L * (E * f / mean_size)[None, :])
    deaths = np.zeros(events.shape)
    for m in sorted(set(md.tolist())):
        cols = np.flatnonzero(md == m)
        deaths[:, cols] = sizes.sums(m, events[:, cols], rng)
    return deaths


def today_method(name: str = "v1") -> Method:
    """The previous model (``estimate_risk(model="v1")``) as a backtest method: the history's as-of estimate
    (:attr:`History.estimate`), used as it is.

    Examples
    --------
    >>> today_method().name
    'v1'
    """

    def fit(h: History) -> Predict:
        est = h.estimate
        if not isinstance(est, Estimate):
            raise ArgumentError("the v1 model needs the history's estimate (routes.backtest passes it)")
        lam = est.lam_draws
        sizes = empirical_sizes(est, h.modes)

        def predict(t: Target, n_draws: int, rng: np.random.Generator) -> FloatArray:
            cols = np.arange(n_draws) if n_draws == lam.shape[1] else rng.integers(0, lam.shape[1], n_draws)
            draws = today_draws(lam[t.legs][:, cols].T, t.exposure, h.modes[t.legs], sizes, rng)
            return np.asarray(draws.sum(axis=1), dtype=np.float64)

        return predict

    return Method(name, fit, "v1: the previous model, estimate_risk(model='v1') as of January 1 (its posterior draws x "
                             "the year's travellers), Poisson incidents, recorded incident sizes")
