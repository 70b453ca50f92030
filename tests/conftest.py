"""Session-wide test settings: the whole suite runs offline.

Every attempt to open a network connection to a non-local address fails with a clear :class:`RuntimeError`
(``socket.socket.connect``, ``connect_ex`` and ``socket.create_connection`` are patched for the session), so a
library function that reaches for the internet fails its test instead of passing on a connected machine.
Loopback addresses and Unix sockets stay allowed (some tools talk to themselves over them). Python
subprocesses started by a test (the CLI, notebook kernels, the benchmark) are guarded too: ``tests/offline`` is put
first on ``PYTHONPATH``, and its ``sitecustomize`` applies the same block in every child interpreter.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator
from typing import Any

import pytest

# the subprocess guard is imported by child interpreters only, never collected here
collect_ignore = ["offline"]

_LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", ""})


def _is_local(address: Any) -> bool:
    """Whether ``address`` (as given to ``connect``) stays on this machine."""
    if isinstance(address, (str, bytes)):  # an AF_UNIX path
        return True
    if not isinstance(address, tuple) or not address:
        return False
    host = address[0]
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    host = str(host).strip("[]").split("%", 1)[0]
    if host.lower() in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name other than localhost
        return False


def _refuse(address: Any) -> RuntimeError:
    return RuntimeError(
        f"network access is blocked in the test suite (tried to connect to {address!r}); "
        "routes must work offline: use the shipped geodata or a file written by the test"
    )


@pytest.fixture(autouse=True, scope="session")
def _offline() -> Iterator[None]:
    """Block connections to non-local addresses for the whole session."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_create_connection = socket.create_connection

    def connect(self: socket.socket, address: Any) -> None:
        if self.family != getattr(socket, "AF_UNIX", None) and not _is_local(address):
            raise _refuse(address)
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if self.family != getattr(socket, "AF_UNIX", None) and not _is_local(address):
            raise _refuse(address)
        return real_connect_ex(self, address)

    def create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        if not _is_local(address):
            raise _refuse(address)
        return real_create_connection(address, *args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        guard = os.path.join(os.path.dirname(__file__), "offline")
        mp.setenv("PYTHONPATH", os.pathsep.join(p for p in (guard, os.environ.get("PYTHONPATH", "")) if p))
        mp.setattr(socket.socket, "connect", connect)
        mp.setattr(socket.socket, "connect_ex", connect_ex)
        mp.setattr(socket, "create_connection", create_connection)
        yield
