"""The scored units and the frozen 'observed' rule: defined once, pinned on the shipped snapshot."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from routes import load_network
from routes.errors import DataError
from routes.io.flows import load_flows
from routes.model.estimate import estimate_of
from routes.model.exposure import load_exposure_table
from routes.model.legyears import feeding_groups, leg_years, series_by_year
from routes.model.risk import estimate_risk
from routes.model.units import DARIEN_CORRIDORS, observed_deaths, observed_estimate, scored_units

#: dead and missing the frozen rule puts on each unit, 2019-2025, on the shipped snapshot (recorded when the rule was
#: frozen, issue 13): a change of the package's attribution must keep this rule for scoring
OBSERVED = {
    "darien-north": [40.0, 4.0, 49.0, 144.0, 51.0, 177.0, 4.1],
    "honduras-north": [0.0, 0.0, 0.0, 10.0, 10.0, 1.0, 1.1],
    "reverse-sea-south": [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 4.0],
}


@pytest.fixture(scope="module")
def shipped() -> nx.MultiDiGraph:
    return load_network()


def test_units_of_the_shipped_network(shipped: nx.MultiDiGraph) -> None:
    units = scored_units(shipped, estimate_of(shipped))
    assert [u.name for u in units] == ["darien-north", "honduras-north", "reverse-sea-south", "san-andres-sea-north"]
    by = {u.name: u for u in units}
    for u in units:
        assert {shipped.edges[e]["direction"] for e in u.edges} == {u.direction}
    assert all(
        any(shipped.edges[e]["corridor"].startswith(p) for p in DARIEN_CORRIDORS) for e in by["darien-north"].edges
    )
    assert {shipped.edges[e]["mode"] for e in by["reverse-sea-south"].edges} == {"sea_boat"}
    assert ("mansukun", "la-miel", "mansukun-la-miel-boat") in by["reverse-sea-south"].edges
    assert all(shipped.edges[e]["corridor"].startswith("honduras") for e in by["honduras-north"].edges)
    # every Darién trail leg northbound is in the Darién unit
    trails = {e for e in shipped.edges(keys=True) if shipped.edges[e]["corridor"] == "darien-acandi"
              and shipped.edges[e]["direction"] == "north"}
    assert trails <= set(by["darien-north"].edges)


def test_observed_is_frozen_on_the_shipped_snapshot(shipped: nx.MultiDiGraph) -> None:
    frozen = observed_estimate(load_network(risk=False))
    table = observed_deaths(scored_units(shipped, frozen), frozen, range(2019, 2026))
    for unit, values in OBSERVED.items():
        assert table.loc[unit].round(1).tolist() == values, unit


def test_observed_matches_the_hand_count_of_the_darien(shipped: nx.MultiDiGraph) -> None:
    """Observed = the nearest-leg attribution of the previous model's estimate (the same numbers as its edges')."""
    H = estimate_risk(load_network(risk=False), window=(2022, 2022), draws=100, model="v1")
    unit = scored_units(shipped, estimate_of(shipped))[0]
    by_edges = sum(H.edges[e]["deaths"] for e in unit.edges)
    assert by_edges == pytest.approx(OBSERVED["darien-north"][3], abs=0.05)


def test_a_long_flow_series_is_a_unit_of_its_own() -> None:
    G = load_network(risk=False)
    flows = load_flows()
    extra = flows[flows["series"] == "honduras-entries"].assign(series="test-entries", method="estimate")
    table = load_exposure_table()
    rows = table[table["series"] == "honduras-entries"].assign(series="test-entries")
    import pandas as pd

    both = pd.concat([table, rows], ignore_index=True)
    H = estimate_risk(G, flows=pd.concat([flows, extra]).astype(str), exposure=both, draws=100)
    units = scored_units(H, estimate_of(H))
    names = [u.name for u in units]
    assert names[:3] == ["darien-north", "honduras-north", "reverse-sea-south"]
    assert "test-entries-north" in names
    # a series with fewer than three years of counts is not a unit
    short = extra[extra["month"] >= "2024-01"]
    H = estimate_risk(G, flows=pd.concat([flows, short]).astype(str), exposure=both, draws=100)
    assert "test-entries-north" not in [u.name for u in scored_units(H, estimate_of(H))]


def test_a_missing_series_is_named(shipped: nx.MultiDiGraph) -> None:
    est = estimate_of(shipped)
    assert est is not None
    import dataclasses

    bad = dataclasses.replace(est, flows=est.flows[est.flows["series"] != "reverse-panama"])
    with pytest.raises(DataError, match="reverse-sea-south"):
        scored_units(shipped, bad)


def test_leg_years_add_up(shipped: nx.MultiDiGraph) -> None:
    est = estimate_of(shipped)
    ly = leg_years(est, range(2014, 2026))
    # every attributed death of those years is in the arrays, once
    a = est.allocation
    years = a["date"].dt.year
    assert ly.deaths.sum() == pytest.approx(a.loc[years.between(2014, 2025), "deaths"].sum())
    assert ly.counts.sum() == pytest.approx(a.loc[years.between(2014, 2025), "weight"].sum())
    assert np.allclose(np.bincount(ly.incident_edge, weights=ly.incident_weight * ly.incident_size,
                                   minlength=len(ly.edges)), ly.deaths.sum(axis=1))
    # travellers by year equal the monthly exposure summed
    assert ly.exposure.sum() == pytest.approx(
        est.exposure.central[:, (est.exposure.months.year >= 2014) & (est.exposure.months.year <= 2025)].sum()
    )
    groups = feeding_groups(est)
    assert len(groups) == len(ly.edges) and "darien:north" in set(groups)
    assert series_by_year(est.flows, "darien", "north", [2022]).tolist() == [248284.0]
    with pytest.raises(DataError, match="no year"):
        leg_years(est, [])
