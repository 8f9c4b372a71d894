"""Typed errors: one exception class per stable error code of docs/protocol.md.

Every error reply of the coordinator becomes a `MagnusError` (or a subclass chosen by its code);
a code this client does not know yet is still a plain `MagnusError` with that `.code`, so new
codes on the coordinator never break a caller.

    try:
        client.call("gec", instruction, text)
    except Overloaded:        # the queue is full: retry later (call() already retried)
        ...
    except MagnusError as error:
        print(error.code, error.message)
"""
from __future__ import annotations

from typing import Dict, Optional, Type


class MagnusError(Exception):
    """An explicit error reply from the coordinator, with its stable code."""

    #: The code this class stands for (None on the base class: any code).
    CODE: Optional[str] = None
    #: Whether the same request may succeed if sent again later, unchanged.
    RETRYABLE = False

    def __init__(self, code: str, message: str = "", request_id: Optional[str] = None):
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.message = message
        self.request_id = request_id

    @staticmethod
    def from_code(code: str, message: str = "", request_id: Optional[str] = None) -> "MagnusError":
        """The exception for `code`: its subclass when the code is known, else MagnusError."""
        return _BY_CODE.get(code, MagnusError)(code, message, request_id)


class MalformedMessage(MagnusError):
    """The coordinator could not read a message (a bug in the sender)."""
    CODE = "malformed_message"


class UnsupportedVersion(MagnusError):
    """The message's protocol version is not one the coordinator speaks."""
    CODE = "unsupported_version"


class UnknownType(MagnusError):
    """The message's type is not valid on the client socket."""
    CODE = "unknown_type"


class PayloadTooLarge(MagnusError):
    """The message exceeds the coordinator's max_payload_bytes."""
    CODE = "payload_too_large"


class InvalidRequest(MagnusError):
    """An empty or too long id or application, or a number out of range."""
    CODE = "invalid_request"


class InputTooLong(MagnusError):
    """The input exceeds the coordinator's input limits or the KV cache: do not retry as is."""
    CODE = "input_too_long"


class DuplicateId(MagnusError):
    """The id is already used by a request with different content (that one goes on)."""
    CODE = "duplicate_id"


class Overloaded(MagnusError):
    """The queue is full, or this connection has too many requests pending: retry with backoff."""
    CODE = "overloaded"
    RETRYABLE = True


class ShuttingDown(MagnusError):
    """The coordinator is draining: retry elsewhere or later."""
    CODE = "shutting_down"
    RETRYABLE = True


class DeadlineExceeded(MagnusError):
    """Forecast to miss its deadline (refused at once), or still queued when it passed."""
    CODE = "deadline_exceeded"


class OutOfMemory(MagnusError):
    """The request ran out of GPU memory alone in its batch: shorten it."""
    CODE = "out_of_memory"


class EngineFault(MagnusError):
    """The request's batch failed on the engines too many times."""
    CODE = "engine_fault"
    RETRYABLE = True


class Cancelled(MagnusError):
    """The request was withdrawn by a cancel before it ran."""
    CODE = "cancelled"


class InternalError(MagnusError):
    """A bug in the coordinator."""
    CODE = "internal_error"


_BY_CODE: Dict[str, Type[MagnusError]] = {
    cls.CODE: cls for cls in (
        MalformedMessage, UnsupportedVersion, UnknownType, PayloadTooLarge, InvalidRequest, InputTooLong,
        DuplicateId, Overloaded, ShuttingDown, DeadlineExceeded, OutOfMemory, EngineFault, Cancelled,
        InternalError)
}


class CoordinatorUnavailable(ConnectionError):
    """Nothing answered at the endpoint in time (a client-side condition, not a coordinator code).

    ZeroMQ connects lazily and queues messages for a peer that is not there, so without this
    check a client pointed at the wrong port would only notice at its request timeout."""

    def __init__(self, endpoint: str, waited_s: float, detail: str = ""):
        text = f"no coordinator answering at {endpoint} (nothing heard within {waited_s:g} s)"
        if detail:
            text += f"; {detail}"
        super().__init__(text)
        self.endpoint = endpoint


class InvalidEndpoint(ValueError):
    """An endpoint that is not a ZeroMQ address (tcp://HOST:PORT, ipc://PATH, inproc://NAME)."""
