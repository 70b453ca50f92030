"""The command line run in-process by the tests: the shipped network loaded once, no user data folder touched.

Test modules import :func:`isolated_cli` (an autouse fixture) and :func:`run`.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest

import routes.load
from routes.cli import main

_load_network = routes.load.load_network


@functools.cache
def cached_network(risk: bool) -> Any:
    """The shipped network (with or without risk), loaded once for the session (the CLI never mutates it)."""
    return _load_network(risk=risk)


@pytest.fixture(autouse=True)
def isolated_cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Never read or write the real user's data folder; load the shipped network once."""
    monkeypatch.delenv("ROUTES_SNAPSHOT", raising=False)
    monkeypatch.setenv("ROUTES_DATA_DIR", str(tmp_path / "userdata"))

    def load_network(**kw: Any) -> Any:
        if set(kw) <= {"risk", "validate"} and kw.get("validate", True):
            return cached_network(kw.get("risk", True))
        return _load_network(**kw)

    monkeypatch.setattr(routes.load, "load_network", load_network)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run ``route-risk argv`` in-process; return the exit status, stdout and stderr (never a traceback)."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err or "--debug" in argv
    return code, out, err
