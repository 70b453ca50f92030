"""Tests of routes.report.provenance and routes.io.localpaths: where an output came from, and no local path in it."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import given
from hypothesis import strategies as st

import routes
from routes.io.localpaths import scrub_paths
from routes.io.resources import geodata_file
from routes.io.snapshot import load_incidents
from routes.load import load_network
from routes.model.risk import estimate_risk
from routes.report.provenance import KEYS, provenance

_segment = st.text(st.characters(codec="ascii", categories=("L", "N"), include_characters="._-"), min_size=1,
                   max_size=12).filter(lambda s: s not in (".", ".."))


@given(st.lists(_segment, min_size=1, max_size=6), st.sampled_from(["", "see ", "update ", "file://"]))
def test_an_absolute_path_becomes_its_file_name(parts: list[str], before: str) -> None:
    path = "/" + "/".join(parts)
    assert scrub_paths(f"{before}{path}") == f"{'' if before == 'file://' else before}{parts[-1]}"
    assert scrub_paths({"a": [path, (path,)]}) == {"a": [parts[-1], [parts[-1]]]}


@pytest.mark.parametrize(("text", "expected"), [
    ("C:\\Users\\ana\\routes\\incidents.csv", "incidents.csv"),
    ("~/data/snapshot/incidents.csv", "incidents.csv"),
    ("https://missingmigrants.iom.int/downloads", "https://missingmigrants.iom.int/downloads"),
    ("dead/missing, 1/2 of the flow; ROUTE_SHARES.md §1.3", "dead/missing, 1/2 of the flow; ROUTE_SHARES.md §1.3"),
    ("<b>a</b> </svg>", "<b>a</b> </svg>"),
])
def test_scrub_keeps_what_is_not_a_local_path(text: str, expected: str) -> None:
    assert scrub_paths(text) == expected
    assert scrub_paths(Path("/srv/x/y.csv")) == "y.csv" and scrub_paths(3.5) == 3.5


@pytest.fixture(scope="module")
def G() -> nx.MultiDiGraph:
    return load_network(snapshot="shipped")


def test_provenance_of_the_shipped_estimate(G: nx.MultiDiGraph) -> None:
    p = provenance(G, direction="south", scenario={"month": 1})
    shipped = load_incidents("shipped").attrs
    assert list(p) == list(KEYS)
    assert p["routes_version"] == routes.__version__ and p["estimate_id"] == G.graph["estimate_id"]
    assert p["snapshot_id"] == f"shipped-{shipped['meta']['built']}" and p["snapshot_file"] == "incidents.csv"
    assert p["snapshot_sha256"] == hashlib.sha256(geodata_file("incidents.csv").read_bytes()).hexdigest()
    assert p["incident_window"] == [shipped["meta"]["date_min"], shipped["meta"]["date_max"]]
    assert p["as_of"] == shipped["meta"]["date_max"]
    assert (p["direction"], p["scenario"]) == ("south", {"month": 1})


def test_a_window_narrows_the_incident_window() -> None:
    H = estimate_risk(load_network(risk=False), load_incidents("shipped"), window=(2022, 2023), draws=200)
    first, last = provenance(H)["incident_window"]
    assert first >= "2022-01-01" and last <= "2023-12-31" and provenance(H)["as_of"] == last


def test_a_user_snapshot_is_named_by_its_checksum_not_its_path(tmp_path: Path) -> None:
    folder = tmp_path / "home" / "ana" / "snapshot"
    folder.mkdir(parents=True)
    for name in ("incidents.csv", "snapshot.json"):
        with geodata_file(name).open("rb") as src, open(folder / name, "wb") as dst:
            shutil.copyfileobj(src, dst)
    H = estimate_risk(load_network(risk=False), load_incidents(folder), draws=200)
    p = provenance(H)
    assert p["snapshot_id"].startswith("user-") and p["snapshot_file"] == "incidents.csv"
    assert p["snapshot_sha256"] == hashlib.sha256((folder / "incidents.csv").read_bytes()).hexdigest()
    assert str(tmp_path) not in repr(p)


def test_a_graph_without_its_estimate_says_what_it_knows(G: nx.MultiDiGraph) -> None:
    H = G.copy()
    H.graph.pop("estimate_id")
    p = provenance(H)
    assert p["routes_version"] == routes.__version__ and p["snapshot_sha256"] is None and p["as_of"] is None
    H.graph["provenance"] = '{"snapshot_id": "shipped-2026-11-28", "as_of": "2025-12-27"}'  # e.g. read back
    assert provenance(H)["snapshot_id"] == "shipped-2026-11-28" and provenance(H)["as_of"] == "2025-12-27"
    assert provenance()["snapshot_id"] is None
