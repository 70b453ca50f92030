"""Static maps render to real PNGs with content; tables are tidy; the interactive map works offline."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import routes
from routes.model.estimate import estimate_of
from routes.report import plot

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - after the Agg backend is chosen
from PIL import Image  # noqa: E402 - pillow is a matplotlib dependency: only there when matplotlib is

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
FIGSIZE, DPI = (6.0, 5.0), 80


@pytest.fixture(scope="module")
def G():
    return routes.load_network()


@pytest.fixture(scope="module")
def ranked(G):
    return routes.rank_paths(G, "necocli", "bajo-chiquito", k=3)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def assert_real_png(path: Path, size: tuple[int, int]) -> None:
    """A PNG of exactly ``size`` pixels, not blank: many colours and most pixels not white."""
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    with Image.open(path) as im:
        assert im.size == size
        rgb = np.asarray(im.convert("RGB"))
    colours = np.unique(rgb.reshape(-1, 3), axis=0)
    non_white = (rgb < 245).any(axis=2).mean()
    assert len(colours) > 50, f"only {len(colours)} colours: the map looks empty"
    assert non_white > 0.3, f"only {non_white:.0%} of pixels are not white"


def save(ax, tmp_path: Path, name: str) -> Path:
    out = tmp_path / f"{name}.png"
    ax.figure.savefig(out, dpi=DPI)
    return out


EXPECTED = (int(FIGSIZE[0] * DPI), int(FIGSIZE[1] * DPI))


@pytest.mark.parametrize("kwargs", [
    {},
    {"bbox": "darien", "incidents": "all"},
    {"bbox": "uraba", "direction": "south", "annotate": ["Mansukun", "La Miel"]},
    {"bbox": "honduras", "color_by": "corridor"},
    {"color_by": "mode"},
    {"color_by": None, "bbox": (-80.0, 7.0, -76.0, 10.0)},
])
def test_plot_network_renders(G, tmp_path, kwargs):
    if kwargs.get("incidents") == "all":
        kwargs = {**kwargs, "incidents": estimate_of(G).incidents}
    ax = plot.plot_network(G, figsize=FIGSIZE, **kwargs)
    assert_real_png(save(ax, tmp_path, "network"), EXPECTED)


def test_plot_network_colour_bar_is_labelled_per_1000(G):
    ax = plot.plot_network(G, figsize=FIGSIZE)
    labels = [a.get_ylabel() for a in ax.figure.axes]
    assert plot.RISK_LABEL in labels
    bar = ax.figure.axes[labels.index(plot.RISK_LABEL)]
    assert bar.get_yscale() == "log"


def test_plot_network_dashes_sea_legs(G):
    ax = plot.plot_network(G, figsize=FIGSIZE, bbox="uraba")
    styles = {str(c.get_linestyle()[0]) for c in ax.collections if c.get_linestyle()}
    assert len(styles) >= 2  # solid land legs and dashed sea legs


def test_plot_network_does_not_modify_graph(G):
    before = {(u, v, k): dict(d) for u, v, k, d in G.edges(keys=True, data=True)}
    plot.plot_network(G, figsize=FIGSIZE, incidents=estimate_of(G).incidents)
    after = {(u, v, k): dict(d) for u, v, k, d in G.edges(keys=True, data=True)}
    assert before.keys() == after.keys()
    assert all(before[e]["p_death"] == after[e]["p_death"] for e in before)


def test_plot_paths_renders_with_and_without_graph(G, ranked, tmp_path):
    ax = plot.plot_paths(ranked, G=G, figsize=FIGSIZE)
    assert_real_png(save(ax, tmp_path, "paths"), EXPECTED)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert len(labels) == len(ranked)
    assert labels[0].startswith("1. ") and "per 1,000" in labels[0]
    ax = plot.plot_paths(ranked, figsize=FIGSIZE)
    assert_real_png(save(ax, tmp_path, "paths-bare"), EXPECTED)


def test_plot_rates_renders(G, tmp_path):
    ax = plot.plot_rates(G, ["cerro-de-haiti-bajo-chiquito-foot", "mansukun-la-miel-boat"], figsize=FIGSIZE)
    out = save(ax, tmp_path, "rates")
    assert out.read_bytes()[:8] == PNG_SIGNATURE
    assert ax.get_xscale() == "log"


def test_draws_into_given_axis(G):
    _, ax = plt.subplots()
    assert plot.plot_network(G, ax=ax, bbox="uraba") is ax


def test_errors(G, ranked):
    with pytest.raises(ValueError, match="unknown region 'atlantis'"):
        plot.plot_network(G, bbox="atlantis")
    with pytest.raises(ValueError, match=r"bbox must be \(min_lon"):
        plot.plot_network(G, bbox=(-76, 7, -80, 10))
    with pytest.raises(ValueError, match="color_by='colour' is not an edge attribute"):
        plot.plot_network(G, color_by="colour")
    with pytest.raises(ValueError, match="direction must be"):
        plot.leg_table(G, direction="west")
    with pytest.raises(ValueError, match="no paths to draw"):
        plot.plot_paths(ranked.iloc[:0])
    with pytest.raises(ValueError, match="none of the legs"):
        plot.plot_rates(G, ["no-such-leg"])
    with pytest.raises(routes.UnknownPlaceError):
        plot.plot_network(G, annotate=["Atlantis"])


def test_leg_table_one_row_per_leg(G):
    legs = plot.leg_table(G)
    assert legs.index.is_unique
    assert set(legs.index) == {k for *_, k in G.edges(keys=True)}
    two_way = legs[legs["directions"] == "both"]
    for key, row in two_way.iterrows():  # the riskier direction is kept
        assert row["p_death"] == max(d["p_death"] for *_, k, d in G.edges(keys=True, data=True) if k == key)
    assert set(plot.leg_table(G, direction="south")["direction"]) == {"south"}


def test_summary_table_is_tidy(G, ranked):
    table = plot.summary_table(ranked, G=G)
    assert "geometry" not in table and table.index.name == "rank"
    assert list(table.index) == list(ranked["rank"])
    assert table["route"].iloc[0].startswith("Necoclí → ")
    assert table["legs"].iloc[0] == ", ".join(ranked["legs"].iloc[0])
    for got, p in zip(table["per_1000"], ranked["p_death"], strict=True):
        assert got == pytest.approx(1000 * p, rel=5e-3)
    assert (table["per_1000_lo"] <= table["per_1000"]).all() and (table["per_1000"] <= table["per_1000_hi"]).all()
    assert "Necoclí" not in plot.summary_table(ranked)["route"].iloc[0]  # ids without G


def test_summary_table_keeps_groups(G):
    summary = routes.direction_summary(G, "panama-city", "COL", direction="south", k=5)
    assert "group" in plot.summary_table(summary)


def test_leg_explanation_displays_as_tables(G):
    ex = routes.explain_leg(G, "mansukun-la-miel-boat")
    assert "<table" in ex._repr_html_()
    assert str(ex).startswith("Leg mansukun-la-miel-boat")


def test_explore_offline(G, ranked, tmp_path):
    pytest.importorskip("folium")
    for obj in (G, ranked, estimate_of(G).incidents[["main_id", "dead_missing", "match", "geometry"]]):
        m = plot.explore(obj, tiles=None)
        out = tmp_path / "map.html"
        m.save(out)
        html = out.read_text(encoding="utf-8")
        assert "tile.openstreetmap" not in html and "basemaps.cartocdn" not in html
    assert plot.RISK_LABEL in plot.explore(G, tiles=None).get_root().render()


def test_explore_without_folium_says_how_to_install(G, monkeypatch):
    monkeypatch.setitem(sys.modules, "folium", None)
    with pytest.raises(ImportError, match="pip install folium"):
        plot.explore(G)


def test_import_does_not_load_matplotlib():
    code = "import sys, routes.report.plot; print('matplotlib' in sys.modules, 'folium' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
