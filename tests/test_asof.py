"""An estimate as of a date uses only what was known before it: incidents, flows and shares."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import networkx as nx
import pandas as pd
import pytest

from routes import load_network
from routes.cli import main
from routes.errors import ArgumentError, ArgumentTypeError, DataError
from routes.io.flows import load_flows
from routes.io.snapshot import load_incidents
from routes.model.asof import check_as_of, known_incidents, known_shares
from routes.model.estimate import estimate_of
from routes.model.exposure import load_exposure_table
from routes.model.risk import RISK_ATTRS, estimate_risk

AS_OF = "2021-01-01"


@pytest.fixture(scope="module")
def bare() -> nx.MultiDiGraph:
    return load_network(risk=False)


def _risk(H: nx.MultiDiGraph) -> dict[tuple[str, str, str], tuple[object, ...]]:
    return {(u, v, k): tuple(d[a] for a in RISK_ATTRS) for u, v, k, d in H.edges(keys=True, data=True)}


def _later_copies(incidents: gpd.GeoDataFrame, when: list[str]) -> gpd.GeoDataFrame:
    """Copies of the deadliest Darién incident of 2019, dated ``when`` (after the as-of date), with new ids."""
    darien = incidents[incidents["lat"].between(7, 9) & incidents["lon"].between(-78.5, -76.8)
                       & (incidents["date"].dt.year == 2019)]
    row = darien.loc[[(darien["dead"] + darien["missing"]).idxmax()]]
    copies = []
    for i, day in enumerate(when):
        c = row.copy()
        c["date"] = pd.Timestamp(day)
        c["year"], c["month"] = c["date"].dt.year.astype("Int64"), c["date"].dt.month.astype("Int64")
        c["main_id"] = f"TEST.LATER{i}"
        c["incident_ids"] = c["main_id"]
        copies.append(c)
    out = gpd.GeoDataFrame(pd.concat([incidents, *copies], ignore_index=True), crs=incidents.crs)
    out.attrs = dict(incidents.attrs)
    return out


def test_incidents_and_flows_after_as_of_change_nothing(bare: nx.MultiDiGraph) -> None:
    incidents = load_incidents()
    before = estimate_risk(bare, incidents, as_of=AS_OF, draws=200)
    # more deaths after the date (even on the first days of its month), and other flows after it
    more = _later_copies(incidents, ["2021-01-01", "2021-03-05", "2023-07-20"])
    flows = load_flows()
    later = flows["month"] >= "2021-01"
    flows.loc[later, "persons"] = flows.loc[later, "persons"] * 3 + 1
    after = estimate_risk(bare, more, flows.astype(str), as_of=AS_OF, draws=200)
    assert _risk(after) == _risk(before)
    est_b, est_a = estimate_of(before), estimate_of(after)
    assert est_a is not None and est_b is not None
    assert est_a.allocation.equals(est_b.allocation)
    assert est_a.incidents["date"].max() < pd.Timestamp(AS_OF)
    assert str(est_a.exposure.months.max()) == "2020-12"


def test_an_incident_before_as_of_does_count(bare: nx.MultiDiGraph) -> None:
    incidents = load_incidents()
    before = estimate_risk(bare, incidents, as_of=AS_OF, draws=200)
    more = _later_copies(incidents, ["2020-11-20"])
    after = estimate_risk(bare, more, as_of=AS_OF, draws=200)
    assert _risk(after) != _risk(before)
    added = sum(d["deaths"] for *_, d in after.edges(data=True)) - sum(d["deaths"] for *_, d in before.edges(data=True))
    row = more.iloc[-1]
    assert added == pytest.approx(float(row["dead"] + row["missing"]), rel=1e-6)


def test_default_is_the_whole_snapshot_and_says_so(bare: nx.MultiDiGraph) -> None:
    from routes.query.scoring import period

    H = load_network()
    assert "as_of" not in H.graph["risk_settings"]
    when = period(H)
    assert when["as_of"] == f"{load_incidents()['date'].max():%Y-%m-%d}" and not when["as_of_given"]
    G = estimate_risk(bare, as_of=dt.date(2023, 6, 15), draws=200)
    assert G.graph["risk_settings"]["as_of"] == "2023-06-15"
    when = period(G)
    assert when["as_of"] == "2023-06-15" and when["as_of_given"] and when["incidents_to"] <= "2023-05"


def test_shares_of_series_not_yet_counted_are_left_out() -> None:
    table = load_exposure_table()
    flows = load_flows()
    known = known_shares(table, flows[flows["month"] < "2021-01"], dt.date(2021, 1, 1))
    assert "reverse-panama" not in set(known["series"]) and "honduras-dtm" not in set(known["series"])
    assert (known["period_start"].str.strip().replace("", "0000") < "2021-01").all()
    assert set(known.index) <= set(table.index)  # the file's row numbers are kept for messages


def test_as_of_errors(bare: nx.MultiDiGraph) -> None:
    with pytest.raises(ArgumentError, match="not a date; write it as YYYY-MM-DD"):
        check_as_of("01/02/2021")
    with pytest.raises(ArgumentTypeError, match="must be a date"):
        check_as_of(2021)
    with pytest.raises(DataError, match="no flow month before it"):
        estimate_risk(bare, as_of="2009-06-01", draws=200)
    undated = load_incidents().head(3).copy()
    undated["date"] = pd.NaT
    assert known_incidents(undated, dt.date(2021, 1, 1)).empty


def test_cli_as_of(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["legs", "--as-of", "2022-01-01", "--format", "csv", "--corridor", "darien-acandi"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("leg,")
    assert main(["legs", "--as-of", "2022-01-01", "--corridor", "darien-acandi"]) == 0
    assert "as of 2022-01-01 (only the incidents and flows known before it)" in capsys.readouterr().out
    assert main(["legs", "--as-of", "2022-13-01"]) == 2
    assert "is not a date" in capsys.readouterr().err
