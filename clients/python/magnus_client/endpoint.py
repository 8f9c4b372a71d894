"""Endpoint validation: catch `localhost:5555` before ZeroMQ turns it into a vague error."""
from __future__ import annotations

import re

from .errors import InvalidEndpoint

_TCP = re.compile(r"^tcp://(?P<host>\[[0-9A-Fa-f:.]+\]|[^\s:/\[\]]+):(?P<port>[0-9]+)$")


def validate_endpoint(endpoint: str, what: str = "coordinator endpoint") -> str:
    """Returns `endpoint` when it is a ZeroMQ address a client can connect to, else raises
    InvalidEndpoint with the form to use: `tcp://HOST:PORT` (HOST a name, an IPv4 address or
    a bracketed IPv6 address), `ipc://PATH` or `inproc://NAME`."""
    if not isinstance(endpoint, str) or not endpoint.strip():
        raise InvalidEndpoint(f"{what} is empty: give tcp://HOST:PORT, e.g. tcp://127.0.0.1:5555")
    endpoint = endpoint.strip()
    if endpoint.startswith(("ipc://", "inproc://")):
        if endpoint.split("://", 1)[1]:
            return endpoint
        raise InvalidEndpoint(f"{what} {endpoint!r} names no path")
    if "://" not in endpoint:
        hint = f"tcp://{endpoint}" if re.fullmatch(r"[^\s:/]+:[0-9]+", endpoint) else "tcp://127.0.0.1:5555"
        raise InvalidEndpoint(f"{what} {endpoint!r} is not a ZeroMQ address: give tcp://HOST:PORT, e.g. {hint}")
    match = _TCP.match(endpoint)
    if match is None:
        raise InvalidEndpoint(f"{what} {endpoint!r} is not of the form tcp://HOST:PORT "
                              f"(or ipc://PATH, inproc://NAME), e.g. tcp://127.0.0.1:5555")
    if match["host"] == "*":
        raise InvalidEndpoint(f"{what} {endpoint!r}: '*' binds every interface; a client connects to one "
                              f"host, e.g. tcp://127.0.0.1:{match['port']}")
    port = int(match["port"])
    if not 1 <= port <= 65535:
        raise InvalidEndpoint(f"{what} {endpoint!r}: port {port} is outside 1-65535")
    return endpoint
