"""The vocabulary: every mode has every property, and a new mode is one entry that the whole pipeline then carries."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import networkx as nx
import pytest
from toy import LEGS, legs_doc, places_doc, toy_exposure, toy_flows, toy_incidents, write

from routes import vocabulary
from routes.errors import ScenarioError
from routes.load import load_network
from routes.model.attribution import attribute_incidents
from routes.model.risk import estimate_risk
from routes.query.scoring import rank_paths
from routes.report.export import to_geojson
from routes.vocabulary import MODES, Mode


def test_every_mode_has_every_property() -> None:
    fields = {f.name for f in dataclasses.fields(Mode)}
    assert fields == {"name", "sea", "water", "speed_kmh", "reach_m", "spread", "vehicle"}
    for name, mode in MODES.items():
        assert mode.name == name
        assert all(isinstance(getattr(mode, f), bool) for f in ("sea", "water", "spread", "vehicle"))
        assert not (mode.vehicle and mode.water), f"{name}: a vehicle mode is on land"
        assert math.isfinite(mode.speed_kmh) and mode.speed_kmh > 0
        assert math.isfinite(mode.reach_m) and mode.reach_m > 0
        assert not mode.sea or mode.water, f"{name}: a sea mode is on water"
    assert vocabulary.SEA_MODES <= vocabulary.WATER_MODES <= set(MODES)


def test_one_window_check() -> None:
    assert vocabulary.check_window(None) is None
    with pytest.raises(ScenarioError, match=r"window \(2024, 2020\): the first year is after the last; try \(2020, "
                                            r"2024\)"):
        vocabulary.check_window((2024, 2020))
    with pytest.raises(ScenarioError, match="window must be \\(first_year, last_year\\), got 'soon'"):
        vocabulary.check_window("soon")


def test_periods_and_months() -> None:
    assert vocabulary.in_period("2021-12-31", None, "2021-12-31")
    assert not vocabulary.in_period("2022-01-01", None, "2021-12-31")
    assert vocabulary.in_period("2022-01-20", None, "2021-12-31", slack_days=31)
    assert vocabulary.in_period(None, "2030-01-01", None)  # an unknown day is in every period
    mask = vocabulary.in_periods(["2020-01-01", "2024-06-01", None], ["2021-01-01"] * 3, [None] * 3)
    assert mask.tolist() == [False, True, True]
    assert vocabulary.month_keys(["2024-03-05", None]).tolist() == ["2024-03", ""]


@pytest.fixture
def with_cable_car(monkeypatch: pytest.MonkeyPatch) -> Mode:
    """A new land mode that no leg has yet, added as one entry of the vocabulary (``rail`` was added that way)."""
    cable = Mode("cable_car", sea=False, water=False, speed_kmh=20.0, reach_m=5_000.0, spread=False, vehicle=True)
    monkeypatch.setitem(MODES, "cable_car", cable)  # type: ignore[index]
    return cable


@pytest.mark.usefixtures("with_cable_car")  # registers the mode for the test
def test_a_new_mode_is_matched_estimated_scored_and_exported(tmp_path: Path) -> None:
    legs = [dict(leg, mode="cable_car") if leg["id"] == "acandi-capurgana-foot" else leg for leg in LEGS]
    G = load_network(
        places=write(tmp_path, "p.geojson", places_doc()), legs=write(tmp_path, "l.geojson", legs_doc(legs)), risk=False
    )
    assert {d["mode"] for *_, d in G.edges(data=True)} >= {"cable_car"}
    # an incident beside the new line (between Acandí and Capurganá), a vehicle death: matched to it
    incidents = toy_incidents([{"lon": -77.31, "lat": 8.585, "cause": "Vehicle accident", "dead": 2}])
    attributed = attribute_incidents(G, incidents)
    assert attributed["leg"].iloc[0] == "acandi-capurgana-foot" and attributed["match"].iloc[0] != "off_network"
    H = estimate_risk(G, incidents, toy_flows(), exposure=toy_exposure(), seed=1)
    new_edges = [d for *_, d in H.edges(data=True) if d["mode"] == "cable_car"]
    assert new_edges and all(d["p_death"] > 0 and d["deaths"] > 0 for d in new_edges)
    ranked = rank_paths(H, "acandi", "la-miel", k=3)
    assert any("acandi-capurgana-foot" in legs for legs in ranked["legs"])
    to_geojson(H, tmp_path / "net.geojson")
    modes = {f["properties"]["mode"] for f in json.loads((tmp_path / "net.geojson").read_text())["features"]}
    assert "cable_car" in modes
    assert isinstance(H, nx.MultiDiGraph)


def test_rail_is_a_land_vehicle_mode() -> None:
    rail = MODES["rail"]
    assert (rail.sea, rail.water, rail.vehicle, rail.speed_kmh, rail.reach_m) == (False, False, True, 10.0, 6_000.0)
    assert {"road", "rail"} == vocabulary.VEHICLE_MODES


def test_vehicle_accidents_prefer_rail_like_road(tmp_path: Path) -> None:
    # the rail line runs along the coast path Acandí - Capurganá; a foot trail is the other leg near the incident
    legs = [dict(leg, mode="rail") if leg["id"] == "acandi-capurgana-foot" else leg for leg in LEGS]
    G = load_network(
        places=write(tmp_path, "p.geojson", places_doc()), legs=write(tmp_path, "l.geojson", legs_doc(legs)), risk=False
    )
    # 2.1 km from the rail line, 1.6 km from the Capurganá - La Miel border trail: distance alone picks the trail
    near = {"lon": -77.364, "lat": 8.644}
    by_cause = attribute_incidents(G, toy_incidents([dict(near, cause="Vehicle accident / death linked to hazardous "
                                                                       "transport"), dict(near, cause="Violence")]))
    assert by_cause["leg"].tolist() == ["acandi-capurgana-foot", "capurgana-la-miel-foot"]
