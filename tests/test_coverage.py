"""Coverage of the shipped incidents by the network (issue 14), the incident overrides, and the travellers of the
corridors the issue added."""

from __future__ import annotations

import functools
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from toy import line_graph, toy_incidents

import routes
from routes.errors import ArgumentError, DataError
from routes.io.flows import load_flows
from routes.model.exposure import build_exposure, load_exposure_table
from routes.model.overrides import OVERRIDE, read_overrides
from routes.report.coverage import COVERAGE_BOX, REASONS, coverage, read_offnet_reasons

#: the corridors issue 14 added: each of their directed edges has travellers
NEW_CORRIDORS = {"san-andres-sea", "nicaragua-caribbean", "guatemala-peten", "el-salvador", "mexico-rail"}
#: directed edges nobody is known to travel, all older than issue 14 (the split pieces keep the idle south edge of the
#: road they were cut from); a new edge without travellers fails the test below: never a silent zero
IDLE_BEFORE = {
    ("acandi-capurgana-boat", "north"), ("acandi-capurgana-boat", "south"), ("arriaga-tuxtla-gutierrez-road", "south"),
    ("catazaja-villahermosa-road", "south"), ("chepo-panama-city-road", "south"), ("david-gualaca-road", "north"),
    ("david-gualaca-road", "south"), ("gualaca-los-planes-road", "north"), ("gualaca-los-planes-road", "south"),
    ("huixtla-arriaga-road", "south"), ("ixtapa-villahermosa-road", "south"), ("la-miel-puerto-obaldia-foot", "south"),
    ("meteti-chepo-road", "south"), ("miramar-playa-chiquita-road", "south"), ("necocli-acandi-boat", "south"),
    ("palenque-chiapas-catazaja-road", "south"), ("playa-chiquita-palmira-colon-road", "south"),
    ("sabanitas-colon-road", "south"), ("san-cristobal-mx-palenque-chiapas-road", "south"),
    ("san-vicente-meteti-road", "south"), ("tapachula-huixtla-road", "south"), ("turbo-acandi-boat", "south"),
    ("turbo-necocli-road", "south"), ("tuxtla-gutierrez-ixtapa-road", "south"),
    ("tuxtla-gutierrez-san-cristobal-mx-road", "south"), ("unguia-union-choco-foot", "north"),
    ("union-choco-yaviza-river", "north"), ("yaviza-meteti-road", "north"), ("yaviza-meteti-road", "south"),
}


@functools.cache
def network() -> nx.MultiDiGraph:
    return routes.load_network()


@functools.cache
def report() -> routes.report.coverage.Coverage:
    return coverage(network())


# ------------------------------------------------------------------------------------------------ the shipped snapshot
def test_at_most_a_tenth_of_the_dead_and_missing_in_the_box_are_off_the_network() -> None:
    r = report()
    assert r.bbox == COVERAGE_BOX == (-93.12, 3.88, -76.73, 17.99)
    assert r.dead_missing == 1228  # the count, in its fixed box
    assert r.share_off <= 0.10, f"{r.off} of {r.dead_missing} off the network"
    assert r.off == int(r.off_network["dead_missing"].sum())
    assert r.by_country_year["dead_missing"].sum() == r.by_country_year[["on_network", "off_network"]].sum().sum()


def test_every_off_network_incident_has_a_reason() -> None:
    off = report().off_network
    assert len(off) and off["reason"].isin(REASONS).all()
    assert off["note"].str.len().gt(0).all() and off["source"].str.len().gt(0).all()
    far = off[off["reason"] == "too_far"]
    assert far["distance_km"].notna().all() and far["nearest_leg"].str.len().gt(0).all()
    # a death inside the origin country is not a transit death: the hand-written, sourced list says which
    assert off.set_index("main_id").loc["2021.MMP00921", "reason"] == "not_transit"


def test_the_reasons_list_names_only_incidents_still_off_the_network() -> None:
    listed = read_offnet_reasons()
    inc = routes.estimate_of(network()).incidents
    on = set(inc.loc[inc["match"] != "off_network", "main_id"])
    assert set(listed["main_id"]) <= set(inc["main_id"]) and not set(listed["main_id"]) & on


def test_the_san_andres_boats_are_on_the_network() -> None:
    inc = routes.estimate_of(network()).incidents.set_index("main_id")
    assert inc.loc["2022.MMP1374", "leg"].startswith("san-andres-")  # within reach of the boats' line
    for mid in read_overrides()["main_id"]:  # recorded at a find site or a generic point: placed by a source
        assert inc.loc[mid, "match"] == OVERRIDE and inc.loc[mid, "match_reason"].startswith("override: ")
        assert inc.loc[mid, "leg"].startswith("san-andres-") and inc.loc[mid, "direction"] == "north"


