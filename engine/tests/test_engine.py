"""The engine's message handling in-process: budget check, allocation failures, refusals."""

import json

import pytest
import torch

from magnus_engine.engine import Engine, EngineSettings


def make_engine(tiny, **overrides) -> Engine:
    settings = dict(kv_budget_bytes=0, max_new_tokens_cap=32)
    settings.update(overrides)
    return Engine(tiny, EngineSettings(**settings))


def send(engine, message):
    reply, stop = engine.handle([json.dumps(message).encode()])
    assert reply["v"] == 1
    return reply, stop


def run_message(rows, batch_id="b1"):
    return {"v": 1, "type": "run", "batch_id": batch_id,
            "requests": [{"id": i, "prompt": p, "max_new_tokens": n} for i, (p, n) in enumerate(rows)]}


def test_run_result(tiny):
    engine = make_engine(tiny)
    reply, stop = send(engine, run_message([("hello", 5), ("a longer prompt", 3)]))
    assert not stop
    assert reply["type"] == "result" and reply["batch_id"] == "b1"
    assert [o["id"] for o in reply["outputs"]] == [0, 1]
    assert all(1 <= o["generated_tokens"] <= n for o, n in zip(reply["outputs"], (5, 3)))
    assert reply["padded_input_tokens"] == max(o["input_tokens"] for o in reply["outputs"])
    assert reply["wall_seconds"] > 0


def test_over_budget_is_refused_without_running(tiny, monkeypatch):
    engine = make_engine(tiny)
    message = run_message([("hello", 10), ("hi there", 20)])
    batch = engine.generator.prepare(["hello", "hi there"], [10, 20])
    required = tiny.geometry.batch_kv_bytes(2, batch.padded_input_tokens, 20)
    assert required == 2 * 2 * 2 * (batch.padded_input_tokens + 20) * 2 * 16 * 4

    def must_not_run(_batch):
        raise AssertionError("an over-budget batch must not run")

    engine = make_engine(tiny, kv_budget_bytes=required - 1)
    monkeypatch.setattr(engine.generator, "generate", must_not_run)
    reply, _ = send(engine, message)
    assert reply["type"] == "oom" and reply["reason"] == "kv_budget"
    assert reply["step"] == 0
    assert reply["required_bytes"] == required and reply["available_bytes"] == required - 1
    assert reply["batch_id"] == "b1"

    exact = make_engine(tiny, kv_budget_bytes=required)
    assert send(exact, message)[0]["type"] == "result"


@pytest.mark.parametrize("failure", [
    torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 MiB"),
    MemoryError(),
    RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to allocate 8212480 bytes"),
])
def test_allocation_failure_during_decoding_becomes_oom(tiny, monkeypatch, failure):
    engine = make_engine(tiny, kv_budget_bytes=10**9)

    def fail_at_step_3(_batch):
        engine.generator.step_counter.steps = 3
        raise failure

    monkeypatch.setattr(engine.generator, "generate", fail_at_step_3)
    reply, _ = send(engine, run_message([("hello", 10)], batch_id=42))
    assert reply["type"] == "oom" and reply["reason"] == "allocation"
    assert reply["step"] == 3 and reply["batch_id"] == 42
    assert reply["available_bytes"] == 10**9 and reply["required_bytes"] > 0
    monkeypatch.undo()
    assert send(engine, run_message([("hello", 2)]))[0]["type"] == "result"  # still serving


def test_other_failures_become_internal_errors(tiny, monkeypatch):
    engine = make_engine(tiny)

    def broken(_batch):
        raise RuntimeError("shape mismatch")

    monkeypatch.setattr(engine.generator, "generate", broken)
    reply, stop = send(engine, run_message([("hello", 2)]))
    assert reply == {"v": 1, "type": "error", "code": "internal", "message": "RuntimeError: shape mismatch"}
    assert not stop


def test_refusals(tiny):
    engine = make_engine(tiny, max_batch_size=2)
    reply, _ = send(engine, run_message([("a", 1)] * 3))
    assert reply["type"] == "error" and reply["code"] == "batch_too_large"
    reply, _ = send(engine, run_message([("a" * 5000, 1)]))  # the tiny model's context is 4096
    assert reply["type"] == "error" and reply["code"] == "context_too_long"
    reply, _ = send(engine, {"type": "dance"})
    assert reply["code"] == "unknown_type"
    reply, _ = send(engine, {"type": "run", "batch_id": 1, "requests": [{"id": 1}]})
    assert reply["code"] == "bad_message" and "prompt" in reply["message"]
    reply, stop = engine.handle([b"\x00garbage"])
    assert reply["code"] == "bad_json" and not stop


def test_hello_describes_the_model_and_budget(tiny):
    engine = make_engine(tiny, kv_budget_bytes=123456, memory_bytes=789)
    reply, _ = send(engine, {"type": "hello"})
    assert reply["type"] == "hello"
    assert (reply["layers"], reply["kv_heads"], reply["head_dim"], reply["bytes_per_value"]) == (2, 2, 16, 4)
    assert reply["kv_bytes_per_token"] == 2 * 2 * 2 * 16 * 4
    assert reply["kv_budget_bytes"] == 123456 and reply["memory_bytes"] == 789
    assert reply["device"] == "cpu" and reply["engine"] == "transformers"
    assert reply["max_new_tokens_cap"] == 32 and reply["protocol_versions"] == [1]


def test_count_tokens_and_shutdown(tiny):
    engine = make_engine(tiny)
    reply, _ = send(engine, {"type": "count_tokens", "texts": ["ab", "ü"]})
    assert reply == {"v": 1, "type": "token_counts", "counts": [2, 2], "chat": False}
    reply, stop = send(engine, {"type": "shutdown"})
    assert reply["type"] == "bye" and stop
