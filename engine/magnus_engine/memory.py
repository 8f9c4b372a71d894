"""KV-cache arithmetic, the per-batch budget check, and host memory helpers.

The budget check is the paper's memory model: a static batch of β rows, padded to L input
tokens and run for up to G new tokens, holds keys and values for β · (L + G) token slots in
every layer:

    KV bytes = 2 × layers × β × (L + G) × KV heads × head size × bytes per value

A batch whose KV bytes exceed the configured budget is refused before it runs.
"""

from __future__ import annotations

import os
import resource
from dataclasses import dataclass


@dataclass(frozen=True)
class KVGeometry:
    """The shape of one token's KV-cache entry."""

    layers: int
    kv_heads: int
    head_dim: int
    bytes_per_value: int

    @property
    def kv_bytes_per_token(self) -> int:
        """Δ: bytes of keys and values for one token over all layers."""
        return 2 * self.layers * self.kv_heads * self.head_dim * self.bytes_per_value

    def batch_kv_bytes(self, batch_size: int, padded_input_tokens: int, max_new_tokens: int) -> int:
        """KV bytes of a static batch: Δ × β × (L + G)."""
        return self.kv_bytes_per_token * batch_size * (padded_input_tokens + max_new_tokens)


@dataclass(frozen=True)
class BudgetDecision:
    """Outcome of the pre-run check."""

    fits: bool
    required_bytes: int
    available_bytes: int


def check_budget(geometry: KVGeometry, budget_bytes: int, batch_size: int,
                 padded_input_tokens: int, max_new_tokens: int) -> BudgetDecision:
    """Compares a batch's KV bytes with the budget (budget <= 0 means unlimited)."""
    required = geometry.batch_kv_bytes(batch_size, padded_input_tokens, max_new_tokens)
    fits = budget_bytes <= 0 or required <= budget_bytes
    return BudgetDecision(fits=fits, required_bytes=required, available_bytes=max(0, budget_bytes))


def _proc_kib(path: str, key: str) -> int | None:
    try:
        with open(path, encoding="ascii") as handle:
            for line in handle:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def host_memory_total() -> int:
    """Total RAM in bytes (0 when unknown)."""
    return _proc_kib("/proc/meminfo", "MemTotal") or 0


def host_memory_available() -> int:
    """RAM the kernel reports as available without swapping (0 when unknown)."""
    return _proc_kib("/proc/meminfo", "MemAvailable") or 0


def address_space_in_use() -> int:
    """This process's virtual address space (VmSize) in bytes (0 when unknown)."""
    return _proc_kib(f"/proc/{os.getpid()}/status", "VmSize") or 0


def limit_address_space(headroom_bytes: int) -> int:
    """Caps this process's address space at what it uses now plus ``headroom_bytes``.

    With RLIMIT_AS set, an allocation that would exceed the cap fails instead of growing the
    process until the kernel's OOM killer ends it: Python raises MemoryError, and torch's CPU
    allocator raises RuntimeError ("DefaultCPUAllocator: can't allocate memory ..."). The engine
    catches both and replies ``oom``. Call this after the model is loaded and warmed up, so that
    the threads and buffers torch creates once are already mapped. Returns the limit set.
    """
    limit = address_space_in_use() + int(headroom_bytes)
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    return limit


_ALLOCATION_FAILURE_TEXT = (
    "can't allocate memory",
    "cannot allocate memory",
    "out of memory",
    "not enough memory",
    "bad_alloc",
    "failed to allocate",
)


def is_allocation_failure(exc: BaseException) -> bool:
    """True for the errors an engine raises when memory runs out: torch.OutOfMemoryError
    (CUDA), MemoryError, and allocator RuntimeErrors on CPU."""
    if isinstance(exc, MemoryError):
        return True
    try:
        import torch

        if isinstance(exc, torch.OutOfMemoryError):
            return True
    except (ImportError, AttributeError):
        pass
    if isinstance(exc, RuntimeError):
        text = str(exc).lower()
        return any(fragment in text for fragment in _ALLOCATION_FAILURE_TEXT)
    return False
