"""Numerics shared by the model's fits: the negative binomial, Laplace approximations, draws and optimisers.

The fits of :mod:`routes.model.events`, :mod:`routes.model.pooling` and :mod:`routes.model.years` maximise penalised
negative-binomial likelihoods with scipy; they share the log probability and its derivatives, the numerical Hessian of
a gradient, the covariance of a Laplace approximation and the multivariate normal draws that carry it into the
predictions. scipy is imported inside the functions that need it, so importing this module stays cheap
(``route-risk rank`` on a cached estimate never loads scipy).

Examples
--------
>>> import numpy as np
>>> float(np.exp(negbin_logpmf(0, 2.0, 1.0)))  # NegBin(mean 2, shape 1) = geometric: P(0) = 1 / 3
0.3333333333333333
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from routes.errors import ArgumentError

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]
BoolArray = NDArray[np.bool_]
Seed = int | np.random.Generator | None

__all__ = [
    "BoolArray",
    "FloatArray",
    "IntArray",
    "Seed",
    "as_floats",
    "generator",
    "laplace_covariance",
    "level_codes",
    "minimize_smooth",
    "mvn_draws",
    "negbin_logpmf",
    "negbin_terms",
    "numeric_hessian",
]


def as_floats(x: ArrayLike, name: str, ndim: int | None = 1) -> FloatArray:
    """``x`` as a float64 array, checked to be finite and of ``ndim`` dimensions.

    Raises
    ------
    ArgumentError
        Naming ``name``, if the array has another number of dimensions or a value that is NaN or infinite.

    Examples
    --------
    >>> as_floats([1, 2], "counts").tolist()
    [1.0, 2.0]
    """
    arr = np.asarray(x, dtype=np.float64)
    if ndim is not None and arr.ndim != ndim:
        raise ArgumentError(f"{name} must have {ndim} dimension(s), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        bad = arr[~np.isfinite(arr)].ravel()[:3].tolist()
        raise ArgumentError(f"{name} must be finite, got {bad!r} among its values; drop or fill them first")
    return arr


def level_codes(labels: ArrayLike, name: str) -> tuple[IntArray, list[str]]:
    """Integer codes of string labels (levels sorted) and the levels."""
    arr = np.asarray(labels).astype(str)
    if arr.ndim != 1:
        raise ArgumentError(f"{name} must be one-dimensional, got shape {arr.shape}")
    levels, codes = np.unique(arr, return_inverse=True)
    return codes.astype(np.intp), [str(v) for v in levels]


def generator(seed: Seed) -> np.random.Generator:
    """A numpy generator from a seed (a generator passes through, so callers can share one)."""
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def negbin_logpmf(n: ArrayLike, mean: ArrayLike, shape: ArrayLike) -> FloatArray:
    """Log probability of ``n`` under a negative binomial with the given mean and shape.

    Parameters
    ----------
    n
        Counts (non-negative; fractional values are allowed and give the continuous extension used for
        fractionally attributed incidents).
    mean
        Means (non-negative). A zero mean gives 0 at ``n = 0`` and ``-inf`` elsewhere.
    shape
        Shapes ``a > 0``; the variance is ``mean + mean**2 / a``.

    Returns
    -------
    numpy.ndarray
        ``lgamma(n + a) - lgamma(a) - lgamma(n + 1) + a log(a / (a + m)) + n log(m / (a + m))``.
    """
    from scipy.special import gammaln, xlogy

    n_ = np.asarray(n, dtype=np.float64)
    m = np.asarray(mean, dtype=np.float64)
    a = np.asarray(shape, dtype=np.float64)
    am = a + m
    with np.errstate(divide="ignore"):
        out = gammaln(n_ + a) - gammaln(a) - gammaln(n_ + 1.0) + a * np.log(a / am) + xlogy(n_, m / am)
    return np.asarray(out, dtype=np.float64)


def negbin_terms(n: FloatArray, m: FloatArray, a: FloatArray | float) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Log pmf of NegBin(mean m, shape a) at n, and its derivatives with respect to ``log m`` and ``log a``."""
    from scipy.special import digamma

    ll = negbin_logpmf(n, m, a)
    am = a + m
    d_logm = a * (n - m) / am
    d_loga = a * (digamma(n + a) - digamma(a) + np.log(a / am) + (m - n) / am)
    return ll, np.asarray(d_logm, dtype=np.float64), np.asarray(d_loga, dtype=np.float64)


def numeric_hessian(grad: Callable[[FloatArray], FloatArray], x: FloatArray, step: float = 1e-4) -> FloatArray:
    """Symmetrised central-difference Hessian of a function given its gradient."""
    p = len(x)
    H = np.zeros((p, p))
    for j in range(p):
        h = step * max(1.0, abs(float(x[j])))
        e = np.zeros(p)
        e[j] = h
        H[:, j] = (np.asarray(grad(x + e)) - np.asarray(grad(x - e))) / (2 * h)
    return np.asarray(0.5 * (H + H.T), dtype=np.float64)


def laplace_covariance(H: FloatArray) -> FloatArray | None:
    """Inverse of a Hessian of a negative log posterior, or None if it is not positive definite."""
    try:
        w, V = np.linalg.eigh(H)
    except np.linalg.LinAlgError:
        return None
    if not np.all(np.isfinite(w)) or w.min() <= 0:
        return None
    return np.asarray((V / w) @ V.T, dtype=np.float64)


def mvn_draws(rng: np.random.Generator, mean: FloatArray, cov: FloatArray, n: int) -> FloatArray:
    """``n`` draws (rows) of a multivariate normal, via the eigendecomposition (robust to near-singular cov)."""
    w, V = np.linalg.eigh(cov)
    L = V * np.sqrt(np.clip(w, 0.0, None))
    return np.asarray(mean + rng.standard_normal((n, len(mean))) @ L.T, dtype=np.float64)


def minimize_smooth(
    fun: Callable[[FloatArray], tuple[float, FloatArray]], x0: FloatArray
) -> tuple[FloatArray, float, bool, str]:
    """Minimise a smooth function given with its gradient (BFGS, unbounded); returns x, the minimum, success, message.

    BFGS runs in numpy: on the small problems of the model (2 to 30 parameters) it avoids the start-up of threaded
    BLAS that L-BFGS-B pays at every iteration, which dominates on a loaded machine.
    """
    from scipy.optimize import minimize

    res = minimize(fun, x0, jac=True, method="BFGS", options={"maxiter": 2000, "gtol": 1e-6})
    x = np.asarray(res.x, dtype=np.float64)
    ok = bool(res.success)
    if not ok and res.status == 2:  # stopped by rounding near the optimum: converged if the gradient is flat there
        ok = float(np.max(np.abs(fun(x)[1]), initial=0.0)) < 1e-3
    return x, float(res.fun), ok, str(res.message)


