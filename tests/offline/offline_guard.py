"""The offline guard of the test suite: connections to non-local addresses fail with a clear RuntimeError.

Used in the test session (``tests/conftest.py``) and, through ``sitecustomize.py`` in this folder (first on
``PYTHONPATH`` during the tests), in every Python subprocess the tests start. Loopback addresses and Unix sockets
stay allowed.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from typing import Any

_LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", ""})


def is_local(address: Any) -> bool:
    """Whether ``address`` (as given to ``connect``) stays on this machine."""
    if isinstance(address, (str, bytes)):  # an AF_UNIX path
        return True
    if not isinstance(address, tuple) or not address:
        return False
    host = address[0].decode(errors="replace") if isinstance(address[0], bytes) else str(address[0])
    host = host.strip("[]").split("%", 1)[0]
    if host.lower() in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name other than localhost
        return False


def refuse(address: Any) -> RuntimeError:
    return RuntimeError(
        f"network access is blocked in the test suite (tried to connect to {address!r}); "
        "routes must work offline: use the shipped geodata or a file written by the test"
    )


def install() -> Callable[[], None]:
    """Patch ``socket`` to refuse non-local connections; return a function that undoes it."""
    real = (socket.socket.connect, socket.socket.connect_ex, socket.create_connection)

    def connect(self: socket.socket, address: Any) -> None:
        if self.family != getattr(socket, "AF_UNIX", None) and not is_local(address):
            raise refuse(address)
        return real[0](self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if self.family != getattr(socket, "AF_UNIX", None) and not is_local(address):
            raise refuse(address)
        return real[1](self, address)

    def create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        if not is_local(address):
            raise refuse(address)
        return real[2](address, *args, **kwargs)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.create_connection = create_connection  # type: ignore[assignment]

    def undo() -> None:
        socket.socket.connect, socket.socket.connect_ex, socket.create_connection = real  # type: ignore[method-assign]

    return undo
