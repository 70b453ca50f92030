"""Attribution gives the same table as recorded before it was vectorised (issue 18), on the shipped data and the allData
export.

The records hold the attribution columns of every incident (``tests/data/attribution/``), made by the code before
the rewrite, with checksums of the inputs they were made from. When the shipped data change on purpose, the records
no longer apply: the test then skips and says how to record them again (``python tests/test_attribution.py``).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import sys
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from shapely.geometry import LineString
from shared import needs_shared, shared_data
from toy import toy_incidents

from routes.model.attribution import ROUTE_TAG_DISTANCE_M, attribute_incidents
from routes.model.frames import without_attrs

ROOT = Path(__file__).resolve().parents[1]
RECORDS = Path(__file__).resolve().parent / "data" / "attribution"
INPUTS = ("places.geojson", "legs.geojson", "incidents.csv", "flows.csv", "exposure.csv")
ALLDATA = ("iom_mmp", "Missing_Migrants_Global_Figures_allData.csv")
COLUMNS = ("main_id", "u", "v", "key", "leg", "direction", "share_north", "share_south", "distance_m", "match",
           "match_reason", "direction_basis", "position")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _inputs() -> dict[str, str]:
    return {name: _sha(ROOT / "geodata" / name) for name in INPUTS}


def _canonical(table: pd.DataFrame) -> str:
    """The attribution columns as CSV text (floats written to round-trip exactly)."""
    return pd.DataFrame(table)[list(COLUMNS)].to_csv(index=False, lineterminator="\n")


def _attributed() -> dict[str, pd.DataFrame]:
    """The tables recorded: the estimate's attribution (flows shares, travelled legs) and the plain one."""
    from routes.io.snapshot import load_incidents
    from routes.load import load_network
    from routes.model.attribution import attribute_incidents
    from routes.model.estimate import estimate_of
    from routes.model.risk import estimate_risk

    G = load_network(risk=False)
    incidents = load_incidents("shipped")
    estimate = estimate_of(estimate_risk(G, incidents))
    assert estimate is not None
    return {"estimate": estimate.incidents, "plain": attribute_incidents(G, incidents)}


def record() -> None:
    """Write the records from the code as it is now."""
    RECORDS.mkdir(parents=True, exist_ok=True)
    meta: dict[str, object] = {"inputs": _inputs()}
    for name, table in _attributed().items():
        with gzip.open(RECORDS / f"shipped-{name}.csv.gz", "wt", encoding="utf-8", newline="") as f:
            f.write(_canonical(table))
    path = shared_data().joinpath(*ALLDATA)
    if path.is_file():
        from routes.io.incidents import read_incidents
        from routes.load import load_network
        from routes.model.attribution import attribute_incidents

        meta["alldata"] = {"input": _sha(path), "attributed": hashlib.sha256(
            _canonical(attribute_incidents(load_network(risk=False), read_incidents(path))).encode()).hexdigest()}
    (RECORDS / "record.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")


def _meta() -> dict[str, object]:
    meta = json.loads((RECORDS / "record.json").read_text(encoding="utf-8"))
    if meta["inputs"] != _inputs():
        pytest.skip("the shipped geodata changed since the attribution was recorded; if the change is meant, record "
                    "it again with `python tests/test_attribution.py`")
    return meta


def test_attribution_of_the_shipped_snapshot_is_as_recorded() -> None:
    _meta()
    for name, table in _attributed().items():
        with gzip.open(RECORDS / f"shipped-{name}.csv.gz", "rt", encoding="utf-8", newline="") as f:
            want = pd.read_csv(f, dtype=str, keep_default_na=False)
        got = pd.read_csv(io.StringIO(_canonical(table)), dtype=str, keep_default_na=False)
        pd.testing.assert_frame_equal(got, want, obj=f"attribution ({name})")


@needs_shared(*ALLDATA)
def test_attribution_of_the_alldata_export_is_as_recorded() -> None:
    from routes.io.incidents import read_incidents
    from routes.load import load_network
    from routes.model.attribution import attribute_incidents

    recorded = _meta().get("alldata")
    path = shared_data().joinpath(*ALLDATA)
    if not isinstance(recorded, dict) or recorded["input"] != _sha(path):
        pytest.skip(f"{path} is not the export the attribution was recorded from")
    got = _canonical(attribute_incidents(load_network(risk=False), read_incidents(path)))
    assert hashlib.sha256(got.encode()).hexdigest() == recorded["attributed"]


def _darien(*lats: float) -> nx.MultiDiGraph:
    """Darién trails running east-west at the given latitudes, named ``t0``, ``t1``, ..."""
    G = nx.MultiDiGraph(crs="EPSG:4326")
    for i, lat in enumerate(lats):
        G.add_node(f"w{i}", x=-77.6, y=lat)
        G.add_node(f"e{i}", x=-77.2, y=lat)
        G.add_edge(f"w{i}", f"e{i}", key=f"t{i}", leg=f"t{i}", mode="jungle_foot", direction="north",
                   corridor="darien-acandi", geometry=LineString([(-77.6, lat), (-77.2, lat)]))
    return G


def test_route_tag_fallback_prefers_travelled_legs_and_keeps_its_reach() -> None:
    tagged = toy_incidents([{"lon": -77.4, "lat": 8.5, "route": "Darien", "cause": "Violence", "date": "2024-03-10"}])
    G = _darien(8.77, 9.05)  # about 30 and 61 km north of the incident
    assert attribute_incidents(G, tagged).loc[0, "leg"] == "t0"  # the nearest
    out = attribute_incidents(G, tagged, travelled={("t1", "2024-03")})
    assert out.loc[0, "leg"] == "t1" and out.loc[0, "match"] == "route_tag"  # the one people were on
    far = _darien(8.77, 9.33)  # the travelled trail is beyond reach: no guess at the idle one
    assert ROUTE_TAG_DISTANCE_M / 111_000 < 9.33 - 8.5
    assert attribute_incidents(far, tagged, travelled={("t1", "2024-03")}).loc[0, "match"] == "off_network"


def test_without_attrs_shares_the_data_and_drops_only_attrs() -> None:
    t = toy_incidents([{"lon": -77.4, "lat": 8.5}])
    t.attrs["meta"] = {"skipped": [{"row": i} for i in range(1000)]}
    bare = without_attrs(t)
    assert bare.attrs == {} and t.attrs["meta"]["skipped"][999] == {"row": 999}
    assert type(bare) is type(t) and bare.crs == t.crs
    pd.testing.assert_frame_equal(pd.DataFrame(bare), pd.DataFrame(t))


if __name__ == "__main__":
    record()
    print(f"recorded {sorted(p.name for p in RECORDS.iterdir())}", file=sys.stderr)
