"""Where the tests find ``../shared/data``, and the one rule for tests that need it.

The shipped package and its main tests work without the shared data; a few integration tests rebuild shipped files
from it. Those skip on a machine without it, with the reason, except under ``CI=true``: there they run, and fail,
since CI is where the shipped files must be proven to match their sources.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

#: the shared data folder: ``ROUTES_SHARED_DATA`` or ``../shared/data`` beside the checkout
SHARED = Path(os.environ.get("ROUTES_SHARED_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data")


def needs_shared(*parts: str) -> pytest.MarkDecorator:
    """Skip a test when ``SHARED/parts`` is absent, unless ``CI=true`` (then it runs and fails)."""
    path = SHARED.joinpath(*parts)
    absent = not path.exists() and os.environ.get("CI", "").lower() != "true"
    return pytest.mark.skipif(absent, reason=f"{path} is absent (the shared data; under CI=true this test fails)")


def shared_data() -> Path:
    """The shared data folder (whether or not it exists; guard the test with :func:`needs_shared`)."""
    return SHARED
