"""Tests of routes.report.classes and routes.report.style: risk classes fitted to the data, QGIS styles that read.

The shipped network is the integration case: every class of its style holds legs, and the style's breaks put the
Darién trails in a higher class than the Central American highways. ``prior_weight`` (the share of an estimate that
is prior) is set on a fixture here, so the uncertain-leg styling is proven before the model writes that attribute.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from toy import legs_doc, places_doc, toy_exposure, toy_flows, toy_incidents, write

from routes.errors import DataError
from routes.io.resources import geodata_file
from routes.load import load_network
from routes.model.risk import estimate_risk
from routes.report import classes, export, style
from routes.report.classes import (
    NO_ESTIMATE_COLOUR,
    PALETTE,
    RISK_FIELD,
    classes_for,
    contrast_ratio,
    leg_classes,
    natural_breaks,
    risk_per_100km,
)
from routes.report.style import PRIOR_DOMINATED, legs_qml, qml_ranges

CENTRAL_AMERICA = {"PAN", "CRI", "NIC", "HND", "SLV", "GTM", "BLZ"}


@pytest.fixture(scope="module")
def shipped() -> nx.MultiDiGraph:
    return load_network(snapshot="shipped")


def _risk(G: nx.MultiDiGraph) -> dict[tuple[str, str, str], float]:
    return {(u, v, k): float(risk_per_100km(d["p_death"], d["length_km"]))  # type: ignore[arg-type]
            for u, v, k, d in G.edges(keys=True, data=True)}


def _darien_and_highways(G: nx.MultiDiGraph) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    darien = [(u, v, k) for u, v, k, d in G.edges(keys=True, data=True) if str(d["corridor"]).startswith("darien")]
    highways = [(u, v, k) for u, v, k, d in G.edges(keys=True, data=True) if d["mode"] == "road"
                and {G.nodes[u]["country"], G.nodes[v]["country"]} <= CENTRAL_AMERICA]
    return darien, highways


def _class_of(ranges: list[tuple[float, float, str]], value: float) -> int:
    """The range of a QML graduated renderer a value falls in (QGIS: lower < value <= upper, the first closed)."""
    hits = [i for i, (lo, hi, _) in enumerate(ranges) if (lo < value or (i == 0 and lo == value)) and value <= hi]
    assert len(hits) == 1, (value, ranges)
    return hits[0]


# ------------------------------------------------------------------------------------------- shipped network
@pytest.mark.parametrize("which", ["fitted at export", "shipped file"])
def test_every_class_holds_legs_and_the_darien_ranks_above_most_highways(shipped: nx.MultiDiGraph, which: str) -> None:
    qml = export.legs_style(shipped) if which == "fitted at export" else \
        geodata_file("legs_risk.qml").read_text(encoding="utf-8")
    ranges = [r for r in qml_ranges(qml) if r[2] != "no estimate"]
    risk = _risk(shipped)
    counts = np.bincount([_class_of(ranges, r) for r in risk.values()], minlength=len(ranges))
    assert len(ranges) == len(PALETTE) and counts.min() > 0, counts.tolist()
    darien, highways = _darien_and_highways(shipped)
    assert len(darien) >= 20 and len(highways) >= 50
    # every Darién leg in the top two classes; the highways mostly below them (the v2 model's rate per traversal
    # grows little with length, so a few short highway legs with no recorded death reach the top classes per 100 km)
    top = len(ranges) - 2
    d_class = np.array([_class_of(ranges, risk[e]) for e in darien])
    h_class = np.array([_class_of(ranges, risk[e]) for e in highways])
    assert d_class.min() >= top, np.bincount(d_class).tolist()
    assert (h_class < top).mean() >= 0.85 and np.median(h_class) < np.median(d_class), np.bincount(h_class).tolist()


def test_shipped_file_is_the_style_of_the_shipped_network(shipped: nx.MultiDiGraph) -> None:
    """``python -m tools.style`` rebuilds it; the counts in its labels are the shipped network's."""
    shipped_counts = [int(r[2].split("(")[1].split()[0]) for r in
                      qml_ranges(geodata_file("legs_risk.qml").read_text(encoding="utf-8"))[1:]]
    assert sum(shipped_counts) == shipped.number_of_edges()
    assert list(leg_classes(shipped).counts) == shipped_counts


