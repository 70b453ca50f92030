"""Tests of the rolling-origin backtest over arrays, on data drawn from a known model (simdata.py)."""

from __future__ import annotations

import numpy as np
from simdata import simulate

from routes.model.rolling import BacktestRecord, rolling_origin_backtest, summarise_backtest


def _sim_backtest(seed: int, year_shape: float | None) -> list[BacktestRecord]:
    d = simulate(seed, year_shape=year_shape)
    units = {u: np.flatnonzero(d.groups == u) for u in sorted(set(d.groups))}
    flows = {u: d.flow[i] for i, u in enumerate(sorted(set(d.groups)))}
    years = np.arange(2010, 2010 + d.counts.shape[1])
    return rolling_origin_backtest(
        d.counts, d.deaths, d.exposure, years, d.modes, d.length_km, d.groups, units,
        d.inc_sizes, d.inc_modes, years[d.inc_years], test_years=list(range(2016, 2022)), unit_flow=flows,
        corridors=d.corridors, n_draws=2000, seed=seed,
    )


def test_backtest_on_data_from_the_model_is_calibrated_and_beats_the_crude_rate() -> None:
    records = [r for seed in range(5) for r in _sim_backtest(seed, year_shape=3.0)]
    summary = summarise_backtest(records)
    v2, crude = summary["v2"], summary["crude"]
    assert v2["N"] == 120 == crude["N"]
    assert 0.80 <= v2["coverage"] <= 0.97
    assert v2["crps"] < crude["crps"]
    assert v2["crps"] < summary["mode"]["crps"]
    assert crude["coverage"] < 0.6  # a Poisson interval on deaths misses most years when years vary


def test_backtest_uses_only_the_past() -> None:
    d = simulate(20)
    units = {u: np.flatnonzero(d.groups == u) for u in sorted(set(d.groups))}
    years = np.arange(2010, 2022)
    fixed = (years, d.modes, d.length_km, d.groups, units)

    def run(counts: np.ndarray, deaths: np.ndarray, exposure: np.ndarray, sizes: np.ndarray) -> list[BacktestRecord]:
        return rolling_origin_backtest(counts, deaths, exposure, *fixed, sizes, d.inc_modes, years[d.inc_years],
                                            test_years=[2016], n_draws=300)

    a = run(d.counts, d.deaths, d.exposure, d.inc_sizes)
    # changing what happens after 2016 (incidents, their sizes, the flows) changes nothing
    later = years > 2016
    counts, deaths, exposure = d.counts.copy(), d.deaths.copy(), d.exposure.copy()
    counts[:, later] *= 3
    deaths[:, later] *= 3
    exposure[:, later] *= 0.1
    sizes = np.where(years[d.inc_years] > 2016, d.inc_sizes * 5, d.inc_sizes)
    b = run(counts, deaths, exposure, sizes)
    assert a == b
    # while changing 2015 does
    counts[:, years == 2015] += 2
    assert run(counts, deaths, exposure, sizes) != a
