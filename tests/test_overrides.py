"""Incident overrides (routes.model.overrides): an IOM position that is a find site or a generic point, put on the leg a
source names, as the last, separate step of the attribution."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from toy import line_graph, toy_incidents

import routes
from routes.errors import DataError
from routes.model.attribution import attribute_incidents
from routes.model.overrides import OVERRIDE, apply_overrides, read_overrides

_line_graph = line_graph


def test_an_override_puts_an_incident_on_its_leg() -> None:
    G = _line_graph()
    inc = toy_incidents([{"main_id": "X1", "lon": -83.5, "lat": 10.8, "date": "2023-01-17", "missing": 26, "dead": 0}])
    before = attribute_incidents(G, inc, overrides=False)
    assert before.loc[0, "match"] == "off_network"
    table = pd.DataFrame({"main_id": ["X1", "not-here"], "leg": ["boat", "boat"], "reason": ["found adrift", "x"],
                          "source": ["a report", "y"]})
    out = attribute_incidents(G, inc, overrides=table)
    assert out.loc[0, ["leg", "u", "v", "direction", "match"]].tolist() == ["boat", "a", "b", "north", OVERRIDE]
    assert out.loc[0, "match_reason"].startswith("override: found adrift (source: a report); distance match: "
                                                 "off_network")
    assert 150_000 < out.loc[0, "distance_m"] < 190_000 and out.loc[0, "share_north"] == 1.0
    pd.testing.assert_frame_equal(apply_overrides(before, G, table.iloc[:0]), before)  # nothing to do: unchanged


def test_an_override_on_a_leg_the_network_lacks_is_skipped() -> None:
    inc = toy_incidents([{"main_id": "X1", "lon": -83.5, "lat": 10.8}])
    table = pd.DataFrame({"main_id": ["X1"], "leg": ["no-such-leg"], "reason": ["r"], "source": ["s"]})
    assert attribute_incidents(_line_graph(), inc, overrides=table).loc[0, "match"] == "off_network"


def test_shipped_overrides_are_three_sourced_san_andres_boats() -> None:
    table = read_overrides()
    legs = {k for *_, k in routes.load_network(risk=False).edges(keys=True)}
    assert len(table) == 3 and set(table["leg"]) <= legs
    assert table["source"].str.contains("http").all() and table["reason"].str.len().gt(40).all()


def test_bad_overrides_tables_are_refused(tmp_path: Path) -> None:
    p = tmp_path / "o.csv"
    p.write_text("main_id,leg,reason\nX,boat,r\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"missing column\(s\) \['source'\]"):
        read_overrides(p)
    p.write_text("main_id,leg,reason,source\nX,boat,,s\nX,boat,r,s\n", encoding="utf-8")
    with pytest.raises(DataError, match="2 problem"):
        read_overrides(p)
