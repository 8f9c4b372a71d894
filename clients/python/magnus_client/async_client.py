"""The asyncio client: one DEALER socket, one reader task filing replies for every waiter."""
from __future__ import annotations

import asyncio
import time
import uuid
from typing import AsyncIterator, Callable, Dict, Hashable, Iterable, List, Optional, TypeVar

import zmq
import zmq.asyncio

from .endpoint import validate_endpoint
from .errors import CoordinatorUnavailable
from .keys import apply_curve, curve_keys
from .messages import (ErrorReply, Partial, Pong, Reply, Result, cancel_message, parse_reply, ping_message,
                       submit_message)
from .replies import ReplyBook
from .retry import RetryPolicy
from .streaming import StreamedText, StreamPiece, last_piece
from .sync_client import _as_result, new_request_id

T = TypeVar("T")


class AsyncMagnusClient:
    """An asyncio connection to one coordinator, for services that serve many requests at once
    (the HTTP gateway runs on one).

        async with AsyncMagnusClient("tcp://127.0.0.1:5555") as client:
            result = await client.call("gec", "Correct the grammatical errors:", "He go to school .")

    `async with` (or `await client.start()`) connects and pings: CoordinatorUnavailable when no
    pong comes within `connect_timeout` seconds (None: no check). Coroutines of one event loop
    may share the client freely; it is not for use from several threads (use MagnusClient).
    Replies, de-duplication, typed errors and retries behave as in MagnusClient.
    """

    def __init__(self, endpoint: str, context: Optional[zmq.asyncio.Context] = None,
                 identity: Optional[str] = None, curve_secret_key_file: Optional[str] = None,
                 coordinator_key: Optional[str] = None, connect_timeout: Optional[float] = 3.0,
                 ack_timeout: Optional[float] = 5.0, retry: Optional[RetryPolicy] = None,
                 max_kept: int = 100_000):
        self.endpoint = validate_endpoint(endpoint)
        self._keys = curve_keys(curve_secret_key_file, coordinator_key)
        self._identity = identity
        self.connect_timeout = connect_timeout
        self.ack_timeout = ack_timeout
        self.retry = retry if retry is not None else RetryPolicy()
        self._own_context = context is None
        self._context = context
        self._socket: Optional[zmq.asyncio.Socket] = None
        self._reader: Optional[asyncio.Task] = None
        # Non-final replies are only for receive(), which this client does not have.
        self._book = ReplyBook(max_kept=max_kept, max_other=64)
        self._waiters: Dict[Hashable, List[asyncio.Future]] = {}
        #: monotonic time of the last reply heard, None before the first one
        self.last_heard: Optional[float] = None

    # Life cycle -------------------------------------------------------------------------

    async def start(self) -> "AsyncMagnusClient":
        if self._socket is not None:
            return self
        if self._context is None:
            self._context = zmq.asyncio.Context()
        socket = self._context.socket(zmq.DEALER)
        socket.setsockopt(zmq.LINGER, 0)
        if self._identity:
            socket.setsockopt(zmq.ROUTING_ID, self._identity.encode())
        apply_curve(socket, self._keys)
        socket.connect(self.endpoint)
        self._socket = socket
        self._reader = asyncio.get_running_loop().create_task(self._read_loop())
        if self.connect_timeout is not None:
            try:
                await self.check_connection(self.connect_timeout)
            except BaseException:
                await self.close()
                raise
        return self

    async def close(self) -> None:
        """Stops the reader and closes the socket; waiters get RuntimeError. Idempotent."""
        if self._reader is not None:
            self._reader.cancel()
            try:
                await self._reader
            except (asyncio.CancelledError, Exception):
                pass
            self._reader = None
        if self._socket is not None:
            self._socket.close()
            self._socket = None
            if self._own_context and self._context is not None:
                self._context.term()
                self._context = None
        for futures in self._waiters.values():
            for future in futures:
                if not future.done():
                    future.set_exception(RuntimeError("the client is closed"))
        self._waiters.clear()

    async def __aenter__(self) -> "AsyncMagnusClient":
        return await self.start()

    async def __aexit__(self, *exc) -> None:
        await self.close()

    @property
    def duplicates_dropped(self) -> int:
        return self._book.duplicates_dropped

    @property
    def restarts(self) -> int:
        """Coordinator restarts seen: the incarnation id in its replies changed."""
        return self._book.restarts

    @property
    def incarnation(self) -> Optional[str]:
        """The incarnation id of the coordinator that sent the latest reply (None before one)."""
        return self._book.incarnation

    @property
    def pending_ids(self) -> set:
        return self._book.pending_ids

    # The reader -------------------------------------------------------------------------

    async def _read_loop(self) -> None:
        assert self._socket is not None
        while True:
            try:
                frames = await self._socket.recv_multipart()
            except (zmq.ZMQError, asyncio.CancelledError):
                return
            try:
                reply = parse_reply(frames[-1])
            except ValueError:
                continue
            self.last_heard = time.monotonic()
            self._book.add(reply)
            request_id = reply.request_id
            if request_id is not None:
                self._wake(("ack", request_id))
                self._wake(("final", request_id))
            if isinstance(reply, Pong) and reply.nonce is not None:
                self._wake(("pong", reply.nonce))

    def _wake(self, key: Hashable) -> None:
        for future in self._waiters.pop(key, ()):
            if not future.done():
                future.set_result(None)

    async def _until(self, key: Hashable, check: Callable[[], Optional[T]], timeout: Optional[float]) -> Optional[T]:
        """Runs `check` on the book each time `key` is woken until it returns something;
        None after `timeout` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        loop = asyncio.get_running_loop()
        while True:
            found = check()
            if found is not None:
                return found
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return None
            future = loop.create_future()
            self._waiters.setdefault(key, []).append(future)
            try:
                await asyncio.wait_for(future, left)
            except asyncio.TimeoutError:
                return check()
            finally:
                futures = self._waiters.get(key)
                if futures is not None and future in futures:
                    futures.remove(future)
                    if not futures:
                        del self._waiters[key]

    # Requests ---------------------------------------------------------------------------

    async def _send(self, payload: bytes) -> None:
        if self._socket is None:
            raise RuntimeError("the client is not started (await client.start(), or async with)")
        await self._socket.send(payload)

    async def submit(self, application: str, instruction: str, input: str, request_id: Optional[str] = None,
                     input_tokens: Optional[int] = None, max_new_tokens: Optional[int] = None,
                     deadline_ms: Optional[int] = None, sim_output_tokens: Optional[int] = None,
                     stream: bool = False) -> str:
        """Queues a request; returns its id. Resubmitting the same id is idempotent. With
        `stream`, the coordinator sends its text as it is generated (read it with `stream()`)."""
        request_id = request_id or new_request_id()
        payload = submit_message(request_id, application, instruction, input, input_tokens=input_tokens,
                                 max_new_tokens=max_new_tokens, deadline_ms=deadline_ms,
                                 sim_output_tokens=sim_output_tokens, stream=stream)
        self._book.submitted(request_id)
        await self._send(payload)
        return request_id

    async def cancel(self, request_id: str) -> None:
        """Asks the coordinator to withdraw a queued request; the answer is a `CancelledReply`."""
        await self._send(cancel_message(request_id))

    def abandon(self, request_id: str) -> None:
        """Drops `request_id`'s answer when it comes: nobody will wait for it."""
        self._book.abandon(request_id)

    async def ping_info(self, timeout: float = 5.0) -> Optional[Pong]:
        nonce = uuid.uuid4().hex
        await self._send(ping_message(nonce))
        return await self._until(("pong", nonce), lambda: self._book.take_pong(nonce), timeout)

    async def ping(self, timeout: float = 5.0) -> bool:
        return await self.ping_info(timeout) is not None

    async def check_connection(self, timeout: float = 5.0) -> Pong:
        pong = await self.ping_info(timeout)
        if pong is None:
            raise CoordinatorUnavailable(self.endpoint, timeout,
                                         "is magnus-coordinator running there? (with CURVE, is this client's key listed?)")
        return pong

    async def acknowledged(self, request_id: str, timeout: float) -> bool:
        """Whether the coordinator accepted or answered `request_id` within `timeout` seconds."""
        heard = await self._until(("ack", request_id), lambda: True if self._book.heard_of(request_id) else None,
                                  timeout)
        return heard is not None

    async def final_reply(self, request_id: str, timeout: Optional[float] = 120.0) -> Reply:
        """The final reply of one id (Result, ErrorReply or CancelledReply); TimeoutError."""
        reply = await self._until(("final", request_id), lambda: self._book.take_final(request_id), timeout)
        if reply is None:
            raise TimeoutError(f"request {request_id} unanswered after {timeout} s")
        return reply

    async def wait(self, request_ids: Iterable[str], timeout: float = 120.0) -> Dict[str, Reply]:
        """The final reply of every id; TimeoutError (and nothing lost) if some are missing."""
        wanted = list(dict.fromkeys(request_ids))
        tasks = [asyncio.ensure_future(self.final_reply(request_id, timeout)) for request_id in wanted]
        done = await asyncio.gather(*tasks, return_exceptions=True)
        final = {request_id: reply for request_id, reply in zip(wanted, done) if isinstance(reply, Reply)}
        if len(final) < len(wanted):
            for request_id, reply in final.items():
                self._book.add_back(request_id, reply)
            raise TimeoutError(f"{len(wanted) - len(final)} of {len(wanted)} requests unanswered after {timeout} s")
        return final

    async def result(self, request_id: str, timeout: float = 120.0) -> Result:
        return _as_result(await self.final_reply(request_id, timeout), request_id)

    async def call(self, application: str, instruction: str, input: str, timeout: float = 120.0,
                   retry: Optional[RetryPolicy] = None, **options) -> Result:
        """Submits one request and returns its Result; errors, retries and timeouts as in
        MagnusClient.call."""
        policy = retry if retry is not None else self.retry
        delays = policy.delays()
        request_id = options.pop("request_id", None) or new_request_id()
        deadline = time.monotonic() + timeout
        while True:
            await self.submit(application, instruction, input, request_id=request_id, **options)
            try:
                reply = await self._final_of_submitted(request_id, deadline, timeout)
            except (TimeoutError, CoordinatorUnavailable, asyncio.CancelledError):
                self._book.abandon(request_id)  # an answer coming later is dropped, not kept
                raise
            if isinstance(reply, ErrorReply) and policy.applies_to(reply.code):
                delay = next(delays, None)
                if delay is not None and time.monotonic() + delay < deadline:
                    await asyncio.sleep(delay)
                    continue
            return _as_result(reply, request_id)

    async def stream(self, application: str, instruction: str, input: str, timeout: float = 120.0,
                     retry: Optional[RetryPolicy] = None, **options) -> AsyncIterator[StreamPiece]:
        """Submits one request and yields its text as it is generated: a StreamPiece per new
        piece, the last one with the Result (whose `text` is the whole answer). Continuous
        workers report text as they go; on static workers the one piece is the whole answer.
        Errors, retries (only before any text) and timeouts as in `call`; leaving the loop
        early abandons the answer (call `cancel` to withdraw a queued request too)."""
        policy = retry if retry is not None else self.retry
        delays = policy.delays()
        request_id = options.pop("request_id", None) or new_request_id()
        deadline = time.monotonic() + timeout
        while True:
            await self.submit(application, instruction, input, request_id=request_id, stream=True, **options)
            joiner = StreamedText()
            shown = False
            try:
                await self._acknowledgement(request_id, deadline, timeout)
                while True:
                    left = max(deadline - time.monotonic(), 0)
                    reply = await self._until(("final", request_id), lambda: self._book.take_streamed(request_id), left)
                    if reply is None:
                        raise TimeoutError(f"request {request_id} unanswered after {timeout} s")
                    if isinstance(reply, Partial):
                        piece = joiner.add(reply)
                        if piece:
                            shown = True
                            yield StreamPiece(piece)
                        continue
                    break
            except (TimeoutError, CoordinatorUnavailable, asyncio.CancelledError, GeneratorExit):
                self._book.abandon(request_id)
                raise
            if isinstance(reply, ErrorReply) and policy.applies_to(reply.code) and not shown:
                delay = next(delays, None)
                if delay is not None and time.monotonic() + delay < deadline:
                    await asyncio.sleep(delay)
                    continue
            yield last_piece(joiner, _as_result(reply, request_id))
            return

    async def _acknowledgement(self, request_id: str, deadline: float, timeout: float) -> None:
        """Waits for the coordinator to acknowledge (or answer) `request_id`: TimeoutError when
        the whole `timeout` runs out first, CoordinatorUnavailable after `ack_timeout`."""
        if self.ack_timeout is None:
            return
        wait_s = min(self.ack_timeout, max(deadline - time.monotonic(), 0))
        if not await self.acknowledged(request_id, wait_s):
            if wait_s < self.ack_timeout:
                raise TimeoutError(f"request {request_id} unanswered after {timeout} s")
            raise CoordinatorUnavailable(self.endpoint, self.ack_timeout, f"request {request_id} was not acknowledged")

    async def _final_of_submitted(self, request_id: str, deadline: float, timeout: float) -> Reply:
        await self._acknowledgement(request_id, deadline, timeout)
        return await self.final_reply(request_id, max(deadline - time.monotonic(), 0))