def test_palette_reads_on_light_and_dark_base_maps() -> None:
    for colour in (*PALETTE, NO_ESTIMATE_COLOUR):
        assert contrast_ratio(colour, "#ffffff") >= 3.0, colour
        assert contrast_ratio(colour, "#222222") >= 3.0, colour
    assert len(set(PALETTE)) == len(PALETTE)


# ---------------------------------------------------------------------------------------------- the breaks
@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(min_value=1e-6, max_value=1e4, allow_nan=False), min_size=1, max_size=60),
       st.integers(min_value=1, max_value=len(PALETTE)))
@example([1.0000000000000002e-06, 1e-06], 2)  # two values one rounding apart: one logarithm, one class
def test_breaks_leave_no_class_empty(values: list[float], classes: int) -> None:
    rc = classes_for(values, classes=classes)
    distinct = len(set(np.log10(values)))
    assert len(rc.counts) == min(classes, distinct)
    assert min(rc.counts) > 0 and sum(rc.counts) == len(values)
    assert list(rc.breaks) == sorted(set(rc.breaks))
    assert len(rc.labels) == len(rc.colours) == len(rc.counts)


def test_breaks_group_like_values() -> None:
    roads = [0.009, 0.0091, 0.0093, 0.0095, 0.011]
    trails = [0.12, 0.2, 0.3, 0.45]
    rc = classes_for([*roads, *trails, 1.5, 1.6], classes=3)
    assert rc.classify(roads).tolist() == [0] * 5 and rc.classify(trails).tolist() == [1] * 4
    assert rc.classify([None, float("nan")]).tolist() == [-1, -1]
    assert rc.colour(None) == NO_ESTIMATE_COLOUR and rc.colour(1.5) == PALETTE[-1]


def test_no_estimate_gives_decade_classes() -> None:
    rc = classes_for([None, None])
    assert rc.breaks == classes.DEFAULT_BREAKS and rc.counts == ()
    assert len(rc.colours) == len(rc.breaks) + 1


@pytest.mark.parametrize("classes", [0, len(PALETTE) + 1])
def test_class_count_out_of_range_is_refused(classes: int) -> None:
    with pytest.raises(DataError, match=f"classes must be from 1 to {len(PALETTE)}.*got {classes}"):
        classes_for([0.1, 1.0], classes=classes)
    with pytest.raises(DataError, match="natural_breaks: classes must be at least 1"):
        natural_breaks([0.1, 1.0], 0)


# ----------------------------------------------------------------------------------------------------- QML
@pytest.fixture(scope="module")
def toy(tmp_path_factory: pytest.TempPathFactory) -> nx.MultiDiGraph:
    d = tmp_path_factory.mktemp("toy")
    G = load_network(places=write(d, "p.geojson", places_doc()), legs=write(d, "l.geojson", legs_doc()), risk=False)
    incidents = toy_incidents([{"lon": -76.9, "lat": 8.45}, {"lon": -77.31, "lat": 8.58, "dead": 2}])
    return estimate_risk(G, incidents, toy_flows(), exposure=toy_exposure(), draws=500)


