"""Metadata read, not copied (routes.model.frames): a snapshot listing 20,000 skipped rows costs a command nothing."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from routes.cli import main
from routes.model.frames import SharedDict, SharedList, shared_attrs, without_attrs

ROOT = Path(__file__).resolve().parents[1]
LONG = 10_000


def test_shared_attrs_are_shared_by_derived_tables_and_equal_to_the_originals() -> None:
    attrs = {"meta": {"sources": [{"skipped": list(range(5))}]}, "skipped": [{"row": 2}], "format": "allData"}
    t = pd.DataFrame({"a": [1, 2], "b": [3, 4]})
    t.attrs = shared_attrs(attrs)
    assert t.attrs == attrs and json.dumps(t.attrs) == json.dumps(attrs)
    for derived in (t["a"], t.iloc[:1], t.copy(), t[["b"]], t["a"] + 1):
        assert derived.attrs["meta"] is t.attrs["meta"] and derived.attrs["skipped"] is t.attrs["skipped"]
    assert isinstance(t.attrs["meta"], SharedDict) and isinstance(t.attrs["skipped"], SharedList)
    assert shared_attrs(t.attrs)["meta"] is t.attrs["meta"]  # already shared: kept


def test_without_attrs_keeps_the_geometry() -> None:
    from toy import toy_incidents

    t = toy_incidents([{"lon": -77.4, "lat": 8.5}])
    t.attrs["meta"] = {"skipped": [{"row": i} for i in range(100)]}
    bare = without_attrs(t)
    assert bare.attrs == {} and bare.crs == t.crs and bare.geometry.name == t.geometry.name


@pytest.fixture()
def long_snapshot(tmp_path: Path) -> Path:
    """The shipped snapshot, its metadata listing LONG rows skipped by an update (as --skip-invalid records them)."""
    folder = tmp_path / "snapshot"
    folder.mkdir()
    shutil.copy(ROOT / "geodata" / "incidents.csv", folder / "incidents.csv")
    meta = json.loads((ROOT / "geodata" / "snapshot.json").read_text(encoding="utf-8"))
    meta.setdefault("sources", []).append({"file": "x.csv", "skipped": [{"row": i, "reason": "bad date"}
                                                                        for i in range(LONG)]})
    (folder / "snapshot.json").write_text(json.dumps(meta), encoding="utf-8")
    return folder


@pytest.mark.parametrize("command", [["rank", "Necoclí", "Tapachula"], ["explain", "necocli-acandi-boat"],
                                     ["compare", "PAN", "COL", "--direction", "south"], ["legs"],
                                     ["export", "{tmp}/corridor.geojson"]])
@pytest.mark.parametrize("cache", [False, True])
def test_a_long_list_of_skipped_rows_is_never_copied(long_snapshot: Path, monkeypatch: pytest.MonkeyPatch,
                                                     command: list[str], cache: bool) -> None:
    copied: list[int] = []
    plain = copy._deepcopy_dispatch[list]  # type: ignore[attr-defined]

    def counting(x: list[object], memo: dict[int, object], deepcopy: object = copy.deepcopy) -> list[object]:
        if len(x) >= LONG:
            copied.append(len(x))
        return plain(x, memo, deepcopy)  # type: ignore[no-any-return]

    monkeypatch.setitem(copy._deepcopy_dispatch, list, counting)  # type: ignore[attr-defined]
    argv = [*(a.format(tmp=long_snapshot.parent) for a in command), "--snapshot", str(long_snapshot),
            *([] if cache else ["--no-cache"])]
    for _ in range(2 if cache else 1):  # with the cache: estimated and kept, then read back
        with contextlib.redirect_stdout(io.StringIO()):
            assert main(argv) == 0
    assert not copied
