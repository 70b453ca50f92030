"""Tests of event sizes (dead and missing per incident, by mode), on sizes drawn from known distributions."""

from __future__ import annotations

import numpy as np
import pytest

from routes.model.events import SizeFit, fit_event_sizes, fit_event_sizes_by_mode, sample_event_sizes


def test_size_fit_recovers_truth() -> None:
    rng = np.random.default_rng(3)
    m, r = 3.0, 0.5
    sizes = 1 + rng.negative_binomial(r, r / (r + m), size=3000)
    fit = fit_event_sizes(sizes)
    assert fit.mean_excess == pytest.approx(m, rel=0.12)
    assert fit.shape == pytest.approx(r, rel=0.15)
    assert fit.cov is not None and np.all(np.diag(fit.cov) > 0)


def test_size_fit_weights_equal_repetition() -> None:
    a = fit_event_sizes([1, 2, 2, 5, 5, 5, 30])
    b = fit_event_sizes([1, 2, 5, 30], weights=[1, 2, 3, 1])
    assert a.mean_excess == pytest.approx(b.mean_excess, rel=1e-4)
    assert a.shape == pytest.approx(b.shape, rel=1e-4)


def test_size_fit_by_mode_pools_a_thin_mode() -> None:
    rng = np.random.default_rng(4)
    big = 1 + rng.negative_binomial(0.4, 0.4 / 2.4, size=800)
    sizes = np.concatenate([big, [30.0, 25.0]])
    modes = np.array(["road"] * len(big) + ["rare", "rare"])
    fits = fit_event_sizes_by_mode(sizes, modes, all_modes=["unused"])
    pooled = fits["*"]
    # two incidents of 25-30 dead move the rare mode up, but it stays far below their own mean
    assert pooled.mean < fits["rare"].mean < 20.0
    # a mode without incidents gets the pooled distribution
    assert fits["unused"].mean_excess == pytest.approx(pooled.mean_excess, rel=1e-3)
    assert fits["unused"].shape == pytest.approx(pooled.shape, rel=1e-3)
    with pytest.raises(ValueError, match="at least 1"):
        fit_event_sizes([0, 2])


def test_sample_event_sizes() -> None:
    fit = SizeFit(mean_excess=2.0, shape=0.5, n_incidents=10)
    x = sample_event_sizes(fit, 200_000, seed=1)
    assert x.min() >= 1
    assert x.mean() == pytest.approx(fit.mean, rel=0.02)
    assert np.array_equal(x[:100], sample_event_sizes(fit, 200_000, seed=1)[:100])
