"""Tests of attribution, exposure and risk estimation on the toy corridor (and a few on the shipped data)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString
from toy import legs_doc, places_doc, toy_exposure, toy_flows, toy_incidents, write

from routes.errors import DataError, UnknownLegError
from routes.load import load_network
from routes.model.attribution import attribute_incidents
from routes.model.estimate import estimate_of
from routes.model.exposure import build_exposure, load_exposure_table
from routes.model.risk import estimate_risk
from routes.report.explain import explain_leg


@pytest.fixture()
def toy(tmp_path: Path) -> nx.MultiDiGraph:
    return load_network(
        places=write(tmp_path, "p.geojson", places_doc()), legs=write(tmp_path, "l.geojson", legs_doc()), risk=False
    )


def _two_lines() -> nx.MultiDiGraph:
    """A boat along the coast at 9.00 N and a trail ashore at 9.05 N, both 22 km long (a hand-made network)."""
    G = nx.MultiDiGraph(crs="EPSG:4326")
    for n, (x, y) in {"a": (-77.5, 9.0), "b": (-77.3, 9.0), "c": (-77.5, 9.05), "d": (-77.3, 9.05)}.items():
        G.add_node(n, x=x, y=y, country="PAN")
    G.add_edge(
        "a",
        "b",
        key="boat",
        leg="boat",
        mode="sea_boat",
        direction="south",
        geometry=LineString([(-77.5, 9.0), (-77.3, 9.0)]),
    )
    G.add_edge(
        "c",
        "d",
        key="trail",
        leg="trail",
        mode="jungle_foot",
        direction="north",
        geometry=LineString([(-77.5, 9.05), (-77.3, 9.05)]),
    )
    return G


# ------------------------------------------------------------------------------------------------ attribution
def test_drowning_goes_to_water_violence_to_land() -> None:
    G = _two_lines()
    # 3.3 km off the boat's line, 2.2 km from the trail: a drowning belongs to the boat, a killing to the trail
    inc = toy_incidents(
        [{"lon": -77.4, "lat": 9.03, "cause": "Drowning"}, {"lon": -77.4, "lat": 9.03, "cause": "Violence"}]
    )
    out = attribute_incidents(G, inc)
    assert out.loc[0, "leg"] == "boat" and out.loc[0, "direction"] == "south"
    assert out.loc[1, "leg"] == "trail" and out.loc[1, "direction"] == "north"
    assert out.loc[0, "distance_m"] == pytest.approx(3318, rel=0.02)
    assert out.loc[1, "distance_m"] == pytest.approx(2212, rel=0.02)


def test_nothing_dropped_and_off_network_reported(toy: nx.MultiDiGraph) -> None:
    inc = toy_incidents([
        {"lon": -76.9, "lat": 8.45},                                    # in the gulf: attributed
        {"lon": -90.0, "lat": 15.0},                                    # far away: off the network
        {"lon": -76.9, "lat": 8.45, "route": "US-Mexico border crossing"},  # another route
        {"lon": -76.9, "lat": 8.45, "coord_quality": "missing"},
    ])
    before = inc.copy()
    out = attribute_incidents(toy, inc)
    assert len(out) == len(inc)
    assert list(out["main_id"]) == list(inc["main_id"])
    pd.testing.assert_frame_equal(inc, before)  # the input is not modified
    assert out.loc[0, "match"] in ("good", "fair")
    assert (out.loc[1:, "match"] == "off_network").all()
    assert "no leg within reach" in out.loc[1, "match_reason"]
    assert "outside the corridor" in out.loc[2, "match_reason"]
    assert out.loc[3, "match_reason"] == "no usable position"
    for c in ("u", "v", "key", "direction", "distance_m", "match"):
        assert c in out.columns


def test_travelled_legs_preferred_to_idle_ones() -> None:
    G = _two_lines()
    inc = toy_incidents([{"lon": -77.4, "lat": 9.03, "cause": "Drowning", "date": "2024-03-01"}])
    assert attribute_incidents(G, inc).loc[0, "leg"] == "boat"  # a drowning goes to water
    out = attribute_incidents(G, inc, travelled={("trail", "2024-03")})
    assert out.loc[0, "leg"] == "trail"  # but no boat ran that month: a river crossing on the trail people were on


def test_route_tag_fallback_for_generic_darien_positions() -> None:
    G = _two_lines()
    G.edges["c", "d", "trail"]["corridor"] = "darien-acandi"
    G.edges["a", "b", "boat"]["corridor"] = "guna-yala-sea"
    # 30 km south of the trail: beyond every mode's reach, but tagged Darien
    inc = toy_incidents([{"lon": -77.4, "lat": 8.78, "route": "Darien", "cause": "Violence"},
                         {"lon": -77.4, "lat": 8.78, "route": "", "cause": "Violence"}])
    out = attribute_incidents(G, inc)
    assert out.loc[0, "leg"] == "trail" and out.loc[0, "match"] == "route_tag"
    assert out.loc[1, "match"] == "off_network"


def test_period_of_use_excludes_closed_legs() -> None:
    G = _two_lines()
    G.edges["a", "b", "boat"]["period_start"] = "2024-11-01"  # the southbound boats began in late 2024
    inc = toy_incidents(
        [{"lon": -77.4, "lat": 9.01, "date": "2024-02-14"}, {"lon": -77.4, "lat": 9.01, "date": "2025-02-21"}]
    )
    out = attribute_incidents(G, inc)
    assert out.loc[0, "leg"] == "trail"
    assert out.loc[1, "leg"] == "boat"


def test_direction_shared_by_flows(toy: nx.MultiDiGraph) -> None:
    lon, lat = -77.07, 8.55  # mid-gulf, on the two-way Necoclí-Capurganá boat
    out = attribute_incidents(
        toy,
        toy_incidents([{"lon": lon, "lat": lat, "date": "2024-03-10"}]),
        flows_share=pd.DataFrame({"leg": ["necocli-capurgana-boat"], "month": ["2024-03"], "share_north": [0.9]}),
    )
    if out.loc[0, "leg"] == "necocli-capurgana-boat":
        assert out.loc[0, "share_north"] == pytest.approx(0.9)
        assert out.loc[0, "direction"] == "north"
        assert out.loc[0, "direction_basis"] == "flows of the month"
    assert out.loc[0, "share_north"] + out.loc[0, "share_south"] == pytest.approx(1.0)


def test_attribution_requires_columns(toy: nx.MultiDiGraph) -> None:
    inc = toy_incidents([{"lon": -76.9, "lat": 8.45}]).drop(columns=["cause"])
    with pytest.raises(DataError, match=r"lacks column\(s\) \['cause'\]"):
        attribute_incidents(toy, inc)


# ------------------------------------------------------------------------------------------------ exposure
def test_exposure_table_errors(toy: nx.MultiDiGraph, tmp_path: Path) -> None:
    t = toy_exposure()
    t.loc[0, "share"] = 1.5
    with pytest.raises(DataError, match=r"row 2: need 0 <= share_lo <= share <= share_hi <= 1"):
        load_exposure_table(t)
    t = toy_exposure()
    t.loc[1, "legs"] = "no-such-leg"
    with pytest.raises(DataError, match=r"row 3: leg 'no-such-leg' is not in the network"):
        build_exposure(toy, toy_flows(), load_exposure_table(t))
    t = toy_exposure()
    t.loc[0, "series"] = "nope"
    with pytest.raises(DataError, match=r"no flow series 'nope'"):
        build_exposure(toy, toy_flows(), load_exposure_table(t))
    (tmp_path / "x.csv").write_text("a,b\n1,2\n")
    with pytest.raises(DataError, match=r"x.csv: missing column"):
        load_exposure_table(tmp_path / "x.csv")


def test_exposure_sums(toy: nx.MultiDiGraph) -> None:
    exp = build_exposure(toy, toy_flows(), load_exposure_table(toy_exposure()))
    i = exp.edge_index()[("necocli", "capurgana", "necocli-capurgana-boat")]
    assert exp.central[i].sum() == pytest.approx(12 * 1000 * 0.5)
    assert (exp.low <= exp.central).all() and (exp.central <= exp.high).all()


# ------------------------------------------------------------------------------------------------ estimation
@pytest.fixture()
def estimated(toy: nx.MultiDiGraph) -> nx.MultiDiGraph:
    inc = toy_incidents(
        [{"lon": -77.07, "lat": 8.55, "dead": 3, "missing": 1, "date": f"2024-{m:02d}-10"} for m in (1, 2, 3)]
        + [{"lon": -77.31, "lat": 8.58, "cause": "Violence", "dead": 1, "date": "2024-07-01"}]
    )
    return estimate_risk(toy, inc, toy_flows(), exposure=toy_exposure(), seed=1)


def test_estimate_invariants(toy: nx.MultiDiGraph, estimated: nx.MultiDiGraph) -> None:
    assert "p_death" not in next(iter(toy.edges(data=True)))[2]  # the input graph is not modified
    details = estimate_of(estimated)
    on = details.incidents[details.incidents["match"] != "off_network"]
    # conservation: every attributed death is on some edge, shared between directions
    total = sum(d["deaths"] for *_, d in estimated.edges(data=True))
    assert total == pytest.approx(float((on["dead"] + on["missing"]).sum()))
    for *_, d in estimated.edges(data=True):
        assert 0 <= d["p_death_lo"] <= d["p_death"] <= d["p_death_hi"] <= 1
        assert d["p_death"] == pytest.approx(1 - (d["risk_rate"] / (d["risk_rate"] + 1)) ** d["risk_shape"])
        assert len(d["season"]) == 12 and all(f > 0 for f in d["season"])
        assert d["evidence"] in ("none", "no deaths", "weak", "moderate", "strong")


def test_more_deaths_more_risk(toy: nx.MultiDiGraph) -> None:
    base = [{"lon": -77.07, "lat": 8.55, "dead": 1}]
    a = estimate_risk(toy, toy_incidents(base), toy_flows(), exposure=toy_exposure())
    b = estimate_risk(toy, toy_incidents(base * 5), toy_flows(), exposure=toy_exposure())
    e = ("necocli", "capurgana", "necocli-capurgana-boat")
    assert b.edges[e]["p_death"] > a.edges[e]["p_death"]


def test_reproducible(toy: nx.MultiDiGraph) -> None:
    inc = toy_incidents([{"lon": -77.07, "lat": 8.55, "dead": 2}])
    a = estimate_risk(toy, inc, toy_flows(), exposure=toy_exposure(), seed=3)
    b = estimate_risk(toy, inc, toy_flows(), exposure=toy_exposure(), seed=3)
    assert [d["p_death_hi"] for *_, d in a.edges(data=True)] == [d["p_death_hi"] for *_, d in b.edges(data=True)]


def test_window_excludes_years(toy: nx.MultiDiGraph) -> None:
    flows = toy_flows([f"{y}-{m:02d}" for y in (2022, 2023, 2024) for m in range(1, 13)])
    # the second incident is off the network: it only says the table covers 2022 to 2024
    inc = toy_incidents([{"lon": -77.07, "lat": 8.55, "dead": 5, "date": "2022-05-01"},
                         {"lon": -90.0, "lat": 15.0, "dead": 1, "date": "2024-12-01"}])
    full = estimate_risk(toy, inc, flows, exposure=toy_exposure())
    recent = estimate_risk(toy, inc, flows, exposure=toy_exposure(), window=(2023, 2024))
    assert sum(d["deaths"] for *_, d in recent.edges(data=True)) == 0
    assert sum(d["deaths"] for *_, d in full.edges(data=True)) == pytest.approx(5)
    with pytest.raises(ValueError, match="first year is after the last"):
        estimate_risk(toy, inc, flows, exposure=toy_exposure(), window=(2024, 2023))
    with pytest.raises(DataError, match=r"no travellers to count in the window \(2030, 2031\)"):
        estimate_risk(toy, inc, flows, exposure=toy_exposure(), window=(2030, 2031))


def test_travellers_count_only_where_incidents_are_recorded(toy: nx.MultiDiGraph) -> None:
    """Flows before the incident record begins must not dilute the rate: those deaths are unknown, not zero."""
    flows = toy_flows([f"{y}-{m:02d}" for y in (2012, 2013, 2014) for m in range(1, 13)])
    inc = toy_incidents([{"lon": -77.07, "lat": 8.55, "dead": 2, "date": "2014-06-01"}])
    H = estimate_risk(toy, inc, flows, exposure=toy_exposure())
    e = ("necocli", "capurgana", "necocli-capurgana-boat")
    assert H.edges[e]["exposure"] == pytest.approx(6 * 1000 * 0.5)  # Jan-Jun 2014 only, not 2012-2013


def test_half_life_weighs_recent_years_more(toy: nx.MultiDiGraph) -> None:
    flows = toy_flows([f"{y}-{m:02d}" for y in range(2020, 2025) for m in range(1, 13)])
    # each record also holds an off-network death at the other date, so both cover 2020-01 to 2024-05 and only the
    # date of the deaths on the leg differs
    old = toy_incidents([{"lon": -77.07, "lat": 8.55, "dead": 4, "date": "2020-05-01"},
                         {"lon": -90.0, "lat": 15.0, "dead": 1, "date": "2024-05-01"}])
    new = toy_incidents([{"lon": -77.07, "lat": 8.55, "dead": 4, "date": "2024-05-01"},
                         {"lon": -90.0, "lat": 15.0, "dead": 1, "date": "2020-05-01"}])
    e = ("necocli", "capurgana", "necocli-capurgana-boat")

    def p(inc: gpd.GeoDataFrame) -> float:
        return estimate_risk(toy, inc, flows, exposure=toy_exposure(), half_life_years=1.0).edges[e]["p_death"]

    assert p(new) > p(old)  # the same deaths count more when they are recent
    flat_old = estimate_risk(toy, old, flows, exposure=toy_exposure()).edges[e]["p_death"]
    flat_new = estimate_risk(toy, new, flows, exposure=toy_exposure()).edges[e]["p_death"]
    assert flat_old == pytest.approx(flat_new, rel=0.05)  # without decay, when they happened does not matter


def test_dead_only(toy: nx.MultiDiGraph) -> None:
    inc = toy_incidents([{"lon": -77.07, "lat": 8.55, "dead": 1, "missing": 9}])
    both = estimate_risk(toy, inc, toy_flows(), exposure=toy_exposure())
    dead = estimate_risk(toy, inc, toy_flows(), exposure=toy_exposure(), count="dead")
    assert sum(d["deaths"] for *_, d in both.edges(data=True)) == pytest.approx(10)
    assert sum(d["deaths"] for *_, d in dead.edges(data=True)) == pytest.approx(1)


def test_seasonality_is_normalised(estimated: nx.MultiDiGraph) -> None:
    exp = estimate_of(estimated).exposure
    for (u, v, k) in exp.edges:
        d = estimated.edges[u, v, k]
        i = exp.edge_index()[(u, v, k)]
        if exp.central[i].sum() > 0:
            # the toy exposure is flat across months, so the factors average to 1
            assert np.mean(d["season"]) == pytest.approx(1.0, rel=1e-3)
    sea = estimated.edges["necocli", "capurgana", "necocli-capurgana-boat"]["season"]
    assert max(sea[:3]) > 1.0 > sea[4]  # incidents in Jan-Mar only: those months weigh more


def test_explain_leg(estimated: nx.MultiDiGraph) -> None:
    ex = explain_leg(estimated, "necocli-capurgana-boat")
    assert set(ex.edges["direction"]) == {"north", "south"}
    # the three drownings at one position are shared with the parallel legs within reach (by travellers, distance
    # and cause); the death by violence on the shore gives the boats less of itself (violence fits sea legs at 0.2)
    share = ex.incidents.groupby("main_id")["share"].sum()
    assert set(share.index) == {"T0", "T1", "T2", "T3"}
    # identical positions, identical splits; and each incident's shares over every edge add up to one
    assert share[["T0", "T1", "T2"]].nunique() == 1 and share["T3"] < share["T0"]
    alloc = estimate_of(estimated).allocation
    assert alloc.groupby("main_id")["weight"].sum().to_numpy() == pytest.approx(1.0)
    text = str(ex)
    assert "Assumptions" in text and "How the number is made" in text and "prior weight w =" in text
    assert "<table" in ex._repr_html_()
    with pytest.raises(UnknownLegError, match="did you mean 'necocli-capurgana-boat'"):
        explain_leg(estimated, "necocli-capurgana-bot")


def test_bad_arguments(toy: nx.MultiDiGraph) -> None:
    inc = toy_incidents([{"lon": -77.07, "lat": 8.55}])
    with pytest.raises(ValueError, match="count must be"):
        estimate_risk(toy, inc, toy_flows(), exposure=toy_exposure(), count="bodies")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="half_life_years must be positive"):
        estimate_risk(toy, inc, toy_flows(), exposure=toy_exposure(), half_life_years=0)


# ------------------------------------------------------------------------------------------------ the shipped data
DARIEN = ("darien-acandi", "darien-carreto", "darien-capurgana", "darien-rivers", "caribbean-bypass")


@pytest.fixture(scope="module")
def shipped() -> nx.MultiDiGraph:
    return load_network()


def _in_box(line: object) -> bool:
    p = line.representative_point()  # type: ignore[attr-defined]
    return bool(7 <= p.y <= 9 and -78.5 <= p.x <= -76.8)


@pytest.mark.parametrize(("year", "low", "high"), [(2022, 0.5, 0.65), (2023, 0.07, 0.13), (2024, 0.5, 0.65)])
def test_darien_rates_match_published_and_hand_figures(year: int, low: float, high: float) -> None:
    """Darién northbound, one year at a time: the model's deaths over crossings equal the hand computation."""
    from routes.io.flows import load_flows
    from routes.io.snapshot import load_incidents

    inc = load_incidents()
    box = inc[inc["lat"].between(7, 9) & inc["lon"].between(-78.5, -76.8) & (inc["date"].dt.year == year)]
    flows = load_flows()
    crossings = flows[(flows["series"] == "darien") & (flows["month"].str[:4] == str(year))]["persons"].sum()
    hand = 1000 * (box["dead"] + box["missing"]).sum() / crossings  # published: 0.5-0.6 (2022, 2024), ~0.1 (2023)
    assert low <= hand <= high

    H = estimate_risk(load_network(risk=False), window=(year, year))
    # the Darién corridors' legs, and any other leg inside the box (soft attribution shares a death near Lajas Blancas
    # with the road that starts there)
    north = [d for *_, d in H.edges(data=True) if d["direction"] == "north" and (
        d["corridor"] in DARIEN or _in_box(d["geometry"]))]
    model_deaths = sum(d["deaths"] for d in north)
    model = 1000 * model_deaths / crossings
    assert model == pytest.approx(hand, rel=0.05)
    # the posterior rates carry those deaths: sum over legs of exposure x rate is of the order of the deaths (above
    # them in a year as unusual as 2023, which one year's pooling pulls toward the other corridors, and since the
    # uncertain shares and hyperparameters make the mean risk larger: Jensen)
    expected = sum(d["exposure"] * d["p_death"] for d in north)
    assert 0.8 * model_deaths <= expected <= 1.8 * model_deaths
    assert low <= model <= high


