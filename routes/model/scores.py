"""Scores of a predictive distribution against what happened: interval coverage, CRPS and the log score.

A model is chosen by how well it predicts data it has not seen. Each prediction is a set of draws (samples) of a
count; it is scored by whether its central interval (:data:`routes.vocabulary.INTERVAL_LEVEL`, 90%) covers the
observed count, by the continuous ranked probability score (:func:`crps_samples`, in the units of the count: lower is
better, and a point forecast's CRPS is its absolute error) and by the log score (:func:`log_score_samples`, the
negative log probability of the observed count).

Examples
--------
>>> import numpy as np
>>> bool(covers(np.arange(101.0), 50.0)), float(crps_samples([3.0, 3.0, 3.0], 5.0))
(True, 2.0)
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from routes.model.fitting import BoolArray, FloatArray, negbin_logpmf
from routes.vocabulary import INTERVAL_LEVEL

__all__ = ["covers", "crps_samples", "interval", "log_score_negbin", "log_score_samples"]


def interval(samples: ArrayLike, level: float = INTERVAL_LEVEL) -> tuple[FloatArray, FloatArray]:
    """Central interval of predictive samples (last axis): the ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles."""
    x = np.asarray(samples, dtype=np.float64)
    lo, hi = np.quantile(x, [(1 - level) / 2, (1 + level) / 2], axis=-1)
    return np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)


def covers(samples: ArrayLike, observed: ArrayLike, level: float = INTERVAL_LEVEL) -> BoolArray:
    """Whether the central interval of the samples (last axis) contains the observed value (ends included).

    Examples
    --------
    >>> bool(covers(np.arange(101.0), 50.0)), bool(covers(np.arange(101.0), 99.0))
    (True, False)
    """
    lo, hi = interval(samples, level)
    y = np.asarray(observed, dtype=np.float64)
    return np.asarray((lo <= y) & (y <= hi), dtype=np.bool_)


def crps_samples(samples: ArrayLike, observed: ArrayLike) -> FloatArray:
    """Continuous ranked probability score of samples (last axis) against observations: lower is better.

    ``CRPS = E|X - y| - 1/2 E|X - X'|`` with the expectations over the empirical distribution of the samples;
    ``E|X - X'|`` is computed from the sorted samples as ``2 / n**2 * sum_i (2 i - n - 1) x_(i)`` (``O(n log n)``).

    Examples
    --------
    >>> float(crps_samples([3.0, 3.0, 3.0], 5.0))
    2.0
    """
    x = np.sort(np.asarray(samples, dtype=np.float64), axis=-1)
    y = np.asarray(observed, dtype=np.float64)
    n = x.shape[-1]
    term1 = np.mean(np.abs(x - y[..., None]), axis=-1)
    i = np.arange(1, n + 1, dtype=np.float64)
    term2 = np.sum((2 * i - n - 1) * x, axis=-1) / n**2  # = 1/2 E|X - X'|
    return np.asarray(term1 - term2, dtype=np.float64)


def log_score_samples(samples: ArrayLike, observed: float, alpha: float = 0.5) -> float:
    """Negative log predictive probability of an observed count, from integer samples (lower is better).

    The probability of ``y`` (rounded to an integer) is estimated as ``(#{X = y} + alpha) / (n + alpha * K)`` with
    ``K`` the size of the support ``0 .. max(max X, y)``: add-alpha smoothing, so an observation outside the
    samples gets a finite, heavily penalised score.
    """
    x = np.rint(np.asarray(samples, dtype=np.float64)).astype(np.int64)
    y = round(float(observed))
    K = int(max(x.max(initial=0), y)) + 1
    hits = int(np.count_nonzero(x == y))
    return -math.log((hits + alpha) / (len(x) + alpha * K))


def log_score_negbin(observed: float, mean: float, shape: float) -> float:
    """Negative log probability of an observed count (rounded) under ``NegBin(mean, shape)``."""
    return -float(negbin_logpmf(round(float(observed)), mean, shape))


