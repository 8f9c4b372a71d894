"""The gateway's configuration: one declaration per option, with its help and default."""
from __future__ import annotations

import argparse
import ipaddress
import os
import re
import sys
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from magnus_client import InvalidEndpoint, validate_endpoint
from magnus_client.keys import curve_keys

API_KEYS_ENV = "MAGNUS_GATEWAY_API_KEYS"
API_KEY_FILE_ENV = "MAGNUS_GATEWAY_API_KEY_FILE"


@dataclass
class GatewayConfig:
    coordinator: str = "tcp://127.0.0.1:5555"
    status: Optional[str] = "tcp://127.0.0.1:5557"
    host: str = "127.0.0.1"
    port: int = 8000
    #: API keys accepted as `Authorization: Bearer KEY`; empty = no authentication
    api_keys: Tuple[str, ...] = ()
    #: model name -> Magnus application; the first is listed first by /v1/models
    models: Dict[str, str] = field(default_factory=lambda: {"magnus": "magnus"})
    #: seconds an HTTP request waits for its answer (beyond: 504)
    request_timeout: float = 300.0
    #: seconds a submit may go unacknowledged before the coordinator counts as unavailable (503)
    ack_timeout: float = 5.0
    #: seconds /ready waits for a pong
    ready_timeout: float = 1.0
    #: retries of `overloaded` refusals inside the gateway before answering 429
    overload_retries: int = 2
    #: seconds without a status snapshot after which magnus_status_up reads 0
    status_stale_after: float = 5.0
    curve_secret_key_file: Optional[str] = None
    coordinator_key: Optional[str] = None
    #: "open" (plain SUB) or "curve" (the same keys as the client socket), as the coordinator's --status-auth
    status_auth: str = "open"
    log_level: str = "info"


def parse_listen(value: str) -> Tuple[str, int]:
    """`HOST:PORT` or `[IPv6]:PORT` -> (host, port)."""
    match = re.fullmatch(r"\[(?P<v6>[0-9A-Fa-f:.]+)\]:(?P<port>[0-9]+)|(?P<host>[^\s:\[\]]+):(?P<port2>[0-9]+)", value)
    if match is None:
        raise ValueError(f"--listen {value!r}: give HOST:PORT, e.g. 127.0.0.1:8000 (or [::1]:8000)")
    host = match["v6"] or match["host"]
    port = int(match["port"] or match["port2"])
    if not 1 <= port <= 65535:
        raise ValueError(f"--listen {value!r}: port {port} is outside 1-65535")
    return host, port


def parse_model(value: str) -> Tuple[str, str]:
    """`NAME` (served as application NAME) or `NAME=APPLICATION`."""
    name, _, application = value.partition("=")
    name, application = name.strip(), (application.strip() or name.strip())
    if not name or not application:
        raise ValueError(f"--model {value!r}: give NAME or NAME=APPLICATION")
    return name, application


def read_key_file(path: str) -> List[str]:
    """API keys from a file: one per line; empty lines and lines starting with '#' are skipped."""
    with open(path, encoding="utf-8") as file:
        return [line.strip() for line in file if line.strip() and not line.lstrip().startswith("#")]


