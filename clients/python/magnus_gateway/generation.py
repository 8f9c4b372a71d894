"""Running jobs on the coordinator through the asyncio client, as a stream of text pieces."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import AsyncIterator, Dict, Optional

from magnus_client import AsyncMagnusClient, CoordinatorUnavailable, MagnusError, Result, RetryPolicy

from .openai_api import GatewayError, Job, error_for_code

log = logging.getLogger("magnus_gateway")


@dataclass
class Piece:
    """New text of a generation; the last piece carries the finished Result."""
    text: str
    result: Optional[Result] = None


def gateway_error(error: BaseException, endpoint: str) -> GatewayError:
    """The HTTP error for what the client raised."""
    if isinstance(error, GatewayError):
        return error
    if isinstance(error, MagnusError):
        return error_for_code(error.code, error.message or error.code)
    if isinstance(error, CoordinatorUnavailable):
        return GatewayError(503, "coordinator_unavailable", str(error), type="service_unavailable_error",
                            headers={"Retry-After": "5"})
    if isinstance(error, (TimeoutError, asyncio.TimeoutError)):
        return GatewayError(504, "timeout", f"no answer from the coordinator at {endpoint} in time",
                            type="timeout_error")
    return GatewayError(500, "internal_error", f"gateway error: {error!r}", type="server_error")


class Generator:
    """Runs jobs on the coordinator and yields their text as it comes.

    `pieces` streams: one piece per `partial` the coordinator forwards (continuous workers
    report text as they go), the Result on the last piece (with the text not yet sent, if
    any). On static workers a request is answered whole, so its one piece is the whole text.
    The HTTP layer sends each piece as its own server-sent event and measures time to first
    token at the first piece."""

    def __init__(self, client: AsyncMagnusClient, timeout: float, overload_retries: int = 2):
        self.client = client
        self.timeout = timeout
        self.retry = RetryPolicy(retries=overload_retries, base_delay=0.05, max_delay=1.0)
        self._locks: Dict[str, asyncio.Lock] = {}
        self._lock_users: Dict[str, int] = {}

    @contextlib.asynccontextmanager
    async def _turn(self, request_id: str) -> AsyncIterator[None]:
        """Two HTTP requests with one id (a retry under the same Idempotency-Key while the first
        is still running) take turns: the second resubmits once the first is answered and gets
        the coordinator's stored answer, or duplicate_id when its content differs."""
        lock = self._locks.setdefault(request_id, asyncio.Lock())
        self._lock_users[request_id] = self._lock_users.get(request_id, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._lock_users[request_id] -= 1
            if self._lock_users[request_id] == 0:
                del self._lock_users[request_id]
                del self._locks[request_id]

    async def run(self, job: Job) -> Result:
        """The job's Result; raises GatewayError."""
        async with self._turn(job.request_id):
            try:
                return await self.client.call(job.application, job.instruction, job.input, timeout=self.timeout,
                                              retry=self.retry, request_id=job.request_id,
                                              max_new_tokens=job.max_new_tokens, deadline_ms=job.deadline_ms)
            except (MagnusError, CoordinatorUnavailable, TimeoutError, asyncio.TimeoutError) as error:
                raise gateway_error(error, self.client.endpoint) from error

    async def pieces(self, job: Job) -> AsyncIterator[Piece]:
        """The job's text as it comes; the last piece has the Result. Raises GatewayError."""
        async with self._turn(job.request_id):
            stream = self.client.stream(job.application, job.instruction, job.input, timeout=self.timeout,
                                        retry=self.retry, request_id=job.request_id,
                                        max_new_tokens=job.max_new_tokens, deadline_ms=job.deadline_ms)
            try:
                async for piece in stream:
                    if piece.result is not None and not piece.consistent:
                        log.warning("request %s: the final text does not extend the streamed text", job.request_id)
                    yield Piece(piece.text, piece.result)
            except (MagnusError, CoordinatorUnavailable, TimeoutError, asyncio.TimeoutError) as error:
                raise gateway_error(error, self.client.endpoint) from error
            finally:
                await stream.aclose()

    async def cancel(self, job: Job) -> None:
        """Withdraws the job if it is still queued (a streaming client went away)."""
        try:
            await self.client.cancel(job.request_id)
        except Exception:
            pass
