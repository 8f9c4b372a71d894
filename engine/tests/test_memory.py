"""KV-cache arithmetic and the budget check."""

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from magnus_engine.memory import (
    KVGeometry,
    address_space_in_use,
    check_budget,
    is_allocation_failure,
)


def test_kv_bytes_follow_the_formula():
    # SmolLM2-135M in float32: 30 layers, 3 KV heads of size 64, 4 bytes per value.
    smollm2 = KVGeometry(layers=30, kv_heads=3, head_dim=64, bytes_per_value=4)
    assert smollm2.kv_bytes_per_token == 2 * 30 * 3 * 64 * 4 == 46_080
    # 2 × layers × β × (L + G) × KV heads × head size × bytes per value
    assert smollm2.batch_kv_bytes(8, 100, 156) == 2 * 30 * 8 * (100 + 156) * 3 * 64 * 4


def test_budget_check():
    geometry = KVGeometry(layers=2, kv_heads=2, head_dim=16, bytes_per_value=4)  # 512 B/token
    fits = check_budget(geometry, budget_bytes=512 * 4 * 20, batch_size=4, padded_input_tokens=10,
                        max_new_tokens=10)
    assert fits.fits and fits.required_bytes == 512 * 4 * 20
    over = check_budget(geometry, budget_bytes=512 * 4 * 20 - 1, batch_size=4, padded_input_tokens=10,
                        max_new_tokens=10)
    assert not over.fits and over.required_bytes == 40_960 and over.available_bytes == 40_959
    assert check_budget(geometry, 0, 1000, 1000, 1000).fits  # 0 = unlimited


def test_allocation_failures_are_recognised():
    assert is_allocation_failure(MemoryError())
    assert is_allocation_failure(torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2 GiB"))
    assert is_allocation_failure(RuntimeError("[enforce fail at alloc_cpu.cpp:127] DefaultCPUAllocator: "
                                              "can't allocate memory: you tried to allocate 8 bytes"))
    assert not is_allocation_failure(RuntimeError("shape mismatch"))
    assert not is_allocation_failure(ValueError("out of memory"))


def test_address_space_limit_turns_allocation_into_catchable_errors():
    """In a child process (the limit cannot be lifted again): with RLIMIT_AS set, a large torch
    allocation raises RuntimeError and a large Python one MemoryError; both are caught."""
    code = (
        "import torch, sys\n"
        "from magnus_engine.memory import limit_address_space, is_allocation_failure\n"
        "torch.zeros(1)\n"
        "limit_address_space(64 * 2**20)\n"
        "seen = []\n"
        "for make in (lambda: torch.empty(2**30, dtype=torch.float32), lambda: bytearray(2**31)):\n"
        "    try:\n"
        "        make()\n"
        "    except BaseException as exc:\n"
        "        seen.append((type(exc).__name__, is_allocation_failure(exc)))\n"
        "x = torch.ones(1000).sum().item()\n"
        "print(seen, x)\n"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            cwd=str(Path(__file__).resolve().parent.parent))
    assert output.returncode == 0, output.stderr
    assert output.stdout.strip() == "[('RuntimeError', True), ('MemoryError', True)] 1000.0"


def test_address_space_reading():
    assert address_space_in_use() > 10 * 2**20  # a Python process with torch maps far more


@pytest.mark.parametrize("batch_size", [1, 3])
def test_budget_scales_with_batch_size(batch_size):
    geometry = KVGeometry(layers=1, kv_heads=1, head_dim=1, bytes_per_value=2)
    assert geometry.batch_kv_bytes(batch_size, 5, 7) == 4 * batch_size * 12
