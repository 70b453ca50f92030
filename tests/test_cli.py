"""Tests of the command line ``route-risk`` (routes.cli), in-process on the shipped data, plus one subprocess run."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio
import pytest
from cli_harness import cached_network, isolated_cli, run  # noqa: F401 - isolated_cli: autouse

import routes
import routes.load
import routes.network.places
from routes.errors import DataError
from routes.io.snapshot import resolve_snapshot

IOM_HEADER = ["Main ID", "Incident ID", "Incident Type", "Incident Date", "Incident Year", "Month", "Number of Dead",
              "Minimum Estimated Number of Missing", "Total Number of Dead and Missing", "Number of Survivors",
              "Number of Children", "Cause of Death", "Country of Incident", "Migration Route", "Coordinates",
              "Source Quality"]
_cached_network = cached_network


def iom_export(path: Path) -> Path:
    """A tiny IOM allData export: one incident on the Colombia-Panama border in 2026."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(IOM_HEADER)
        w.writerow(["2026.MMP0001", "2026.MMP0001", "Incident", "2026-02-03", "2026", "February", "2", "1", "3", "10",
                    "", "Drowning", "Panama", "Darien", "8.69, -77.36", "3"])
    return path


def package_files() -> dict[str, str]:
    folder = resolve_snapshot("shipped").parent
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()}


# ------------------------------------------------------------------------------------------------ conventions
def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "--version") == (0, f"route-risk {routes.__version__}\n", "")
    for command in (
        [],
        ["rank"],
        ["compare"],
        ["legs"],
        ["places"],
        ["explain"],
        ["export"],
        ["data"],
        ["data", "update"],
        ["data", "status"],
        ["validate"],
    ):
        code, out, _ = run(capsys, *command, "--help")
        assert code == 0 and re.search(r"examples?:", out) and "route-risk" in out, command


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["frobnicate"],
        ["rank", "Necoclí"],
        ["rank", "a", "b", "--month", "13"],
        ["rank", "a", "b", "-k", "0"],
        ["rank", "a", "b", "--window", "2024", "2022"],
        ["legs", "--sort", "colour"],
        ["export", "network.shp"],
        ["data"],
        ["rank", "a", "b", "-o", "x.shp"],
        ["rank", "a", "b", "--format", "table", "-o", "x.gpkg"],
        ["compare", "PAN", "COL"],
        ["compare", "PAN", "COL", "--direction", "west"],
    ],
)
def test_bad_usage_exits_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == "" and "usage:" in err


def test_debug_shows_the_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "rank", "Necoclo", "Tapachula", "--debug")
    assert code == 1 and "Traceback" in err and "UnknownPlaceError" in err


