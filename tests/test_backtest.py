"""The backtest on the network: every method scored on the same unit-years against the frozen observed numbers, and a
harness that reports about 90% coverage when the method is the model that drew the data."""

from __future__ import annotations

import numpy as np
import pytest

from routes.cli import main
from routes.errors import ArgumentError
from routes.model.backtest import BacktestResult, backtest, method
from routes.model.methods import crude_method
from routes.model.rolling import rolling_origin_backtest, summarise_backtest
from routes.report.validation import backtest_text, binomial_range


@pytest.fixture(scope="module")
def short() -> BacktestResult:
    return backtest(first_year=2023, last_year=2024, methods=["v1", "v2", "crude", "mode"], n_draws=500)


def test_every_method_is_scored_on_the_same_unit_years(short: BacktestResult) -> None:
    rec = short.records
    cells = {m: set(zip(g["unit"], g["year"], strict=True)) for m, g in rec.groupby("method")}
    assert len({frozenset(c) for c in cells.values()}) == 1
    assert set(cells) == {"v1", "v2", "crude", "mode"}
    assert next(iter(cells.values())) == {("darien-north", 2023), ("darien-north", 2024), ("honduras-north", 2023),
                                          ("honduras-north", 2024), ("san-andres-sea-north", 2023),
                                          ("san-andres-sea-north", 2024)}
    # the observed numbers are the frozen rule's, whatever the method
    assert rec.groupby(["unit", "year"])["observed"].nunique().max() == 1
    for r in rec.itertuples():
        assert r.observed == pytest.approx(short.observed.loc[r.unit, r.year])
        assert r.lo <= r.median <= r.hi and r.covered == (r.lo <= r.observed <= r.hi)
    s = short.summary()
    assert list(s.columns) == ["method", "covered", "N", "coverage", "crps", "log_score"]
    assert (s["N"] == 6).all()  # 2 years x the 3 units scoreable in 2023-2024


def test_the_report_says_what_the_numbers_rest_on(short: BacktestResult) -> None:
    text = backtest_text(short)
    assert "90% interval covers" in text and "mean CRPS" in text
    assert "record is incomplete" in text and "with hindsight" in text and "frozen for scoring" in text
    for m in ("v1", "v2", "crude", "mode"):
        assert f"\n{m} " in text
    assert "BacktestResult(2023-2024" in repr(short)


def test_backtest_errors() -> None:
    with pytest.raises(ArgumentError, match="after last_year"):
        backtest(first_year=2025, last_year=2020)
    with pytest.raises(ArgumentError, match="first year of the incident record"):
        backtest(first_year=2014, last_year=2015, methods=["crude"])
    with pytest.raises(ArgumentError, match="unknown backtest method 'v3'"):
        method("v3")
    with pytest.raises(ArgumentError, match="distinct names"):
        backtest(first_year=2024, last_year=2024, methods=["crude", "crude"])


def test_harness_is_calibrated_when_the_method_is_the_truth() -> None:
    """Deaths drawn Poisson from a constant rate per traveller: the crude rate is then the right model, and the harness
    must report about 90% coverage (with the sampling spread of a binomial), whatever the flows do."""
    rng = np.random.default_rng(7)
    n_units, years = 12, np.arange(2010, 2024)
    flow = rng.uniform(2e4, 4e5, (n_units, len(years)))
    rate = rng.uniform(2e-5, 3e-4, n_units)
    deaths = rng.poisson(rate[:, None] * flow).astype(float)
    records = rolling_origin_backtest(deaths, deaths, flow, years, ["road"] * n_units, [50.0] * n_units,
                                      [f"g{u}" for u in range(n_units)], {f"u{u}": [u] for u in range(n_units)},
                                      np.ones(int(deaths.sum())), ["road"] * int(deaths.sum()),
                                      np.repeat(np.tile(years, n_units), deaths.astype(int).ravel()),
                                      test_years=list(range(2016, 2024)), methods=[crude_method()], n_draws=2000)
    s = summarise_backtest(records)["crude"]
    n = int(s["N"])
    assert n == n_units * 8
    lo, hi = binomial_range(n, prob=0.99)
    assert lo <= s["k"] <= hi


def test_cli_backtest(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backtest", "--first-year", "2024", "--last-year", "2024", "--method", "crude", "--draws", "200"]) == 0
    out = capsys.readouterr().out
    assert "90% interval covers" in out and "crude" in out and "darien-north" in out
    assert main(["backtest", "--first-year", "2024", "--method", "mode", "--draws", "200", "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("unit,year,method,observed,mean,median,lo,hi,covered,crps,log_score")
    assert main(["backtest", "--method", "v9"]) == 2


def test_rank_does_not_load_scipy() -> None:
    """scipy is imported inside the fits only: `route-risk rank` on the shipped estimate never pays for it."""
    import subprocess
    import sys

    code = ("import io, sys, contextlib\nfrom routes.cli import main\nwith contextlib.redirect_stdout(io.StringIO()):\n"
            "    assert main(['rank', 'Necoclí', 'Tapachula']) == 0\nprint(sorted(m for m in sys.modules "
            "if m.split('.')[0] == 'scipy'))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_plot_backtest_names_an_unknown_method(short: BacktestResult) -> None:
    from routes.errors import ArgumentError
    from routes.report.validation import plot_backtest

    with pytest.raises(ArgumentError, match="no method \\['today'\\]"):
        plot_backtest(short, methods=["today"])
