"""Wire protocol between a Magnus worker and the engine server: parsing and replies.

Every message is one ZeroMQ frame holding one UTF-8 JSON object. Requests carry ``"v": 1``
(a request without ``"v"`` is read as version 1; any other version is refused) and a
``"type"``. Every reply carries ``"v": 1`` and a ``"type"``. This module is pure: no torch, no
sockets, so it can be tested and reused without a model. docs/real-engine.md documents the
messages with examples.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

PROTOCOL_VERSION = 1
CB_POLL_MAX_WAIT_MS = 5000  # the longest a cb_poll may wait for an event


class ErrorCode:
    """Stable error codes of ``{"type": "error"}`` replies (new codes may be added)."""

    BAD_JSON = "bad_json"  # not one UTF-8 JSON object in one frame
    BAD_MESSAGE = "bad_message"  # a field is missing or has the wrong type or value
    UNSUPPORTED_VERSION = "unsupported_version"  # "v" is not 1
    UNKNOWN_TYPE = "unknown_type"  # "type" is not one the engine knows
    BATCH_TOO_LARGE = "batch_too_large"  # more rows than --max-batch-size
    CONTEXT_TOO_LONG = "context_too_long"  # padded input + new tokens exceed the model's context
    OUT_OF_MEMORY = "out_of_memory"  # an allocation failed outside a batch run
    INTERNAL = "internal"  # anything else; the engine keeps serving


class ProtocolError(Exception):
    """A request the engine refuses; becomes an ``error`` reply with ``code``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class RowRequest:
    """One request of a batch: its id (echoed back), the prompt, its own token limit and,
    for a request the coordinator continues after a capped batch, the text generated so far
    (the model resumes after it)."""

    id: Any
    prompt: str
    max_new_tokens: int
    continuation: str = ""


@dataclass(frozen=True)
class RunRequest:
    """A ``run`` message: a static batch to generate."""

    batch_id: Any
    rows: tuple[RowRequest, ...]


@dataclass(frozen=True)
class CountTokensRequest:
    """A ``count_tokens`` message. ``chat`` counts the prompt as the engine would feed it
    (chat template applied) instead of the bare text."""

    texts: tuple[str, ...]
    chat: bool = False


@dataclass(frozen=True)
class CbAddRequest:
    """A ``cb_add`` message: requests to admit to the continuous batch (ids not already there)."""

    rows: tuple[RowRequest, ...]


@dataclass(frozen=True)
class CbPollRequest:
    """A ``cb_poll`` message: wait up to ``wait_ms`` for at least one event."""

    wait_ms: int


@dataclass(frozen=True)
class CbCancelRequest:
    """A ``cb_cancel`` message: drop these requests (running or waiting)."""

    ids: tuple[Any, ...]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_id(value: Any) -> bool:
    """Ids and batch ids are echoed back verbatim: a string or an integer."""
    return isinstance(value, str) or _is_int(value)


