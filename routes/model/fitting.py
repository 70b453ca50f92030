"""Numerics shared by the model's fits: the negative binomial, Laplace approximations, draws and optimisers.

The fits of :mod:`routes.model.events`, :mod:`routes.model.pooling` and :mod:`routes.model.years` maximise penalised
negative-binomial likelihoods; they share the log probability and its derivatives, the optimiser, the numerical
Hessian of a gradient, the covariance of a Laplace approximation and the multivariate normal draws that carry it into
the predictions.

These run in numpy alone: importing ``scipy.optimize`` and ``scipy.special`` takes about 0.3 s, as long as the whole
fit, and issue 18 asks a computed estimate to start within 1.8 times the bare import of the stack. The problems are
small and smooth (2 to 35 parameters), so a textbook BFGS (:func:`minimize_smooth`) and vectorised log-gamma and
digamma series (:func:`gammaln`, :func:`digamma`) do the work; the tests check them against
scipy's ``minimize``, ``gammaln`` and ``digamma``, which the rest of the package still uses where speed does not
matter (the predictive checks, the Dirichlet fit of stated ranges).

Examples
--------
>>> import numpy as np
>>> round(float(np.exp(negbin_logpmf(0, 2.0, 1.0))), 12)  # NegBin(mean 2, shape 1) = geometric: P(0) = 1 / 3
0.333333333333
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

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
    "Minimum",
    "Seed",
    "as_floats",
    "central_differences",
    "digamma",
    "gammaln",
    "generator",
    "laplace_covariance",
    "level_codes",
    "minimize_numeric",
    "minimize_smooth",
    "mvn_draws",
    "negbin_curvature",
    "negbin_logpmf",
    "negbin_terms",
    "numeric_hessian",
    "trigamma",
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
    n_ = np.asarray(n, dtype=np.float64)
    m = np.asarray(mean, dtype=np.float64)
    a = np.asarray(shape, dtype=np.float64)
    am = a + m
    with np.errstate(divide="ignore", invalid="ignore"):
        n_log = np.where(n_ == 0, 0.0, n_ * np.log(m / am))  # x log y, 0 where x = 0 (scipy's xlogy)
        out = gammaln(n_ + a) - gammaln(a) - gammaln(n_ + 1.0) + a * np.log(a / am) + n_log
    return np.asarray(out, dtype=np.float64)


#: the recurrence ``f(z) = f(z + SHIFT) - ...`` lifts every argument to where the asymptotic series below are exact to
#: double precision (their first omitted terms are below 1e-16 of the value from ``z = 10`` on)
SHIFT = 10
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def gammaln(x: ArrayLike) -> FloatArray:
    """``log Gamma(x)`` elementwise, for ``x > 0`` (``inf`` at 0, NaN below: the model never asks there).

    ``log Gamma(z) = log Gamma(z + 10) - log(z (z + 1) ... (z + 9))``, and Stirling's series (to ``z**-9``) at
    ``z + 10``: vectorised, where ``math.lgamma`` would go element by element (a scalar goes to ``math.lgamma``).

    Examples
    --------
    >>> np.round(gammaln([1.0, 5.0]), 12).tolist()  # log 0! and log 4! = log 24
    [0.0, 3.178053830348]
    """
    if np.ndim(x) == 0:
        v = float(x)  # type: ignore[arg-type]
        return np.float64(math.lgamma(v) if v > 0 else (math.inf if v == 0 else math.nan))  # type: ignore[return-value]
    z = np.array(x, dtype=np.float64)
    bad = ~(z > 0)
    if bad.any():
        z[bad] = 1.0
    t = z.copy()
    if z.max() < 1e30:  # the product of the ten shifts stays finite
        prod = z.copy()
        for _ in range(1, SHIFT):
            t += 1.0
            prod *= t
        shifted = np.log(prod)
    else:
        shifted = np.log(z)
        for _ in range(1, SHIFT):
            t += 1.0
            shifted += np.log(t)
    w = t + 1.0
    inv = 1.0 / w
    inv2 = inv * inv
    series = inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 * (1 / 1680 - inv2 * (1 / 1188)))))
    out = (w - 0.5) * np.log(w) - w + _HALF_LOG_2PI + series - shifted
    if bad.any():
        out[bad] = np.where(np.asarray(x, dtype=np.float64)[bad] == 0, np.inf, np.nan)
    return out


def digamma(x: ArrayLike) -> FloatArray:
    """The digamma function ``d/dx log Gamma(x)`` elementwise, for ``x > 0`` (NaN elsewhere).

    ``psi(z) = psi(z + 10) - sum_{i<10} 1 / (z + i)``, and the asymptotic series (to ``z**-12``) at ``z + 10``.

    Examples
    --------
    >>> round(float(digamma(1.0)), 12)  # minus the Euler-Mascheroni constant
    -0.577215664902
    """
    scalar = np.ndim(x) == 0
    z = np.array(x, dtype=np.float64, ndmin=1)
    bad = ~(z > 0)
    if bad.any():  # a trial step of an optimiser can reach here; the function there is not finite either
        z[bad] = 1.0
    t = z.copy()
    shifted = 1.0 / z
    for _ in range(1, SHIFT):
        t += 1.0
        shifted += 1.0 / t
    w = t + 1.0
    with np.errstate(over="ignore"):  # w * w overflows for w above 1e154, where the series term is 0 anyway
        inv2 = 1.0 / (w * w)
    series = inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 * (1 / 240 - inv2 * (1 / 132)))))
    out = np.log(w) - 0.5 / w - series - shifted
    if bad.any():
        out[bad] = np.nan
    return out[0] if scalar else out


def trigamma(x: ArrayLike) -> FloatArray:
    """The trigamma function ``d2/dx2 log Gamma(x)`` elementwise, for ``x > 0`` (NaN elsewhere).

    ``psi1(z) = psi1(z + 10) + sum_{i<10} 1 / (z + i)**2``, and the asymptotic series (to ``z**-15``) at ``z + 10``.

    Examples
    --------
    >>> round(float(trigamma(1.0)), 12)  # pi**2 / 6
    1.644934066848
    """
    scalar = np.ndim(x) == 0
    z = np.array(x, dtype=np.float64, ndmin=1)
    bad = ~(z > 0)
    if bad.any():
        z[bad] = 1.0
    t = z.copy()
    with np.errstate(over="ignore", divide="ignore"):  # 1 / z**2: 0 for huge z, inf for tiny z, as it should be
        shifted = 1.0 / (z * z)
        for _ in range(1, SHIFT):
            t += 1.0
            shifted += 1.0 / (t * t)
        w = t + 1.0
        inv = 1.0 / w
        inv2 = inv * inv
    series = inv + inv2 * (0.5 + inv * (1 / 6 - inv2 * (1 / 30 - inv2 * (1 / 42 - inv2 * (
        1 / 30 - inv2 * (5 / 66 - inv2 * (691 / 2730 - inv2 * (7 / 6))))))))
    out = series + shifted
    if bad.any():
        out[bad] = np.nan
    return out[0] if scalar else out


def negbin_terms(n: FloatArray, m: FloatArray, a: FloatArray | float) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Log pmf of NegBin(mean m, shape a) at n, and its derivatives with respect to ``log m`` and ``log a``."""
    ll = negbin_logpmf(n, m, a)
    am = a + m
    d_logm = a * (n - m) / am
    d_loga = a * (digamma(n + a) - digamma(a) + np.log(a / am) + (m - n) / am)
    return ll, np.asarray(d_logm, dtype=np.float64), np.asarray(d_loga, dtype=np.float64)


