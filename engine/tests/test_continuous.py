"""The continuous mode in-process with the tiny random Llama: requests joining and leaving a
running batch give what single-request static runs give; events, counts, refusals,
cancellation, preemption under a full cache, and a failing generation loop."""

import json
import time

import pytest
import torch

from magnus_engine.continuous import ContinuousSettings, default_kv_blocks
from magnus_engine.engine import Engine, EngineSettings

PROMPTS = [
    "Translate the following English text into Chinese: The cat sat on the mat.",
    "Hi",
    "Fix the bugs in the following code: int f(int x) { return x + ; }",
    "Rewrite politely: go away",
]


@pytest.fixture
def make_engine(tiny):
    """Engines with the continuous mode started; every one is closed at the end of the test."""
    engines = []

    def make(cap=64, **continuous):
        engine = Engine(tiny, EngineSettings(kv_budget_bytes=0, max_new_tokens_cap=cap))
        engine.start_continuous(ContinuousSettings(**{"kv_blocks": 64, "block_size": 16, **continuous}))
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.close()


def send(engine, message):
    reply, stop = engine.handle([json.dumps(message).encode()])
    assert reply["v"] == 1 and not stop
    return reply


def try_add(engine, rows):
    """rows: (id, prompt, max_new_tokens[, continuation])."""
    requests = [{"id": r[0], "prompt": r[1], "max_new_tokens": r[2], **({"continuation": r[3]} if len(r) > 3 else {})}
                for r in rows]
    return send(engine, {"v": 1, "type": "cb_add", "requests": requests})


def add(engine, rows):
    reply = try_add(engine, rows)
    assert reply["type"] == "cb_added", reply
    return reply


def poll_until_ended(engine, ids, timeout=60.0, events=None):
    """Polls until every id has a finished or failed event; returns all events seen and the
    last reply."""
    events = [] if events is None else events
    ended = {e["id"] for e in events if e["event"] in ("finished", "failed")}
    deadline = time.monotonic() + timeout
    reply = None
    while not set(ids) <= ended:
        assert time.monotonic() < deadline, f"not ended: {set(ids) - ended}; events {events}"
        reply = send(engine, {"v": 1, "type": "cb_poll", "wait_ms": 500})
        assert reply["type"] == "cb_events", reply
        events.extend(reply["events"])
        ended |= {e["id"] for e in reply["events"] if e["event"] in ("finished", "failed")}
    return events, reply


def single_run(engine, prompt, limit, continuation=""):
    row = {"id": 0, "prompt": prompt, "max_new_tokens": limit}
    if continuation:
        row["continuation"] = continuation
    reply = send(engine, {"v": 1, "type": "run", "batch_id": "alone", "requests": [row]})
    assert reply["type"] == "result", reply
    return reply["outputs"][0]


def finished_by_id(events):
    return {e["id"]: e for e in events if e["event"] == "finished"}


def test_requests_added_at_different_times_equal_single_runs(make_engine):
    engine = make_engine(max_running=4)
    limits = [40, 7, 33, 40]
    first = add(engine, [("a", PROMPTS[0], limits[0]), ("b", PROMPTS[1], limits[1])])
    assert first["type"] == "cb_added" and first["ids"] == ["a", "b"]
    assert first["running"] + first["waiting"] == 2
    events = []
    # add the others while the first ones are decoding
    while not any(e["event"] == "first_token" and e["id"] == "a" for e in events):
        events.extend(send(engine, {"type": "cb_poll", "wait_ms": 500})["events"])
    assert add(engine, [(3, PROMPTS[2], limits[2])])["ids"] == [3]
    events.extend(send(engine, {"type": "cb_poll", "wait_ms": 100})["events"])
    assert add(engine, [("d", PROMPTS[3], limits[3])])["ids"] == ["d"]
    events, last = poll_until_ended(engine, ["a", "b", 3, "d"], events=events)

    finished = finished_by_id(events)
    for request_id, prompt, limit in zip(["a", "b", 3, "d"], PROMPTS, limits):
        alone = single_run(engine, prompt, limit)
        got = finished[request_id]
        assert got["text"] == alone["text"], request_id
        assert got["generated_tokens"] == alone["generated_tokens"]
        assert got["input_tokens_seen"] == alone["input_tokens"]
        assert got["finished"] == (alone["finish_reason"] == "eos")
        assert got["finish_reason"] == alone["finish_reason"]
        assert got["wall_seconds"] > 0 and got["preemptions"] == 0

    # event order and pacing per request: first_token, progress every >= 16 tokens, finished
    for request_id in ["a", "b", 3, "d"]:
        own = [e for e in events if e["id"] == request_id]
        assert own[0]["event"] == "first_token" and own[0]["after_s"] > 0
        assert own[-1]["event"] == "finished"
        progress = [e["generated_tokens"] for e in own if e["event"] == "progress"]
        assert all(b - a >= 16 for a, b in zip([0] + progress, progress))
        assert progress == [n for n in (16, 32) if n < own[-1]["generated_tokens"]]
        # each progress carries the text so far: growing, and a prefix of the final text
        texts = [e["text"] for e in own if e["event"] == "progress"]
        assert all(finished[request_id]["text"].startswith(text) for text in texts), request_id
        assert all(len(a) <= len(b) for a, b in zip(texts, texts[1:]))
        assert [e["event"] for e in own].count("first_token") == 1
    assert last["running"] == last["waiting"] == 0
    idle = send(engine, {"type": "cb_poll", "wait_ms": 0})
    assert idle["events"] == [] and idle["kv_used_tokens"] == 0
    assert idle["kv_capacity_tokens"] == 64 * 16


