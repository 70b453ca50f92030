"""Rebuild the project's data files in ``geodata/`` of this checkout, from ``../shared/data`` and ``geodata/sources/``.

One command for every built file::

    python -m tools.build                      # everything, from ../shared/data
    python -m tools.build --only exposure      # only what needs no shared data
    python -m tools.build --shared DIR --only geodata,flows
    python -m tools.build --only estimate      # the shipped estimate, after any change of the model or the data

It always writes into the ``geodata/`` folder beside this ``tools/`` folder (and the shipped estimate into
``routes/model/`` beside it), never into an installed package. The build tools are not part of the ``routes`` package
and are not shipped in its wheel.

========== ========================================================= ==========================================
part       writes                                                    reads
========== ========================================================= ==========================================
geodata    places.geojson, legs.geojson, countries.geojson           shared gazetteer, flows/legs_facts.csv,
                                                                     basemap; geodata/sources/*.csv
snapshot   incidents.csv, snapshot.json                              shared iom_mmp/ exports
flows      flows.csv (and the totals table in FLOWS.md)              shared flows/flows.csv
exposure   exposure.csv                                              geodata/sources/branches.csv, shares.csv
estimate   routes/model/shipped_estimate.bin (the estimate of the    the files above, as the installed package
           shipped data, read when a user's cache has none)          reads them (which must be this checkout's)
========== ========================================================= ==========================================
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from routes.errors import DataError

#: the checkout's data folder: the only place this command writes
GEODATA = Path(__file__).resolve().parents[1] / "geodata"
PARTS = ("geodata", "snapshot", "flows", "exposure", "estimate")
#: the parts that need no shared data
LOCAL_PARTS = ("exposure", "estimate")
#: the shipped data files the estimate is made from
ESTIMATE_INPUTS = ("places.geojson", "legs.geojson", "countries.geojson", "incidents.csv", "snapshot.json", "flows.csv",
                   "exposure.csv")


def _geodata(shared: Path, out: Path) -> list[Path]:
    from tools.geodata import build

    return build(shared, out, sources=out / "sources")


def _snapshot(shared: Path, out: Path) -> list[Path]:
    from tools.snapshot import build_snapshot

    csv = build_snapshot(shared, out=out)
    return [csv, csv.with_name("snapshot.json")]


def _flows(shared: Path, out: Path) -> list[Path]:
    from tools.flows import write_flows

    return [write_flows(shared, out)]


def _exposure(_shared: Path, out: Path) -> list[Path]:
    from routes.io.flows import load_shares
    from tools.exposure import build_exposure_table, read_branches

    table = build_exposure_table(read_branches(str(out / "sources" / "branches.csv")),
                                 load_shares(out / "sources" / "shares.csv"))
    path = out / "exposure.csv"
    table.to_csv(path, index=False, lineterminator="\n")
    return [path]


def _estimate(_shared: Path, out: Path) -> list[Path]:
    """The estimate of the shipped data, made as ``load_network()`` makes it, into ``routes/model/`` of the checkout.

    The estimate is made from the data of the installed ``routes`` package: refused unless those files are the same
    as the ones in ``out`` (an editable install of this checkout, or a copy of its data).
    """
    from importlib import resources

    from routes.load import estimate_key_parts, load_network
    from routes.model.cache import SHIPPED, write_shipped_estimate

    installed = Path(str(resources.files("routes._geodata")))
    differ = [name for name in ESTIMATE_INPUTS if (installed / name).read_bytes() != (out / name).read_bytes()]
    if differ:
        raise DataError(f"the installed routes package reads its data from {installed}, and its {', '.join(differ)} "
                        f"differ from {out}'s; install this checkout (pip install -e .) and build the estimate again")
    parts = estimate_key_parts(snapshot="shipped")
    G = load_network(snapshot="shipped", cache=False)
    path = out.parent / "routes" / "model" / SHIPPED[1]
    write_shipped_estimate(G, parts, path)
    logging.getLogger(__name__).info("the shipped estimate: %s, %.2f MB", path, path.stat().st_size / 2**20)
    return [path]


BUILDERS: dict[str, Callable[[Path, Path], list[Path]]] = {
    "geodata": _geodata, "snapshot": _snapshot, "flows": _flows, "exposure": _exposure, "estimate": _estimate}


def build(parts: Sequence[str] = PARTS, *, shared: str | Path = "../shared/data", out: Path = GEODATA) -> list[Path]:
    """Build ``parts`` into ``out`` (the checkout's ``geodata/``) and return the files written.

    Raises
    ------
    DataError
        If a part is unknown, or the shared data a part needs is missing.
    """
    unknown = [p for p in parts if p not in BUILDERS]
    if unknown:
        raise DataError(f"unknown part(s) {unknown}; choose from {', '.join(PARTS)}")
    shared = Path(shared)
    if any(p not in LOCAL_PARTS for p in parts) and not shared.is_dir():
        raise DataError(f"the shared data folder {str(shared)!r} does not exist; pass it with --shared, "
                        f"or build only {', '.join(LOCAL_PARTS)} with --only")
    written: list[Path] = []
    for part in parts:
        written += BUILDERS[part](shared, out)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m tools.build [--shared DIR] [--only PART,...]``."""
    parser = argparse.ArgumentParser(prog="python -m tools.build", description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default="../shared/data", help="the shared data folder (default ../shared/data)")
    parser.add_argument("--only", default=",".join(PARTS), help="comma-separated parts (default all: "
                                                                f"{','.join(PARTS)})")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    try:
        for path in build([p.strip() for p in args.only.split(",") if p.strip()], shared=args.shared):
            print(path)
    except DataError as exc:
        parser.exit(1, f"error: {exc}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