def _with_prior(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The model issue's ``prior_weight``, set by hand: the boats mostly prior, the rest mostly data."""
    H = G.copy()
    for *_, d in H.edges(data=True):
        d["prior_weight"] = 0.8 if d["mode"] == "sea_boat" else 0.2
    return H


def _renderer(qml: str) -> ET.Element:
    root = ET.fromstring(qml.split("\n", 1)[1])
    renderer = root.find("renderer-v2")
    assert renderer is not None
    return renderer


def _expressions(symbol: ET.Element, layer_class: str) -> dict[str, str]:
    layer = next(lyr for lyr in symbol.findall("layer") if lyr.get("class") == layer_class)
    props = layer.findall("data_defined_properties/Option/Option[@name='properties']/Option")
    return {p.get("name", ""): p.find("Option[@name='expression']").get("value", "") for p in props}  # type: ignore[union-attr]


def test_legs_style_draws_direction_mode_and_prior(toy: nx.MultiDiGraph) -> None:
    renderer = _renderer(export.legs_style(_with_prior(toy)))
    assert renderer.get("type") == "graduatedSymbol" and RISK_FIELD in (renderer.get("attr") or "")
    symbols = renderer.findall("symbols/symbol")
    assert {r.get("symbol") for r in renderer.findall("ranges/range")} == {s.get("name") for s in symbols}
    for symbol in symbols[1:]:
        line = _expressions(symbol, "SimpleLine")
        assert "sea_boat" in line["outlineWidth"] and "'dot'" in line["outlineStyle"]  # width and dash by mode
        assert f'coalesce("prior_weight", 0) > {PRIOR_DOMINATED}' in line["outlineStyle"]  # prior-dominated: dashed
        assert f", {style.PRIOR_ALPHA}) ELSE color_rgba(" in line["outlineColor"]           # ... and pale
        arrows = _expressions(symbol, "MarkerLine")
        assert arrows["enabled"] == "\"directions\" IS NULL OR \"directions\" <> 'both'"  # one-way legs only
        marker = symbol.find("layer[@class='MarkerLine']/symbol/layer/Option/Option[@name='name']")
        assert marker is not None and marker.get("value") == "filled_arrowhead"


def test_without_prior_weight_the_style_is_by_mode_only(toy: nx.MultiDiGraph) -> None:
    toy = toy.copy()
    for *_, d in toy.edges(data=True):
        d.pop("prior_weight", None)  # a graph from an estimate that gives no prior weight
    qml = export.legs_style(toy)
    assert "prior_weight" not in qml and "color_rgba" not in qml
    line = _expressions(_renderer(qml).findall("symbols/symbol")[1], "SimpleLine")
    assert line["outlineStyle"].startswith("CASE WHEN \"mode\"")


def test_prior_weight_is_exported_when_edges_have_it(toy: nx.MultiDiGraph, tmp_path: Path) -> None:
    toy = toy.copy()
    for *_, d in toy.edges(data=True):
        d.pop("prior_weight", None)  # a graph from an estimate that gives no prior weight
    plain = json.loads(export.to_geojson(toy, tmp_path / "a.geojson")[0].read_text(encoding="utf-8"))
    assert "prior_weight" not in plain["features"][0]["properties"]
    written = export.to_geojson(_with_prior(toy), tmp_path / "b.geojson")
    props = [f["properties"] for f in json.loads(written[0].read_text(encoding="utf-8"))["features"]]
    assert list(props[0])[len(export.LEG_COLUMNS)] == "prior_weight"
    assert {p["mode"]: p["prior_weight"] for p in props}["sea_boat"] == 0.8
    assert "prior_weight" in written[2].read_text(encoding="utf-8")


def test_places_and_incidents_styles() -> None:
    places = _renderer(style.places_qml())
    assert places.get("attr") == "kind"
    assert {c.get("value") for c in places.findall("categories/category")} == set(style.PLACE_MARKERS)
    incidents = _renderer(style.incidents_qml())
    assert incidents.get("attr") == "dead_missing" and incidents.get("graduatedMethod") == "GraduatedSize"
    sizes = [float(s.find("layer/Option/Option[@name='size']").get("value", "nan"))  # type: ignore[union-attr]
             for s in incidents.findall("symbols/symbol")]
    assert sizes == sorted(sizes) and len(set(sizes)) == len(sizes)


def test_qml_is_well_formed_with_any_classes() -> None:
    for values in ([0.5], [0.01, 0.02, 3.0], []):
        qml = legs_qml(classes_for(values), prior_weight=True)
        ranges = qml_ranges(qml)
        assert ranges[0][2] == "no estimate" and ranges[-1][1] > 1e6
        assert [r[1] for r in ranges[1:-1]] == [r[0] for r in ranges[2:]]  # contiguous