def test_a_continuation_resumes_where_it_stopped(make_engine):
    engine = make_engine()
    start = single_run(engine, PROMPTS[0], 12)
    assert start["finish_reason"] == "length"
    add(engine, [("rest", PROMPTS[0], 18, start["text"])])
    events, _ = poll_until_ended(engine, ["rest"])
    rest = finished_by_id(events)["rest"]
    alone = single_run(engine, PROMPTS[0], 18, start["text"])
    assert rest["text"] == alone["text"] and rest["generated_tokens"] == alone["generated_tokens"]
    assert rest["input_tokens_seen"] == alone["input_tokens"] > start["generated_tokens"]


def test_the_cap_applies(make_engine):
    engine = make_engine(cap=9)
    add(engine, [("x", PROMPTS[0], 500)])
    events, _ = poll_until_ended(engine, ["x"])
    assert finished_by_id(events)["x"]["generated_tokens"] <= 9


def test_refusals_name_the_request(make_engine):
    engine = make_engine(kv_blocks=8, block_size=16)  # 128 tokens
    add(engine, [("busy", PROMPTS[0], 40)])
    reply = try_add(engine, [("new", PROMPTS[1], 5), ("busy", PROMPTS[1], 5)])
    assert reply["type"] == "error" and reply["code"] == "bad_message"
    assert 'requests[1]."id"' in reply["message"] and "already" in reply["message"]
    reply = try_add(engine, [("dup", "x", 1), ("dup", "y", 1)])
    assert reply["code"] == "bad_message" and "twice" in reply["message"]
    reply = try_add(engine, [("big", "word " * 30, 100)])  # > 128 tokens of cache
    assert reply["code"] == "context_too_long" and "requests[0]" in reply["message"]
    assert "128 tokens" in reply["message"]
    reply = try_add(engine, [("huge", "a" * 5000, 4)])  # > the tiny model's 4096-token context
    assert reply["code"] == "context_too_long" and "context" in reply["message"]
    # nothing of a refused message was admitted: only "busy" runs, and "new" is free
    events, _ = poll_until_ended(engine, ["busy"])
    assert {e["id"] for e in events} == {"busy"}
    # an id is free again once its last event has been polled
    add(engine, [("busy", PROMPTS[1], 3)])
    poll_until_ended(engine, ["busy"])


def test_cancel_drops_running_and_waiting_requests(make_engine):
    engine = make_engine(max_running=1)
    add(engine, [("long", PROMPTS[0], 60), ("queued", PROMPTS[1], 60)])
    events = []
    while not any(e["event"] == "first_token" for e in events):
        events.extend(send(engine, {"type": "cb_poll", "wait_ms": 500})["events"])
    assert {e["id"] for e in events} == {"long"}  # one running at a time
    reply = send(engine, {"type": "cb_cancel", "ids": ["queued", "long", "never-added"]})
    assert reply == {"v": 1, "type": "cb_cancelled", "ids": ["queued", "long"], "unknown_ids": ["never-added"]}
    time.sleep(0.3)
    after = send(engine, {"type": "cb_poll", "wait_ms": 300})
    assert after["events"] == []  # nothing more about cancelled requests
    assert after["running"] == after["waiting"] == 0
    deadline = time.monotonic() + 10
    while after["kv_used_tokens"] and time.monotonic() < deadline:  # the loop frees their blocks
        after = send(engine, {"type": "cb_poll", "wait_ms": 100})
    assert after["kv_used_tokens"] == 0
    # the ids can be used again, and the engine still serves
    add(engine, [("long", PROMPTS[1], 3)])
    events, _ = poll_until_ended(engine, ["long"])
    assert finished_by_id(events)["long"]["generated_tokens"] >= 1


def test_a_full_cache_preempts_and_still_gives_the_same_text(make_engine):
    """A cache too small for all four requests at once: the library takes running requests'
    blocks back and recomputes them later; the texts stay those of single runs."""
    engine = make_engine(kv_blocks=8, block_size=16, max_running=4)  # 128 tokens; they need 23 blocks
    add(engine, [(i, prompt, 40) for i, prompt in enumerate(PROMPTS)])
    events, _ = poll_until_ended(engine, [0, 1, 2, 3])
    finished = finished_by_id(events)
    assert sum(e["preemptions"] for e in finished.values()) > 0  # not vacuous
    for i, prompt in enumerate(PROMPTS):
        alone = single_run(engine, prompt, 40)
        assert finished[i]["text"] == alone["text"] and finished[i]["generated_tokens"] == alone["generated_tokens"]