def test_mansukun_capsizing_is_on_a_southbound_guna_yala_boat(shipped: nx.MultiDiGraph) -> None:
    inc = estimate_of(shipped).incidents
    row = inc[inc["main_id"] == "2025.MMP0097"].iloc[0]
    edge = shipped.edges[row["u"], row["v"], row["key"]]
    assert row["direction"] == "south"
    assert edge["corridor"] == "guna-yala-sea" and edge["mode"] == "sea_boat"
    assert row["leg"] == "mansukun-la-miel-boat"


def test_2024_darien_deaths_are_northbound(shipped: nx.MultiDiGraph) -> None:
    inc = estimate_of(shipped).incidents
    d24 = inc[(inc["date"].dt.year == 2024) & inc["leg"].isin(
        [k for *_, k, d in shipped.edges(keys=True, data=True) if d["corridor"] in DARIEN])]
    share = ((d24["dead"] + d24["missing"]) * d24["share_north"]).sum() / (d24["dead"] + d24["missing"]).sum()
    assert share > 0.99


def test_every_edge_has_risk(shipped: nx.MultiDiGraph) -> None:
    for u, v, k, d in shipped.edges(keys=True, data=True):
        assert 0 <= d["p_death_lo"] <= d["p_death"] <= d["p_death_hi"] < 0.05, (u, v, k)


