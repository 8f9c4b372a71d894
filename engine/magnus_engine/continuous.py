"""Continuous (iteration-level) batching on transformers' own ``ContinuousBatchingManager``.

With ``--continuous`` the engine keeps one paged KV cache and one generation loop (the
library's background thread) for the whole process. ``cb_add`` puts requests into the loop at
any time; the loop admits them between decoding steps, runs every admitted request one token
per step, and retires each one as soon as it emits EOS or reaches its own ``max_new_tokens``,
so no request waits for a longer one. ``cb_poll`` collects what happened since the last poll
(first token, progress, end, failure) and ``cb_cancel`` drops requests.

Prompts are rendered and tokenised exactly as for static batches (``BatchGenerator``), decoding
is greedy with the same stopping rules, and a finished request's text is decoded by the same
code, so a request gives the text a single-request ``run`` gives.

Threads: the manager's generation thread runs the model; a collector thread owned by this
class turns the manager's streamed outputs into events as they arrive (so ``after_s`` is
exact and the streamed token lists never pile up); the server's REP thread adds, polls and
cancels. The tokenizer is only used on the REP thread. One condition variable guards the
request table and the pending events.

If the generation loop dies (an allocation failure in a step, or any other exception), the
library fails every request it holds; each gets a ``failed`` event (``out_of_memory`` when the
loop's error was an allocation failure, else ``internal``) and the collector starts the loop
again, so the engine keeps serving. docs/real-engine.md describes the messages.
"""

from __future__ import annotations

import math
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any, Sequence

import torch

from .generation import BatchGenerator
from .memory import is_allocation_failure
from .protocol import (
    ErrorCode,
    ProtocolError,
    RowRequest,
    failed_event,
    finished_event,
    first_token_event,
    progress_event,
)

PROGRESS_EVERY_TOKENS = 16  # at most one progress event per request per this many tokens
ADD_WAIT_SECONDS = 30.0  # how long cb_add waits for a restarting generation loop


@dataclass(frozen=True)
class ContinuousSettings:
    """How the continuous mode is sized (``--max-running``, ``--block-size``, ``--kv-blocks``,
    ``--max-batch-tokens``)."""

    max_running: int = 16  # requests decoded together in one step (the library's max_requests_per_batch)
    block_size: int = 32  # tokens per KV block (the library's page_size)
    kv_blocks: int = 0  # blocks in the paged KV cache; 0 = derive (see default_kv_blocks)
    max_batch_tokens: int = 512  # tokens one forward pass may hold; longer prefills are split


