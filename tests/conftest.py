"""Session-wide test settings: the whole suite runs offline.

Every attempt to open a network connection to a non-local address fails with a clear :class:`RuntimeError`
(``tests/offline/offline_guard.py`` patches ``socket`` for the session), so a library function that reaches for the
internet fails its test instead of passing on a connected machine. Loopback addresses and Unix sockets stay allowed.
Python subprocesses started by a test (the CLI, notebook kernels, the benchmark) are guarded too: ``tests/offline`` is
put first on ``PYTHONPATH``, and its ``sitecustomize`` installs the same guard in every child interpreter.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import pytest

_GUARD_DIR = os.path.join(os.path.dirname(__file__), "offline")
sys.path.insert(0, _GUARD_DIR)
import offline_guard

# the guard is imported by child interpreters and by the session, never collected as tests
collect_ignore = ["offline"]


@pytest.fixture(autouse=True, scope="session")
def _offline() -> Iterator[None]:
    """Block connections to non-local addresses for the whole session, here and in Python subprocesses."""
    undo = offline_guard.install()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PYTHONPATH", os.pathsep.join(p for p in (_GUARD_DIR, os.environ.get("PYTHONPATH", "")) if p))
        yield
    undo()
