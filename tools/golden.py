"""Record the command line's answers to a fixed set of queries, to show that a refactoring changes no output.

``python -m tools.golden record DIR`` runs every query of :data:`QUERIES` with ``route-risk`` from the active
environment and writes one file per query into DIR; ``python -m tools.golden compare OLD NEW`` lists the files that
differ. The snapshot is pinned to the shipped one and the seed is the default, so two runs on the same code agree
byte for byte.
"""

from __future__ import annotations

import argparse
import difflib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PLACE_PAIRS = [
    ("Necoclí", "Tapachula", "north"),
    ("Necoclí", "Metetí", "north"),
    ("Turbo", "Panama City", "north"),
    ("Capurganá", "Paso Canoas", "north"),
    ("Panama City", "Tapachula", "north"),
    ("Trojes", "Tapachula", "north"),
    ("Panama City", "Necoclí", "south"),
    ("Mansukun", "La Miel", "south"),
    ("Tapachula", "Panama City", "south"),
    ("PAN", "COL", "south"),
    ("COL", "PAN", "north"),
    ("HND", "GTM", "north"),
]
LEGS = [
    "mansukun-la-miel-boat",
    "necocli-acandi-boat",
    "necocli-carreto-boat",
    "los-planes-paso-canoas-road",
    "panama-city-los-planes-road",
    "bajo-chiquito-lajas-blancas-river",
    "cerro-de-haiti-bajo-chiquito-foot",
    "trojes-danli-road",
    "las-manos-el-paraiso-road",
    "el-guasaule-el-triunfo-road",
    "buenaventura-jaque-boat",
    "palenque-colon-la-miel-boat",
]


def queries() -> dict[str, list[str]]:
    """Every recorded query: output file name -> ``route-risk`` arguments."""
    out: dict[str, list[str]] = {}
    for i, (a, b, d) in enumerate(PLACE_PAIRS):
        out[f"rank-{i:02d}.txt"] = ["rank", a, b, "--direction", d, "-k", "5"]
        out[f"rank-{i:02d}.json"] = ["rank", a, b, "--direction", d, "-k", "5", "--format", "json"]
    out["rank-month-advisory.txt"] = ["rank", "Panama City", "Necoclí", "--direction", "south", "--month", "1",
                                      "--advisory", "2"]
    out["compare-pan-col.txt"] = ["compare", "PAN", "COL", "--direction", "south"]
    out["compare-col-pan.txt"] = ["compare", "COL", "PAN", "--direction", "north"]
    for leg in LEGS:
        out[f"explain-{leg}.txt"] = ["explain", leg]
    out["legs.txt"] = ["legs"]
    out["legs-risk.txt"] = ["legs", "--sort", "risk"]
    out["places.txt"] = ["places"]
    return out


def record(target: Path) -> None:
    """Run every query and write its stdout (and exit status) into ``target``."""
    exe = shutil.which("route-risk") or str(Path(sys.executable).with_name("route-risk"))
    target.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "ROUTES_SNAPSHOT": "shipped", "ROUTES_NO_CACHE": "1"}
    for name, argv in queries().items():
        proc = subprocess.run([exe, *argv], capture_output=True, text=True, env=env, check=False)
        (target / name).write_text(f"# exit {proc.returncode}\n{proc.stdout}", encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "net.geojson"
        proc = subprocess.run([exe, "export", str(out)], capture_output=True, text=True, env=env, check=False)
        for f in sorted(Path(tmp).iterdir()):
            if f.suffix in {".geojson", ".qml"}:
                (target / f"export-{f.name}").write_bytes(f.read_bytes())
        (target / "export.log").write_text(f"# exit {proc.returncode}\n", encoding="utf-8")


def compare(old: Path, new: Path) -> int:
    """Print the files that differ between two recordings; return how many."""
    names = sorted({p.name for p in old.iterdir()} | {p.name for p in new.iterdir()})
    changed = 0
    for name in names:
        a, b = old / name, new / name
        if not (a.exists() and b.exists()):
            print(f"only in one recording: {name}")
            changed += 1
            continue
        if a.read_bytes() != b.read_bytes():
            changed += 1
            print(f"differs: {name}")
            diff = difflib.unified_diff(a.read_text().splitlines(), b.read_text().splitlines(), lineterm="", n=0)
            for line in list(diff)[:12]:
                print("   ", line[:160])
    print(f"{len(names) - changed} of {len(names)} outputs identical")
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.golden", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("record").add_argument("dir", type=Path)
    c = sub.add_parser("compare")
    c.add_argument("old", type=Path)
    c.add_argument("new", type=Path)
    args = parser.parse_args(argv)
    if args.cmd == "record":
        record(args.dir)
        return 0
    return 1 if compare(args.old, args.new) else 0


if __name__ == "__main__":
    raise SystemExit(main())
