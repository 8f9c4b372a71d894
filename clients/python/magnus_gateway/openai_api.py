"""The OpenAI API as Magnus requests: request bodies to jobs, results to response bodies,
Magnus error codes to HTTP statuses. Pure: no I/O, no clock (times come in as arguments).

Mapping (docs/http-gateway.md):
- `model` names a served model, which maps to a Magnus application; the `magnus_application`
  extension field overrides the application;
- completions: `prompt` (a string, or a list of strings: one request each) is the input; the
  instruction is empty unless the `magnus_instruction` extension field gives one;
- chat: the last message must be the user's and is the input; the system (and developer)
  messages, then the earlier turns as "User: ..." / "Assistant: ..." lines, make the
  instruction;
- `max_tokens` (or `max_completion_tokens`) is `max_new_tokens`; `magnus_deadline_ms` is
  `deadline_ms`; sampling fields (temperature, top_p, stop, seed, ...) are accepted and
  ignored: today's engines decode greedily;
- usage: prompt_tokens = the request's input_tokens, completion_tokens = generated_tokens.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from magnus_client import Result

MAX_PROMPTS = 32


class GatewayError(Exception):
    """An error answered as OpenAI-style error JSON with an HTTP status."""

    def __init__(self, status: int, code: str, message: str, type: str = "invalid_request_error",
                 param: Optional[str] = None, headers: Optional[Dict[str, str]] = None):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.type = type
        self.param = param
        self.headers = headers or {}

    def body(self) -> Dict[str, Any]:
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}


def invalid(message: str, param: Optional[str] = None) -> GatewayError:
    return GatewayError(400, "invalid_request", message, param=param)


#: Magnus error code -> (HTTP status, OpenAI error type, Retry-After seconds or None)
MAGNUS_ERRORS: Dict[str, Tuple[int, str, Optional[int]]] = {
    "overloaded": (429, "rate_limit_error", 1),
    "input_too_long": (400, "invalid_request_error", None),
    "invalid_request": (400, "invalid_request_error", None),
    "out_of_memory": (400, "invalid_request_error", None),
    "payload_too_large": (413, "invalid_request_error", None),
    "duplicate_id": (409, "conflict_error", None),
    "cancelled": (409, "conflict_error", None),
    "deadline_exceeded": (504, "timeout_error", None),
    "shutting_down": (503, "service_unavailable_error", 5),
    "engine_fault": (502, "server_error", None),
    "internal_error": (500, "server_error", None),
    "malformed_message": (502, "server_error", None),
    "unsupported_version": (502, "server_error", None),
    "unknown_type": (502, "server_error", None),
}


def error_for_code(code: str, message: str) -> GatewayError:
    """The HTTP error for a Magnus error reply; an unknown code is a 502 that keeps the code."""
    status, kind, retry_after = MAGNUS_ERRORS.get(code, (502, "server_error", None))
    if code == "duplicate_id":
        message = f"{message} (an Idempotency-Key was reused with a different request)"
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    return GatewayError(status, code, message, type=kind, headers=headers)


@dataclass
class Job:
    """One Magnus request made from an HTTP request."""
    application: str
    instruction: str
    input: str
    max_new_tokens: Optional[int] = None
    deadline_ms: Optional[int] = None
    request_id: str = ""


@dataclass
class ParsedRequest:
    """A completion or chat request, read and checked."""
    kind: str                      # "completion" or "chat"
    model: str
    jobs: List[Job]
    stream: bool = False
    include_usage: bool = False
    max_new_tokens: Optional[int] = None
    extra: Dict[str, Any] = field(default_factory=dict)


def _positive_int(body: Mapping[str, Any], name: str) -> Optional[int]:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise invalid(f"'{name}' must be a positive integer", name)
    return value


def _common(body: Any, models: Mapping[str, str]) -> Tuple[str, str, Optional[int], Optional[int], bool, bool]:
    if not isinstance(body, dict):
        raise invalid("the request body must be a JSON object")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise invalid("'model' is required (one of GET /v1/models)", "model")
    if model not in models:
        raise GatewayError(404, "model_not_found", f"the model '{model}' does not exist; served: "
                           + ", ".join(models), param="model")
    application = body.get("magnus_application")
    if application is None:
        application = models[model]
    elif not isinstance(application, str) or not application:
        raise invalid("'magnus_application' must be a non-empty string", "magnus_application")
    max_new_tokens = _positive_int(body, "max_tokens")
    if max_new_tokens is None:
        max_new_tokens = _positive_int(body, "max_completion_tokens")
    deadline_ms = _positive_int(body, "magnus_deadline_ms")
    n = body.get("n")
    if n is not None and n != 1:
        raise invalid("'n' other than 1 is not supported (the engines decode greedily)", "n")
    stream = body.get("stream", False)
    if stream is None:
        stream = False
    if not isinstance(stream, bool):
        raise invalid("'stream' must be a boolean", "stream")
    options = body.get("stream_options") or {}
    if not isinstance(options, dict):
        raise invalid("'stream_options' must be an object", "stream_options")
    include_usage = bool(options.get("include_usage", False))
    return model, application, max_new_tokens, deadline_ms, stream, include_usage


def parse_completion(body: Any, models: Mapping[str, str]) -> ParsedRequest:
    """A `POST /v1/completions` body."""
    model, application, max_new_tokens, deadline_ms, stream, include_usage = _common(body, models)
    prompt = body.get("prompt")
    if isinstance(prompt, str):
        prompts = [prompt]
    elif isinstance(prompt, list) and prompt and all(isinstance(item, str) for item in prompt):
        prompts = list(prompt)
    elif isinstance(prompt, list) and prompt and all(isinstance(item, (int, list)) for item in prompt):
        raise invalid("token-id prompts are not supported: send text", "prompt")
    else:
        raise invalid("'prompt' must be a string or a non-empty list of strings", "prompt")
    if len(prompts) > MAX_PROMPTS:
        raise invalid(f"at most {MAX_PROMPTS} prompts per request", "prompt")
    if stream and len(prompts) > 1:
        raise invalid("streaming supports one prompt per request", "prompt")
    for name in ("echo", "logprobs", "suffix"):
        if body.get(name) not in (None, False):
            raise invalid(f"'{name}' is not supported", name)
    best_of = body.get("best_of")
    if best_of not in (None, 1):
        raise invalid("'best_of' other than 1 is not supported", "best_of")
    instruction = body.get("magnus_instruction", "")
    if not isinstance(instruction, str):
        raise invalid("'magnus_instruction' must be a string", "magnus_instruction")
    jobs = [Job(application, instruction, text, max_new_tokens, deadline_ms) for text in prompts]
    return ParsedRequest("completion", model, jobs, stream, include_usage, max_new_tokens)


def _content_text(message: Mapping[str, Any], index: int) -> str:
    content = message.get("content")
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str):
                parts.append(part["text"])
            else:
                raise invalid(f"messages[{index}]: only text content parts are supported", "messages")
        return "".join(parts)
    raise invalid(f"messages[{index}].content must be a string or a list of text parts", "messages")


_SYSTEM_ROLES = ("system", "developer")
_TURN_NAMES = {"user": "User", "assistant": "Assistant", "tool": "Tool", "function": "Tool"}


def chat_prompt(messages: Any) -> Tuple[str, str]:
    """(instruction, input) from chat messages: the input is the last (user) message; the
    instruction is the system messages, then the earlier turns, one "Role: text" line each."""
    if not isinstance(messages, list) or not messages:
        raise invalid("'messages' must be a non-empty list", "messages")
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or not isinstance(message.get("role"), str):
            raise invalid(f"messages[{index}] must be an object with a 'role'", "messages")
        if message["role"] not in _SYSTEM_ROLES and message["role"] not in _TURN_NAMES:
            raise invalid(f"messages[{index}]: unknown role '{message['role']}'", "messages")
    last = messages[-1]
    if last["role"] != "user":
        raise invalid("the last message must be the user's", "messages")
    system = [_content_text(message, index) for index, message in enumerate(messages[:-1])
              if message["role"] in _SYSTEM_ROLES]
    turns = [f"{_TURN_NAMES[message['role']]}: {_content_text(message, index)}"
             for index, message in enumerate(messages[:-1]) if message["role"] not in _SYSTEM_ROLES]
    sections = [text for text in system if text]
    if turns:
        sections.append("\n".join(turns))
    return "\n\n".join(sections), _content_text(last, len(messages) - 1)


def parse_chat(body: Any, models: Mapping[str, str]) -> ParsedRequest:
    """A `POST /v1/chat/completions` body."""
    model, application, max_new_tokens, deadline_ms, stream, include_usage = _common(body, models)
    instruction, text = chat_prompt(body.get("messages"))
    for name in ("tools", "functions", "logprobs"):
        if body.get(name) not in (None, False, []):
            raise invalid(f"'{name}' is not supported", name)
    return ParsedRequest("chat", model, [Job(application, instruction, text, max_new_tokens, deadline_ms)],
                         stream, include_usage, max_new_tokens)


# Request ids ---------------------------------------------------------------------------

def request_ids(count: int, idempotency_key: Optional[str], tenant: str, fresh: str) -> List[str]:
    """The Magnus ids of a request's jobs. With an Idempotency-Key they derive from it (and the
    caller's API key, so that two tenants' keys never meet), so a retry reaches the same
    requests and the coordinator answers it from them; without one they derive from `fresh`."""
    if idempotency_key is not None:
        if not idempotency_key or len(idempotency_key.encode()) > 255:
            raise invalid("the Idempotency-Key header must be 1 to 255 bytes", "Idempotency-Key")
        digest = hashlib.sha256(f"{tenant}\0{idempotency_key}".encode()).hexdigest()[:32]
        base = f"idem-{digest}"
    else:
        base = f"http-{fresh}"
    return [base] if count == 1 else [f"{base}-{index}" for index in range(count)]


# Responses -----------------------------------------------------------------------------

def finish_reason(result: Result, max_new_tokens: Optional[int]) -> str:
    """"length" when the answer used all the tokens it was allowed (known only when the caller
    set max_tokens), else "stop"."""
    return "length" if max_new_tokens is not None and result.generated_tokens >= max_new_tokens else "stop"


def usage(results: Sequence[Result]) -> Dict[str, int]:
    prompt = sum(result.input_tokens for result in results)
    completion = sum(result.generated_tokens for result in results)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def magnus_details(results: Sequence[Result]) -> List[Dict[str, Any]]:
    """The extension field `magnus`: where and how each request ran."""
    return [{"request_id": result.id, "worker": result.worker, "batch_id": result.batch_id,
             "predicted_tokens": result.predicted_tokens, "queue_ms": result.queue_ms,
             "response_ms": result.response_ms} for result in results]


def response_id(request: ParsedRequest, request_id: str) -> str:
    return ("chatcmpl-" if request.kind == "chat" else "cmpl-") + request_id


def completion_body(request: ParsedRequest, results: Sequence[Result], created: int) -> Dict[str, Any]:
    """The non-streaming answer: a `text_completion` or a `chat.completion` object."""
    first_id = request.jobs[0].request_id
    if request.kind == "chat":
        result = results[0]
        choices = [{"index": 0, "message": {"role": "assistant", "content": result.text},
                    "finish_reason": finish_reason(result, request.max_new_tokens), "logprobs": None}]
        kind = "chat.completion"
    else:
        choices = [{"index": index, "text": result.text, "logprobs": None,
                    "finish_reason": finish_reason(result, request.max_new_tokens)}
                   for index, result in enumerate(results)]
        kind = "text_completion"
    return {"id": response_id(request, first_id), "object": kind, "created": created, "model": request.model,
            "choices": choices, "usage": usage(results), "system_fingerprint": None,
            "magnus": magnus_details(results)}


def stream_chunk(request: ParsedRequest, created: int, text: str, result: Optional[Result],
                 first: bool) -> Dict[str, Any]:
    """One server-sent event's data: `text` is the new text since the previous chunk; the
    chunk that carries the finished `result` says why it finished."""
    reason = finish_reason(result, request.max_new_tokens) if result is not None else None
    if request.kind == "chat":
        delta: Dict[str, Any] = {"content": text}
        if first:
            delta = {"role": "assistant", "content": text}
        choice = {"index": 0, "delta": delta, "finish_reason": reason, "logprobs": None}
        kind = "chat.completion.chunk"
    else:
        choice = {"index": 0, "text": text, "finish_reason": reason, "logprobs": None}
        kind = "text_completion"
    chunk = {"id": response_id(request, request.jobs[0].request_id), "object": kind, "created": created,
             "model": request.model, "choices": [choice]}
    if request.include_usage:
        chunk["usage"] = None
    return chunk


def usage_chunk(request: ParsedRequest, created: int, result: Result) -> Dict[str, Any]:
    """The last chunk when `stream_options.include_usage` is set: no choices, the usage."""
    kind = "chat.completion.chunk" if request.kind == "chat" else "text_completion"
    return {"id": response_id(request, request.jobs[0].request_id), "object": kind, "created": created,
            "model": request.model, "choices": [], "usage": usage([result]), "magnus": magnus_details([result])}


def models_body(models: Mapping[str, str], created: int) -> Dict[str, Any]:
    return {"object": "list", "data": [model_body(name, created) for name in models]}


def model_body(name: str, created: int) -> Dict[str, Any]:
    return {"id": name, "object": "model", "created": created, "owned_by": "magnus"}
