"""The layers of the package: every import goes downwards (the import-linter contracts of ``pyproject.toml``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    cli = pytest.importorskip("importlinter.cli")
    monkeypatch.chdir(ROOT)
    assert cli.lint_imports(config_filename=os.fspath(ROOT / "pyproject.toml")) == 0, (
        "run lint-imports to see the import that breaks a layer")
