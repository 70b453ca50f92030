"""Robustness: the catalogue of bad inputs, nothing lost or changed, offline, and the benchmark in quick mode.

The catalogue (``CATALOGUE``, ``FLAGGED``) is the one place that lists every kind of bad input a user may feed the
model, with the exact error each one gets: its type, and a message that names the file, the row or feature and
the fix. Some siblings of these cases are tested in the module's own test file (``test_incidents.py``,
``test_network.py``, ...); the cases here are other variants, so that together they cover the list of issue 7.
A case whose behaviour is a known library bug is marked ``xfail(strict=True)`` with the reason: it documents the
bug and turns into a failure (to un-mark) the day the bug is fixed.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import pandas as pd
import pytest
from shared import SHARED, needs_shared
from toy import ALLDATA, DOWNLOADS, LEGS, PLACES, legs_doc, places_doc, toy_exposure, toy_flows, toy_incidents, write

from routes.errors import DataError, NetworkError, NoPathError, ScenarioError, UnknownPlaceError
from routes.io.incidents import read_incidents
from routes.load import load_network
from routes.model.risk import estimate_risk
from routes.network.places import find_place
from routes.query.scoring import Scenario, rank_paths

ROOT = Path(__file__).resolve().parents[1]

# ------------------------------------------------------------------------------------------------ helpers


def incident(main_id: str = "2024.MMP0001", *, date: str = "2024-03-05", dead: str = "1", missing: str = "",
             total: str | None = None, coords: str = "8.5312, -77.2471", **extra: str) -> dict[str, str]:
    """One allData row (placeholders in the free-text columns, never real IOM text)."""
    if total is None:
        try:
            total = str(int(dead or 0) + int(missing or 0))
        except ValueError:
            total = ""
    return {"Main ID": main_id, "Incident ID": main_id, "Incident Type": "Incident", "Incident Date": date,
            "Incident Year": date[:4], "Number of Dead": dead, "Minimum Estimated Number of Missing": missing,
            "Total Number of Dead and Missing": total, "Cause of Death": "Drowning", "Country of Incident": "Panama",
            "Migration Route": "Darien", "Location of Incident": "placeholder", "Coordinates": coords,
            "Information Source": "placeholder", "URL": "https://example.org/x", "Source Quality": "4"} | extra


def csv_file(path: Path, rows: list[dict[str, str]], *, header: list[str] = ALLDATA, encoding: str = "utf-8",
             delimiter: str = ",") -> Path:
    with open(path, "w", newline="", encoding=encoding) as f:
        w = csv.DictWriter(f, fieldnames=header, delimiter=delimiter, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@contextlib.contextmanager
def hang_guard(seconds: float) -> Iterator[None]:
    """Turn a hang into a ``TimeoutError`` after ``seconds`` (on Unix, in the main thread; a no-op elsewhere).

    This is a guard against a reader that never returns, not a speed test: a correct reader answers in
    milliseconds, the limit is generous.
    """
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def alarm(_signum: int, _frame: Any) -> None:
        raise TimeoutError(f"no answer within {seconds:g} s: the reader hangs on this input")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


# ---------------------------------------------------------------------------------- the toy network with risk
@pytest.fixture(scope="module")
def toy_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("toy")
    return write(d, "places.geojson", places_doc()), write(d, "legs.geojson", legs_doc())


@pytest.fixture(scope="module")
def risky(toy_files: tuple[Path, Path]) -> nx.MultiDiGraph:
    G = load_network(places=toy_files[0], legs=toy_files[1], risk=False)
    inc = toy_incidents([{"lon": -77.07, "lat": 8.55, "dead": 2, "date": f"2024-{m:02d}-10"} for m in (1, 2, 3)])
    return estimate_risk(G, inc, toy_flows(), exposure=toy_exposure(), seed=1)


# ------------------------------------------------------------------------------------------------ the catalogue
Call = Callable[[Path, nx.MultiDiGraph], Any]


@dataclass(frozen=True)
class Bad:
    """One bad input: ``call(tmp_path, risky_graph)`` must raise ``error`` with every pattern in its message."""

    id: str
    call: Call
    error: type[BaseException]
    patterns: tuple[str, ...]
    bug: str | None = None  # a known library bug: the case is an expected failure until it is fixed
    guard_s: float = 30.0


def _read(name: str, data: bytes | Callable[[Path], Path]) -> Call:
    def call(tmp: Path, _G: nx.MultiDiGraph) -> Any:
        if isinstance(data, bytes):
            (tmp / name).write_bytes(data)
            return read_incidents(tmp / name)
        return read_incidents(data(tmp / name))
    return call


def _rows(*rows: dict[str, str], header: list[str] = ALLDATA, **kw: Any) -> Callable[[Path], Path]:
    return lambda p: csv_file(p, list(rows), header=header, **kw)


def _xlsx_cut(p: Path) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(ALLDATA)
    wb.active.append([incident().get(h, "") for h in ALLDATA])
    wb.save(p)
    p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])  # a download cut half-way
    return p


def _header_cut(p: Path) -> Path:
    csv_file(p, [incident()])
    p.write_bytes(p.read_bytes()[:40])  # the connection dropped inside the header
    return p


def _network(places: dict[str, Any] | None = None, legs: dict[str, Any] | None = None, *,
             places_name: str = "places.geojson", legs_name: str = "legs.geojson",
             raw_legs: bytes | None = None) -> Call:
    def call(tmp: Path, _G: nx.MultiDiGraph) -> Any:
        p = write(tmp, places_name, places if places is not None else places_doc())
        if raw_legs is not None:
            (tmp / legs_name).write_bytes(raw_legs)
            lp = tmp / legs_name
        else:
            lp = write(tmp, legs_name, legs if legs is not None else legs_doc())
        return load_network(places=p, legs=lp, risk=False)
    return call


def _with_crs(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return doc | {"crs": {"type": "name", "properties": {"name": name}}}


def _places(**changes: tuple[Any, Any]) -> dict[str, Any]:
    """The toy places with some coordinates replaced: ``necocli=(x, y)``."""
    places = copy.deepcopy(PLACES)
    for p in places:
        if p["id"].replace("-", "_") in changes:
            p["xy"] = changes[p["id"].replace("-", "_")]
    return places_doc(places)


def _legs(**changes: dict[str, Any]) -> dict[str, Any]:
    legs = copy.deepcopy(LEGS)
    for leg in legs:
        leg.update(changes.get(leg["id"].replace("-", "_"), {}))
    return legs_doc(legs)


def _two_la_miel(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    H = G.copy()
    H.add_node("la-miel-beach", **(dict(G.nodes["la-miel"]) | {"name": "La Miel", "alt_names": []}))
    return H


_HUGE = 5_000_000  # a 5 MB single line
_SKIP_HINT = r"on_invalid='skip'"
CATALOGUE: list[Bad] = [
    # --- incident exports: empty, truncated, binary, not CSV
    Bad(
        "empty: only a BOM and a newline",
        _read("bom.csv", b"\xef\xbb\xbf\r\n"),
        DataError,
        (r"bom\.csv is empty", r"header row", r"Download it again"),
    ),
    Bad(
        "empty: a UTF-16 file holding only its byte-order mark",
        _read("u16.csv", b"\xff\xfe"),
        DataError,
        (r"u16\.csv is empty", r"header row"),
    ),
    Bad(
        "truncated: a UTF-16 file cut inside a character",
        _read("cut16.csv", "Main ID,Incident ID\nA,A\n".encode("utf-16")[:-1]),
        DataError,
        (r"cut16\.csv", r"(truncated|UTF-16)"),
    ),
    Bad(
        "truncated: .xlsx download cut half-way",
        _read("cut.xlsx", _xlsx_cut),
        DataError,
        (r"cut\.xlsx looks like an \.xlsx workbook but the archive is damaged", r"download the export again"),
    ),
    Bad(
        "truncated: inside the header row",
        _read("head.csv", _header_cut),
        DataError,
        (
            r"head\.csv lacks required column\(s\) \['Incident Date', 'Number of Dead'",
            r"download the full export again or restore those columns",
        ),
    ),
    Bad(
        "binary: a gzip archive named .csv",
        _read("export.csv", b"\x1f\x8b\x08\x00" + bytes(range(256)) * 40),
        DataError,
        (
            r"export\.csv is neither a CSV text file nor an \.xlsx workbook",
            r"binary data",
            r"expected an IOM Missing Migrants export \(\.csv or \.xlsx\)",
        ),
    ),
    Bad(
        "binary: NUL bytes inside a CSV",
        _read("nul.csv", b"Main ID,Incident ID\n" + b"\x00" * 64 + b"\n"),
        DataError,
        (r"nul\.csv is neither a CSV text file", r"\.csv or \.xlsx"),
    ),
    Bad(
        "not CSV: an HTML login page saved as .csv",
        _read("page.csv", b"<!DOCTYPE html><html><head><title>Sign in</title></head><body></body></html>\n"),
        DataError,
        (
            r"page\.csv is not an IOM Missing Migrants export",
            r"found \['<!DOCTYPE html>",
            r"Expected the allData format",
        ),
    ),
    Bad(
        "not a file: a directory",
        lambda tmp, _G: read_incidents(tmp),
        DataError,
        (r"cannot read incident file '.*'", r"check the path"),
    ),
    Bad(
        "huge single line: 5 MB, no newline, no separator",
        _read("line.csv", b"x" * _HUGE),
        DataError,
        (r"line\.csv has no line break in its first 100,000 characters", r"not a CSV export with a header row"),
        guard_s=5,
    ),
    Bad(
        "huge single line: 5 MB header of 2.5 million fields, no newline",
        _read("fields.csv", b"a," * (_HUGE // 2)),
        DataError,
        (r"fields\.csv", r"(too long|too many|line 1|not an IOM|no line break)"),
        guard_s=3,
    ),
    Bad(
        "huge single line: 5 MB header of 2.5 million fields, then a newline",
        _read("fields_nl.csv", b"a," * (_HUGE // 2) + b"\n"),
        DataError,
        (r"fields_nl\.csv", r"(too long|too many|line 1|not an IOM|no line break)"),
        guard_s=3,
    ),
    # --- delimiter, header, columns
    Bad(
        "wrong delimiter: pipe-separated",
        _read("pipe.csv", _rows(incident(), delimiter="|")),
        DataError,
        (
            r"pipe\.csv is not an IOM Missing Migrants export",
            r"found \['Main ID\|Incident ID\|",
            r"Expected the allData format",
        ),
    ),
    Bad(
        "header only: downloads-page format",
        _read("dl.csv", _rows(header=DOWNLOADS)),
        DataError,
        (r"dl\.csv has a header but no data rows", r"IOM downloads-page export format", r"download the export again"),
    ),
    Bad(
        "renamed column: 'Number of Dead' -> 'Dead'",
        _read(
            "ren.csv",
            _rows(incident() | {"Dead": "1"}, header=[("Dead" if h == "Number of Dead" else h) for h in ALLDATA]),
        ),
        DataError,
        (
            r"ren\.csv lacks required column\(s\) \['Number of Dead'\] of the IOM 'allData' export format",
            r"found \[.*'Dead'",
            r"restore those columns",
        ),
    ),
    Bad(
        "missing column: downloads page without 'Number Dead'",
        _read(
            "nodead.csv",
            _rows(
                {
                    "Main ID": "A",
                    "Incident ID": "A",
                    "Incident Date": "Thu, 01/01/2026 - 12:00",
                    "Coordinates": "8.5, -77.5",
                },
                header=[h for h in DOWNLOADS if h != "Number Dead"],
            ),
        ),
        DataError,
        (
            r"nodead\.csv lacks required column\(s\) \['Number Dead'\] of the IOM downloads-page",
            r"restore those columns",
        ),
    ),
    Bad(
        "missing column: coordinates split into Latitude and Longitude",
        _read(
            "latlon.csv",
            _rows(
                incident() | {"Latitude": "8.5", "Longitude": "-77.5"},
                header=[h for h in ALLDATA if h != "Coordinates"] + ["Latitude", "Longitude"],
            ),
        ),
        DataError,
        (r"latlon\.csv lacks required column\(s\) \['Coordinates'\]", r"restore those columns"),
    ),
    # --- counts
    Bad(
        "non-numeric count: 'two' dead",
        _read("words.csv", _rows(incident(), incident("B", dead="two"))),
        DataError,
        (
            r"words\.csv: 1 of 2 data rows",
            r"words\.csv, row 2: Number of Dead 'two' is not a whole number",
            r"write a count, or leave it blank for 0",
            _SKIP_HINT,
        ),
    ),
    Bad(
        "non-numeric count: fractional missing",
        _read("frac.csv", _rows(incident(missing="1.5"))),
        DataError,
        (r"frac\.csv, row 1: Minimum Estimated Number of Missing '1\.5' is not a whole number", r"write a count"),
    ),
    Bad(
        "non-numeric count: 'NaN' dead",
        _read("nan_count.csv", _rows(incident(dead="NaN"))),
        DataError,
        (r"nan_count\.csv, row 1: Number of Dead 'NaN' is not a whole number", r"leave it blank"),
    ),
    Bad(
        "non-numeric count: downloads page",
        _read(
            "dlx.csv",
            _rows(
                {
                    "Main ID": "A",
                    "Incident ID": "A",
                    "Incident Date": "Thu, 01/01/2026 - 12:00",
                    "Number Dead": "x",
                    "Coordinates": "8.5, -77.5",
                },
                header=DOWNLOADS,
            ),
        ),
        DataError,
        (r"dlx\.csv, row 1: Number Dead 'x' is not a whole number", _SKIP_HINT),
    ),
    Bad(
        "negative count: missing -2 that the total does not confirm",
        _read("neg.csv", _rows(incident(dead="1", missing="-2"))),
        DataError,
        (
            r"neg\.csv, row 1: Minimum Estimated Number of Missing -2 is negative \(counts must be 0 or more\)",
            _SKIP_HINT,
        ),
    ),
    # --- coordinates
    Bad(
        "coordinates 'lat lon' without a comma",
        _read("space.csv", _rows(incident(coords="8.5312 -77.2471"))),
        DataError,
        (
            r"space\.csv, row 1: Coordinates '8\.5312 -77\.2471' is not 'lat, lon' in decimal degrees",
            r"write it like '8\.5312, -77\.2471'",
        ),
    ),
    Bad(
        "coordinates as degrees-minutes-seconds",
        _read("dms.csv", _rows(incident(coords="8°31'52\"N, 77°14'50\"W"))),
        DataError,
        (
            r"dms\.csv, row 1: Coordinates '8°31.*52\"N, 77°14.*50\"W' is not 'lat, lon' in decimal degrees",
            r"write it like",
        ),
    ),
    Bad(
        "coordinates NaN",
        _read("nan.csv", _rows(incident(coords="nan, nan"))),
        DataError,
        (r"nan\.csv, row 1: Coordinates 'nan, nan' is not 'lat, lon'", r"write it like"),
    ),
    Bad(
        "coordinates in Arabic-Indic digits (pandas raised a bare ValueError)",
        _read("digits.csv", _rows(incident(coords="\u0668.\u0665, -\u0667\u0667.\u0662"))),
        DataError,
        (r"digits\.csv, row 1: Coordinates '.+' is not 'lat, lon' in decimal degrees", r"write it like"),
    ),
    Bad(
        "a count in Arabic-Indic digits",
        _read("count.csv", _rows(incident(dead="\u0661\u0662"))),
        DataError,
        (r"count\.csv, row 1: Number of Dead '.+' is not a whole number",),
    ),
    Bad(
        "coordinates as WKT 'POINT(lon lat)'",
        _read("wkt.csv", _rows(incident(coords="POINT(-77.2471 8.5312)"))),
        DataError,
        (r"wkt\.csv, row 1: Coordinates 'POINT\(-77\.2471 8\.5312\)' is not 'lat, lon'",),
    ),
    # --- dates and ids
    Bad(
        "date day-first '31/12/2024'",
        _read("dmy.csv", _rows(incident(date="31/12/2024"))),
        DataError,
        (r"dmy\.csv, row 1: Incident Date '31/12/2024' is not a date", r"expected YYYY-MM-DD"),
    ),
    Bad(
        "blank Main ID",
        _read("noid.csv", _rows(incident(""))),
        DataError,
        (r"noid\.csv, row 1: Main ID is blank", r"every incident needs its IOM id"),
    ),
    # --- GeoJSON places and legs
    Bad(
        "places GeoJSON with a crs member in UTM 17N",
        _network(_with_crs(places_doc(), "urn:ogc:def:crs:EPSG::32617")),
        NetworkError,
        (r"places file '.*places\.geojson' declares crs 'urn:ogc:def:crs:EPSG::32617'", r"Reproject it to EPSG:4326"),
    ),
    Bad(
        "legs GeoJSON with a crs member in Web Mercator",
        _network(legs=_with_crs(legs_doc(), "EPSG:3857")),
        NetworkError,
        (r"legs file '.*legs\.geojson' declares crs 'EPSG:3857'", r"ogr2ogr -t_srs EPSG:4326"),
    ),
    Bad(
        "legs GeoJSON truncated",
        _network(raw_legs=json.dumps(legs_doc()).encode()[:500]),
        NetworkError,
        (r"legs file '.*legs\.geojson' is not valid JSON \(line 1, column \d+", r"export it again as GeoJSON"),
    ),
    Bad(
        "legs GeoJSON in Latin-1",
        _network(raw_legs=json.dumps(legs_doc(), ensure_ascii=False).replace('"uraba"', '"urabá"').encode("latin-1")),
        NetworkError,
        (r"legs file '.*legs\.geojson' is not UTF-8 text", r"save it as UTF-8 GeoJSON"),
    ),
    Bad(
        "legs GeoJSON is a bare list of features",
        _network(raw_legs=json.dumps(legs_doc()["features"]).encode()),
        NetworkError,
        (r"legs file '.*legs\.geojson' must be a GeoJSON FeatureCollection, got 'list'",),
    ),
    Bad(
        "places coordinates out of range",
        _network(_places(necocli=(-76.8, 98.0))),
        NetworkError,
        (
            r"places\.geojson, feature 0 \(id 'necocli'\): coordinates \(-76\.8, 98\.0\) out of range",
            r"GeoJSON order is \[longitude, latitude\]",
        ),
    ),
    Bad(
        "places coordinates NaN",
        _network(_places(acandi=(float("nan"), 8.5))),
        NetworkError,
        (
            r"places\.geojson, feature 2 \(id 'acandi'\): coordinates \(nan, 8\.5\) out of range",
            r"\[longitude, latitude\]",
        ),
    ),
    Bad(
        "places in 'lat, lon' order (swapped)",
        _network(_places(necocli=(8.42627, -76.78926))),
        NetworkError,
        (
            r"leg 'necocli-capurgana-boat' \(feature 0\): line start .* is \d+\.\d km from place 'necocli'",
            r"are longitude and latitude swapped\?",
        ),
    ),
    Bad(
        "places coordinates as degrees-minutes-seconds strings",
        _network(_places(necocli=("76°47'21\"W", "8°25'34\"N"))),
        NetworkError,
        (r"places\.geojson, feature 0 \(id 'necocli'\)", r"(number|decimal degrees)"),
    ),
    Bad(
        "a leg whose ends are not places",
        _network(legs=_legs(necocli_capurgana_boat={"from": "turbo", "to": "colon"})),
        NetworkError,
        (
            r"legs\.geojson",
            r"leg 'necocli-capurgana-boat' \(feature 0\): unknown place id 'turbo', "
            r"'colon'",
            r"route-risk places",
        ),
    ),
    Bad(
        "a leg whose end is a misspelt place",
        _network(legs=_legs(acandi_capurgana_foot={"to": "capurgna"})),
        NetworkError,
        (
            r"leg 'acandi-capurgana-foot' \(feature 2\): unknown place id 'capurgna'",
            r"did you mean 'Capurganá' \(id 'capurgana'\)",
        ),
    ),
    Bad(
        "empty network: a legs file without features",
        _network(legs={"type": "FeatureCollection", "features": []}, legs_name="empty_legs.geojson"),
        NetworkError,
        (r"empty_legs\.geojson", r"(no features|no legs|network is empty)"),
    ),
    Bad(
        "empty network: a places file without features",
        _network({"type": "FeatureCollection", "features": []}),
        NetworkError,
        (r"places\.geojson: the places file has no features", r"a network needs at least two places"),
    ),
    # --- places by name
    Bad(
        "unknown place: find_place('Tapachula') on the Urabá network",
        lambda _tmp, G: find_place(G, "Tapachula"),
        UnknownPlaceError,
        (r"unknown place 'Tapachula'", r"list them with `route-risk places`"),
    ),
    Bad(
        "ambiguous place: two places called 'La Miel'",
        lambda _tmp, G: find_place(_two_la_miel(G), "La Miel"),
        UnknownPlaceError,
        (r"place name 'La Miel' is ambiguous", r"'la-miel'", r"'la-miel-beach'", r"use the id"),
    ),
    Bad(
        "unknown place: rank_paths to 'Tapachula'",
        lambda _tmp, G: rank_paths(G, "Necoclí", "Tapachula"),
        UnknownPlaceError,
        (r"unknown destination 'Tapachula'", r"route-risk places"),
    ),
    Bad(
        "unknown place: rank_paths from a misspelt origin",
        lambda _tmp, G: rank_paths(G, "Necocly", "La Miel"),
        UnknownPlaceError,
        (r"unknown origin 'Necocly'", r"did you mean 'Necoclí' \(id 'necocli'\)"),
    ),
    Bad(
        "unknown region: rank_paths to 'MEX' on a network without Mexico",
        lambda _tmp, G: rank_paths(G, "COL", "MEX"),
        UnknownPlaceError,
        (
            r"destination 'MEX'",
            r"no place in Mexico \(MEX\) is on the network; countries on it: "
            r"COL, PAN",
        ),
    ),
    # --- impossible scenarios and queries
    Bad(
        "scenario closes an unknown leg",
        lambda _tmp, G: rank_paths(G, "necocli", "la-miel", scenario=Scenario(closed="necocli-capurgana-bot")),
        ScenarioError,
        (
            r"scenario closes unknown leg or place id\(s\): 'necocli-capurgana-bot'",
            r"did you mean 'necocli-capurgana-boat'",
        ),
    ),
    Bad(
        "month 13",
        lambda _tmp, G: rank_paths(G, "necocli", "la-miel", month=13),
        ScenarioError,
        (r"month must be an integer from 1 \(January\) to 12 \(December\), got 13",),
    ),
    Bad("month 0 in a Scenario", lambda _tmp, _G: Scenario(month=0), ScenarioError, (r"from 1 \(January\).*got 0",)),
    Bad(
        "k = 0",
        lambda _tmp, G: rank_paths(G, "necocli", "la-miel", k=0),
        ValueError,
        (r"k must be an integer >= 1 \(number of paths\), got 0",),
    ),
    Bad(
        "a direction with no path: southbound Necoclí -> La Miel",
        lambda _tmp, G: rank_paths(G, "necocli", "la-miel", direction="south"),
        NoPathError,
        (r"no southbound path from 'Necoclí' to 'La Miel'", r"a northbound path exists: pass direction='north'"),
    ),
    Bad(
        "a closure that leaves no path",
        lambda _tmp, G: rank_paths(
            G, "Necoclí", "La Miel", direction="north", scenario=Scenario(closed=["capurgana-la-miel-foot"])
        ),
        NoPathError,
        (
            r"no northbound path from 'Necoclí' to 'La Miel'",
            r"the scenario closed legs 'capurgana-la-miel-foot'",
            r"without those closures a northbound path exists",
        ),
    ),
    Bad(
        "a closed origin",
        lambda _tmp, G: rank_paths(G, "necocli", "la-miel", scenario=Scenario(closed="necocli")),
        NoPathError,
        (r"no northbound path from 'Necoclí'", r"the scenario closed.*'necocli'"),
    ),
    Bad(
        "origin equals destination",
        lambda _tmp, G: rank_paths(G, "necocli", "Necocli"),
        ValueError,
        (r"origin 'necocli' and destination 'Necocli' are the same place", r"give two different places"),
    ),
    Bad(
        "a date that does not exist",
        lambda _tmp, _G: Scenario(date="2025-02-30"),
        ScenarioError,
        (r"date must be 'YYYY-MM-DD', got '2025-02-30'",),
    ),
    Bad(
        "a negative weather advisory",
        lambda _tmp, _G: Scenario(advisory=-2),
        ScenarioError,
        (r"advisory must be a finite multiplier > 0 \(e\.g\. 2\.0\), got -2",),
    ),
    Bad(
        "ranking a network without risk",
        lambda _tmp, G: rank_paths(_bare(G), "necocli", "la-miel"),
        DataError,
        (r"leg\(s\) have no p_death", r"estimate the risk first with routes\.estimate_risk\(G\)"),
    ),
    # --- flows
    Bad(
        "flows table saved with semicolons",
        lambda tmp, _G: _flows_semicolon(tmp),
        DataError,
        (r"flows\.csv", r"(missing required column|header)"),
    ),
]


def _bare(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    H = G.copy()
    for *_, d in H.edges(data=True):
        for a in ("p_death", "risk_shape", "risk_rate"):
            d.pop(a, None)
    return H


def _flows_semicolon(tmp: Path) -> Any:
    from routes.io.flows import load_flows

    p = tmp / "flows.csv"
    toy_flows().to_csv(p, sep=";", index=False)
    return load_flows(p)


def _params(cases: list[Bad]) -> list[Any]:
    return [pytest.param(c, id=c.id, marks=[pytest.mark.xfail(strict=True, reason=c.bug)] if c.bug else [])
            for c in cases]


@pytest.mark.parametrize("case", _params(CATALOGUE))
def test_bad_input(case: Bad, tmp_path: Path, risky: nx.MultiDiGraph) -> None:
    with hang_guard(case.guard_s), pytest.raises(case.error) as info:
        case.call(tmp_path, risky)
    assert type(info.value) is case.error or (case.error is ValueError and isinstance(info.value, ValueError)), (
        f"expected exactly {case.error.__name__}, got {type(info.value).__name__}: {info.value}")
    message = str(info.value)
    for pattern in case.patterns:
        assert re.search(pattern, message, re.DOTALL), f"{pattern!r} not in message:\n{message}"


# --------------------------------------------------------------- bad rows that are kept and flagged, not refused
@dataclass(frozen=True)
class Flag:
    """A row read with its position set to unknown and a flag naming file, row and fix (no error)."""

    id: str
    coords: str
    reason: str
    quality: str = "out_of_range"
    bug: str | None = None


FLAGGED: list[Flag] = [
    Flag(
        "coordinates 'lon, lat' (swapped) beyond 90 degrees: Tapachula",
        "-92.2667, 14.9",
        r"Coordinates '-92\.2667, 14\.9' is out of range \(looks like 'lon, lat': swap them\); position set to unknown",
    ),
    Flag(
        "coordinates out of range: longitude -190",
        "8.5, -190.0",
        r"Coordinates '8\.5, -190\.0' is out of range; position set to unknown",
    ),
    Flag("coordinates 0, 0 placeholder", "0.0, 0.0", r"is 0, 0, a placeholder; position set to unknown", "missing"),
    Flag(
        "coordinates 'lon, lat' (swapped) within range: Acandí lands in Antarctica",
        "-77.2471, 8.5312",
        r"Antarctica.*looks like 'lon, lat': swap them",
    ),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id, marks=[pytest.mark.xfail(strict=True, reason=c.bug)]
                                               if c.bug else []) for c in FLAGGED])
def test_flagged_coordinates(case: Flag, tmp_path: Path) -> None:
    p = csv_file(tmp_path / "flag.csv", [incident("A"), incident("B", coords=case.coords)])
    t = read_incidents(p)  # on_invalid="raise": a flagged row is not an error
    assert t["main_id"].tolist() == ["A", "B"]
    flags = [f for f in t.attrs["flagged"] if f["row"] == 2]
    assert flags and flags[0]["file"] == "flag.csv", t.attrs["flagged"]
    assert re.search(case.reason, flags[0]["reason"]), flags[0]["reason"]
    assert t.loc[1, "coord_quality"] == case.quality and pd.isna(t.loc[1, "lat"]) and t.geometry.iloc[1] is None


def test_catalogue_size() -> None:
    """Issue 7 asks for at least 30 bad inputs with their exact errors."""
    assert len(CATALOGUE) + len(FLAGGED) >= 30
    assert len({c.id for c in CATALOGUE} | {c.id for c in FLAGGED}) == len(CATALOGUE) + len(FLAGGED)


# ---------------------------------------------------------------------------- encodings that are read, not refused
def test_bom_then_latin1_is_read(tmp_path: Path) -> None:
    raw = csv_file(tmp_path / "x.csv", [incident(**{"Country of Incident": "Panama"})]).read_bytes()
    p = tmp_path / "bom_latin1.csv"
    p.write_bytes(b"\xef\xbb\xbf" + raw.replace(b"Panama", "Panamá".encode("latin-1")))
    t = read_incidents(p)
    assert t.loc[0, "country"] == "Panamá" and t.loc[0, "main_id"] == "2024.MMP0001"
    assert t.attrs["encoding"] == "latin-1"


def test_utf16_is_read(tmp_path: Path) -> None:
    p = csv_file(tmp_path / "u16.csv", [incident(**{"Country of Incident": "Panamá"})], encoding="utf-16")
    t = read_incidents(p)
    assert t.loc[0, "country"] == "Panamá" and t.attrs["encoding"] == "utf-16"


def test_windows_1252_punctuation_is_read(tmp_path: Path) -> None:
    p = csv_file(tmp_path / "cp.csv", [incident(**{"Cause of Death": "Drowning – “boat”"})], encoding="cp1252")
    t = read_incidents(p)
    assert t.loc[0, "cause"] == "Drowning – “boat”"
    assert t.attrs["encoding"] == "windows-1252"


def test_crs84_is_accepted(tmp_path: Path) -> None:
    G = _network(_with_crs(places_doc(), "urn:ogc:def:crs:OGC:1.3:CRS84"),
                 _with_crs(legs_doc(), "urn:ogc:def:crs:OGC:1.3:CRS84"))(tmp_path, nx.MultiDiGraph())
    assert G.number_of_nodes() == len(PLACES)


# ----------------------------------------------------------------------------------------- nothing is changed
def test_inputs_never_modified(tmp_path: Path, toy_files: tuple[Path, Path]) -> None:
    """Checksums of every input file before and after each function that reads one."""
    from routes.io.snapshot import update_snapshot

    export = csv_file(tmp_path / "export.csv", [incident("2024.MMP0001", coords="8.55, -77.07"),
                                                incident("2024.MMP0002", dead="x")], encoding="latin-1")
    flows = tmp_path / "flows.csv"
    toy_flows().to_csv(flows, index=False)
    exposure = tmp_path / "exposure.csv"
    toy_exposure().to_csv(exposure, index=False)
    places, legs = toy_files
    files = [export, flows, exposure, places, legs]
    before = {p: (sha(p), p.stat().st_mtime_ns) for p in files}

    read_incidents(export, on_invalid="skip")
    with pytest.raises(DataError):
        read_incidents(export)
    G = load_network(places=places, legs=legs, risk=False)
    clean = csv_file(tmp_path / "clean.csv", [incident("2024.MMP0001", coords="8.55, -77.07")])
    before[clean] = (sha(clean), clean.stat().st_mtime_ns)
    H = estimate_risk(G, clean, flows, exposure=exposure)
    assert all("p_death" in d for *_, d in H.edges(data=True))
    update_snapshot(export, data_dir=tmp_path / "data", on_invalid="skip")
    with pytest.raises(DataError):
        update_snapshot(export, data_dir=tmp_path / "data2")

    for p, (digest, mtime) in before.items():
        assert (sha(p), p.stat().st_mtime_ns) == (digest, mtime), f"{p.name} was modified"


def test_shipped_files_untouched_by_a_snapshot_update(tmp_path: Path) -> None:
    from routes.io.resources import geodata_file
    from routes.io.snapshot import update_snapshot

    shipped = [geodata_file(n) for n in ("incidents.csv", "snapshot.json", "places.geojson", "legs.geojson")]
    before = [hashlib.sha256(f.read_bytes()).hexdigest() for f in shipped]
    export = csv_file(tmp_path / "export.csv", [incident("2026.MMP0001", date="2026-01-05", coords="8.55, -77.07")])
    update_snapshot(export, data_dir=tmp_path / "data")
    assert (tmp_path / "data" / "snapshot" / "incidents.csv").is_file()
    assert [hashlib.sha256(f.read_bytes()).hexdigest() for f in shipped] == before


# ------------------------------------------------------------------------------------------ nothing is lost
def test_every_row_read_is_kept_or_reported(tmp_path: Path) -> None:
    rows = [incident(f"2024.MMP{i:04d}", coords=f"8.{50 + i}, -77.{10 + i}") for i in range(6)]
    rows[1]["Number of Dead"] = "several"
    rows[3]["Coordinates"] = "8 31 N, 77 14 W"
    rows[4]["Coordinates"] = "-92.1, 14.9"  # flagged, kept
    p = csv_file(tmp_path / "mixed.csv", rows)
    t = read_incidents(p, on_invalid="skip")
    skipped = {s["row"] for s in t.attrs["skipped"]}
    assert skipped == {2, 4} and all(s["file"] == "mixed.csv" and s["reason"] for s in t.attrs["skipped"])
    assert len(t) + len(skipped) == t.attrs["rows_read"] == len(rows)
    assert set(t["source_row"]) | skipped == set(range(1, len(rows) + 1))


def _check_attributed(read: gpd.GeoDataFrame, attributed: gpd.GeoDataFrame) -> None:
    assert len(attributed) == len(read)
    assert attributed["main_id"].tolist() == read["main_id"].tolist()
    off = attributed["match"] == "off_network"
    assert (attributed.loc[off, "match_reason"].astype(str).str.strip() != "").all()
    on = attributed[~off]
    assert (on["leg"].astype(str) != "").all() and on["distance_m"].notna().all()
    assert ((on["share_north"] + on["share_south"]).round(9) == 1).all()


def test_every_incident_is_attributed_or_reported(risky: nx.MultiDiGraph) -> None:
    from routes.model.attribution import attribute_incidents

    inc = toy_incidents([{"lon": -77.07, "lat": 8.55}, {"lon": -90.0, "lat": 15.0},
                         {"lon": -77.07, "lat": 8.55, "route": "US-Mexico border crossing"},
                         {"lon": float("nan"), "lat": float("nan"), "coord_quality": "missing"}])
    _check_attributed(inc, attribute_incidents(risky, inc))


def test_every_shipped_incident_is_attributed_or_reported() -> None:
    from routes.io.snapshot import load_incidents
    from routes.model.attribution import attribute_incidents

    inc = load_incidents("shipped")
    _check_attributed(inc, attribute_incidents(load_network(risk=False), inc))




@needs_shared("iom_mmp", "Missing_Migrants_Global_Figures_allData.csv")
def test_every_global_incident_is_attributed_or_reported() -> None:
    from routes.model.attribution import attribute_incidents

    inc = read_incidents(SHARED / "iom_mmp" / "Missing_Migrants_Global_Figures_allData.csv")
    assert len(inc) + len(inc.attrs["skipped"]) == inc.attrs["rows_read"] == 19_255
    _check_attributed(inc, attribute_incidents(load_network(risk=False), inc))


# ------------------------------------------------------------------------------ exports: atomic, reproducible
def test_failed_export_leaves_the_previous_file(risky: nx.MultiDiGraph, tmp_path: Path) -> None:
    from routes.report.export import to_geojson

    target = tmp_path / "paths.geojson"
    to_geojson(rank_paths(risky, "necocli", "la-miel", k=2), target)
    before = target.read_bytes()
    bad = rank_paths(risky, "necocli", "la-miel", k=3)
    bad["note"] = [object()] * len(bad)  # cannot be written as JSON, found after some features are written
    with pytest.raises(DataError, match=r"column 'note'.*cannot write a object value"):
        to_geojson(bad, target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["paths.geojson"]  # no temporary file left


def _pipeline(out: Path, toy_files: tuple[Path, Path]) -> list[bytes]:
    from routes.report.export import to_geojson

    G = load_network(places=toy_files[0], legs=toy_files[1], risk=False)
    inc = toy_incidents([{"lon": -77.07, "lat": 8.55, "dead": 3, "date": "2024-02-10"},
                         {"lon": -77.31, "lat": 8.58, "cause": "Violence", "date": "2024-07-01"}])
    H = estimate_risk(G, inc, toy_flows(), exposure=toy_exposure(), seed=7)
    ranked = rank_paths(H, "Necoclí", "La Miel", k=5, seed=7)
    out.mkdir()
    written = to_geojson(H, out / "network.geojson") + to_geojson(ranked, out / "paths.geojson")
    return [p.read_bytes() for p in written]


def test_same_inputs_and_seed_give_identical_geojson(tmp_path: Path, toy_files: tuple[Path, Path]) -> None:
    a = _pipeline(tmp_path / "a", toy_files)
    b = _pipeline(tmp_path / "b", toy_files)
    assert len(a) == 5 and a == b  # legs, places, their two QGIS styles, paths


# ------------------------------------------------------------------------------------------------ offline
def test_network_access_is_blocked() -> None:
    with pytest.raises(RuntimeError, match="network access is blocked in the test suite"):
        socket.create_connection(("example.org", 80), timeout=1)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(RuntimeError, match=r"tried to connect to \('93\.184\.215\.14', 443\)"):
            s.connect(("93.184.215.14", 443))
    finally:
        s.close()


def test_network_access_is_blocked_in_subprocesses() -> None:
    """A child Python (the CLI, a notebook kernel) inherits the block through tests/offline/sitecustomize.py."""
    import subprocess
    import sys

    code = "import socket; socket.create_connection(('93.184.215.14', 443), timeout=1)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode != 0 and "network access is blocked" in out.stderr


def test_loopback_stays_allowed() -> None:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=2):
            pass
    finally:
        server.close()


# ------------------------------------------------------------------------------------- the benchmark, quick
def test_benchmark_quick_mode_runs() -> None:
    """CI runs the benchmark script in quick mode so it cannot rot (it reports figures, asserts none)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick"], check=False,
                          capture_output=True, text=True, timeout=300, cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "| figure | median |" in done.stdout, done.stdout[-3000:]
