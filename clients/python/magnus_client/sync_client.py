"""The blocking client: one DEALER socket to the coordinator's client endpoint."""
from __future__ import annotations

import threading
import time
import uuid
from typing import Callable, Dict, Iterable, Iterator, List, Optional, TypeVar

import zmq

from .endpoint import validate_endpoint
from .errors import Cancelled, CoordinatorUnavailable, MagnusError
from .keys import apply_curve, curve_keys
from .messages import (CancelledReply, ErrorReply, Partial, Pong, Reply, Result, cancel_message, parse_reply,
                       ping_message, submit_message)
from .replies import ReplyBook
from .retry import RetryPolicy
from .streaming import StreamedText, StreamPiece, last_piece

T = TypeVar("T")

#: How long the thread reading the socket holds it per turn: the most a concurrent send waits.
_READ_SLICE_S = 0.02


def new_request_id(prefix: str = "py") -> str:
    return f"{prefix}-{uuid.uuid4().hex}"


class MagnusClient:
    """A connection to one coordinator.

        with MagnusClient("tcp://127.0.0.1:5555") as client:
            result = client.call("gec", "Correct the grammatical errors:", "He go to school .")
            print(result.text, result.generated_tokens)

    **Fails fast.** The constructor pings the coordinator and raises CoordinatorUnavailable
    ("no coordinator answering at ...") when no pong comes within `connect_timeout` seconds
    (default 3; None skips the check and connects lazily, as ZeroMQ does). `call()` likewise
    raises it when a submit is not even acknowledged within `ack_timeout` seconds.

    **Thread-safe.** One lock guards the ZeroMQ socket (sockets are not thread-safe) and a
    condition guards the reply book: threads may share one client and submit, wait and call at
    once. One thread at a time reads the socket, files every reply it reads in the book and
    wakes the others, so a thread never loses a reply another thread is waiting for. (Sharing
    one connection also shares the coordinator's per-connection in-flight limit.)

    **Replies.** Final answers are kept until taken, by id (`wait([a])` keeps b's answer for a
    later `wait([b])`); a second final answer for an id already answered is dropped and counted
    in `duplicates_dropped`. Replies are dataclasses (`Result`, `ErrorReply`, ...) that also
    read like the dicts the older client returned (`reply["text"]`).
    """

    def __init__(self, endpoint: str, context: Optional[zmq.Context] = None, identity: Optional[str] = None,
                 curve_secret_key_file: Optional[str] = None, coordinator_key: Optional[str] = None,
                 connect_timeout: Optional[float] = 3.0, ack_timeout: Optional[float] = 5.0,
                 retry: Optional[RetryPolicy] = None, max_kept: int = 100_000):
        self.endpoint = validate_endpoint(endpoint)
        keys = curve_keys(curve_secret_key_file, coordinator_key)  # a bad key fails before any socket
        self.ack_timeout = ack_timeout
        self.retry = retry if retry is not None else RetryPolicy()
        self._own_context = context is None
        self._context = context or zmq.Context()
        self._socket = self._context.socket(zmq.DEALER)
        self._socket.setsockopt(zmq.LINGER, 0)
        if identity:
            self._socket.setsockopt(zmq.ROUTING_ID, identity.encode())
        apply_curve(self._socket, keys)
        self._socket.connect(self.endpoint)
        self._socket_lock = threading.Lock()
        self._book_lock = threading.Condition()
        self._book = ReplyBook(max_kept=max_kept)
        self._reading = False
        self._closed = False
        if connect_timeout is not None:
            try:
                self.check_connection(connect_timeout)
            except BaseException:
                self.close()
                raise

    # Life cycle -------------------------------------------------------------------------

    def close(self) -> None:
        """Closes the socket (and the context this client created). Idempotent."""
        with self._socket_lock:
            if self._closed:
                return
            self._closed = True
            self._socket.close()
        if self._own_context:
            self._context.term()

    def __enter__(self) -> "MagnusClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def duplicates_dropped(self) -> int:
        """Final answers dropped because their id had been answered already."""
        with self._book_lock:
            return self._book.duplicates_dropped

    @property
    def restarts(self) -> int:
        """Coordinator restarts seen: the incarnation id in its replies changed."""
        with self._book_lock:
            return self._book.restarts

    @property
    def incarnation(self) -> Optional[str]:
        """The incarnation id of the coordinator that sent the latest reply (None before one)."""
        with self._book_lock:
            return self._book.incarnation

    @property
    def pending_ids(self) -> set:
        """Ids submitted on this client and not answered yet."""
        with self._book_lock:
            return self._book.pending_ids

    # Sending ----------------------------------------------------------------------------

    def _send(self, payload: bytes) -> None:
        with self._socket_lock:
            if self._closed:
                raise RuntimeError("the client is closed")
            self._socket.send(payload)

    def submit(self, application: str, instruction: str, input: str, request_id: Optional[str] = None,
               input_tokens: Optional[int] = None, max_new_tokens: Optional[int] = None,
               deadline_ms: Optional[int] = None, sim_output_tokens: Optional[int] = None,
               stream: bool = False) -> str:
        """Queues a request; returns its id. Resubmitting the same id is idempotent. With
        `stream`, the coordinator sends its text as it is generated (read it with `stream()`)."""
        request_id = request_id or new_request_id()
        payload = submit_message(request_id, application, instruction, input, input_tokens=input_tokens,
                                 max_new_tokens=max_new_tokens, deadline_ms=deadline_ms,
                                 sim_output_tokens=sim_output_tokens, stream=stream)
        with self._book_lock:
            self._book.submitted(request_id)
        self._send(payload)
        return request_id

    def cancel(self, request_id: str) -> None:
        """Asks the coordinator to withdraw a queued request; the answer is a `CancelledReply`."""
        self._send(cancel_message(request_id))

    def ping_info(self, timeout: float = 5.0) -> Optional[Pong]:
        """The coordinator's pong (uptime, queue depth, workers, draining), or None on timeout."""
        nonce = uuid.uuid4().hex
        self._send(ping_message(nonce))
        return self._collect(lambda: self._book.take_pong(nonce), timeout)

    def ping(self, timeout: float = 5.0) -> bool:
        """Whether the coordinator answered a ping within `timeout` seconds."""
        return self.ping_info(timeout) is not None

    def check_connection(self, timeout: float = 5.0) -> Pong:
        """The coordinator's pong, or CoordinatorUnavailable when none comes within `timeout`."""
        pong = self.ping_info(timeout)
        if pong is None:
            raise CoordinatorUnavailable(self.endpoint, timeout,
                                         "is magnus-coordinator running there? (with CURVE, is this client's key listed?)")
        return pong

    # Receiving --------------------------------------------------------------------------

    def _read_some(self, timeout: float) -> List[bytes]:
        """Payloads that arrive within `timeout` (all that are ready once one is)."""
        payloads: List[bytes] = []
        with self._socket_lock:
            if self._closed:
                raise RuntimeError("the client is closed")
            if self._socket.poll(int(max(timeout, 0) * 1000)):
                while len(payloads) < 1000:
                    try:
                        payloads.append(self._socket.recv_multipart(zmq.NOBLOCK)[-1])
                    except zmq.Again:
                        break
        return payloads

    def _collect(self, take: Callable[[], Optional[T]], timeout: Optional[float]) -> Optional[T]:
        """Runs `take` on the book until it returns something, reading the socket meanwhile
        (one thread at a time: the others wait on the condition); None after `timeout`."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._book_lock:
                while True:
                    found = take()
                    if found is not None:
                        return found
                    left = None if deadline is None else deadline - time.monotonic()
                    if left is not None and left <= 0:
                        return None
                    if not self._reading:
                        self._reading = True
                        break
                    self._book_lock.wait(left)
            payloads: List[bytes] = []
            try:
                payloads = self._read_some(_READ_SLICE_S if left is None else min(left, _READ_SLICE_S))
            finally:
                with self._book_lock:
                    for payload in payloads:
                        try:
                            self._book.add(parse_reply(payload))
                        except ValueError:
                            pass  # not a reply the protocol defines; nothing waits for it
                    self._reading = False
                    self._book_lock.notify_all()

    def receive(self, timeout: Optional[float]) -> Optional[Reply]:
        """The next reply not handed out yet, of any kind (accepted, result, error, cancelled,
        pong), or None on timeout; None as timeout waits for ever."""
        return self._collect(self._book.take_next, timeout)

    def wait(self, request_ids: Iterable[str], timeout: float = 120.0) -> Dict[str, Reply]:
        """The final reply (Result, ErrorReply or CancelledReply) of every id; TimeoutError if
        some are still missing after `timeout` seconds. Answers for other ids read meanwhile are
        kept for their own wait."""
        wanted = list(dict.fromkeys(request_ids))
        final: Dict[str, Reply] = {}

        def take() -> Optional[Dict[str, Reply]]:
            for request_id in wanted:
                if request_id not in final:
                    reply = self._book.take_final(request_id)
                    if reply is not None:
                        final[request_id] = reply
            return final if len(final) == len(wanted) else None

        if self._collect(take, timeout) is None:
            with self._book_lock:
                for request_id, reply in final.items():  # put back what was taken: nothing is lost
                    self._book.add_back(request_id, reply)
            raise TimeoutError(f"{len(wanted) - len(final)} of {len(wanted)} requests unanswered after {timeout} s")
        return final

    def result(self, request_id: str, timeout: float = 120.0) -> Result:
        """The Result of one submitted id; raises its typed MagnusError on an error reply,
        Cancelled when it was withdrawn, TimeoutError after `timeout`."""
        return _as_result(self.wait([request_id], timeout)[request_id], request_id)

    def call(self, application: str, instruction: str, input: str, timeout: float = 120.0,
             retry: Optional[RetryPolicy] = None, **options) -> Result:
        """Submits one request and returns its Result. Raises the typed MagnusError of an error
        reply, after retrying `overloaded` refusals with backoff (`retry`, default the
        client's); CoordinatorUnavailable when the submit is not acknowledged within
        `ack_timeout`; TimeoutError when no answer comes within `timeout` seconds in all."""
        policy = retry if retry is not None else self.retry
        delays = policy.delays()
        request_id = options.pop("request_id", None) or new_request_id()
        deadline = time.monotonic() + timeout
        while True:
            self.submit(application, instruction, input, request_id=request_id, **options)
            try:
                reply = self._final_of_submitted(request_id, deadline, timeout)
            except (TimeoutError, CoordinatorUnavailable):
                with self._book_lock:
                    self._book.abandon(request_id)  # an answer coming later is dropped, not kept
                raise
            if isinstance(reply, ErrorReply) and policy.applies_to(reply.code):
                delay = next(delays, None)
                if delay is not None and time.monotonic() + delay < deadline:
                    time.sleep(delay)
                    continue
            return _as_result(reply, request_id)

    def stream(self, application: str, instruction: str, input: str, timeout: float = 120.0,
               retry: Optional[RetryPolicy] = None, **options) -> Iterator[StreamPiece]:
        """Submits one request and yields its text as it is generated: a StreamPiece per new
        piece, the last one with the Result (whose `text` is the whole answer). Continuous
        workers report text as they go; on static workers the one piece is the whole answer.
        Errors, retries (only before any text) and timeouts as in `call`; leaving the loop
        early abandons the answer."""
        policy = retry if retry is not None else self.retry
        delays = policy.delays()
        request_id = options.pop("request_id", None) or new_request_id()
        deadline = time.monotonic() + timeout
        while True:
            self.submit(application, instruction, input, request_id=request_id, stream=True, **options)
            joiner = StreamedText()
            shown = False
            try:
                self._acknowledgement(request_id, deadline, timeout)
                while True:
                    reply = self._collect(lambda: self._book.take_streamed(request_id),
                                          max(deadline - time.monotonic(), 0))
                    if reply is None:
                        raise TimeoutError(f"request {request_id} unanswered after {timeout} s")
                    if isinstance(reply, Partial):
                        piece = joiner.add(reply)
                        if piece:
                            shown = True
                            yield StreamPiece(piece)
                        continue
                    break
            except (TimeoutError, CoordinatorUnavailable, GeneratorExit):
                with self._book_lock:
                    self._book.abandon(request_id)
                raise
            if isinstance(reply, ErrorReply) and policy.applies_to(reply.code) and not shown:
                delay = next(delays, None)
                if delay is not None and time.monotonic() + delay < deadline:
                    time.sleep(delay)
                    continue
            yield last_piece(joiner, _as_result(reply, request_id))
            return

    def _acknowledgement(self, request_id: str, deadline: float, timeout: float) -> None:
        """Waits for the coordinator to acknowledge (or answer) `request_id`: TimeoutError when
        the whole `timeout` runs out first, CoordinatorUnavailable after `ack_timeout`."""
        if self.ack_timeout is None:
            return
        wait_s = min(self.ack_timeout, max(deadline - time.monotonic(), 0))
        if self._collect(lambda: True if self._book.heard_of(request_id) else None, wait_s) is None:
            if wait_s < self.ack_timeout:
                raise TimeoutError(f"request {request_id} unanswered after {timeout} s")
            raise CoordinatorUnavailable(self.endpoint, self.ack_timeout, f"request {request_id} was not acknowledged")

    def _final_of_submitted(self, request_id: str, deadline: float, timeout: float) -> Reply:
        self._acknowledgement(request_id, deadline, timeout)
        return self.wait([request_id], max(deadline - time.monotonic(), 0))[request_id]


def _as_result(reply: Reply, request_id: str) -> Result:
    if isinstance(reply, Result):
        return reply
    if isinstance(reply, ErrorReply):
        raise reply.exception()
    if isinstance(reply, CancelledReply):
        raise Cancelled("cancelled", "the request was withdrawn by a cancel", request_id)
    raise MagnusError("unexpected_reply", f"a {reply.type!r} reply as final answer", request_id)
