"""The command line's GIS outputs: filtered exports and legs, the offline web map, and provenance in every output.

Every output names the package version, the incident snapshot with its sha256, the incident window, ``as_of``, the
direction and the scenario, and none holds a path of the machine that wrote it.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pyogrio
import pytest
from cli_harness import cached_network, isolated_cli, run  # noqa: F401 - isolated_cli: autouse

import routes.load
from routes.io.snapshot import load_incidents
from routes.report.provenance import KEYS

ROOT = Path(__file__).resolve().parents[1]
_cached_network = cached_network


def _local_paths(text: str, tmp_path: Path) -> list[str]:
    """Absolute local paths in ``text``: the home, the checkout, the temporary folder, or any /a/b path in quotes."""
    found = [p for p in {str(Path.home()), str(ROOT), str(tmp_path), "/tmp/", "/root/"} if p in text]
    return found + re.findall(r"[\"'\s(=]((?:/[\w.-]+){2,})", text)


def _provenance_ok(prov: dict[str, Any], *, direction: str = "both") -> None:
    assert list(prov) == list(KEYS)
    shipped = load_incidents("shipped").attrs
    assert prov["routes_version"] == routes.__version__
    assert prov["snapshot_sha256"] == shipped["sha256"] and prov["snapshot_id"].startswith("shipped-")
    assert prov["as_of"] == shipped["meta"]["date_max"] == prov["incident_window"][1]
    assert prov["direction"] == direction


# -------------------------------------------------------------------------------------------------- export
def test_export_filters_by_direction_corridor_and_date(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "darien.geojson"
    code, out, err = run(capsys, "export", str(target), "--corridor", "darien", "--direction", "north",
                         "--date", "2024-06-01")
    assert code == 0, err
    assert out.split() == [str(target), str(tmp_path / "darien.places.geojson"), str(tmp_path / "darien.qml"),
                           str(tmp_path / "darien.places.qml")]
    fc = json.loads(target.read_text(encoding="utf-8"))
    props = [f["properties"] for f in fc["features"]]
    assert props and all(p["corridor"].startswith("darien-") and p["direction"] == "north" for p in props)
    assert all((p["period_start"] or "0") <= "2024-06-01" <= (p["period_end"] or "9") for p in props)
    _provenance_ok(fc["metadata"]["provenance"], direction="north")
    assert fc["metadata"]["provenance"]["scenario"] == {"corridor": "darien", "date": "2024-06-01"}


def test_export_geojson_to_stdout_and_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "export", "--format", "geojson", "--corridor", "uraba")
    fc = json.loads(out)
    assert code == 0 and fc["name"] == "legs" and {f["properties"]["corridor"] for f in fc["features"]} == {"uraba"}
    code, _, err = run(capsys, "export")
    assert code == 2 and "--format geojson" in err
    code, _, err = run(capsys, "export", "x.geojson", "--format", "gpkg")
    assert code == 2 and "does not fit" in err
    code, _, err = run(capsys, "export", "x.geojson", "--corridor", "darian")
    assert code == 1 and "did you mean" in err and "darien" in err


def test_export_geopackage_is_1_2_with_dates_and_provenance(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "uraba.gpkg"
    code, _, err = run(capsys, "export", str(target), "--corridor", "uraba")
    assert code == 0, err
    with sqlite3.connect(target) as con:
        assert con.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47  # 'GPKG'
        assert con.execute("PRAGMA user_version").fetchone()[0] == 10200  # version 1.2
        ddl = con.execute("SELECT sql FROM sqlite_master WHERE name = 'legs'").fetchone()[0]
        meta = [m for (m,) in con.execute("SELECT m.metadata FROM gpkg_metadata m JOIN gpkg_metadata_reference r "
                                          "ON r.md_file_id = m.id WHERE r.reference_scope = 'geopackage'")]
        styled = [t for (t,) in con.execute("SELECT f_table_name FROM layer_styles WHERE useAsDefault")]
    assert '"period_start" DATE' in ddl and '"period_end" DATE' in ddl
    prov = json.loads(pyogrio.read_info(target, layer="legs")["dataset_metadata"]["routes_provenance"])
    _provenance_ok(prov)
    assert len(meta) == 1 and "routes_provenance" in meta[0]
    assert styled == ["legs", "places", "incidents"]
    legs = pyogrio.read_dataframe(target, layer="legs")
    incidents = pyogrio.read_dataframe(target, layer="incidents")
    assert set(legs["corridor"]) == {"uraba"} and set(incidents["leg"]) <= set(legs["leg"])
    assert {"from_name", "to_name", "deaths_per_1000", "deaths_per_1000_lo", "deaths_per_1000_hi"} <= set(legs.columns)


# ---------------------------------------------------------------------------------------------------- legs
def test_legs_filters_and_geojson(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "legs", "--corridor", "darien", "--format", "geojson", "--direction", "south")
    fc = json.loads(out)
    assert code == 0 and fc["features"]
    assert all(f["properties"]["direction"] == "south" for f in fc["features"])
    _provenance_ok(fc["metadata"]["provenance"], direction="south")
    code, out, _ = run(capsys, "legs", "--date", "2019-06-01", "--format", "json")
    rows = json.loads(out)
    code2, out2, _ = run(capsys, "legs", "--format", "json")
    assert code == code2 == 0 and 0 < len(rows) < len(json.loads(out2))


# ----------------------------------------------------------------------------------------------------- map
def test_map_writes_one_offline_page(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "out.html"
    code, out, err = run(capsys, "map", str(target), "--from", "Necoclí", "--to", "Tapachula", "-k", "2")
    assert code == 0, err
    assert out.strip() == str(target) and sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["out.html"]
    html = target.read_text(encoding="utf-8")
    data = json.loads(html.split('id="routes-data">', 1)[1].split("</script>", 1)[0])
    assert len(data["paths"]) == 2 and data["provenance"]["direction"] == "north"
    assert "<script src" not in html and "stylesheet" not in html  # everything inline
    code, _, err = run(capsys, "map", str(target), "--from", "Necoclí")
    assert code == 2 and "both --from and --to" in err
    code, _, err = run(capsys, "map", str(tmp_path / "out.png"))
    assert code == 2 and "expected a .html file" in err
    code, _, err = run(capsys, "map", str(target), "--from", "Necocly", "--to", "Atlantis")
    assert code == 1 and "Atlantis" in err


# ---------------------------------------------------------------------------------------- provenance, paths
def test_rank_tables_get_a_provenance_sidecar(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    for suffix in (".csv", ".json"):
        target = tmp_path / f"paths{suffix}"
        code, _, err = run(capsys, "rank", "Panama City", "Necoclí", "-k", "2", "--direction", "south",
                           "--month", "1", "-o", str(target))
        assert code == 0, err
        sidecar = json.loads((tmp_path / "paths.provenance.json").read_text(encoding="utf-8"))
        assert sidecar["file"] == target.name and sidecar["query"]["origin"] == "Panama City"
        _provenance_ok(sidecar["provenance"], direction="south")
        assert sidecar["provenance"]["scenario"]["month"] == 1


def test_no_output_holds_a_local_path(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    commands = [["export", str(tmp_path / "net.geojson")], ["export", str(tmp_path / "net.gpkg")],
                ["rank", "Necoclí", "Tapachula", "-k", "2", "-o", str(tmp_path / "paths.geojson")],
                ["rank", "Necoclí", "Tapachula", "-k", "2", "-o", str(tmp_path / "paths.gpkg")],
                ["rank", "Necoclí", "Tapachula", "-k", "2", "-o", str(tmp_path / "paths.json")],
                ["map", str(tmp_path / "map.html"), "--from", "Necoclí", "--to", "Tapachula"]]
    for argv in commands:
        assert run(capsys, *argv)[0] == 0, argv
    code, out, _ = run(capsys, "rank", "Necoclí", "Tapachula", "-k", "1", "--format", "geojson")
    assert code == 0 and not _local_paths(out, tmp_path)
    files = sorted(p for p in tmp_path.iterdir() if p.is_file())
    assert len(files) >= 10
    for f in files:
        text = f.read_bytes().decode("utf-8", errors="replace")
        if f.suffix == ".html":  # the page's data and its footer; Leaflet's code has regular expressions with slashes
            text = text.split('id="routes-data">', 1)[1].split("</script>", 1)[0]
        assert not _local_paths(text, tmp_path), (f.name, _local_paths(text, tmp_path)[:3])
