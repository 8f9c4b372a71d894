"""The engine: turns decoded protocol messages into replies (no sockets here).

``Engine.handle(frames)`` is the whole behaviour of the server for one message; the server
module only moves frames between the socket and this method. Every failure becomes a reply:
malformed or refused requests an ``error``, a batch that does not fit an ``oom``. With
``start_continuous`` the engine also serves ``cb_add``, ``cb_poll`` and ``cb_cancel`` (see
``continuous``); ``close`` stops that mode's threads.
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass
from typing import Any

import torch

from . import __version__
from .continuous import ContinuousBatcher, ContinuousSettings, default_kv_blocks
from .generation import BatchGenerator
from .memory import check_budget, host_memory_total, is_allocation_failure
from .models import LoadedModel
from .protocol import (
    PROTOCOL_VERSION,
    ErrorCode,
    ProtocolError,
    cb_added_reply,
    cb_cancelled_reply,
    cb_events_reply,
    decode,
    error_reply,
    oom_reply,
    parse_cb_add,
    parse_cb_cancel,
    parse_cb_poll,
    parse_count_tokens,
    parse_run,
    result_reply,
)

CONTINUOUS_TYPES = ("cb_add", "cb_poll", "cb_cancel")


@dataclass
class EngineSettings:
    kv_budget_bytes: int  # Θ; <= 0 means unlimited
    max_new_tokens_cap: int
    max_batch_size: int = 0  # 0 = no limit
    use_chat_template: bool = True
    memory_bytes: int = 0  # total device (or host) memory, for hello
    address_space_limit_bytes: int = 0  # RLIMIT_AS set at start (0 = none)
    address_space_headroom_bytes: int = 0  # what the RLIMIT_AS left free at start

    @property
    def available_bytes(self) -> int:
        """What an ``oom`` reply reports as available: the KV budget, or when none is set the
        address-space headroom (0 when neither is set)."""
        if self.kv_budget_bytes > 0:
            return self.kv_budget_bytes
        return max(0, self.address_space_headroom_bytes)


class Engine:
    """One loaded model plus the settings it serves with."""

    def __init__(self, loaded: LoadedModel, settings: EngineSettings) -> None:
        self.loaded = loaded
        self.settings = settings
        self.generator = BatchGenerator(loaded, use_chat_template=settings.use_chat_template,
                                        max_new_tokens_cap=settings.max_new_tokens_cap)
        self.batches_run = 0
        self.continuous: ContinuousBatcher | None = None

    def start_continuous(self, settings: ContinuousSettings, seed: int = 0) -> ContinuousBatcher:
        """Allocates the paged KV cache and starts the continuous generation loop (``--continuous``).
        ``settings.kv_blocks`` 0 sizes the cache with ``default_kv_blocks`` from the KV budget."""
        kv_blocks = settings.kv_blocks or default_kv_blocks(
            self.loaded.geometry.kv_bytes_per_token, self.settings.kv_budget_bytes, settings,
            self.generator.max_new_tokens_cap, self.loaded.max_context_tokens)
        self.continuous = ContinuousBatcher(self.generator, settings, kv_blocks, seed=seed)
        return self.continuous

    def close(self) -> None:
        """Stops the continuous mode's threads, if started. Idempotent."""
        if self.continuous is not None:
            self.continuous.close()

    # Dispatch

    def handle(self, frames: list[bytes]) -> tuple[dict[str, Any], bool]:
        """The reply to one received message, and whether the server should stop after it."""
        try:
            message = decode(frames)
            kind = message["type"]
            if kind == "run":
                return self.run(message), False
            if kind == "hello":
                return self.hello(), False
            if kind == "count_tokens":
                return self.count_tokens(message), False
            if kind in CONTINUOUS_TYPES:
                return self.handle_continuous(kind, message), False
            if kind == "shutdown":
                return {"v": PROTOCOL_VERSION, "type": "bye"}, True
            raise ProtocolError(ErrorCode.UNKNOWN_TYPE,
                                f"unknown message type {kind!r} (hello, run, count_tokens, cb_add, cb_poll, "
                                f"cb_cancel, shutdown)")
        except ProtocolError as exc:
            return error_reply(exc.code, exc.message), False
        except Exception as exc:  # noqa: BLE001 - the server must answer and keep serving
            if is_allocation_failure(exc):
                self._release_memory()
                return error_reply(ErrorCode.OUT_OF_MEMORY, f"allocation failed: {exc}"), False
            return error_reply(ErrorCode.INTERNAL, f"{type(exc).__name__}: {exc}"), False

    # Messages

    def hello(self) -> dict[str, Any]:
        loaded = self.loaded
        geometry = loaded.geometry
        device = loaded.device
        gpu = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
        return {
            "v": PROTOCOL_VERSION,
            "type": "hello",
            "protocol_versions": [PROTOCOL_VERSION],
            "engine": "transformers",
            "engine_version": __version__,
            "model": loaded.display_name,
            "model_source": loaded.name,
            "device": device.type,
            "gpu": gpu,
            "dtype": str(loaded.model.dtype).replace("torch.", ""),
            "layers": geometry.layers,
            "kv_heads": geometry.kv_heads,
            "head_dim": geometry.head_dim,
            "bytes_per_value": geometry.bytes_per_value,
            "kv_bytes_per_token": geometry.kv_bytes_per_token,
            "memory_bytes": self.settings.memory_bytes,
            "kv_budget_bytes": max(0, self.settings.kv_budget_bytes),
            "address_space_limit_bytes": self.settings.address_space_limit_bytes,
            "max_new_tokens_cap": self.generator.max_new_tokens_cap,
            "max_batch_size": self.settings.max_batch_size,
            "max_context_tokens": loaded.max_context_tokens,
            "chat_template": self.generator.use_chat_template,
            "eos_token_ids": list(loaded.eos_token_ids),
            # rows may carry a continuation (bounded decoding) and report finish_reason
            "continuation": True,
            **({"continuous": self.continuous.describe()} if self.continuous is not None else {}),
        }

    def count_tokens(self, message: dict[str, Any]) -> dict[str, Any]:
        request = parse_count_tokens(message)
        counts = self.generator.count_tokens(request.texts, chat=request.chat)
        return {"v": PROTOCOL_VERSION, "type": "token_counts", "counts": counts, "chat": request.chat}

    def handle_continuous(self, kind: str, message: dict[str, Any]) -> dict[str, Any]:
        """``cb_add``, ``cb_poll`` and ``cb_cancel``; refused unless started with ``--continuous``."""
        batcher = self.continuous
        if batcher is None:
            raise ProtocolError(ErrorCode.UNKNOWN_TYPE,
                                f"{kind!r} needs an engine started with --continuous")
        if kind == "cb_add":
            ids, running, waiting = batcher.add(parse_cb_add(message).rows)
            return cb_added_reply(ids, running, waiting)
        if kind == "cb_poll":
            events, running, waiting, kv_used = batcher.poll(parse_cb_poll(message).wait_ms)
            return cb_events_reply(events, running, waiting, kv_used, batcher.kv_capacity_tokens)
        cancelled, unknown = batcher.cancel(parse_cb_cancel(message).ids)
        return cb_cancelled_reply(cancelled, unknown)

    def run(self, message: dict[str, Any]) -> dict[str, Any]:
        if self.continuous is not None:
            # The continuous loop shares the model: pause it between two steps for the batch.
            with self.continuous.paused():
                return self._run(message)
        return self._run(message)

    def _run(self, message: dict[str, Any]) -> dict[str, Any]:
        request = parse_run(message)
        started = time.perf_counter()
        rows = request.rows
        limit = self.settings.max_batch_size
        if limit > 0 and len(rows) > limit:
            raise ProtocolError(ErrorCode.BATCH_TOO_LARGE,
                                f"batch of {len(rows)} rows exceeds --max-batch-size {limit}")
        try:
            batch = self.generator.prepare([r.prompt for r in rows], [r.max_new_tokens for r in rows],
                                           [r.continuation for r in rows])
        except Exception as exc:
            if is_allocation_failure(exc):
                self._release_memory()
                return oom_reply(request.batch_id, 0, 0, self.settings.available_bytes,
                                 time.perf_counter() - started, "allocation", str(exc))
            raise
        context = self.loaded.max_context_tokens
        if context and batch.padded_input_tokens + batch.max_new_tokens > context:
            raise ProtocolError(
                ErrorCode.CONTEXT_TOO_LONG,
                f"padded input {batch.padded_input_tokens} + max new tokens {batch.max_new_tokens} "
                f"exceeds the model's context of {context} tokens",
            )
        decision = check_budget(self.loaded.geometry, self.settings.kv_budget_bytes, batch.batch_size,
                                batch.padded_input_tokens, batch.max_new_tokens)
        if not decision.fits:
            return oom_reply(request.batch_id, 0, decision.required_bytes, decision.available_bytes,
                             time.perf_counter() - started, "kv_budget")
        try:
            result = self.generator.generate(batch)
        except Exception as exc:
            if not is_allocation_failure(exc):
                raise
            step = self.generator.step_counter.steps
            self._release_memory()
            return oom_reply(request.batch_id, step, decision.required_bytes, self.settings.available_bytes,
                             time.perf_counter() - started, "allocation", f"{type(exc).__name__}: {exc}")
        self.batches_run += 1
        outputs = [
            {"id": row.id, "text": out.text, "generated_tokens": out.generated_tokens,
             "input_tokens": out.input_tokens, "finish_reason": out.finish_reason}
            for row, out in zip(rows, result.rows)
        ]
        return result_reply(request.batch_id, outputs, time.perf_counter() - started,
                            result.padded_input_tokens, result.generated_max)

    def _release_memory(self) -> None:
        gc.collect()
        if self.loaded.device.type == "cuda":
            torch.cuda.empty_cache()


def default_memory_bytes(device: torch.device) -> int:
    """Total memory of the device the model runs on (host RAM for CPU)."""
    if device.type == "cuda":
        return int(torch.cuda.get_device_properties(device).total_memory)
    return host_memory_total()