def decode(frames: list[bytes]) -> dict[str, Any]:
    """Parses one received message (a list of frames) into a JSON object.

    Raises ProtocolError for anything that is not exactly one frame with a JSON object of a
    supported version.
    """
    if len(frames) != 1:
        raise ProtocolError(ErrorCode.BAD_JSON, f"expected one frame, got {len(frames)}")
    try:
        message = json.loads(frames[0].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ProtocolError(ErrorCode.BAD_JSON, f"not valid UTF-8 JSON: {exc}") from None
    if not isinstance(message, dict):
        raise ProtocolError(ErrorCode.BAD_JSON, "the message must be a JSON object")
    version = message.get("v", PROTOCOL_VERSION)
    if not _is_int(version) or version != PROTOCOL_VERSION:
        raise ProtocolError(
            ErrorCode.UNSUPPORTED_VERSION,
            f"protocol version {version!r} is not supported (this engine speaks {PROTOCOL_VERSION})",
        )
    kind = message.get("type")
    if not isinstance(kind, str):
        raise ProtocolError(ErrorCode.BAD_MESSAGE, 'missing string field "type"')
    return message


def _parse_rows(requests: Any, scope: str) -> tuple[RowRequest, ...]:
    """Validates the ``requests`` list of a ``run`` or ``cb_add`` message: a non-empty list of
    objects with a unique id, a prompt, ``max_new_tokens`` >= 1 and an optional continuation.
    ``scope`` names what the ids must be unique in. Cost: O(rows)."""
    if not isinstance(requests, list) or not requests:
        raise ProtocolError(ErrorCode.BAD_MESSAGE, '"requests" must be a non-empty list')
    rows = []
    seen = set()
    for index, item in enumerate(requests):
        where = f"requests[{index}]"
        if not isinstance(item, dict):
            raise ProtocolError(ErrorCode.BAD_MESSAGE, f"{where} must be an object")
        row_id = item.get("id")
        if not _is_id(row_id):
            raise ProtocolError(ErrorCode.BAD_MESSAGE, f'{where}."id" must be a string or an integer')
        if row_id in seen:
            raise ProtocolError(ErrorCode.BAD_MESSAGE, f'{where}."id" {row_id!r} appears twice in the {scope}')
        seen.add(row_id)
        prompt = item.get("prompt")
        if not isinstance(prompt, str):
            raise ProtocolError(ErrorCode.BAD_MESSAGE, f'{where}."prompt" must be a string')
        limit = item.get("max_new_tokens")
        if not _is_int(limit) or limit < 1:
            raise ProtocolError(ErrorCode.BAD_MESSAGE, f'{where}."max_new_tokens" must be an integer >= 1')
        continuation = item.get("continuation", "")
        if continuation is None:
            continuation = ""
        if not isinstance(continuation, str):
            raise ProtocolError(ErrorCode.BAD_MESSAGE, f'{where}."continuation" must be a string')
        rows.append(RowRequest(id=row_id, prompt=prompt, max_new_tokens=limit, continuation=continuation))
    return tuple(rows)


def parse_run(message: dict[str, Any]) -> RunRequest:
    """Validates a ``run`` message; raises ProtocolError naming the offending field."""
    batch_id = message.get("batch_id")
    if not _is_id(batch_id):
        raise ProtocolError(ErrorCode.BAD_MESSAGE, '"batch_id" must be a string or an integer')
    return RunRequest(batch_id=batch_id, rows=_parse_rows(message.get("requests"), "batch"))


def parse_cb_add(message: dict[str, Any]) -> CbAddRequest:
    """Validates a ``cb_add`` message (its requests are checked as a ``run``'s rows are)."""
    return CbAddRequest(rows=_parse_rows(message.get("requests"), "message"))


def parse_cb_poll(message: dict[str, Any]) -> CbPollRequest:
    """Validates a ``cb_poll`` message."""
    wait_ms = message.get("wait_ms")
    if not _is_int(wait_ms) or not 0 <= wait_ms <= CB_POLL_MAX_WAIT_MS:
        raise ProtocolError(ErrorCode.BAD_MESSAGE,
                            f'"wait_ms" must be an integer from 0 to {CB_POLL_MAX_WAIT_MS}')
    return CbPollRequest(wait_ms=wait_ms)


def parse_cb_cancel(message: dict[str, Any]) -> CbCancelRequest:
    """Validates a ``cb_cancel`` message."""
    ids = message.get("ids")
    if not isinstance(ids, list) or not ids:
        raise ProtocolError(ErrorCode.BAD_MESSAGE, '"ids" must be a non-empty list')
    for index, value in enumerate(ids):
        if not _is_id(value):
            raise ProtocolError(ErrorCode.BAD_MESSAGE, f'ids[{index}] must be a string or an integer')
    return CbCancelRequest(ids=tuple(ids))


def parse_count_tokens(message: dict[str, Any]) -> CountTokensRequest:
    """Validates a ``count_tokens`` message."""
    texts = message.get("texts")
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        raise ProtocolError(ErrorCode.BAD_MESSAGE, '"texts" must be a list of strings')
    chat = message.get("chat", False)
    if not isinstance(chat, bool):
        raise ProtocolError(ErrorCode.BAD_MESSAGE, '"chat" must be true or false')
    return CountTokensRequest(texts=tuple(texts), chat=chat)


def _seconds(value: float) -> float:
    return round(float(value), 6) if math.isfinite(value) else 0.0


def result_reply(batch_id: Any, outputs: list[dict[str, Any]], wall_seconds: float,
                 padded_input_tokens: int, generated_max: int) -> dict[str, Any]:
    """The reply to a completed ``run``; ``outputs`` are in batch order."""
    return {
        "v": PROTOCOL_VERSION,
        "type": "result",
        "batch_id": batch_id,
        "outputs": outputs,
        "wall_seconds": _seconds(wall_seconds),
        "padded_input_tokens": int(padded_input_tokens),
        "generated_max": int(generated_max),
    }


def oom_reply(batch_id: Any, step: int, required_bytes: int, available_bytes: int,
              wall_seconds: float, reason: str, message: str = "") -> dict[str, Any]:
    """The reply to a ``run`` that did not fit: ``reason`` is ``kv_budget`` (refused before
    running, ``step`` 0) or ``allocation`` (the engine's own allocation failed at decoding
    step ``step``, 0 = prefill)."""
    reply = {
        "v": PROTOCOL_VERSION,
        "type": "oom",
        "batch_id": batch_id,
        "step": int(step),
        "required_bytes": int(required_bytes),
        "available_bytes": int(available_bytes),
        "wall_seconds": _seconds(wall_seconds),
        "reason": reason,
    }
    if message:
        reply["message"] = message
    return reply


def cb_added_reply(ids: list[Any], running: int, waiting: int) -> dict[str, Any]:
    """The reply to an accepted ``cb_add``: the ids admitted, in message order, and the
    continuous batch's request counts just after."""
    return {"v": PROTOCOL_VERSION, "type": "cb_added", "ids": list(ids),
            "running": int(running), "waiting": int(waiting)}


def cb_events_reply(events: list[dict[str, Any]], running: int, waiting: int,
                    kv_used_tokens: int, kv_capacity_tokens: int) -> dict[str, Any]:
    """The reply to a ``cb_poll``: the events since the last poll, in the order they happened,
    and the state of the continuous batch and its KV cache."""
    return {"v": PROTOCOL_VERSION, "type": "cb_events", "events": events,
            "running": int(running), "waiting": int(waiting),
            "kv_used_tokens": int(kv_used_tokens), "kv_capacity_tokens": int(kv_capacity_tokens)}


def cb_cancelled_reply(ids: list[Any], unknown_ids: list[Any]) -> dict[str, Any]:
    """The reply to a ``cb_cancel``: the ids dropped, and those the engine did not hold."""
    return {"v": PROTOCOL_VERSION, "type": "cb_cancelled", "ids": list(ids), "unknown_ids": list(unknown_ids)}


def first_token_event(request_id: Any, after_s: float) -> dict[str, Any]:
    """A request's first generated token, ``after_s`` seconds after its ``cb_add``."""
    return {"event": "first_token", "id": request_id, "after_s": _seconds(after_s)}


def progress_event(request_id: Any, generated_tokens: int, text: str | None = None) -> dict[str, Any]:
    """A running request has generated ``generated_tokens`` tokens so far, and ``text`` (when
    given) is their decoded text, which the worker forwards for streaming clients."""
    event: dict[str, Any] = {"event": "progress", "id": request_id, "generated_tokens": int(generated_tokens)}
    if text is not None:
        event["text"] = text
    return event


def finished_event(request_id: Any, text: str, generated_tokens: int, eos: bool,
                   input_tokens_seen: int, wall_seconds: float, preemptions: int = 0) -> dict[str, Any]:
    """A request that ended: ``finished`` is true when it emitted EOS, false when it stopped at
    its ``max_new_tokens``; ``finish_reason`` says the same in the words of ``run``'s outputs;
    ``preemptions`` counts the times the engine took its KV cache back and recomputed it."""
    return {"event": "finished", "id": request_id, "text": text, "generated_tokens": int(generated_tokens),
            "finished": bool(eos), "finish_reason": "eos" if eos else "length",
            "input_tokens_seen": int(input_tokens_seen), "wall_seconds": _seconds(wall_seconds),
            "preemptions": int(preemptions)}


def failed_event(request_id: Any, code: str, message: str) -> dict[str, Any]:
    """A request the engine could not finish: ``code`` is ``out_of_memory`` or ``internal``."""
    return {"event": "failed", "id": request_id, "code": code, "message": message}


def error_reply(code: str, message: str) -> dict[str, Any]:
    """The reply to a request the engine refused or failed on; the engine keeps serving."""
    return {"v": PROTOCOL_VERSION, "type": "error", "code": code, "message": message}


def encode(reply: dict[str, Any]) -> bytes:
    """Serialises a reply to one frame (compact UTF-8 JSON, non-ASCII kept as is)."""
    return json.dumps(reply, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
