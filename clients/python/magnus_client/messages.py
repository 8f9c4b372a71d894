"""The client side of protocol v1 (docs/protocol.md) as values: requests to bytes, replies to
dataclasses. Pure: no socket, no clock.

Replies are read leniently, as the protocol asks: unknown fields are kept in `.raw` and
otherwise ignored, missing ones take a neutral default. For code written against the older
dict-returning client, a reply also reads like the dict it came from (`reply["text"]`,
`reply.get("code")`, `reply["type"]`).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, Optional

from .errors import MagnusError

PROTOCOL_VERSION = 1


@dataclass
class Reply:
    """Any message from the coordinator on the client socket."""
    type: str = ""
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    #: The coordinator incarnation that sent the reply: random per coordinator start, so a
    #: change means the coordinator restarted (None from older coordinators).
    incarnation: Optional[str] = field(default=None, compare=False)

    @property
    def final(self) -> bool:
        """Whether this reply is the final answer of a request (result, error with an id,
        or a cancel that withdrew it)."""
        return False

    @property
    def request_id(self) -> Optional[str]:
        value = self.raw.get("id")
        return value if isinstance(value, str) else None

    # The dict view, for code written against the dict-returning client.
    def __getitem__(self, key: str) -> Any:
        return self.raw[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.raw.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self.raw

    def keys(self):
        return self.raw.keys()

    def __iter__(self) -> Iterator[str]:
        return iter(self.raw)


@dataclass
class Accepted(Reply):
    """The coordinator queued the request."""
    id: str = ""
    predicted_tokens: int = 0
    input_tokens: int = 0
    queue_position: int = 0
    queue_depth: int = 0


@dataclass
class Result(Reply):
    """A request's generated text: its final answer."""
    id: str = ""
    text: str = ""
    generated_tokens: int = 0
    input_tokens: int = 0
    predicted_tokens: int = 0
    worker: str = ""
    batch_id: int = 0
    queue_ms: float = 0.0
    response_ms: float = 0.0

    @property
    def final(self) -> bool:
        return True


@dataclass
class ErrorReply(Reply):
    """An error; with an id, that request's final answer (except `duplicate_id`, which refuses
    only the conflicting resubmission: the original request goes on)."""
    code: str = ""
    message: str = ""
    id: Optional[str] = None

    @property
    def final(self) -> bool:
        return self.id is not None

    def exception(self) -> MagnusError:
        """The typed exception for this error (MagnusError.from_code)."""
        return MagnusError.from_code(self.code, self.message, self.id)


@dataclass
class CancelledReply(Reply):
    """The answer to a cancel: final when `cancelled` is true."""
    id: str = ""
    cancelled: bool = False
    reason: Optional[str] = None

    @property
    def final(self) -> bool:
        return self.cancelled


@dataclass
class Pong(Reply):
    """The answer to a ping: the coordinator's uptime, queue, workers and drain state."""
    nonce: Optional[str] = None
    uptime: float = 0.0
    queue_depth: int = 0
    workers: int = 0
    draining: bool = False


@dataclass
class Partial(Reply):
    """New text of a running request whose submit asked to stream (`stream=True`): never final.
    `offset` is the UTF-8 length of the text sent before this piece; `StreamedText` joins the
    pieces and notices a missed one. The Result that ends the request carries the whole text."""
    id: str = ""
    text: str = ""
    offset: int = 0
    generated_tokens: int = 0


_TYPES = {"accepted": Accepted, "result": Result, "error": ErrorReply, "cancelled": CancelledReply,
          "pong": Pong, "partial": Partial}


def parse_reply(payload: bytes) -> Reply:
    """One reply from its JSON payload; raises ValueError when the payload is no JSON object."""
    message = json.loads(payload.decode("utf-8"))
    if not isinstance(message, dict):
        raise ValueError("a reply must be a JSON object")
    return reply_from_dict(message)


def reply_from_dict(message: Dict[str, Any]) -> Reply:
    kind = message.get("type")
    cls = _TYPES.get(kind, Reply) if isinstance(kind, str) else Reply
    known = {name for name in cls.__dataclass_fields__ if name not in ("type", "raw")}
    values = {name: message[name] for name in known if message.get(name) is not None}
    return cls(type=kind if isinstance(kind, str) else "", raw=message, **values)


def _encode(message: Dict[str, Any]) -> bytes:
    return json.dumps({"v": PROTOCOL_VERSION, **message}, ensure_ascii=False).encode("utf-8")


def submit_message(request_id: str, application: str, instruction: str, input: str,
                   input_tokens: Optional[int] = None, max_new_tokens: Optional[int] = None,
                   deadline_ms: Optional[int] = None, sim_output_tokens: Optional[int] = None,
                   stream: bool = False) -> bytes:
    message: Dict[str, Any] = {"type": "submit", "id": request_id, "application": application,
                               "instruction": instruction, "input": input}
    if stream:
        message["stream"] = True
    for name, value in (("input_tokens", input_tokens), ("max_new_tokens", max_new_tokens),
                        ("deadline_ms", deadline_ms), ("sim_output_tokens", sim_output_tokens)):
        if value is not None:
            message[name] = value
    return _encode(message)


def cancel_message(request_id: str) -> bytes:
    return _encode({"type": "cancel", "id": request_id})


def ping_message(nonce: str) -> bytes:
    return _encode({"type": "ping", "nonce": nonce})
