"""Shared fixtures: the tiny random Llama (loaded once per session) and an engine server
started as a subprocess on an ipc socket in a temporary folder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import torch

import magnus_engine  # noqa: F401  (sets the offline environment first)
from magnus_engine.models import LoadedModel, load_model

ENGINE_DIR = Path(__file__).resolve().parent.parent

# One intra-op thread: on a small machine shared with other jobs, torch's thread pool spinning
# against other processes makes run times erratic (seen: 10x slower batches with 2 threads).
torch.set_num_threads(1)


@pytest.fixture(scope="session")
def tiny() -> LoadedModel:
    return load_model("tiny-random", torch.device("cpu"), seed=0)


class EngineProcess:
    """A running ``python -m magnus_engine`` and a REQ socket connected to it."""

    def __init__(self, args: list[str]) -> None:
        import zmq

        # Unix socket paths are short (about 100 bytes): use a short temporary folder.
        self.folder = tempfile.mkdtemp(prefix="me-")
        self.endpoint = f"ipc://{self.folder}/engine.sock"
        self.stderr_path = os.path.join(self.folder, "stderr.log")
        env = dict(os.environ, PYTHONPATH=str(ENGINE_DIR))
        self.stderr = open(self.stderr_path, "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "magnus_engine", "--endpoint", self.endpoint, *args],
            stdout=subprocess.PIPE, stderr=self.stderr, stdin=subprocess.DEVNULL, env=env,
        )
        self.context = zmq.Context()
        self.socket = None
        self.ready: dict = {}

    def wait_ready(self, timeout: float = 90.0) -> dict:
        """Reads the ready line from stdout, then connects."""
        self.ready = self._read_ready_line(timeout)
        self.reconnect()
        return self.ready

    def _read_ready_line(self, timeout: float) -> dict:
        import selectors

        selector = selectors.DefaultSelector()
        selector.register(self.process.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if selector.select(timeout=0.2):
                line = self.process.stdout.readline()
                if line:
                    return json.loads(line)
            if self.process.poll() is not None:
                break
        raise AssertionError(f"engine did not become ready; stderr:\n{self.log()}")

    def reconnect(self) -> None:
        import zmq

        if self.socket is not None:
            self.socket.close(linger=0)
        self.socket = self.context.socket(zmq.REQ)
        self.socket.setsockopt(zmq.LINGER, 0)
        self.socket.setsockopt(zmq.RCVTIMEO, 120_000)
        self.socket.setsockopt(zmq.SNDTIMEO, 10_000)
        self.socket.connect(self.endpoint)

    def request_raw(self, payload: bytes | list[bytes]) -> dict:
        if isinstance(payload, list):
            self.socket.send_multipart(payload)
        else:
            self.socket.send(payload)
        return json.loads(self.socket.recv())

    def request(self, message: dict) -> dict:
        return self.request_raw(json.dumps(message).encode("utf-8"))

    def log(self) -> str:
        try:
            return Path(self.stderr_path).read_text(errors="replace")
        except OSError:
            return ""

    def close(self) -> None:
        if self.socket is not None:
            self.socket.close(linger=0)
        self.context.term()
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)
        self.process.stdout.close()
        self.stderr.close()
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def start_engine():
    """Starts engine subprocesses on demand; every one is killed at the end of the test."""
    started: list[EngineProcess] = []

    def start(*args: str) -> EngineProcess:
        engine = EngineProcess(list(args))
        started.append(engine)
        engine.wait_ready()
        return engine

    yield start
    for engine in started:
        engine.close()
