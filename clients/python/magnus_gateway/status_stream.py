"""The coordinator's status stream (topics `snapshot` and `event`, docs/protocol.md) as a
view that /metrics reads."""
from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import Counter
from typing import Any, Dict, Optional, Tuple

import zmq
import zmq.asyncio

from magnus_client.keys import apply_curve

log = logging.getLogger("magnus_gateway.status")


class StatusView:
    """The latest snapshot and the events counted since the gateway subscribed."""

    def __init__(self) -> None:
        self.snapshot: Optional[Dict[str, Any]] = None
        self.received_at: Optional[float] = None  # monotonic
        self.events: Counter = Counter()
        self.snapshots_received = 0

    def apply(self, topic: bytes, payload: bytes, now: float) -> None:
        """Files one status message; ignores what it cannot read (the stream is lenient).
        - Complexity: O(1)."""
        try:
            message = json.loads(payload.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return
        if not isinstance(message, dict):
            return
        if topic == b"snapshot":
            self.snapshot = message
            self.received_at = now
            self.snapshots_received += 1
        elif topic == b"event":
            kind = message.get("kind")
            if isinstance(kind, str) and kind:
                self.events[kind] += 1


class StatusSubscriber:
    """A SUB socket on the coordinator's status endpoint feeding a StatusView."""

    def __init__(self, endpoint: str, view: StatusView, context: zmq.asyncio.Context,
                 curve: Optional[Tuple[bytes, bytes]] = None):
        self.endpoint = endpoint
        self.view = view
        self._socket = context.socket(zmq.SUB)
        self._socket.setsockopt(zmq.LINGER, 0)
        apply_curve(self._socket, curve)
        for topic in (b"snapshot", b"event"):
            self._socket.setsockopt(zmq.SUBSCRIBE, topic)
        self._socket.connect(endpoint)
        self._task: Optional[asyncio.Task] = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            try:
                frames = await self._socket.recv_multipart()
            except (zmq.ZMQError, asyncio.CancelledError):
                return
            if len(frames) >= 2:
                self.view.apply(frames[0], frames[-1], time.monotonic())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
            self._task = None
        self._socket.close()