@pytest.mark.parametrize("failure, code", [
    (RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to allocate 8212480 bytes"),
     "out_of_memory"),
    (MemoryError(), "out_of_memory"),
    (RuntimeError("shape mismatch"), "internal"),
])
def test_a_failing_step_fails_its_requests_and_the_loop_restarts(make_engine, tiny, monkeypatch, failure, code):
    engine = make_engine()
    model = tiny.model
    calls = {"n": 0}
    real_forward = model.forward

    def failing_forward(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:  # a few steps in
            raise failure
        return real_forward(*args, **kwargs)

    monkeypatch.setattr(model, "forward", failing_forward)
    add(engine, [("x", PROMPTS[0], 40), ("y", PROMPTS[2], 40)])
    events, _ = poll_until_ended(engine, ["x", "y"])
    failed = {e["id"]: e for e in events if e["event"] == "failed"}
    assert set(failed) == {"x", "y"}
    assert all(e["code"] == code for e in failed.values())
    assert type(failure).__name__ in failed["x"]["message"]
    monkeypatch.undo()
    assert engine.continuous.restarts == 1
    add(engine, [("x", PROMPTS[1], 5)])  # the engine keeps serving
    events, _ = poll_until_ended(engine, ["x"])
    assert finished_by_id(events)["x"]["text"] == single_run(engine, PROMPTS[1], 5)["text"]


def test_a_static_run_pauses_the_loop(make_engine):
    engine = make_engine()
    add(engine, [("c", PROMPTS[0], 50)])
    run = send(engine, {"type": "run", "batch_id": 1, "requests": [
        {"id": i, "prompt": p, "max_new_tokens": 20} for i, p in enumerate(PROMPTS[1:])]})
    assert run["type"] == "result"
    events, _ = poll_until_ended(engine, ["c"])
    assert finished_by_id(events)["c"]["text"] == single_run(engine, PROMPTS[0], 50)["text"]
    for i, prompt in enumerate(PROMPTS[1:]):
        assert run["outputs"][i]["text"] == single_run(engine, prompt, 20)["text"]


def test_poll_waits_at_most_wait_ms(make_engine):
    engine = make_engine()
    started = time.monotonic()
    assert send(engine, {"type": "cb_poll", "wait_ms": 0})["events"] == []
    assert time.monotonic() - started < 0.2
    started = time.monotonic()
    assert send(engine, {"type": "cb_poll", "wait_ms": 300})["events"] == []
    assert 0.25 <= time.monotonic() - started < 2.0


def test_hello_describes_the_continuous_mode(make_engine, tiny):
    engine = make_engine(kv_blocks=10, block_size=8, max_running=3, max_batch_tokens=128)
    assert send(engine, {"type": "hello"})["continuous"] == {
        "kv_capacity_tokens": 80, "block_size": 8, "max_running": 3, "max_batch_tokens": 128}
    static = Engine(tiny, EngineSettings(kv_budget_bytes=0, max_new_tokens_cap=8))
    assert "continuous" not in send(static, {"type": "hello"})
    for kind in ("cb_add", "cb_poll", "cb_cancel"):
        reply = send(static, {"type": kind})
        assert reply["code"] == "unknown_type" and "--continuous" in reply["message"]


def test_malformed_continuous_messages(make_engine):
    engine = make_engine()
    for message, needle in [
        ({"type": "cb_add"}, '"requests"'),
        ({"type": "cb_add", "requests": [{"id": 1, "prompt": "x", "max_new_tokens": 0}]}, "max_new_tokens"),
        ({"type": "cb_poll"}, '"wait_ms"'),
        ({"type": "cb_poll", "wait_ms": 5001}, '"wait_ms"'),
        ({"type": "cb_cancel", "ids": []}, '"ids"'),
        ({"type": "cb_cancel", "ids": [1, None]}, "ids[1]"),
    ]:
        reply = send(engine, message)
        assert reply["code"] == "bad_message" and needle in reply["message"], reply


def test_default_kv_blocks():
    settings = ContinuousSettings(max_running=4, block_size=32)
    # room for 4 requests of 2 x 100 tokens: 800 tokens = 25 blocks
    assert default_kv_blocks(512, 0, settings, max_new_tokens_cap=100, max_context_tokens=4096) == 25
    # the model's context bounds a request
    assert default_kv_blocks(512, 0, settings, max_new_tokens_cap=1000, max_context_tokens=320) == 40
    # the KV budget bounds the cache: 10 blocks of 32 tokens x 512 bytes
    assert default_kv_blocks(512, 10 * 32 * 512, settings, max_new_tokens_cap=100, max_context_tokens=0) == 10
    assert default_kv_blocks(512, 1, settings, max_new_tokens_cap=100, max_context_tokens=0) == 1


def test_close_is_idempotent_and_stops_the_threads(make_engine):
    engine = make_engine()
    add(engine, [("z", PROMPTS[0], 60)])
    batcher = engine.continuous
    engine.close()
    engine.close()
    assert not batcher._manager.is_running() and not batcher._collector.is_alive()
    assert torch.is_grad_enabled()  # the caller's autograd state is untouched
