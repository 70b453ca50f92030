"""A small corridor written in code, shared by the tests: five real places on the Gulf of Urabá, simplified lines."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

# A five-place toy corridor on the Gulf of Urabá: real coordinates, simplified lines.
PLACES: list[dict[str, Any]] = [
    {
        "id": "necocli",
        "name": "Necoclí",
        "alt_names": ["Necocli"],
        "country": "COL",
        "kind": "port",
        "xy": (-76.78926, 8.42627),
    },
    {
        "id": "capurgana",
        "name": "Capurganá",
        "alt_names": [],
        "country": "COL",
        "kind": "port",
        "xy": (-77.34609, 8.63805),
    },
    {"id": "acandi", "name": "Acandí", "alt_names": [], "country": "COL", "kind": "port", "xy": (-77.27719, 8.51158)},
    {
        "id": "la-miel",
        "name": "La Miel",
        "alt_names": ["Playa La Miel"],
        "country": "PAN",
        "kind": "border_post",
        "xy": (-77.36655, 8.66876),
    },
    {
        "id": "mansukun",
        "name": "Mansukun",
        "alt_names": ["Mansukum", "Manuscum", "Mansucun"],
        "country": "PAN",
        "kind": "waypoint",
        "xy": (-77.80766, 9.03128),
    },
]
LEGS: list[dict[str, Any]] = [
    {
        "id": "necocli-capurgana-boat",
        "from": "necocli",
        "to": "capurgana",
        "mode": "sea_boat",
        "directions": "both",
        "corridor": "uraba",
    },
    {
        "id": "necocli-acandi-boat",
        "from": "necocli",
        "to": "acandi",
        "mode": "sea_boat",
        "directions": "north",
        "corridor": "uraba",
    },
    {
        "id": "acandi-capurgana-foot",
        "from": "acandi",
        "to": "capurgana",
        "mode": "foot",
        "directions": "both",
        "corridor": "uraba",
    },
    {
        "id": "capurgana-la-miel-foot",
        "from": "capurgana",
        "to": "la-miel",
        "mode": "border_foot",
        "directions": "both",
        "corridor": "uraba",
    },
    {
        "id": "mansukun-la-miel-boat",
        "from": "mansukun",
        "to": "la-miel",
        "mode": "sea_boat",
        "directions": "south",
        "corridor": "guna-yala-sea",
    },
    # a parallel leg: same two places, another mode
    {
        "id": "necocli-capurgana-fast",
        "from": "necocli",
        "to": "capurgana",
        "mode": "sea_boat",
        "directions": "north",
        "corridor": "uraba",
    },
]


def _xy(pid: str) -> tuple[float, float]:
    return next(p["xy"] for p in PLACES if p["id"] == pid)


def places_doc(places: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    feats = []
    for p in copy.deepcopy(places if places is not None else PLACES):
        xy = p.pop("xy")
        feats.append({"type": "Feature", "properties": p, "geometry": {"type": "Point", "coordinates": list(xy)}})
    return {"type": "FeatureCollection", "features": feats}


def legs_doc(legs: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    feats = []
    for leg in copy.deepcopy(legs if legs is not None else LEGS):
        a, b = (
            _xy(leg["from"]) if leg["from"] in {p["id"] for p in PLACES} else (0, 0),
            _xy(leg["to"]) if leg["to"] in {p["id"] for p in PLACES} else (0, 1),
        )
        mid = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2 + 0.01)
        feats.append(
            {"type": "Feature", "properties": leg, "geometry": {"type": "LineString", "coordinates": [a, mid, b]}}
        )
    return {"type": "FeatureCollection", "features": feats}


def write(tmp_path: Path, name: str, doc: Any) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path




def toy_flows(months: list[str] | None = None, north: float = 1000.0, south: float = 100.0) -> pd.DataFrame:
    """A flows table: the same number of people every month, each way."""
    import pandas as pd

    months = months or [f"2024-{m:02d}" for m in range(1, 13)]
    rows = [{"series": "toy", "direction": d, "month": m, "persons": n, "method": "observed", "source": "test"}
            for m in months for d, n in (("north", north), ("south", south))]
    return pd.DataFrame(rows)


def toy_exposure() -> pd.DataFrame:
    """Everyone takes every leg of the toy network in the direction it is travelled (a stated toy assumption)."""
    import pandas as pd

    rows = []
    for leg in LEGS:
        for d in (("north", "south") if leg["directions"] == "both" else (leg["directions"],)):
            rows.append(
                {
                    "legs": leg["id"],
                    "direction": d,
                    "series": "toy",
                    "share": 0.5,
                    "share_lo": 0.25,
                    "share_hi": 1.0,
                    "period_start": "",
                    "period_end": "",
                    "method": "assumption",
                    "source": "test",
                }
            )
    return pd.DataFrame(rows)


def toy_incidents(rows: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    """Normalised incidents from (lon, lat, date, dead, missing, cause, route) dicts."""
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import Point

    recs = []
    for i, r in enumerate(rows):
        rec = {"main_id": r.get("main_id", f"T{i}"), "date": pd.Timestamp(r.get("date", "2024-06-15")),
               "dead": r.get("dead", 1), "missing": r.get("missing", 0), "cause": r.get("cause", "Drowning"),
               "route": r.get("route", "Darien"), "coord_quality": r.get("coord_quality", "ok"),
               "lon": r["lon"], "lat": r["lat"]}
        recs.append(rec)
    df = pd.DataFrame(recs)
    return gpd.GeoDataFrame(
        df, geometry=[Point(x, y) for x, y in zip(df["lon"], df["lat"], strict=True)], crs="EPSG:4326"
    )


# The column headers of the two IOM export formats (PROVENANCE.md), as the tests write them.
ALLDATA = ["Main ID", "Incident ID", "Incident Type", "Region of Incident", "Incident Date", "Incident Year", "Month",
           "Number of Dead", "Minimum Estimated Number of Missing", "Total Number of Dead and Missing",
           "Number of Survivors", "Number of Females", "Number of Males", "Number of Children", "Country of Origin",
           "Region of Origin", "Cause of Death", "Country of Incident", "Migration Route", "Location of Incident",
           "Coordinates", "UNSD Geographical Grouping", "Information Source", "URL", "Source Quality"]
DOWNLOADS = ["Main ID", "Incident ID", "Region", "Incident Date", "Year", "Reported Month", "Number Dead",
             "Minimum Estimated Number of Missing", "Number of Survivors", "Number of Females", "Number of Males",
             "Number of Children", "Region of Origin", "Cause of Death", "Country of Origin", "Location of death",
             "Information Source", "Coordinates", "Migration route", "URL", "UNSD Geographical Grouping",
             "Source Quality"]


def line_graph() -> Any:
    """One northbound boat from San Andrés toward Corn Island (a hand-made network)."""
    import networkx as nx
    from shapely.geometry import LineString

    G = nx.MultiDiGraph(crs="EPSG:4326")
    G.add_node("a", x=-81.7, y=12.6, country="COL")
    G.add_node("b", x=-83.0, y=12.2, country="NIC")
    G.add_edge("a", "b", key="boat", leg="boat", mode="sea_boat", direction="north", corridor="san-andres-sea",
               geometry=LineString([(-81.7, 12.6), (-83.0, 12.2)]))
    return G
