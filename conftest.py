"""Settings for every test of the checkout (``tests/``, and the doctests of ``routes/`` and ``tools/``).

The estimates computed during a test session go to a temporary cache folder of the session (``ROUTES_CACHE_DIR``),
never to the user's cache; Python subprocesses started by the tests inherit it.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

_CACHE: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    folder = tempfile.mkdtemp(prefix="routes-test-cache-")
    _CACHE.append(folder)
    os.environ["ROUTES_CACHE_DIR"] = folder


def pytest_unconfigure(config: pytest.Config) -> None:
    for folder in _CACHE:
        shutil.rmtree(folder, ignore_errors=True)