def test_ctrl_c_exits_130(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*_args: Any, **_kw: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(routes.network.places, "search_places", interrupted)
    code, out, err = run(capsys, "places", "necocli")
    assert code == 130 and out == "" and "interrupted" in err


# ------------------------------------------------------------------------------------------------ rank
def test_rank_readme_quick_start(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "rank", "Necoclí", "Tapachula")
    assert code == 0 and err == ""  # no progress indicator when stderr is not a terminal
    lines = out.splitlines()
    n = int(lines[0].split()[0])
    assert 3 <= n <= 5 and lines[0].startswith(f"{n} safest distinct northbound routes from Necoclí to Tapachula (no "
                                               "two share more than 50% of their hazard)")
    assert "inferred from the places' positions" in lines[1] and "direction by" not in out
    head = " ".join(ln.strip() for ln in lines[:8])  # the period, as-of date and travel date, however wrapped
    assert "period: incidents 2014-" in head and "as of 20" in head and "travel date: any" in head
    assert any("IOM's counts are minimums" in ln for ln in lines)  # said with care, in every table
    head = next(ln for ln in lines if ln.startswith("#"))
    assert "deaths/1,000 [90%]" in head and "vs #1 [90%]" in head and "P(riskier)" in head and "no data" in head
    assert [ln.split()[0] for ln in lines if ln[:1].isdigit()][1:] == [str(i) for i in range(1, n + 1)]
    assert sum(ln.startswith("    via Necoclí > ") for ln in lines) == n and "Tapachula" in out
    assert sum(ln.startswith("    riskiest leg: ") for ln in lines) == n
    assert max(map(len, lines)) <= 120


def test_rank_accent_free_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rank", "necocli", "TAPACHULA", "-k", "3", "--format", "json")
    assert code == 0
    records = json.loads(out)
    assert [r["rank"] for r in records] == [1, 2, 3]
    first = records[0]
    assert isinstance(first["legs"], list) and isinstance(first["nodes"], list) and "geometry" not in first
    assert first["nodes"][0] == "necocli" and first["nodes"][-1] == "tapachula"
    assert all(r["p_death_lo"] <= r["p_death"] <= r["p_death_hi"] for r in records)
    assert [r["p_death"] for r in records] == sorted(r["p_death"] for r in records)
    code, table, _ = run(capsys, "rank", "Necoclí", "Tapachula", "-k", "3")
    assert code == 0 and f"{1000 * first['p_death']:.3g}" in next(ln for ln in table.splitlines() if ln[:2] == "1 ")


def test_rank_csv_and_geojson(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "rank", "Necoclí", "Tapachula", "-k", "2", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(rows) == 2 and rows[0]["legs"].startswith("necocli-") and " > " in rows[0]["legs"]
    code, out, _ = run(capsys, "rank", "Necoclí", "Tapachula", "-k", "2", "--format", "geojson")
    fc = json.loads(out)
    assert code == 0 and fc["type"] == "FeatureCollection" and "crs" not in fc
    assert [f["geometry"]["type"] for f in fc["features"]] == ["LineString", "LineString"]
    assert isinstance(fc["features"][0]["properties"]["legs"], list)
    target = tmp_path / "paths.geojson"
    code, out, err = run(capsys, "rank", "Necoclí", "Tapachula", "-k", "2", "-o", str(target))  # format from -o
    assert code == 0 and out == "" and len(gpd.read_file(target)) == 2 and err == f"wrote {target}\n"
    code, _, err = run(capsys, "rank", "Necoclí", "Tapachula", "-k", "1", "-o", str(tmp_path / "table.txt"))
    assert code == 0 and (tmp_path / "table.txt").read_text(encoding="utf-8").startswith("1 safest distinct northbound "
                                                                                         "route ")
    assert err == f"wrote {tmp_path / 'table.txt'}\n"


def test_rank_scenario_options(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rank", "Necoclí", "Tapachula", "-k", "2", "--month", "oct", "--close", "La Miel",
                       "--close", "capurgana-carreto-boat,Sapzurro", "--advisory", "2", "--window", "2022", "2024",
                       "--seed", "1", "--format", "json")
    assert code == 0
    for r in json.loads(out):
        assert "la-miel" not in r["nodes"] and "sapzurro" not in r["nodes"]
        assert "capurgana-carreto-boat" not in r["legs"]
    code, out, _ = run(capsys, "rank", "--close", "la-miel", "Necocli", "Tapachula", "-k", "1")  # no swallowing
    assert code == 0 and "closed la-miel" in out
    code, out, _ = run(capsys, "rank", "Necoclí", "Tapachula", "-k", "1", "--month", "10", "--close", "la-miel")
    assert code == 0 and "month October" in out and "closed la-miel" in out


def test_rank_errors(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "rank", "Necoclo", "Tapachula")
    assert code == 1 and out == "" and "did you mean" in err and "Necoclí" in err and len(err.splitlines()) == 1
    code, _, err = run(capsys, "rank", "Tapachula", "Necoclí", "--direction", "north")
    assert code == 1 and "no northbound path" in err and "--direction south" in err
    code, _, err = run(capsys, "rank", "Necoclí", "Tapachula", "--close", "lamiel")
    assert code == 1 and "--close" in err and "La Miel" in err
    code, _, err = run(capsys, "rank", "Necoclí", "Necocli")
    assert code == 1 and "same place" in err
    code, _, err = run(capsys, "rank", "Necoclí", "Tapachula", "--advisory", "-1")
    assert code == 2 and "--advisory" in err  # a usage error (issue 12): exit 2, naming the option


def test_rank_output_format_from_suffix(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "paths.gpkg"
    code, out, err = run(capsys, "rank", "Necoclí", "Tapachula", "-k", "2", "-o", str(target))
    assert code == 0 and out == "" and err == f"wrote {target}\n"
    layers = {str(name) for name, _ in pyogrio.list_layers(target)}
    assert {"paths", "legs", "places"} <= layers
    paths = pyogrio.read_dataframe(target, layer="paths")
    assert len(paths) == 2 and set(paths["origin"]) == {"necocli"}
    meta = json.loads(pyogrio.read_info(target, layer="paths")["layer_metadata"]["routes"])
    assert meta["origin"] == "Necoclí" and meta["origin_id"] == "necocli" and meta["destination_id"] == "tapachula"
    target = tmp_path / "paths.geojsons"
    code, _, err = run(capsys, "rank", "Necoclí", "Tapachula", "-k", "2", "-o", str(target))
    assert code == 0 and err == f"wrote {target}\n" and target.read_bytes().count(b"\x1e") == 2
    code, out, err = run(capsys, "rank", "Necoclí", "Tapachula", "-o", str(tmp_path / "paths.shp"))
    assert code == 2 and out == "" and "usage: route-risk rank" in err and "'.shp'" in err and ".gpkg" in err
    assert not (tmp_path / "paths.shp").exists()
    code, _, _ = run(capsys, "rank", "Necoclí", "Tapachula", "--format", "csv", "-o", str(tmp_path / "paths.dat"))
    assert code == 0 and (tmp_path / "paths.dat").read_text(encoding="utf-8").startswith(
        "rank,variant,n_variants,legs,"
    )


def test_rank_geojson_records_resolved_ids(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rank", "necocly", "TAPACHULA", "-k", "1", "--format", "geojson")
    meta = json.loads(out)["metadata"]
    assert code == 0 and meta["origin"] == "necocly" and meta["origin_id"] == "necocli"
    assert meta["destination_id"] == "tapachula" and meta["origin_kind"] == "place"
    code, out, _ = run(capsys, "rank", "Colombia", "PAN", "-k", "1", "--format", "geojson")
    meta = json.loads(out)["metadata"]
    assert code == 0 and (meta["origin"], meta["origin_id"], meta["origin_kind"]) == ("Colombia", "COL", "country")


def test_rank_regions(capsys: pytest.CaptureFixture[str]) -> None:
    G = _cached_network(False)
    code, out, _ = run(capsys, "rank", "COL", "PAN", "-k", "3")
    title = " ".join(out.split("\n\n")[0].split())
    assert code == 0 and "from any place in Colombia (COL)" in title
    assert "to the first town or port reached in Panama (PAN)" in title
    assert "$0+" not in out  # no cost known shows "?", never "$0+"
    for names in (["Colombia", "Panamá"], ["colombia", "PANAMA"], ["COL", "pan"]):
        code, out, _ = run(capsys, "rank", *names, "-k", "3", "--format", "json")
        rows = json.loads(out)
        assert code == 0 and rows, names
        assert all(G.nodes[r["nodes"][0]]["country"] == "COL" and G.nodes[r["nodes"][-1]]["country"] == "PAN"
                   for r in rows)
    code, out, _ = run(capsys, "rank", "Panama", "Necoclí", "-k", "1")
    assert code == 0 and "any place in Panama (PAN)" in out and "'Panama' is read as the country PAN" in out
    assert "'Panama City'" in out
    code, out, _ = run(capsys, "rank", "Panama City", "Necoclí", "-k", "1", "--format", "json")
    assert code == 0 and json.loads(out)[0]["nodes"][0] == "panama-city"
    code, out, _ = run(capsys, "rank", "COL", "PAN", "-k", "5", "--span", "crossing", "--format", "json")
    rows = json.loads(out)
    assert code == 0 and rows
    for r in rows:  # a crossing starts at the last Colombian place
        assert [G.nodes[n]["country"] for n in r["nodes"]][1:] == ["PAN"] * (len(r["nodes"]) - 1)
    code, out, _ = run(capsys, "rank", "COL", "PAN", "-k", "1", "--span", "crossing")
    assert code == 0 and "the last place in Colombia (COL)" in " ".join(out.split())
    code, _, err = run(capsys, "rank", "Ecuador", "PAN")
    assert code == 1 and "Ecuador (ECU)" in err and "Tapachula" in err
    code, _, err = run(capsys, "rank", "Bogotá", "Tapachula")
    assert code == 1 and "not on the network" in err and "did you mean" not in err


def test_rank_footer(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rank", "Panama City", "Necoclí", "-k", "5")
    footer = " ".join(out.split("\n\n")[-1].split())
    assert code == 0 and "safest among the paths listed" in footer and "-k" in footer
    assert "$N+ means some legs' cost is unknown" in footer
    assert "no data: legs that nobody is known to travel" in footer and "prior" in footer
    code, out, _ = run(capsys, "rank", "Necoclí", "Tapachula", "--direction", "north", "-k", "1")
    assert code == 0 and "inferred" not in out and max(map(len, out.splitlines())) <= 120


def test_rank_usage_errors_name_the_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "rank", "Necoclí", "Tapachula", "--window", "2024", "2022")
    assert code == 2 and out == "" and err.startswith("usage: route-risk rank") and "--window" in err


def test_compare(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "compare", "Panama City", "Necoclí", "--direction", "south")
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith("Southbound paths from Panama City to Necoclí: the safest path of each")
    assert max(map(len, lines)) <= 120
    head = next(ln for ln in lines if ln.startswith("corridor "))
    assert all(w in head for w in ("deaths/1,000 [90%]", "P(safest)", "time", "sea legs", "no data"))
    body = lines[lines.index(head) + 1: next(i for i, ln in enumerate(lines) if ln.startswith("corridor: "))]
    rows = [ln.split()[0] for ln in body if ln[:1].isalpha()]  # a corridor's row; its via and notes are indented
    assert {"guna-yala-sea", "darien-acandi"} <= set(rows)
    assert sum(ln.startswith("    via Panama City > ") for ln in lines) == len(set(rows))
    assert "route-risk compare PAN COL --direction south" in " ".join(out.split())
    code, out, _ = run(capsys, "compare", "PAN", "COL", "--direction", "south", "--format", "json")
    groups = json.loads(out)
    assert code == 0 and {"guna-yala-sea", "pacific", "darien-acandi"} <= {g["group"] for g in groups}
    assert all(g["group_rank"] == 1 for g in groups)
    assert sum(g["group_p_safest"] for g in groups) == pytest.approx(1.0)
    assert [g["rank"] for g in groups] == sorted(g["rank"] for g in groups)
    # every corridor is there whatever -k, with the same best path
    code, out, _ = run(capsys, "compare", "PAN", "COL", "--direction", "south", "-k", "20", "--format", "json")
    wider = {g["group"]: g["p_death"] for g in json.loads(out)}
    assert all(wider[g["group"]] == pytest.approx(g["p_death"]) for g in groups)


def test_compare_to_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "corridors.geojson"
    code, out, err = run(capsys, "compare", "PAN", "COL", "--direction", "south", "-k", "30", "-o", str(target))
    fc = json.loads(target.read_text(encoding="utf-8"))
    assert code == 0 and out == "" and err == f"wrote {target}\n"
    assert fc["metadata"]["origin_id"] == "PAN" and len(fc["features"]) == len(fc["metadata"]["groups"])
    assert {"group", "group_paths", "group_p_safest"} <= set(fc["features"][0]["properties"])


def test_legs_help_describes_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "legs", "--help")
    text = " ".join(out.split())
    assert code == 0 and "towards Mexico" in text and "csv or json" in text and "longest first" in text
    code, out, _ = run(capsys, "rank", "--help")
    text = " ".join(out.split())
    assert "--span" in text and "crossing" in text and "repeat the option or separate with commas" in text


# ------------------------------------------------------------------------------------------------ legs, places, explain
def test_legs(capsys: pytest.CaptureFixture[str]) -> None:
    G = _cached_network(True)
    code, out, _ = run(capsys, "legs")
    lines = out.splitlines()
    assert lines[0].startswith("period: incidents 2014-") and "IOM's counts are minimums" in out
    start = next(i for i, ln in enumerate(lines) if ln.startswith("leg "))
    table = lines[start: lines.index("", start)]
    assert code == 0 and len(table) == G.number_of_edges() + 1 and max(map(len, lines)) <= 120
    assert all(w in table[0] for w in ("leg", "deaths/1,000 [90%]", "deaths", "exposure", "evidence"))
    none = sum(d["evidence"] == "none" for *_, d in G.edges(data=True))
    assert none and sum(ln.rstrip().endswith(" no data") for ln in table) == none
    footer = " ".join(lines[len(table):])
    assert "fractional" in footer and "shared between the directions" in footer and "prior" in footer
    code, out, _ = run(capsys, "legs", "--direction", "north", "--format", "json")
    rows = json.loads(out)
    assert {r["direction"] for r in rows} == {"north"}
    assert len(rows) == sum(d["direction"] == "north" for *_, d in G.edges(data=True))
    assert [r["p_death"] for r in rows] == sorted((r["p_death"] for r in rows), reverse=True)
    code, out, _ = run(capsys, "legs", "--corridor", "uraba", "--sort", "name", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and rows and {r["corridor"] for r in rows} == {"uraba"}
    assert [r["leg"] for r in rows] == sorted(r["leg"] for r in rows)
    code, _, err = run(capsys, "legs", "--corridor", "urabaa")
    assert code == 1 and "did you mean 'uraba'" in err


def test_places(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "places")
    assert code == 0 and len(out.splitlines()) == _cached_network(False).number_of_nodes() + 1
    for query in ("Necoclí", "necocli", "NECOCLI"):
        code, out, _ = run(capsys, "places", query, "--format", "json")
        assert code == 0 and json.loads(out)[0]["id"] == "necocli" and "Necocly" in json.loads(out)[0]["alt_names"]
    code, out, err = run(capsys, "places", "lamiel")
    assert code == 0 and "did you mean" in err and "la-miel" in out
    code, out, err = run(capsys, "places", "zzzzqqq")
    assert code == 1 and out == "" and "route-risk places" in err
    for query in ("Bogotá", "Mexico City"):  # far from every name: no unrelated suggestions
        code, out, err = run(capsys, "places", query)
        assert code == 1 and out == "" and "not on the network" in err and "Tapachula" in err
        assert "did you mean" not in err
    code, out, err = run(capsys, "places", "Colombia", "--format", "json")
    assert code == 0 and "is a country" in err and "COL" in err
    assert {r["country"] for r in json.loads(out)} == {"COL"} and "necocli" in {r["id"] for r in json.loads(out)}
    code, out, err = run(capsys, "places", "Panamá")
    assert code == 0 and "is a country" in err and "PAN" in err and "Panama City" in err and "panama-city" in out


def test_explain(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "explain", "necocli-capurgana-boat")
    assert code == 0 and out.startswith("Leg necocli-capurgana-boat") and "Incidents attributed" in out
    lines = out.splitlines()
    assert max(map(len, lines)) <= 120 and "Deaths are fractional" in out
    assert "travellers" in out and "per 1,000 [90%]" in out and "  [1] " in out and "see [1]" in out
    north = routes.load_network().edges["necocli", "capurgana", "necocli-capurgana-boat"]
    shown = f"{1000 * north['p_death']:.3g}"  # 3 significant figures (0.0896); whole travellers (287,864)
    assert len(shown.lstrip("0.").replace(".", "")) == 3 and f"{shown} [" in out
    assert f"{north['exposure']:,.0f} [" in out
    code, out, _ = run(capsys, "explain", "unguia-union-choco-foot")
    assert code == 0 and " no data" in out and "only the pooled prior" in out
    code, out, err = run(capsys, "explain", "necocli-capurgana-bot")
    assert code == 1 and out == "" and "did you mean 'necocli-capurgana-boat'" in err


# ------------------------------------------------------------------------------------------------ export
def test_export(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    G = _cached_network(True)
    code, out, _ = run(capsys, "export", str(tmp_path / "network.geojson"))
    assert code == 0 and out.splitlines()[0] == str(tmp_path / "network.geojson")
    legs = json.loads((tmp_path / "network.geojson").read_text(encoding="utf-8"))
    assert legs["type"] == "FeatureCollection" and len(legs["features"]) == G.number_of_edges()
    assert len(pyogrio.read_dataframe(tmp_path / "network.places.geojson")) == G.number_of_nodes()
    code, out, _ = run(capsys, "export", str(tmp_path / "network.gpkg"))
    layers = [str(name) for name, _ in pyogrio.list_layers(tmp_path / "network.gpkg")]
    assert code == 0 and {"places", "legs", "incidents"} <= set(layers)
    legs_gpkg = pyogrio.read_dataframe(tmp_path / "network.gpkg", layer="legs")
    assert len(legs_gpkg) == G.number_of_edges() and legs_gpkg["p_death"].between(0, 1).all()
    code, _, err = run(capsys, "export", str(tmp_path / "absent" / "network.gpkg"))
    assert code == 1 and "absent" in err


# ------------------------------------------------------------------------------------------------ data
def test_data_update_and_status(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    before = package_files()
    shipped_rows = len(routes.load_incidents("shipped"))
    code, out, err = run(capsys, "data", "status")
    assert code == 0 and out.startswith("active snapshot: shipped") and f"incidents: {shipped_rows}," in out
    export = iom_export(tmp_path / "Missing_Migrants_Global_Figures_allData.csv")
    code, out, err = run(capsys, "data", "update", str(export), "--data-dir", str(tmp_path / "data"))
    assert code == 0 and "1 added, 0 removed, 0 changed" in out and "2026.MMP0001" in out
    assert (tmp_path / "data" / "snapshot" / "incidents.csv").is_file() and "--snapshot" in err
    assert package_files() == before  # the installed package is never written
    code, out, _ = run(capsys, "data", "status", "--snapshot", str(tmp_path / "data" / "snapshot"))
    assert code == 0 and out.startswith("active snapshot: user (chosen by --snapshot)")
    assert f"incidents: {shipped_rows + 1}, 2014" in out and "to 2026-02-03" in out and "shipped snapshot" in out
    code, out, _ = run(capsys, "rank", "Necoclí", "Tapachula", "-k", "1", "--snapshot", str(tmp_path / "data"))
    assert code == 0 and out.startswith("1 safest distinct northbound route from Necoclí to Tapachula")
    note = f"incident snapshot: {tmp_path / 'data' / 'snapshot' / 'incidents.csv'} (incidents 2014"
    assert note in " ".join(out.split()) and "to 2026-02-03" in out
    for argv in (["compare", "PAN", "COL", "--direction", "south"], ["legs"], ["explain", "necocli-capurgana-boat"]):
        code, out, _ = run(capsys, *argv, "--snapshot", str(tmp_path / "data"))
        assert code == 0 and note in " ".join(out.split()) and "to 2026-02-03" in out, argv
    code, out, _ = run(capsys, "rank", "Necoclí", "Tapachula", "-k", "1", "--snapshot", "shipped")
    assert code == 0 and "incident snapshot" not in out
    code, out, _ = run(capsys, "--snapshot", "shipped", "legs", "--format", "json")
    assert code == 0 and json.loads(out)


def test_data_update_unreadable(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    for target in (tmp_path / "absent.csv", tmp_path):
        code, out, err = run(capsys, "data", "update", str(target), "--data-dir", str(tmp_path / "data"))
        assert code == 1 and out == "" and str(target) in err and len(err.splitlines()) == 1
    bad = tmp_path / "bad.csv"
    bad.write_text("Main ID,Number of Dead\nX,1\n", encoding="utf-8")
    code, _, err = run(capsys, "data", "update", str(bad), "--data-dir", str(tmp_path / "data"))
    assert code == 1 and "bad.csv" in err
    assert not (tmp_path / "data" / "snapshot").exists()


def test_missing_snapshot(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, "legs", "--snapshot", str(tmp_path / "nothere"))
    assert code == 1 and out == "" and "nothere" in err and "shipped" in err


# ------------------------------------------------------------------------------------------------ validate
def test_validate(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "validate")
    assert code == 0 and out.count("OK  ") == 5 and "FAIL" not in out


def test_validate_reports_a_failure(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import routes.io.flows

    def broken(*_args: Any, **_kw: Any) -> Any:
        raise DataError("geodata/flows.csv row 3: persons 'x' is not a number; fix the row")

    monkeypatch.setattr(routes.io.flows, "load_flows", broken)
    code, out, _ = run(capsys, "validate")
    assert code == 1 and "FAIL  flows table: geodata/flows.csv row 3" in out and "OK    network" in out


# ------------------------------------------------------------------------------------------------ console script
def test_console_script_version() -> None:
    script = shutil.which("route-risk") or shutil.which("route-risk", path=os.path.dirname(sys.executable))
    if script is None:
        pytest.skip("the route-risk console script is not installed on PATH")
    done = subprocess.run([script, "--version"], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0 and done.stdout.strip() == f"route-risk {routes.__version__}"


def test_rank_marks_ended_legs_and_date_restricts(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rank", "Necoclí", "Tapachula", "-k", "3")
    assert code == 0
    if "no longer in use:" in out:  # a path through a closed station is history, and says so
        assert "--date YYYY-MM-DD" in out
    code, out, _ = run(capsys, "rank", "Necoclí", "Tapachula", "-k", "3", "--date", "2024-06-01")
    assert code == 0 and "La Peñita >" not in out  # the La Peñita boats stopped in 2021
    code, _, err = run(capsys, "rank", "Necoclí", "Tapachula", "--date", "2024-13-01")
    assert code == 2 and "is not a date" in err


def test_data_update_skip_invalid(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    good = (Path(__file__).parent / "data" / "incidents" / "downloads_page_sample.csv").read_text(encoding="utf-8")
    lines = good.splitlines()
    bad = lines[-1].replace('"Mon, 03/02/2026 - 12:00"', '"someday"')
    export = tmp_path / "export.csv"
    export.write_text("\n".join([*lines[:-1], bad]) + "\n", encoding="utf-8")
    code, _, err = run(capsys, "data", "update", str(export), "--data-dir", str(tmp_path / "data"))
    assert code == 1 and "--skip-invalid" in err and "on_invalid" not in err
    code, out, _ = run(capsys, "data", "update", str(export), "--data-dir", str(tmp_path / "data"), "--skip-invalid")
    assert code == 0 and "skipped" in out and "'someday' is not a date" in out


def test_quote_now_and_the_previous_model(capsys: pytest.CaptureFixture[str]) -> None:
    """--quote now moves the risk to the last 12 months' flows and says so; --model v1 is the previous model."""
    code, out, _ = run(capsys, "rank", "Necoclí", "Tapachula", "-k", "1", "--format", "json")
    assert code == 0
    record = json.loads(out)[0]["p_death"]
    code, out, _ = run(capsys, "rank", "Necoclí", "Tapachula", "-k", "1", "--quote", "now", "--format", "json")
    assert code == 0
    now = json.loads(out)[0]["p_death"]
    assert now > record  # the Darién flow of 2025 is a fraction of its record average: each traveller at higher risk
    code, table, _ = run(capsys, "rank", "Necoclí", "Tapachula", "-k", "1", "--quote", "now")
    assert code == 0 and "(--quote now)" in table.replace("\n    ", " ")
    code, table, _ = run(capsys, "rank", "Necoclí", "Tapachula", "-k", "1", "--model", "v1")
    assert code == 0 and "model v1 (the previous model)" in table.replace("\n    ", " ")
    assert run(capsys, "rank", "Necoclí", "Tapachula", "--quote", "later")[0] == 2


def test_hints_for_a_name_without_quotes_and_a_corridor_given_as_a_leg(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "rank", "Panama", "City", "Necoclí")
    assert code == 2 and 'goes in quotes, e.g. route-risk rank "Panama City" Necoclí' in err
    code, _, err = run(capsys, "explain", "darien")
    assert code == 1 and "names corridor(s) darien-acandi" in err and "not a leg" in err
