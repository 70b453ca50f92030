"""Tests of the numerics of the fits: the negative binomial and its derivatives."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from routes.model.fitting import negbin_logpmf, negbin_terms


def test_negbin_logpmf_matches_scipy() -> None:
    n = np.arange(0, 40)
    mean, shape = 7.5, 0.6
    expected = stats.nbinom.logpmf(n, shape, shape / (shape + mean))
    assert np.allclose(negbin_logpmf(n, mean, shape), expected)
    # zero mean: all mass at 0
    assert negbin_logpmf(0, 0.0, 2.0) == pytest.approx(0.0)
    assert negbin_logpmf(3, 0.0, 2.0) == -np.inf


def test_negbin_gradients_match_finite_differences() -> None:
    n = np.array([0.0, 1.0, 3.5, 20.0])
    m, a, h = np.array([0.5, 2.0, 3.0, 10.0]), 1.7, 1e-6
    _, d_logm, d_loga = negbin_terms(n, m, a)
    num_m = (negbin_logpmf(n, m * math.exp(h), a) - negbin_logpmf(n, m * math.exp(-h), a)) / (2 * h)
    num_a = (negbin_logpmf(n, m, a * math.exp(h)) - negbin_logpmf(n, m, a * math.exp(-h))) / (2 * h)
    assert np.allclose(d_logm, num_m, rtol=1e-5)
    assert np.allclose(d_loga, num_a, rtol=1e-5)
