"""The build tools in ``tools/``: every built file that needs no shared data is rebuilt here and compared, never
skipped."""

from __future__ import annotations

import shutil
import subprocess
import tomllib
import warnings
from pathlib import Path

import pytest

from routes.errors import DataError
from routes.load import estimate_key_parts, load_network
from routes.model import cache
from tools import build

ROOT = Path(__file__).resolve().parents[1]


def test_build_writes_into_the_checkout_never_the_installed_package() -> None:
    assert build.GEODATA == ROOT / "geodata"


def test_exposure_table_rebuilds_to_the_shipped_bytes(tmp_path: Path) -> None:
    out = tmp_path / "geodata"
    shutil.copytree(ROOT / "geodata" / "sources", out / "sources")
    written = build.build(["exposure"], shared=tmp_path / "nowhere", out=out)
    assert written == [out / "exposure.csv"]
    assert (out / "exposure.csv").read_bytes() == (ROOT / "geodata" / "exposure.csv").read_bytes(), (
        "geodata/exposure.csv is stale: run python -m tools.build --only exposure")


REBUILD_ESTIMATE = "python -m tools.build --only estimate"


def test_the_shipped_estimate_is_not_stale() -> None:
    """The shipped estimate was made from the shipped data by this code: its key's inputs and code are today's."""
    header = cache.shipped_header()
    assert header is not None, f"there is no shipped estimate {cache.shipped_file()}: build it with {REBUILD_ESTIMATE}"
    made, now = header["parts"], estimate_key_parts(snapshot="shipped")
    assert made["inputs"] == now["inputs"], (
        f"the shipped estimate {cache.shipped_file()} is stale: the shipped data changed since it was built; "
        f"rebuild it with {REBUILD_ESTIMATE}")
    assert made["code"] == now["code"], (
        f"the shipped estimate {cache.shipped_file()} is stale: the code of routes.io, routes.network, routes.model or "
        f"routes.vocabulary changed since it was built; rebuild it with {REBUILD_ESTIMATE}")
    for name in ("format", "routes"):
        assert made["environment"][name] == now["environment"][name], (
            f"the shipped estimate {cache.shipped_file()} is stale: {name} {made['environment'][name]!r} then, "
            f"{now['environment'][name]!r} now; rebuild it with {REBUILD_ESTIMATE}")
    if made["environment"] == now["environment"]:
        assert header["key"] == cache.estimate_key_of_parts(now)
        assert load_network() is not None  # and a run here uses it (see tests/test_cache.py)
    else:  # not stale, only made with other versions of Python or the libraries: unused here, used where they match
        other = sorted(k for k in now["environment"] if made["environment"].get(k) != now["environment"][k])
        warnings.warn(f"the shipped estimate was built with other versions of {', '.join(other)}: not used in this "
                      f"environment ({REBUILD_ESTIMATE} here makes one for it)", stacklevel=1)


def test_the_shipped_estimate_is_small_and_committed() -> None:
    path = ROOT / "routes" / "model" / cache.SHIPPED[1]
    assert path.is_file() and path.stat().st_size < 8 * 2**20
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert cache.SHIPPED[1] in config["package-data"][cache.SHIPPED[0]], (
        "add the shipped estimate to package-data, so that pip install . ships it")
    ignored = subprocess.run(["git", "check-ignore", "-q", str(path)], cwd=ROOT, check=False, capture_output=True)
    assert ignored.returncode != 0, f"{path} is ignored by git: the shipped estimate must be committed"


def test_every_local_part_is_rebuilt_by_a_test() -> None:
    assert build.LOCAL_PARTS == ("exposure", "estimate")  # add a comparison above when a part joins


def test_unknown_part_and_missing_shared_data_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"unknown part\(s\) \['maps'\]; choose from geodata, snapshot"):
        build.build(["maps"], out=tmp_path)
    with pytest.raises(DataError, match="shared data folder .*nowhere.* does not exist; pass it with --shared"):
        build.build(["flows"], shared=tmp_path / "nowhere", out=tmp_path)


def test_command_line_reports_errors_without_traceback(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        build.main(["--only", "flows", "--shared", str(tmp_path / "nowhere")])
    assert exc.value.code == 1
    assert "error: the shared data folder" in capsys.readouterr().err


def test_the_wheel_ships_no_build_code() -> None:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert not [p for p in config["packages"] if p == "tools" or p.startswith("tools.")]
    subpackages = sorted("routes." + p.parent.name for p in (ROOT / "routes").glob("*/__init__.py"))
    assert set(subpackages) <= set(config["packages"]), (
        "a routes/ subpackage is missing from [tool.setuptools] packages"
    )
    offenders = [p.relative_to(ROOT).as_posix() for p in (ROOT / "routes").rglob("*.py")
                 if "shared/data" in p.read_text(encoding="utf-8") or "../shared" in p.read_text(encoding="utf-8")]
    assert not offenders, f"library modules that read ../shared: {offenders}"


def test_no_month_of_a_flow_is_counted_twice() -> None:
    """Periods are split by days: the rows of one branch of a split never cover a month more than once in all."""
    import numpy as np
    import pandas as pd

    from routes.model.exposure import load_exposure_table, month_fractions

    table = load_exposure_table()
    months = pd.period_range("2014-01", "2026-12", freq="M")
    split = table[table["split"].astype(str) != ""]
    assert len(split) > 50
    for key, rows in split.groupby(["series", "direction", "split", "branch", "legs"]):
        covered = sum(month_fractions(months, str(r.period_start), str(r.period_end)) for r in rows.itertuples())
        assert np.all(np.asarray(covered) <= 1 + 1e-9), f"{key}: a month counted {np.max(covered):.2f} times"


def test_the_reverse_flow_splits_cover_every_month_of_the_reverse_flow() -> None:
    import numpy as np
    import pandas as pd

    from routes.io.flows import load_flows, load_shares
    from routes.model.exposure import month_fractions

    flows = load_flows()
    months = pd.PeriodIndex(sorted(flows.loc[(flows["series"] == "reverse-panama") & (flows["persons"] > 0), "month"]),
                            freq="M")
    shares = load_shares()
    reverse = shares[shares["series"] == "reverse-panama"]
    assert set(reverse["split"]) >= {"sea-route", "colombia-entry-municipality"}
    for (split, branch), rows in reverse.groupby(["split", "branch"]):
        covered = sum(month_fractions(months, f"{r.period_start:%Y-%m-%d}", f"{r.period_end:%Y-%m-%d}")
                      for r in rows.itertuples())
        assert np.allclose(covered, 1.0), (
            f"{split}/{branch}: months covered {dict(zip(months.astype(str), covered, strict=True))}"
        )
