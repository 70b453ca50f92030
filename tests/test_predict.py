"""Predictions for a period and a flow scenario, and the user's own flow months and share rows."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from routes import load_network
from routes.cli import main
from routes.errors import ArgumentError, DataError
from routes.io.flows import load_flows
from routes.model.estimate import estimate_of
from routes.model.exposure import load_exposure_table
from routes.model.predict import months_of, parse_flow, predict_deaths, series_split
from routes.model.usertables import active_flows, active_shares, merge_flows, stored_file


@pytest.fixture(scope="module")
def shipped() -> nx.MultiDiGraph:
    return load_network()


@pytest.fixture(autouse=True)
def _user_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ROUTES_SNAPSHOT", raising=False)
    monkeypatch.setenv("ROUTES_DATA_DIR", str(tmp_path / "userdata"))


def test_periods_and_flows_are_read() -> None:
    assert months_of("2026-03") == ["2026-03"]
    assert len(months_of("2025")) == 12 and months_of("2025-11..2026-02")[-1] == "2026-02"
    assert parse_flow("3,000 southbound per month") == ("reverse-panama", "south", 3000.0)
    assert parse_flow("20000 northbound") == ("darien", "north", 20000.0)
    assert parse_flow("south=3000") == ("reverse-panama", "south", 3000.0)
    assert parse_flow("reverse-panama:south=1_500") == ("reverse-panama", "south", 1500.0)
    with pytest.raises(ArgumentError, match="runs backwards; try '2026-01..2026-06'"):
        months_of("2026-06..2026-01")
    with pytest.raises(ArgumentError, match="expected a year '2026'"):
        months_of("next spring")
    with pytest.raises(ArgumentError, match="write '3,000 southbound per month'"):
        parse_flow("lots of people")


def test_prediction_adds_up_and_carries_three_uncertainties(shipped: nx.MultiDiGraph) -> None:
    pred = predict_deaths(shipped, {"south": 3000}, period="2026-01..2026-06", n_draws=2000)
    south = pred.directions.set_index("direction").loc["south"]
    legs = pred.legs[pred.legs["direction"] == "south"]
    # every southbound person of the scenario crosses at least one leg; the leg means add up to the direction's
    assert south["traversals"] >= 6 * 3000
    assert legs["mean"].sum() == pytest.approx(south["mean"])
    assert south["lo"] <= south["median"] <= south["hi"] and south["lo"] <= south["mean"] <= south["hi"]
    assert pred.directions.set_index("direction").loc["north", "traversals"] == 0
    assert pred.units.set_index("unit").loc["reverse-sea-south", "traversals"] > 0
    # the interval is wider than the rate's alone: the Poisson count and the incident sizes widen it
    est = estimate_of(shipped)
    rows = est.exposure.edge_index()
    on = legs[legs["traversals"] > 0]
    lam = est.lam_draws[[rows[(r.u, r.v, r.key)] for r in on.itertuples()]]
    rate_only = on["traversals"].to_numpy() @ lam  # the rates alone, at the estimate's quote
    lo, hi = np.quantile(rate_only, [0.05, 0.95])
    assert (south["hi"] - south["lo"]) / south["mean"] > (hi - lo) / rate_only.mean()
    # twice the people, 2 ** rho times the deaths (rho, the flow elasticity: each traveller's risk falls as more travel)
    double = predict_deaths(shipped, {"south": 6000}, period="2026-01..2026-06", n_draws=2000)
    ratio = double.directions.set_index("direction").loc["south", "mean"] / south["mean"]
    rho = est.fit.params["elasticity"]
    assert 0.4 < rho < 1.0
    assert 0.85 * 2**rho < ratio < 1.15 * 2**rho


def test_prediction_of_a_past_year_uses_its_flows(shipped: nx.MultiDiGraph) -> None:
    pred = predict_deaths(shipped, period="2024", n_draws=1000)
    darien = pred.units.set_index("unit").loc["darien-north"]
    assert darien["lo"] <= 177 <= darien["hi"] * 2  # of the order of what was recorded (177)
    assert any("mexico-upm" in n for n in pred.attrs["notes"])  # a series feeding no leg is named, not hidden
    split, ref = series_split(estimate_of(shipped), "darien", "north", "2024-12")
    assert ref == ["2024-01", "2024-12"] and split.max() <= 1.0 + 1e-9


def test_prediction_errors(shipped: nx.MultiDiGraph) -> None:
    with pytest.raises(DataError, match="has no risk estimate"):
        predict_deaths(load_network(risk=False), {"south": 1}, period="2026")
    with pytest.raises(DataError, match="nobody travels in 2030-01..2030-12"):
        predict_deaths(shipped, period="2030")
    with pytest.raises(ArgumentError, match="no series 'atlantis'"):
        predict_deaths(shipped, {"atlantis:north": 10}, period="2026")
    with pytest.raises(DataError, match="'mexico-upm' northbound has no month with travellers"):
        predict_deaths(shipped, {"mexico-upm": 10}, period="2026")


def test_cli_predict(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["predict", "--period", "2026-01..2026-03", "--flow", "3,000 southbound per month", "--legs",
                 "--draws", "500"]) == 0
    out = capsys.readouterr().out
    assert "3,000 persons per month in reverse-panama southbound" in out and "reverse-sea-south" in out
    assert "mansukun-la-miel-boat (south)" in out
    assert main(["predict", "--period", "2026", "--flow", "north=20000", "--format", "csv", "--draws", "500"]) == 0
    assert capsys.readouterr().out.startswith("level,name,traversals,mean,median,lo,hi\ndirection,north,")
    assert main(["predict", "--period", "2026", "--flow", "many"]) == 1
    assert "write '3,000 southbound per month'" in capsys.readouterr().err


def _my_flows(tmp_path: Path, months: list[str], persons: float = 9000.0) -> Path:
    path = tmp_path / "mine.csv"
    pd.DataFrame({"series": "darien", "direction": "north", "month": months, "persons": persons,
                  "method": "observed", "source": "Panama SNM, monthly bulletin"}).to_csv(path, index=False)
    return path


def test_user_flows_are_checked_stored_and_used(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _my_flows(tmp_path, ["2026-01", "2026-02", "2026-03"])
    assert main(["data", "flows", str(path)]) == 0
    out = capsys.readouterr().out
    assert "darien northbound 2026-01 to 2026-03" in out and stored_file("flows").is_file()
    merged = active_flows()
    assert merged.loc[(merged.series == "darien") & (merged.month == "2026-02"), "persons"].item() == 9000.0
    # later commands use them, and say so
    assert main(["predict", "--period", "2026-01..2026-03", "--draws", "500"]) == 0
    out = capsys.readouterr().out
    assert "your flows:" in out and "persons per month in darien northbound" in out
    assert main(["legs", "--corridor", "darien-acandi"]) == 0
    assert "your flows:" in capsys.readouterr().out
    # --flows points at another file; a gap after the shipped months is refused, naming it
    gap = _my_flows(tmp_path, ["2026-03"])
    assert main(["data", "flows", str(gap)]) == 1
    assert "months not contiguous, missing ['2026-01', '2026-02']" in capsys.readouterr().err
    with pytest.raises(DataError, match="no such file"):
        active_flows(tmp_path / "nope.csv")


def test_user_shares_override_a_stated_assumption(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = load_exposure_table()
    row = table[table["legs"] == "mansukun-la-miel-boat"].assign(share=0.6, share_lo=0.5, share_hi=0.7)
    path = tmp_path / "shares.csv"
    row.to_csv(path, index=False)
    assert main(["data", "shares", str(path)]) == 0
    assert "joined to the network and the flows" in capsys.readouterr().out
    merged = active_shares()
    assert len(merged) == len(table)
    assert merged[merged["legs"] == "mansukun-la-miel-boat"]["share"].tolist() == [0.6] * len(row)
    bad = row.assign(legs="atlantis-boat")
    bad.to_csv(path, index=False)
    assert main(["data", "shares", str(path)]) == 1
    assert "leg 'atlantis-boat' is not in the network" in capsys.readouterr().err


def test_merge_keeps_the_shipped_months() -> None:
    flows = load_flows()
    mine = flows[(flows.series == "darien") & (flows.month == "2025-12")].assign(persons="1").astype(str)
    merged = merge_flows(flows, mine)
    assert len(merged) == len(flows)
    assert merged.loc[(merged.series == "darien") & (merged.month == "2025-12"), "persons"].item() == 1.0