def test_the_capsizing_off_mansukun_stays_on_its_southbound_leg() -> None:
    inc = routes.estimate_of(network()).incidents.set_index("main_id")
    assert inc.loc["2025.MMP0097", ["leg", "direction"]].tolist() == ["mansukun-la-miel-boat", "south"]


def test_every_edge_of_the_new_corridors_has_travellers() -> None:
    G = routes.load_network(risk=False)
    exp = build_exposure(G, load_flows(), load_exposure_table())
    total = exp.central.sum(axis=1)
    idle = {(e[2], G.edges[e]["direction"]) for i, e in enumerate(exp.edges) if total[i] == 0}
    assert idle <= IDLE_BEFORE, f"edges without travellers: {sorted(idle - IDLE_BEFORE)}"
    new = [e for e in exp.edges if G.edges[e]["corridor"] in NEW_CORRIDORS]
    assert {G.edges[e]["corridor"] for e in new} == NEW_CORRIDORS
    assert all(total[exp.edges.index(e)] > 0 for e in new)


# ------------------------------------------------------------------------------------------------ the function
_line_graph = line_graph


def test_coverage_of_a_small_table_by_country_year_and_reason() -> None:
    inc = toy_incidents([
        {"main_id": "on", "lon": -82.3, "lat": 12.42, "dead": 3, "date": "2023-03-01"},      # on the boat's line
        {"main_id": "far", "lon": -83.5, "lat": 10.8, "dead": 2, "date": "2023-05-01"},      # 150 km south
        {"main_id": "tag", "lon": -82.3, "lat": 12.42, "route": "Caribbean to US", "date": "2024-01-01"},
        {"main_id": "nowhere", "lon": float("nan"), "lat": float("nan"), "coord_quality": "missing"},
        {"main_id": "home", "lon": -83.4, "lat": 12.1, "dead": 1, "date": "2024-02-01"},
    ])
    inc["country"] = ["Colombia", "Costa Rica", "Colombia", "", "Nicaragua"]
    listed = pd.DataFrame({"main_id": ["home"], "reason": ["not_transit"], "note": ["a Nicaraguan in Nicaragua"],
                           "source": ["test"]})
    r = coverage(_line_graph(), inc, bbox=None, reasons=listed)
    assert (r.dead_missing, r.off) == (8, 5)
    off = r.off_network.set_index("main_id")
    assert off["reason"].to_dict() == {"far": "too_far", "home": "not_transit", "tag": "not_transit",
                                       "nowhere": "position_unknown"}
    assert off.loc["far", "nearest_leg"] == "boat" and 130 < off.loc["far", "distance_km"] < 190
    assert np.isnan(off.loc["nowhere", "distance_km"])
    by = r.by_country_year.set_index(["country", "year"])
    assert by.loc[("Colombia", 2023), ["on_network", "off_network"]].tolist() == [3, 0]
    assert r.by_reason().loc["not_transit", "dead_missing"] == 2
    boxed = coverage(_line_graph(), inc, bbox=(-84, 12, -81, 13), reasons=listed)  # 'far' and 'nowhere' are outside
    assert (boxed.dead_missing, boxed.off, boxed.unplaced) == (5, 2, 1)


@pytest.mark.parametrize("bbox", [(1, 2, 3), (-80, 10, -90, 12), "box"])
def test_a_bad_box_is_refused(bbox: object) -> None:
    with pytest.raises(ArgumentError, match="bbox must be"):
        coverage(_line_graph(), toy_incidents([{"lon": -82.3, "lat": 12.4}]), bbox=bbox)  # type: ignore[arg-type]


def test_bad_reasons_tables_are_refused(tmp_path: Path) -> None:
    p = tmp_path / "r.csv"
    p.write_text("main_id,reason,note,source\nX,lost,n,s\nX,too_far,,s\n", encoding="utf-8")
    with pytest.raises(DataError, match="3 problem") as err:
        read_offnet_reasons(p)
    text = "\n".join(err.value.problems)
    assert "line 2: reason 'lost' is not one of" in text and "line 3: empty 'note'" in text and "listed again" in text


# ------------------------------------------------------------------------------------------------ the command
def test_coverage_command(capsys: pytest.CaptureFixture[str]) -> None:
    from routes.cli import main

    assert main(["coverage"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("Dead and missing in the box lon -93.12 to -76.73, lat 3.88 to 17.99: 1,228 in ")
    assert "off the network" in out and "by year and country" in out and "too_far" in out
    assert max(map(len, lines)) <= 120 and "2016.MMP00151" in out
    assert main(["coverage", "--format", "csv"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[0] == "main_id,date,country,dead_missing,reason,distance_km,nearest_leg,note,source,lon,lat"
    assert len(rows) - 1 == len(report().off_network)
    assert main(["coverage", "--bbox", "-80", "5", "-90", "10"]) == 1
    assert "--bbox takes MIN_LON MIN_LAT MAX_LON MAX_LAT with min < max" in capsys.readouterr().err
