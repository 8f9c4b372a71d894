"""A Python client for the Magnus coordinator (protocol v1, docs/protocol.md).

Client services are rarely written in Swift; this package is what one needs: a DEALER socket
to the coordinator's client endpoint, JSON messages, idempotent resubmission by id, typed
replies and errors, retries of `overloaded`, a fast failure when nothing answers.

    from magnus_client import MagnusClient
    with MagnusClient("tcp://127.0.0.1:5555") as client:
        result = client.call("gec", "Correct the grammatical errors in the following sentence:",
                             "He go to school .")
        print(result.text, result.generated_tokens)

    from magnus_client import AsyncMagnusClient
    async with AsyncMagnusClient("tcp://127.0.0.1:5555") as client:
        result = await client.call("gec", "Correct the grammatical errors:", "He go to school .")
        async for piece in client.stream("chat", "", "Tell me a story."):  # text as it comes
            print(piece.text, end="", flush=True)

With a coordinator that authenticates clients (CurveZMQ, docs/operations.md), pass this
client's secret key file (from `magnus keygen`, mode 0600) and the coordinator's public key:

    MagnusClient("tcp://10.0.0.1:5555", curve_secret_key_file="keys/alice.key",
                 coordinator_key="keys/coordinator.pub")
"""
from .async_client import AsyncMagnusClient
from .endpoint import validate_endpoint
from .errors import (Cancelled, CoordinatorUnavailable, DeadlineExceeded, DuplicateId, EngineFault, InputTooLong,
                     InternalError, InvalidEndpoint, InvalidRequest, MagnusError, MalformedMessage, OutOfMemory,
                     Overloaded, PayloadTooLarge, ShuttingDown, UnknownType, UnsupportedVersion)
from .keys import read_public_key, read_secret_key
from .messages import PROTOCOL_VERSION, Accepted, CancelledReply, ErrorReply, Partial, Pong, Reply, Result
from .retry import NO_RETRY, RetryPolicy
from .streaming import StreamedText, StreamPiece
from .sync_client import MagnusClient, new_request_id

__version__ = "0.2.0"

__all__ = [
    "MagnusClient", "AsyncMagnusClient", "RetryPolicy", "NO_RETRY", "new_request_id", "validate_endpoint",
    "read_public_key", "read_secret_key", "PROTOCOL_VERSION",
    "Reply", "Accepted", "Result", "ErrorReply", "CancelledReply", "Pong", "Partial", "StreamPiece", "StreamedText",
    "MagnusError", "MalformedMessage", "UnsupportedVersion", "UnknownType", "PayloadTooLarge", "InvalidRequest",
    "InputTooLong", "DuplicateId", "Overloaded", "ShuttingDown", "DeadlineExceeded", "OutOfMemory", "EngineFault",
    "Cancelled", "InternalError", "CoordinatorUnavailable", "InvalidEndpoint",
]
