"""Offline guard for the Python subprocesses the tests start (the CLI, notebook kernels, the benchmark).

The test session puts this folder first on ``PYTHONPATH``; Python imports ``sitecustomize`` at start-up, so every
child interpreter refuses connections to non-local addresses, like the session itself (see ``tests/conftest.py``).
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any


def _is_local(address: Any) -> bool:
    if isinstance(address, (str, bytes)):  # an AF_UNIX path
        return True
    if not isinstance(address, tuple) or not address:
        return False
    host = address[0].decode(errors="replace") if isinstance(address[0], bytes) else str(address[0])
    host = host.strip("[]").split("%", 1)[0]
    if host.lower() in {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", ""}:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _refuse(address: Any) -> RuntimeError:
    return RuntimeError(f"network access is blocked in the test suite's subprocesses (tried {address!r}); "
                        "routes must work offline")


_connect, _connect_ex, _create = socket.socket.connect, socket.socket.connect_ex, socket.create_connection


def _guarded_connect(self: socket.socket, address: Any) -> None:
    if self.family != getattr(socket, "AF_UNIX", None) and not _is_local(address):
        raise _refuse(address)
    return _connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    if self.family != getattr(socket, "AF_UNIX", None) and not _is_local(address):
        raise _refuse(address)
    return _connect_ex(self, address)


def _guarded_create(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
    if not _is_local(address):
        raise _refuse(address)
    return _create(address, *args, **kwargs)


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
socket.create_connection = _guarded_create  # type: ignore[assignment]