def test_exclude_an_incident_entered_twice(toy: nx.MultiDiGraph) -> None:
    inc = toy_incidents([{"lon": -77.07, "lat": 8.55, "dead": 1, "main_id": "A"},
                         {"lon": -77.07, "lat": 8.551, "dead": 1, "main_id": "B"}])
    both = estimate_risk(toy, inc, toy_flows(), exposure=toy_exposure())
    once = estimate_risk(toy, inc, toy_flows(), exposure=toy_exposure(), exclude=["B"])
    assert sum(d["deaths"] for *_, d in both.edges(data=True)) == pytest.approx(2)
    assert sum(d["deaths"] for *_, d in once.edges(data=True)) == pytest.approx(1)
    kept = estimate_of(once).incidents
    assert len(kept) == 2 and kept.loc[kept["main_id"] == "B", "match"].item() == "excluded"
    with pytest.raises(ValueError, match=r"no incident has main_id \['Z'\]"):
        estimate_risk(toy, inc, toy_flows(), exposure=toy_exposure(), exclude=["Z"])


def test_an_estimated_flow_widens_the_interval() -> None:
    """Flow months the source gives as estimates (method "estimate") carry a range: the legs they feed get a wider
    interval than from the same months counted, around much the same risk."""
    from routes.io.flows import load_flows
    from routes.model.graph_fit import ESTIMATED_FLOW_FACTOR

    G = load_network(risk=False)
    flows = load_flows()
    counted = estimate_risk(G, flows=flows.assign(method="observed").astype(str), draws=2000)
    guessed = estimate_risk(G, flows=flows.assign(method="estimate").astype(str), draws=2000)
    e = ("cerro-de-haiti", "bajo-chiquito", "cerro-de-haiti-bajo-chiquito-foot")
    a, b = counted.edges[e], guessed.edges[e]
    assert ESTIMATED_FLOW_FACTOR > 1
    # wider by more than the draws' own noise (about 0.3% between two seeds' streams here)
    assert b["p_death_hi"] / b["p_death_lo"] > 1.05 * a["p_death_hi"] / a["p_death_lo"]
    assert b["p_death"] == pytest.approx(a["p_death"], rel=0.25)
