"""The package works from any directory, and the wheel carries every geodata file."""

from __future__ import annotations

import fnmatch
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_geodata_file_is_in_the_wheel() -> None:
    """Each file under geodata/ matches the package-data globs of pyproject.toml, so `pip install .` ships it."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert config["package-dir"]["routes._geodata"] == "geodata"
    globs = config["package-data"]["routes._geodata"]
    files = [p.relative_to(ROOT / "geodata").as_posix() for p in (ROOT / "geodata").rglob("*")
             if p.is_file() and "__pycache__" not in p.parts]
    missing = [f for f in files if f != "__init__.py" and not any(fnmatch.fnmatch(f, g) for g in globs)]
    assert not missing, f"geodata files not shipped in the wheel: {missing}; add them to package-data"
    for needed in ("places.geojson", "legs.geojson", "incidents.csv", "flows.csv", "exposure.csv", "sources/shares.csv",
                   "countries.geojson", "legs_risk.qml", "snapshot.json"):
        assert needed in files


def test_import_and_load_from_another_directory(tmp_path: Path) -> None:
    """As the issue's 'done when' asks: routes loads its data from any working directory."""
    code = "import routes; G = routes.load_network(); print(G.number_of_edges(), routes.find_place(G, 'Necocli'))"
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                         check=False)
    assert out.returncode == 0, out.stderr
    n_edges, necocli = out.stdout.split()
    assert int(n_edges) > 150 and necocli == "necocli"