def split_keys(value: str) -> List[str]:
    return [key for key in re.split(r"[\s,]+", value) if key]


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="magnus-gateway",
        description="An OpenAI-compatible HTTP gateway in front of a Magnus coordinator (docs/http-gateway.md).")
    parser.add_argument("--coordinator", default="tcp://127.0.0.1:5555", metavar="ENDPOINT",
                        help="the coordinator's client endpoint (default: %(default)s)")
    parser.add_argument("--status", default="tcp://127.0.0.1:5557", metavar="ENDPOINT",
                        help="the coordinator's status endpoint, for /metrics; 'none' to leave it out (default: %(default)s)")
    parser.add_argument("--listen", default="127.0.0.1:8000", metavar="HOST:PORT",
                        help="where the HTTP server listens (default: %(default)s)")
    parser.add_argument("--api-key", action="append", default=[], metavar="KEY",
                        help=f"accept `Authorization: Bearer KEY` (repeatable); also from --api-key-file and "
                             f"${API_KEYS_ENV} (comma- or space-separated). No key anywhere: no authentication")
    parser.add_argument("--api-key-file", action="append", default=[], metavar="FILE",
                        help=f"a file of API keys, one per line, '#' comments (repeatable; also ${API_KEY_FILE_ENV})")
    parser.add_argument("--model", action="append", default=[], metavar="NAME[=APPLICATION]",
                        help="a model name to serve and the Magnus application it maps to (repeatable; "
                             "default: one model 'magnus')")
    parser.add_argument("--request-timeout", type=float, default=300.0, metavar="SECONDS",
                        help="how long a request waits for its answer before 504 (default: %(default)s)")
    parser.add_argument("--ack-timeout", type=float, default=5.0, metavar="SECONDS",
                        help="how long a submit may go unacknowledged before 503 (default: %(default)s)")
    parser.add_argument("--overload-retries", type=int, default=2, metavar="N",
                        help="retries of 'overloaded' refusals, with backoff, before answering 429 (default: %(default)s)")
    parser.add_argument("--curve-secret-key-file", metavar="FILE",
                        help="the gateway's CURVE secret key, when the coordinator authenticates clients")
    parser.add_argument("--coordinator-key", metavar="KEY|FILE", help="the coordinator's CURVE public key")
    parser.add_argument("--status-auth", default="open", choices=["open", "curve"],
                        help="the status stream: open, or curve (with the keys above; the coordinator's "
                             "--status-auth curve) (default: %(default)s)")
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"],
                        help="(default: %(default)s)")
    return parser


def config_from_args(argv: Optional[Sequence[str]] = None, environ: Optional[Dict[str, str]] = None) -> GatewayConfig:
    """Parses the command line (and the API-key environment variables); exits with a clear
    message on a bad value, as argparse does."""
    parser = build_parser()
    args = parser.parse_args(argv)
    environ = os.environ if environ is None else environ
    try:
        coordinator = validate_endpoint(args.coordinator, "--coordinator")
        status = None if args.status.lower() == "none" else validate_endpoint(args.status, "--status")
        host, port = parse_listen(args.listen)
        keys = list(args.api_key)
        files = list(args.api_key_file)
        if environ.get(API_KEY_FILE_ENV):
            files.append(environ[API_KEY_FILE_ENV])
        for path in files:
            keys.extend(read_key_file(path))
        keys.extend(split_keys(environ.get(API_KEYS_ENV, "")))
        models = dict(parse_model(value) for value in args.model) or {"magnus": "magnus"}
        if (args.curve_secret_key_file is None) != (args.coordinator_key is None):
            raise ValueError("give both --curve-secret-key-file and --coordinator-key, or neither")
        curve_keys(args.curve_secret_key_file, args.coordinator_key)  # a bad key file fails now
        if args.status_auth == "curve" and args.curve_secret_key_file is None:
            raise ValueError("--status-auth curve needs --curve-secret-key-file and --coordinator-key")
        for name, value in (("--request-timeout", args.request_timeout), ("--ack-timeout", args.ack_timeout)):
            if not value > 0:
                raise ValueError(f"{name} must be positive")
        if args.overload_retries < 0:
            raise ValueError("--overload-retries must be 0 or more")
    except (InvalidEndpoint, ValueError, OSError) as error:
        parser.error(str(error))
    if not keys and not is_loopback(host):
        print(f"magnus-gateway: warning: listening on {host} with no API key: anyone who reaches it can submit",
              file=sys.stderr)
    return GatewayConfig(coordinator=coordinator, status=status, host=host, port=port,
                         api_keys=tuple(dict.fromkeys(keys)), models=models, request_timeout=args.request_timeout,
                         ack_timeout=args.ack_timeout, overload_retries=args.overload_retries,
                         curve_secret_key_file=args.curve_secret_key_file, coordinator_key=args.coordinator_key,
                         status_auth=args.status_auth, log_level=args.log_level)