def negbin_curvature(n: FloatArray, m: FloatArray, a: float) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Second derivatives of the log pmf of NegBin(mean m, shape a) at n, with respect to ``log m`` twice, ``log m``
    and ``log a``, and ``log a`` twice (the Hessian of a fit in closed form, where central differences of the
    gradient would take two gradients per parameter)."""
    am = a + m
    am2 = am * am
    d_mm = -a * m * (a + n) / am2
    d_ma = a * m * (n - m) / am2
    d_aa = a * (digamma(n + a) - digamma(a) + np.log(a / am) + (m - n) / am) + a * a * (
        trigamma(n + a) - trigamma(a) + 1.0 / a - 1.0 / am - (m - n) / am2)
    return (np.asarray(d_mm, dtype=np.float64), np.asarray(d_ma, dtype=np.float64),
            np.asarray(d_aa, dtype=np.float64))


def central_differences(fun: Callable[[FloatArray], ArrayLike], x: FloatArray, step: float) -> FloatArray:
    """The derivatives of ``fun`` (a number or a vector) along each coordinate of ``x``, by central differences with
    a step of ``step`` times ``max(1, |x_j|)``: one row per coordinate (the gradient of a number, the Jacobian's
    transpose of a vector)."""
    rows = []
    for j in range(len(x)):
        h = step * max(1.0, abs(float(x[j])))
        e = np.zeros(len(x))
        e[j] = h
        rows.append((np.asarray(fun(x + e), dtype=np.float64) - np.asarray(fun(x - e), dtype=np.float64)) / (2 * h))
    return np.asarray(rows, dtype=np.float64)


def numeric_hessian(grad: Callable[[FloatArray], FloatArray], x: FloatArray, step: float = 1e-4) -> FloatArray:
    """Symmetrised central-difference Hessian of a function given its gradient."""
    H = central_differences(grad, x, step)
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
    """``n`` draws (rows) of a multivariate normal: ``mean + z L'`` with ``L`` the Cholesky factor of ``cov``.

    The Cholesky factor moves as little as ``cov`` does, so a change in the seventh digit of a fit moves each draw in
    about the seventh digit. An eigendecomposition does not: where eigenvalues nearly coincide (the pooling fit's
    covariance has some equal to 1e-15) its eigenvectors turn freely, and the same normals then gave draws up to 7
    standard deviations apart. A covariance that is only semi-definite (Cholesky fails) falls back to the
    eigendecomposition, negative eigenvalues set to 0.
    """
    cov = np.asarray(cov, dtype=np.float64)
    try:
        L = np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        L = None
    if L is None or not np.all(np.isfinite(L)):
        w, V = np.linalg.eigh(cov)
        L = V * np.sqrt(np.clip(w, 0.0, None))
    return np.asarray(mean + rng.standard_normal((n, len(mean))) @ L.T, dtype=np.float64)


class Minimum(NamedTuple):
    """What :func:`minimize_smooth` found: the point, the value there, success, a message, and BFGS's approximation
    of the inverse Hessian there (to start a later fit of a nearby function from)."""

    x: FloatArray
    fun: float
    success: bool
    message: str
    inverse_hessian: FloatArray


def minimize_smooth(
    fun: Callable[[FloatArray], tuple[float, FloatArray]],
    x0: FloatArray,
    *,
    gtol: float = 1e-6,
    maxiter: int = 2000,
    inverse_hessian: FloatArray | None = None,
) -> Minimum:
    """Minimise a smooth function given with its gradient (BFGS, unbounded): a :class:`Minimum`.

    BFGS with the inverse-Hessian update of Nocedal and Wright (2006, eq. 6.17), starting from the identity as scipy's
    BFGS does (their scaling, eq. 6.20, tripled the iterations of the pooling fit), and a weak Wolfe line search:
    each step lowers the function enough (Armijo, ``c1 = 1e-4``; a step too long is cut to the minimum of the
    parabola through the values and slope known) and flattens the slope (``c2 = 0.9``; a step too short is
    lengthened to where the secant of the slope reaches 0, then bisected). It stops when the largest gradient
    component is below ``gtol``, as scipy's BFGS does with the same ``gtol``; or, when rounding stops the line search,
    with success if that component is below 1e-3. In numpy alone: see the module's note on scipy.

    ``inverse_hessian`` replaces the identity as the start (the ``inverse_hessian`` of an earlier fit of a nearby
    function, as the rounds of :func:`routes.model.v2.fit_v2` are: their later fits then take a third of the steps).

    Examples
    --------
    >>> import numpy as np
    >>> f = lambda x: (float((x[0] - 1) ** 2 + 10 * (x[1] + 2) ** 2), np.array([2 * (x[0] - 1), 20 * (x[1] + 2)]))
    >>> x, fx, ok, *_ = minimize_smooth(f, np.zeros(2))
    >>> np.round(x, 6).tolist(), ok
    ([1.0, -2.0], True)
    """
    x = np.array(x0, dtype=np.float64)
    f, g = fun(x)
    g = np.asarray(g, dtype=np.float64)
    eye = np.eye(len(x))
    if not (np.isfinite(f) and np.all(np.isfinite(g))):
        return Minimum(x, float(f), False, "the function or its gradient is not finite at the start", eye)
    H = eye.copy()
    if inverse_hessian is not None:
        H0 = np.asarray(inverse_hessian, dtype=np.float64)
        if H0.shape == H.shape and np.all(np.isfinite(H0)):
            H = 0.5 * (H0 + H0.T)
    for it in range(maxiter):
        if float(np.max(np.abs(g), initial=0.0)) < gtol:
            return Minimum(x, float(f), True, f"converged in {it} iterations", H)
        p = -(H @ g)
        slope = float(g @ p)
        if slope >= 0:  # not a descent direction (rounding): restart from steepest descent
            H, p = eye.copy(), -g
            slope = float(g @ p)
        first = 1.0 if it else min(1.0, 1.0 / float(np.max(np.abs(p))))  # a first step of at most 1 per parameter
        with np.errstate(all="ignore"):  # a trial step too far overflows; the line search then steps back
            step = _wolfe_step(fun, x, f, slope, p, first)
        if step is None:
            ok = float(np.max(np.abs(g), initial=0.0)) < 1e-3  # stuck by rounding: converged if flat there
            return Minimum(x, float(f), ok, "the line search found no lower point (rounding near the optimum)", H)
        alpha, f_new, g_new = step
        s_vec = alpha * p
        y = g_new - g
        x, f, g = x + s_vec, f_new, g_new
        sy = float(s_vec @ y)
        if sy > 1e-12 * float(np.linalg.norm(s_vec) * np.linalg.norm(y)):
            rho = 1.0 / sy
            Hy = H @ y
            H = H + ((sy + float(y @ Hy)) * rho * rho) * np.outer(s_vec, s_vec) - rho * (
                np.outer(Hy, s_vec) + np.outer(s_vec, Hy))
    return Minimum(x, float(f), False, f"stopped after {maxiter} iterations", H)


def _wolfe_step(
    fun: Callable[[FloatArray], tuple[float, FloatArray]],
    x: FloatArray,
    f: float,
    slope: float,
    p: FloatArray,
    alpha: float = 1.0,
) -> tuple[float, float, FloatArray] | None:
    """A step length along ``p`` meeting the weak Wolfe conditions (trying ``alpha`` first), with the function and
    gradient there."""
    lo, hi = 0.0, math.inf
    best: tuple[float, float, FloatArray] | None = None
    smallest = 1e-12 * (1.0 + float(np.max(np.abs(x), initial=0.0))) / max(float(np.max(np.abs(p))), 1e-300)
    for _ in range(60):
        if alpha < smallest:  # the step no longer moves x beyond rounding
            break
        f_new, g_new = fun(x + alpha * p)
        g_new = np.asarray(g_new, dtype=np.float64)
        if not np.isfinite(f_new) or f_new > f + 1e-4 * alpha * slope:
            hi = alpha
            if lo == 0.0 and np.isfinite(f_new):  # the minimum of the parabola through f(0), f'(0) and f(alpha)
                trial = -slope * alpha * alpha / (2.0 * (f_new - f - slope * alpha))
                alpha = min(max(trial, 0.1 * alpha), 0.5 * alpha)
                continue
        else:
            best = (alpha, float(f_new), g_new)
            d_new = float(g_new @ p)
            if d_new < 0.9 * slope:  # still steep: on, to where the slope's secant reaches 0 (2 to 10 times as far)
                lo = alpha
                if not math.isfinite(hi):
                    alpha *= min(max(slope / (slope - d_new), 2.0), 10.0)
                    continue
            else:
                return best
        alpha = 0.5 * (lo + hi) if math.isfinite(hi) else 2.0 * alpha
    return best if best is not None and best[1] < f else None


def minimize_numeric(
    fun: Callable[[FloatArray], float],
    x0: FloatArray,
    *,
    step: float = 1e-5,
    gtol: float = 1e-5,
    inverse_hessian: FloatArray | None = None,
) -> Minimum:
    """:func:`minimize_smooth` of a smooth function given without its gradient (central differences).

    Examples
    --------
    >>> import numpy as np
    >>> x, fx, ok, *_ = minimize_numeric(lambda x: float((x[0] - 3) ** 2 + 1), np.zeros(1))
    >>> round(float(x[0]), 5), round(fx, 8), ok
    (3.0, 1.0, True)
    """

    def with_gradient(x: FloatArray) -> tuple[float, FloatArray]:
        return float(fun(x)), central_differences(fun, x, step)

    return minimize_smooth(with_gradient, x0, gtol=gtol, inverse_hessian=inverse_hessian)
