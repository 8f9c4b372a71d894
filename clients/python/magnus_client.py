"""A small Python client for the Magnus coordinator (protocol v1, docs/protocol.md).

Client services are rarely written in Swift; this module is what one needs: a DEALER
socket to the coordinator's client endpoint, JSON messages, idempotent resubmission by id.

    from magnus_client import MagnusClient
    with MagnusClient("tcp://127.0.0.1:5555") as client:
        result = client.call("gec", "Correct the grammatical errors in the following sentence:",
                             "He go to school .")
        print(result["text"], result["generated_tokens"])

With a coordinator that authenticates clients (CurveZMQ, docs/operations.md), pass this
client's secret key file (from `magnus keygen`, mode 0600) and the coordinator's public key:

    MagnusClient("tcp://10.0.0.1:5555", curve_secret_key_file="keys/alice.key",
                 coordinator_key="keys/coordinator.pub")
"""
from __future__ import annotations

import json
import os
import stat
import time
import uuid
from typing import Dict, Iterable, List, Optional

import zmq

PROTOCOL_VERSION = 1


class MagnusError(Exception):
    """An explicit error reply from the coordinator, with its stable code."""

    def __init__(self, code: str, message: str, request_id: Optional[str] = None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.request_id = request_id


def _key_lines(path: str) -> List[str]:
    """The keys in a Magnus key file: one 40-character Z85 key per line (optionally followed by
    a name); empty lines and lines starting with '# ' are comments (a key may start with '#')."""
    with open(path, encoding="utf-8") as file:
        lines = [line.strip() for line in file]
    keys = [line.split()[0] for line in lines if line and line != "#" and not line.startswith("# ")]
    for key in keys:
        if len(key) != 40:
            raise ValueError(f"{path}: not a 40-character Z85 CURVE key")
    if not keys:
        raise ValueError(f"{path}: no key in the file")
    return keys


def read_secret_key(path: str) -> bytes:
    """A CURVE secret key from a Magnus `.key` file, refusing files readable by group or others."""
    mode = os.stat(path).st_mode
    if mode & 0o077:
        raise PermissionError(f"{path}: the secret key file is accessible to group or others "
                              f"(mode {stat.S_IMODE(mode):o}); run chmod 600 on it")
    return _key_lines(path)[0].encode()


def read_public_key(key_or_path: str) -> bytes:
    """A CURVE public key given inline (40 Z85 characters) or as a `.pub` file."""
    if len(key_or_path) == 40 and not os.path.exists(key_or_path):
        return key_or_path.encode()
    return _key_lines(key_or_path)[0].encode()


class MagnusClient:
    """A connection to one coordinator. Not thread-safe (one ZeroMQ socket)."""

    def __init__(self, endpoint: str, context: Optional[zmq.Context] = None, identity: Optional[str] = None,
                 curve_secret_key_file: Optional[str] = None, coordinator_key: Optional[str] = None):
        if (curve_secret_key_file is None) != (coordinator_key is None):
            raise ValueError("give both curve_secret_key_file and coordinator_key, or neither")
        # Keys first: a bad key file fails before any socket exists.
        secret = read_secret_key(curve_secret_key_file) if curve_secret_key_file is not None else None
        server_key = read_public_key(coordinator_key) if coordinator_key is not None else None
        self._own_context = context is None
        self._context = context or zmq.Context()
        self._socket = self._context.socket(zmq.DEALER)
        self._socket.setsockopt(zmq.LINGER, 0)
        if identity:
            self._socket.setsockopt(zmq.ROUTING_ID, identity.encode())
        if secret is not None:
            self._socket.curve_secretkey = secret
            self._socket.curve_publickey = zmq.curve_public(secret)
            self._socket.curve_serverkey = server_key
        self._socket.connect(endpoint)
        self._pending: List[dict] = []

    def close(self) -> None:
        self._socket.close()
        if self._own_context:
            self._context.term()

    def __enter__(self) -> "MagnusClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # Sending -------------------------------------------------------------------------

    def submit(self, application: str, instruction: str, input: str, request_id: Optional[str] = None,
               input_tokens: Optional[int] = None, max_new_tokens: Optional[int] = None,
               deadline_ms: Optional[int] = None) -> str:
        """Queues a request; returns its id. Resubmitting the same id is idempotent."""
        request_id = request_id or f"py-{uuid.uuid4().hex}"
        message = {"v": PROTOCOL_VERSION, "type": "submit", "id": request_id, "application": application,
                   "instruction": instruction, "input": input}
        if input_tokens is not None:
            message["input_tokens"] = input_tokens
        if max_new_tokens is not None:
            message["max_new_tokens"] = max_new_tokens
        if deadline_ms is not None:
            message["deadline_ms"] = deadline_ms
        self._socket.send(json.dumps(message, ensure_ascii=False).encode())
        return request_id

    def cancel(self, request_id: str) -> None:
        self._socket.send(json.dumps({"v": PROTOCOL_VERSION, "type": "cancel", "id": request_id}).encode())

    def ping(self, timeout: float = 5.0) -> bool:
        nonce = uuid.uuid4().hex
        self._socket.send(json.dumps({"v": PROTOCOL_VERSION, "type": "ping", "nonce": nonce}).encode())
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            reply = self.receive(deadline - time.monotonic())
            if reply is None:
                return False
            if reply.get("type") == "pong" and reply.get("nonce") == nonce:
                return True
            self._pending.append(reply)
        return False

    # Receiving -----------------------------------------------------------------------

    def receive(self, timeout: Optional[float]) -> Optional[dict]:
        """The next reply (accepted, result, error, cancelled, pong) or None on timeout."""
        if self._pending:
            return self._pending.pop(0)
        if timeout is not None and not self._socket.poll(int(max(timeout, 0) * 1000)):
            return None
        frames = self._socket.recv_multipart()
        return json.loads(frames[-1].decode())

    def wait(self, request_ids: Iterable[str], timeout: float = 120.0) -> Dict[str, dict]:
        """Collects the final reply (result, error or cancelled) of every id."""
        wanted = set(request_ids)
        final: Dict[str, dict] = {}
        deadline = time.monotonic() + timeout
        while wanted - final.keys():
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{len(wanted - final.keys())} requests unanswered after {timeout} s")
            reply = self.receive(left)
            if reply is None:
                continue
            request_id = reply.get("id")
            if reply.get("type") in ("result", "error", "cancelled") and request_id in wanted:
                final[request_id] = reply
        return final

    def call(self, application: str, instruction: str, input: str, timeout: float = 120.0, **options) -> dict:
        """Submits one request and returns its result; raises MagnusError on an error reply."""
        request_id = self.submit(application, instruction, input, **options)
        reply = self.wait([request_id], timeout)[request_id]
        if reply["type"] == "error":
            raise MagnusError(reply.get("code", "unknown"), reply.get("message", ""), request_id)
        return reply


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Submit one request to a Magnus coordinator.")
    parser.add_argument("--coordinator", default="tcp://127.0.0.1:5555")
    parser.add_argument("--application", default="gec")
    parser.add_argument("--instruction", default="Correct the grammatical errors in the following sentence:")
    parser.add_argument("--curve-secret-key-file", help="this client's CURVE secret key (mode 0600)")
    parser.add_argument("--coordinator-key", help="the coordinator's CURVE public key or .pub file")
    parser.add_argument("input")
    args = parser.parse_args()
    with MagnusClient(args.coordinator, curve_secret_key_file=args.curve_secret_key_file,
                      coordinator_key=args.coordinator_key) as client:
        if not client.ping():
            raise SystemExit(f"no coordinator answers at {args.coordinator}")
        result = client.call(args.application, args.instruction, args.input)
        print(result["text"])
        print(f"{result['generated_tokens']} tokens (predicted {result['predicted_tokens']}) "
              f"on {result['worker']} in {result['response_ms']:.0f} ms")