def default_kv_blocks(kv_bytes_per_token: int, budget_bytes: int, settings: ContinuousSettings,
                      max_new_tokens_cap: int, max_context_tokens: int) -> int:
    """The cache size when ``--kv-blocks`` is not given: room for ``max_running`` requests of
    up to twice the new-token cap each (within the model's context), but no more than the KV
    budget Θ holds (when one is set). The paged cache is allocated in full at start, so it is
    not simply sized to Θ, which on CPU defaults to half the RAM."""
    per_request = 2 * max_new_tokens_cap
    if max_context_tokens:
        per_request = min(per_request, max_context_tokens)
    wanted = math.ceil(settings.max_running * per_request / settings.block_size)
    if budget_bytes > 0:
        wanted = min(wanted, budget_bytes // (kv_bytes_per_token * settings.block_size))
    return max(1, wanted)


@dataclass
class _Tracked:
    """One request the engine holds, from ``cb_add`` until its last event is polled."""

    id: Any  # the client's id
    key: str  # the library's request id
    input_tokens: int  # rendered prompt + continuation
    limit: int  # max new tokens after the cap
    continuation_ids: list[int]
    added_at: float
    first_token_seen: bool = False
    preemptions: int = 0  # times the library took its KV blocks back (it re-prefills it later)
    next_progress: int = PROGRESS_EVERY_TOKENS
    ended: bool = False  # its finished or failed event is queued


@dataclass
class _Pending:
    """An event not yet polled. A finished request's text is decoded when it is polled (on the
    REP thread, which owns the tokenizer), from ``tokens``."""

    request: _Tracked
    event: dict[str, Any] | None = None
    tokens: list[int] = field(default_factory=list)
    wall_seconds: float = 0.0
    progress: bool = False  # a progress event, its text decoded from ``tokens`` when polled


class ContinuousBatcher:
    """The continuous mode of one engine: the library's manager, its paged cache and the
    request table. Not thread-safe for several callers: one REP thread calls ``add``,
    ``poll``, ``cancel``, ``paused`` and ``close``."""

    def __init__(self, generator: BatchGenerator, settings: ContinuousSettings, kv_blocks: int,
                 seed: int = 0) -> None:
        from transformers.generation.configuration_utils import ContinuousBatchingConfig

        self.generator = generator
        self.settings = settings
        loaded = generator.loaded
        config = ContinuousBatchingConfig(
            page_size=settings.block_size, num_blocks=kv_blocks, max_batch_tokens=settings.max_batch_tokens,
            max_requests_per_batch=settings.max_running, scheduler_type="fifo",
            # Exclusive blocks: each request's KV is its own, as the memory model counts it.
            allow_block_sharing=False,
            # Keep the model's attention implementation, which static batches use as well.
            auto_switch_to_flash=False,
            seed=seed,
        )
        self._manager = loaded.model.init_continuous_batching(
            generation_config=generator.greedy_config(generator.max_new_tokens_cap),
            continuous_batching_config=config,
        )
        # warmup() creates the paged cache now (on CPU it runs nothing), so its size is known
        # before the first request and an allocation failure happens at start.
        self._manager.warmup()
        cache = self._manager.batch_processor.cache
        self.block_size = settings.block_size
        self.kv_blocks = int(cache.num_blocks)
        self.kv_capacity_tokens = self.kv_blocks * self.block_size
        self.max_running = int(self._manager.continuous_batching_config.max_requests_per_batch)
        self.max_batch_tokens = int(cache.max_batch_tokens)
        self._block_bytes = loaded.geometry.kv_bytes_per_token * self.block_size
        self._eos_ids = list(loaded.eos_token_ids)

        self._cond = threading.Condition()
        self._requests: dict[Any, _Tracked] = {}  # by client id, until the last event is polled
        self._by_key: dict[str, _Tracked] = {}  # by library id, until the request ends
        self._pending: list[_Pending] = []
        self._counter = 0
        self._closing = False
        self.restarts = 0
        self._count_preemptions(self._manager.batch_processor)
        self._start_loop()
        self._collector = threading.Thread(target=self._collect, name="magnus-cb-collector", daemon=True)
        self._collector.start()

    # Messages

    def add(self, rows: Sequence[RowRequest]) -> tuple[list[Any], int, int]:
        """Admits ``rows`` (all or none are refused: an id already held, a request longer than
        the model's context or than the whole KV cache). Returns the ids and the running and
        waiting counts. Cost: one tokenizer pass over the rows."""
        generator = self.generator
        encoded, continuation_ids = generator.encode_prompts([r.prompt for r in rows],
                                                             [r.continuation for r in rows])
        limits = [generator.capped(r.max_new_tokens) for r in rows]
        context = generator.loaded.max_context_tokens
        for index, (ids, limit) in enumerate(zip(encoded, limits)):
            where = f"requests[{index}]"
            if not ids:
                raise ProtocolError(ErrorCode.BAD_MESSAGE, f'{where}."prompt" gives no tokens to start from')
            if context and len(ids) + limit > context:
                raise ProtocolError(
                    ErrorCode.CONTEXT_TOO_LONG,
                    f"{where}: input {len(ids)} + max new tokens {limit} exceeds the model's context of "
                    f"{context} tokens")
            if math.ceil((len(ids) + limit) / self.block_size) > self.kv_blocks:
                raise ProtocolError(
                    ErrorCode.CONTEXT_TOO_LONG,
                    f"{where}: input {len(ids)} + max new tokens {limit} exceeds the continuous KV cache of "
                    f"{self.kv_capacity_tokens} tokens ({self.kv_blocks} blocks of {self.block_size})")
        with self._cond:
            for index, row in enumerate(rows):
                if row.id in self._requests:
                    raise ProtocolError(ErrorCode.BAD_MESSAGE,
                                        f'requests[{index}]."id" {row.id!r} is already in the continuous batch')
            self._wait_until_accepting()
            now = time.perf_counter()
            for row, ids, limit, context_ids in zip(rows, encoded, limits, continuation_ids):
                self._counter += 1
                tracked = _Tracked(id=row.id, key=f"magnus-{self._counter}", input_tokens=len(ids), limit=limit,
                                   continuation_ids=context_ids, added_at=now)
                self._requests[row.id] = tracked
                self._by_key[tracked.key] = tracked
                added = self._manager.add_request(ids, request_id=tracked.key, max_new_tokens=limit,
                                                  streaming=True, eos_token_id=self._eos_ids)
                if added is None:  # the loop stopped between the check and the add
                    self._end(tracked, failed_event(row.id, ErrorCode.INTERNAL,
                                                    "the generation loop stopped before the request was queued; "
                                                    "add it again"))
            running, waiting = self._counts()
        return [r.id for r in rows], running, waiting

    def poll(self, wait_ms: int) -> tuple[list[dict[str, Any]], int, int, int]:
        """Waits up to ``wait_ms`` for at least one event; returns the events since the last
        poll, the running and waiting counts, and the KV tokens in use. Cost: O(events) plus
        one decode per finished request."""
        deadline = time.monotonic() + wait_ms / 1000.0
        with self._cond:
            while not self._pending:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            pending, self._pending = self._pending, []
            for item in pending:
                if item.request.ended and self._requests.get(item.request.id) is item.request:
                    is_last = item.event is None or item.event.get("event") == "failed"
                    if is_last:
                        del self._requests[item.request.id]
            running, waiting = self._counts()
        events = [self._materialise(item) for item in pending]
        return events, running, waiting, self.kv_used_tokens()

    def cancel(self, ids: Sequence[Any]) -> tuple[list[Any], list[Any]]:
        """Drops requests (running, waiting, or ended but not yet polled) with their unpolled
        events. Returns the ids dropped and those not held. Cost: O(ids × pending events)."""
        cancelled: list[Any] = []
        unknown: list[Any] = []
        with self._cond:
            for request_id in ids:
                tracked = self._requests.pop(request_id, None)
                if tracked is None:
                    if request_id not in cancelled and request_id not in unknown:
                        unknown.append(request_id)
                    continue
                if not tracked.ended:
                    self._by_key.pop(tracked.key, None)
                    tracked.ended = True
                    self._manager.cancel_request(tracked.key)
                self._pending = [item for item in self._pending if item.request is not tracked]
                cancelled.append(request_id)
        return cancelled, unknown

    def paused(self) -> ExitStack:
        """A context in which the generation loop is paused between two steps, so the caller
        can use the model (a static ``run``); requests keep their cache and resume after."""
        stack = ExitStack()
        if self._manager.is_running():
            try:
                stack.enter_context(self._manager.pause())
            except RuntimeError:
                pass  # the loop stopped meanwhile: nothing to pause
        return stack

    def kv_used_tokens(self) -> int:
        """Tokens' worth of KV blocks allocated to requests (block granularity). O(1)."""
        processor = self._manager.batch_processor
        if processor is None:
            return 0
        free_blocks = int(processor.cache.compute_free_capacity(relative=False)) // self._block_bytes
        return max(0, self.kv_blocks - free_blocks) * self.block_size

    def describe(self) -> dict[str, int]:
        """The ``continuous`` object of ``hello``."""
        return {"kv_capacity_tokens": self.kv_capacity_tokens, "block_size": self.block_size,
                "max_running": self.max_running, "max_batch_tokens": self.max_batch_tokens}

    def close(self) -> None:
        """Stops the collector and the generation loop (at the end of the current step).
        Idempotent."""
        with self._cond:
            if self._closing:
                return
            self._closing = True
            self._cond.notify_all()
        self._collector.join(timeout=10)
        self._manager.stop(block=True, timeout=30, hard_stop=True)
        self._manager.destroy()

    # The generation loop and its outputs (collector thread)

    def _start_loop(self) -> None:
        """Starts the library's generation thread from a daemon thread, so that it is a daemon
        too (threads inherit the flag): a process that exits without ``close`` (a signal during
        start-up) does not hang on it. The loop runs in the starter's inference mode."""

        failures: list[BaseException] = []

        def start() -> None:
            try:
                with torch.inference_mode():
                    self._manager.start()
            except BaseException as exc:  # noqa: BLE001 - re-raised in the calling thread
                failures.append(exc)

        if threading.current_thread().daemon:
            start()
        else:
            starter = threading.Thread(target=start, name="magnus-cb-starter", daemon=True)
            starter.start()
            starter.join()
        if failures:
            raise failures[0]

    def _accepting(self) -> bool:
        status = self._manager.background_thread_status
        return self._manager.is_running() and status.can_accept_new_requests() is None

    def _wait_until_accepting(self) -> None:
        """Called with the lock held: waits while the collector restarts a dead loop."""
        deadline = time.monotonic() + ADD_WAIT_SECONDS
        while not self._accepting():
            remaining = deadline - time.monotonic()
            if self._closing or remaining <= 0:
                raise ProtocolError(ErrorCode.INTERNAL, "the continuous generation loop is not running")
            self._cond.wait(min(0.05, remaining))

    def _loop_died(self) -> bool:
        from transformers.generation.continuous_batching.continuous_api import BackgroundThreadStatus

        status = self._manager.background_thread_status
        return (status.fatal_error is not None or status.local_status >= BackgroundThreadStatus.HARD_STOP
                or not self._manager.is_running())

    def _collect(self) -> None:
        from transformers.generation.continuous_batching import RequestStatus

        while not self._closing:
            output = self._manager.get_result(timeout=0.1)
            if self._closing:
                return
            if output is None:
                if self._loop_died():
                    self._recover([])
                continue
            if output.status == RequestStatus.FAILED and self._loop_died():
                self._recover([output])
                continue
            self._on_output(output, None)

    def _recover(self, outputs: list[Any]) -> None:
        """The generation loop died: wait for its thread, fail what it held (with its error),
        and start it again."""
        self._manager.join(time.perf_counter(), timeout=60)
        fatal = self._manager.background_thread_status.fatal_error
        while (output := self._manager.get_result(timeout=0)) is not None:
            outputs.append(output)
        for output in outputs:
            self._on_output(output, fatal)
        with self._cond:
            for tracked in list(self._by_key.values()):
                self._end(tracked, failed_event(tracked.id, ErrorCode.INTERNAL,
                                                "the generation loop stopped before this request ended"))
            if self._closing:
                return
            self._start_loop()
            self.restarts += 1
            self._cond.notify_all()

    def _on_output(self, output: Any, fatal: BaseException | None) -> None:
        """One streamed output of the library (after every token, and at the end)."""
        from transformers.generation.continuous_batching import RequestStatus

        now = time.perf_counter()
        with self._cond:
            tracked = self._by_key.get(output.request_id)
            if tracked is None:  # cancelled, or already ended
                return
            if output.status == RequestStatus.FAILED:
                if fatal is not None:
                    code = ErrorCode.OUT_OF_MEMORY if is_allocation_failure(fatal) else ErrorCode.INTERNAL
                    message = f"{type(fatal).__name__}: {fatal}"
                else:
                    code, message = ErrorCode.INTERNAL, output.error or "the request failed"
                self._end(tracked, failed_event(tracked.id, code, message))
                return
            tokens = output.generated_tokens
            count = len(tokens)
            if count and not tracked.first_token_seen:
                tracked.first_token_seen = True
                self._queue(_Pending(tracked, first_token_event(tracked.id, now - tracked.added_at)))
            if output.status == RequestStatus.FINISHED:
                self._by_key.pop(tracked.key, None)
                tracked.ended = True
                self._queue(_Pending(tracked, tokens=list(tokens), wall_seconds=now - tracked.added_at))
            elif count >= tracked.next_progress:
                tracked.next_progress = (count // PROGRESS_EVERY_TOKENS + 1) * PROGRESS_EVERY_TOKENS
                self._queue(_Pending(tracked, tokens=list(tokens), progress=True))

    def _count_preemptions(self, processor: Any) -> None:
        """Counts, per request, the library's preemptions: when the cache is full its offloading
        manager frees the blocks of some running requests and puts them back in the queue with
        their generated tokens appended to the prompt ("soft reset"). The requests that leave
        the active set during ``offload_requests`` are the preempted ones. (The batch processor,
        and so this hook, survives loop restarts.)"""
        offloading = processor.offloading_manager
        scheduler = processor.scheduler
        offload = offloading.offload_requests

        def offload_and_count() -> bool:
            before = set(scheduler.active_requests)
            result = offload()
            preempted = before.difference(scheduler.active_requests)
            if preempted:
                with self._cond:
                    for key in preempted:
                        tracked = self._by_key.get(key)
                        if tracked is not None:
                            tracked.preemptions += 1
            return result

        offloading.offload_requests = offload_and_count

    # Helpers (called with the lock held, except _materialise)

    def _queue(self, item: _Pending) -> None:
        self._pending.append(item)
        self._cond.notify_all()

    def _end(self, tracked: _Tracked, event: dict[str, Any]) -> None:
        self._by_key.pop(tracked.key, None)
        tracked.ended = True
        self._queue(_Pending(tracked, event))

    def _counts(self) -> tuple[int, int]:
        """Running (holding KV blocks in the loop) and waiting requests. O(requests)."""
        processor = self._manager.batch_processor
        active = processor.scheduler.active_requests if processor is not None else {}
        running = sum(1 for key in list(self._by_key) if key in active)
        return running, len(self._by_key) - running

    def _materialise(self, item: _Pending) -> dict[str, Any]:
        if item.event is not None:
            return item.event
        tracked = item.request
        row = self.generator.row_result(item.tokens, tracked.limit, tracked.continuation_ids, tracked.input_tokens)
        if item.progress:
            # The text so far, decoded like a finished row's (a character cut at the end held
            # back), so that the coordinator can stream it to clients that asked.
            return progress_event(tracked.id, len(item.tokens), row.text)
        return finished_event(tracked.id, row.text, row.generated_tokens, row.finish_reason == "eos",
                              tracked.input_tokens, item.wall_seconds, tracked.preemptions)
