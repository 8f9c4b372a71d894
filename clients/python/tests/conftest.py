"""Shared test support: the packages from this checkout, loopback ports, the real executables
and a scripted fake coordinator for the unit tests."""
from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Callable, Dict, List, Optional

import pytest
import zmq

PYTHON_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PYTHON_DIR))  # magnus_client and magnus_gateway without installing them

ROOT = Path(__file__).resolve().parents[3]
BUILD = Path(os.environ.get("MAGNUS_BUILD_DIR", ROOT / ".build" / "debug"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The real executables --------------------------------------------------------------------

def executable(name: str) -> Path:
    path = BUILD / name
    if not path.exists():
        pytest.fail(f"build the executables first (swift build); {name} not found in {BUILD}")
    return path


class Processes:
    """Processes a test started; `stop()` ends every one of them (SIGTERM, then SIGKILL)."""

    def __init__(self) -> None:
        self.started: List[subprocess.Popen] = []

    def start(self, args: List[str], **kwargs) -> subprocess.Popen:
        process = subprocess.Popen([str(arg) for arg in args], start_new_session=True, **kwargs)
        self.started.append(process)
        return process

    def stop(self, timeout: float = 10.0) -> None:
        for process in reversed(self.started):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in self.started:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class Cluster:
    """A coordinator on three loopback ports, workers on demand, and optionally a gateway."""

    def __init__(self, processes: Processes, coordinator_args: Optional[List[str]] = None,
                 with_coordinator: bool = True):
        self.processes = processes
        ports = [free_port() for _ in range(3)]
        self.client_ep, self.worker_ep, self.status_ep = (f"tcp://127.0.0.1:{p}" for p in ports)
        self.workers = 0
        self.gateway_url: Optional[str] = None
        if not with_coordinator:  # endpoints nobody listens on
            return
        processes.start([executable("magnus-coordinator"), "--client-endpoint", self.client_ep,
                         "--worker-endpoint", self.worker_ep, "--status-endpoint", self.status_ep,
                         "--status-interval", "0.2", "--log-level", "error", "--exit-with-parent",
                         *(coordinator_args or [])])

    def add_worker(self, time_scale: int = 200, extra: Optional[List[str]] = None) -> None:
        gpu = self.workers
        self.workers += 1
        self.processes.start([executable("magnus-worker"), "--coordinator", self.worker_ep, "--gpu", gpu,
                              "--id", f"py-gpu{gpu}-{os.getpid()}", "--time-scale", time_scale,
                              "--log-level", "error", "--exit-with-parent", *(extra or [])])

    def start_gateway(self, log_path: Path, extra: Optional[List[str]] = None,
                      env: Optional[Dict[str, str]] = None) -> str:
        port = free_port()
        environment = dict(os.environ)
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PYTHON_DIR), environment.get("PYTHONPATH")]))
        environment.update(env or {})
        log = open(log_path, "wb")
        self.processes.start([sys.executable, "-m", "magnus_gateway", "--coordinator", self.client_ep,
                              "--status", self.status_ep, "--listen", f"127.0.0.1:{port}",
                              "--log-level", "warning", *(extra or [])],
                             stdout=log, stderr=subprocess.STDOUT, env=environment)
        log.close()
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=1) as response:
                    if response.status == 200:
                        self.gateway_url = url
                        return url
            except OSError:
                time.sleep(0.1)
        pytest.fail(f"the gateway did not come up within 20 s; its log:\n{log_path.read_text()}")


@pytest.fixture
def processes():
    started = Processes()
    try:
        yield started
    finally:
        started.stop()


# A scripted fake coordinator ---------------------------------------------------------------

Handler = Callable[[dict, "FakeCoordinator"], List[dict]]


def pong(message: dict, workers: int = 1, draining: bool = False) -> dict:
    return {"v": 1, "type": "pong", "nonce": message.get("nonce"), "uptime": 1.0, "queue_depth": 0,
            "workers": workers, "draining": draining}


def accepted(message: dict) -> dict:
    return {"v": 1, "type": "accepted", "id": message["id"], "predicted_tokens": 4, "input_tokens": 3,
            "queue_position": 1, "queue_depth": 1}


def result(message: dict, text: Optional[str] = None) -> dict:
    return {"v": 1, "type": "result", "id": message["id"], "text": message["input"] if text is None else text,
            "generated_tokens": 4, "input_tokens": 3, "predicted_tokens": 4, "worker": "fake-gpu0",
            "batch_id": 1, "queue_ms": 0.5, "response_ms": 2.0}


def error(message: dict, code: str, text: str = "scripted") -> dict:
    return {"v": 1, "type": "error", "id": message.get("id"), "code": code, "message": text}


def answer_everything(message: dict, fake: "FakeCoordinator") -> List[dict]:
    """Pongs pings; accepts every submit and answers it with its own input as text."""
    if message["type"] == "ping":
        return [pong(message)]
    if message["type"] == "submit":
        return [accepted(message), result(message)]
    return []


class FakeCoordinator:
    """A ROUTER on a loopback port, run by a thread, answering with `handler(message, fake)`.
    Received messages are recorded in `received`; `push(reply)` sends more from the test."""

    def __init__(self, handler: Handler = answer_everything):
        self.handler = handler
        self.received: List[dict] = []
        self.endpoint = ""
        self._outbox: "queue.Queue[dict]" = queue.Queue()
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._peer: Optional[bytes] = None

    def __enter__(self) -> "FakeCoordinator":
        self._thread.start()
        self._ready.wait(5)
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)

    def push(self, reply: dict) -> None:
        self._outbox.put(reply)

    def submits(self) -> List[dict]:
        return [message for message in list(self.received) if message.get("type") == "submit"]

    def _run(self) -> None:
        context = zmq.Context()
        router = context.socket(zmq.ROUTER)
        router.setsockopt(zmq.LINGER, 0)
        port = router.bind_to_random_port("tcp://127.0.0.1")
        self.endpoint = f"tcp://127.0.0.1:{port}"
        self._ready.set()
        try:
            while not self._stop.is_set():
                while not self._outbox.empty() and self._peer is not None:
                    router.send_multipart([self._peer, json.dumps(self._outbox.get()).encode()])
                if not router.poll(20):
                    continue
                frames = router.recv_multipart()
                peer = frames[0]
                self._peer = peer
                message = json.loads(frames[-1].decode())
                self.received.append(message)
                for reply in self.handler(message, self):
                    router.send_multipart([peer, json.dumps(reply).encode()])
        finally:
            router.close()
            context.term()
