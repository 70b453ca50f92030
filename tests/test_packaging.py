"""The package works from any directory, and the wheel carries every geodata file."""

from __future__ import annotations

import fnmatch
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

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


def test_the_console_script_starts_the_command_line_with_the_collector_tuned(monkeypatch: pytest.MonkeyPatch) -> None:
    """``route-risk`` (and ``python -m routes``) run :func:`routes.cli.main` after pausing the garbage collector for
    the imports and freezing what they made; the collector is on again when the command runs."""
    import gc

    import routes.__main__ as entry
    import routes.cli

    scripts = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    assert scripts["project"]["scripts"]["route-risk"] == "routes.__main__:main"
    seen: dict[str, object] = {}

    def fake_main() -> int:
        seen.update(enabled=gc.isenabled(), threshold=gc.get_threshold(), frozen=gc.get_freeze_count())
        return 7

    before = gc.get_threshold()
    monkeypatch.setattr(routes.cli, "main", fake_main)
    try:
        assert entry.main() == 7
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
    assert seen["enabled"] is True and seen["threshold"] == entry.THRESHOLDS
    assert isinstance(seen["frozen"], int) and seen["frozen"] > 0


_COUNT_COLLECTIONS = """
import gc, sys
starts = []
gc.callbacks.append(lambda phase, info: phase == "start" and starts.append(info["generation"]))
{load}
print(len(starts))
"""


def test_the_console_script_imports_its_libraries_without_collecting() -> None:
    """In a new process, ``route-risk --help`` through ``routes.__main__.main`` (the console script) runs a tenth of
    the garbage collections or fewer that it runs through a plain import of ``routes.cli``: hundreds, nearly all
    while the libraries load."""

    def collections(load: str) -> int:
        code = _COUNT_COLLECTIONS.format(load=load)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
        return int(out.stdout.split()[-1])

    run_help = "sys.argv = ['route-risk', '--help']\ntry:\n    {call}\nexcept SystemExit:\n    pass"
    entry = collections("import routes.__main__\n" + run_help.format(call="routes.__main__.main()"))
    plain = collections("import routes.cli\n" + run_help.format(call="routes.cli.main()"))
    assert plain > 50, plain
    assert entry <= plain // 10, (entry, plain)


def test_python_dash_m_routes_runs_the_command_line() -> None:
    out = subprocess.run([sys.executable, "-m", "routes", "--help"], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert "route-risk" in out.stdout and "rank" in out.stdout
