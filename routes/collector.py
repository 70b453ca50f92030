"""Python's cyclic garbage collector, paused while the library builds many objects that hold no garbage.

A full pass of the collector walks every object the process keeps: with a 100,000-leg network in memory that is
more than half a million objects, and reading an IOM export or attributing its incidents allocates enough to start
several such passes (about 300 ms of the 100,000-incident attribution, 40 ms of reading the global export, measured
with :func:`gc.disable`). Those steps make tables, arrays and tuples, not reference cycles, so :func:`paused` turns
the collector off for their duration and back on after, as it was; nothing is lost, since any cycle made meanwhile is
collected at the next pass.

Nested and concurrent pauses are counted: the collector comes back when the last one ends, and only if it was on
when the first began.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

__all__ = ["paused", "pausing"]

_lock = threading.Lock()
_depth = 0
_was_enabled = False

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def paused() -> Iterator[None]:
    """Pause the cyclic garbage collector inside the ``with`` block (see the module docstring).

    Examples
    --------
    >>> import gc
    >>> with paused():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()


def pausing(fn: Callable[P, R]) -> Callable[P, R]:
    """Decorate ``fn`` to run with the collector :func:`paused`."""

    @wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with paused():
            return fn(*args, **kwargs)

    return run
