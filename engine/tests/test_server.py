"""The engine server as a real subprocess on an ipc socket in a temporary folder."""

import os
import signal
import stat
import subprocess
import sys

import pytest

from conftest import ENGINE_DIR

TINY = ["--model", "tiny-random", "--device", "cpu", "--threads", "1"]


def test_hello_run_count_tokens_and_malformed(start_engine):
    engine = start_engine(*TINY, "--max-new-tokens-cap", "16", "--kv-budget-bytes", "1000000")
    assert engine.ready["ready"] is True and engine.ready["device"] == "cpu"
    path = engine.endpoint[len("ipc://"):]
    assert stat.S_IMODE(os.stat(path).st_mode) & 0o077 == 0  # socket file is owner-only

    hello = engine.request({"v": 1, "type": "hello"})
    assert hello["type"] == "hello" and hello["model"] == "tiny-random-llama"
    assert hello["kv_bytes_per_token"] == 512 and hello["kv_budget_bytes"] == 1_000_000

    run = engine.request({"v": 1, "type": "run", "batch_id": "b-1", "requests": [
        {"id": "r1", "prompt": "Correct: he go home", "max_new_tokens": 8},
        {"id": "r2", "prompt": "Hi", "max_new_tokens": 100},  # capped at 16
    ]})
    assert run["type"] == "result" and run["batch_id"] == "b-1"
    assert [o["id"] for o in run["outputs"]] == ["r1", "r2"]
    assert 1 <= run["outputs"][0]["generated_tokens"] <= 8
    assert 1 <= run["outputs"][1]["generated_tokens"] <= 16
    assert all(o["finish_reason"] in ("eos", "length") for o in run["outputs"])
    assert run["padded_input_tokens"] == max(o["input_tokens"] for o in run["outputs"])

    counts = engine.request({"v": 1, "type": "count_tokens", "texts": ["hello", "你"]})
    assert counts == {"v": 1, "type": "token_counts", "counts": [5, 3], "chat": False}

    over = engine.request({"v": 1, "type": "run", "batch_id": 9, "requests": [
        {"id": i, "prompt": "x" * 200, "max_new_tokens": 16} for i in range(16)]})
    assert over["type"] == "oom" and over["reason"] == "kv_budget" and over["step"] == 0
    assert over["required_bytes"] > over["available_bytes"] == 1_000_000

    for payload, code in [
        (b"{not json", "bad_json"),
        ("é".encode("latin-1"), "bad_json"),
        ([b'{"type":"hello"}', b"extra"], "bad_json"),
        (b'{"v":1,"type":"run","batch_id":1,"requests":[{"id":1,"prompt":"x","max_new_tokens":-1}]}',
         "bad_message"),
        (b'{"v":3,"type":"hello"}', "unsupported_version"),
        (b'{"v":1,"type":"fly"}', "unknown_type"),
    ]:
        reply = engine.request_raw(payload)
        assert reply["type"] == "error" and reply["code"] == code, reply

    assert engine.request({"type": "hello"})["type"] == "hello"  # still serving
    assert engine.request({"v": 1, "type": "shutdown"}) == {"v": 1, "type": "bye"}
    assert engine.process.wait(timeout=30) == 0
    assert not os.path.exists(path)  # the socket file is removed on exit


def test_allocation_failure_under_address_space_limit(start_engine):
    """With RLIMIT_AS a batch too large for the process fails inside torch's allocator; the
    engine replies oom (reason allocation) and serves the next batch."""
    engine = start_engine(*TINY, "--kv-budget-bytes", "0", "--rlimit-as-headroom-bytes", str(64 * 2**20))
    assert engine.request({"type": "hello"})["address_space_limit_bytes"] > 0
    big = engine.request({"v": 1, "type": "run", "batch_id": "big", "requests": [
        {"id": i, "prompt": "word " * 400, "max_new_tokens": 4} for i in range(64)]})
    assert big["type"] == "oom" and big["reason"] == "allocation", big
    assert big["available_bytes"] == 64 * 2**20
    small = engine.request({"v": 1, "type": "run", "batch_id": "small", "requests": [
        {"id": 1, "prompt": "hello", "max_new_tokens": 3}]})
    assert small["type"] == "result"


def test_sigterm_stops_the_server(start_engine):
    engine = start_engine(*TINY)
    assert engine.request({"type": "hello"})["type"] == "hello"
    engine.process.send_signal(signal.SIGTERM)
    assert engine.process.wait(timeout=30) == 128 + signal.SIGTERM
    assert not os.path.exists(engine.endpoint[len("ipc://"):])  # cleaned up on the way out


def test_continuous_mode_over_the_socket(start_engine):
    engine = start_engine(*TINY, "--continuous", "--kv-blocks", "32", "--block-size", "16", "--max-running", "4",
                          "--max-new-tokens-cap", "48")
    assert engine.ready["continuous"]["kv_capacity_tokens"] == 512
    hello = engine.request({"v": 1, "type": "hello"})
    assert hello["continuous"] == {"kv_capacity_tokens": 512, "block_size": 16, "max_running": 4,
                                   "max_batch_tokens": 512}

    added = engine.request({"v": 1, "type": "cb_add", "requests": [
        {"id": "r1", "prompt": "Correct: he go home", "max_new_tokens": 20},
        {"id": 2, "prompt": "Hi", "max_new_tokens": 30, "continuation": "Hello"},
        {"id": "gone", "prompt": "Tell me a long story", "max_new_tokens": 48}]})
    assert added["type"] == "cb_added" and added["ids"] == ["r1", 2, "gone"]
    assert added["running"] + added["waiting"] == 3
    again = engine.request({"v": 1, "type": "cb_add", "requests": [{"id": "r1", "prompt": "x", "max_new_tokens": 1}]})
    assert again["type"] == "error" and again["code"] == "bad_message" and "already" in again["message"]
    cancelled = engine.request({"v": 1, "type": "cb_cancel", "ids": ["gone"]})
    assert cancelled == {"v": 1, "type": "cb_cancelled", "ids": ["gone"], "unknown_ids": []}

    events, ended = [], set()
    for _ in range(100):
        polled = engine.request({"v": 1, "type": "cb_poll", "wait_ms": 500})
        assert polled["type"] == "cb_events" and polled["kv_capacity_tokens"] == 512
        events.extend(polled["events"])
        ended |= {e["id"] for e in polled["events"] if e["event"] in ("finished", "failed")}
        if ended >= {"r1", 2}:
            break
    finished = {e["id"]: e for e in events if e["event"] == "finished"}
    assert set(finished) == {"r1", 2} and "gone" not in {e["id"] for e in events}
    for request_id, prompt, limit, continuation in [("r1", "Correct: he go home", 20, ""), (2, "Hi", 30, "Hello")]:
        row = {"id": 0, "prompt": prompt, "max_new_tokens": limit, **({"continuation": continuation} if continuation
                                                                    else {})}
        alone = engine.request({"v": 1, "type": "run", "batch_id": "x", "requests": [row]})["outputs"][0]
        assert finished[request_id]["text"] == alone["text"]
        assert finished[request_id]["generated_tokens"] == alone["generated_tokens"]
        assert finished[request_id]["input_tokens_seen"] == alone["input_tokens"]
    assert [e["event"] for e in events if e["id"] == "r1"][0] == "first_token"

    for payload, code in [
        (b'{"v":1,"type":"cb_poll","wait_ms":-5}', "bad_message"),
        (b'{"v":1,"type":"cb_poll"}', "bad_message"),
        (b'{"v":1,"type":"cb_add","requests":[{"id":1,"prompt":"x"}]}', "bad_message"),
        (b'{"v":1,"type":"cb_cancel","ids":"r1"}', "bad_message"),
        (b'{"v":2,"type":"cb_poll","wait_ms":0}', "unsupported_version"),
    ]:
        reply = engine.request_raw(payload)
        assert reply["type"] == "error" and reply["code"] == code, reply

    # SIGTERM with a request decoding: the loop stops at the end of its step and the process exits
    engine.request({"v": 1, "type": "cb_add", "requests": [{"id": "last", "prompt": "Go on", "max_new_tokens": 48}]})
    engine.process.send_signal(signal.SIGTERM)
    assert engine.process.wait(timeout=30) == 128 + signal.SIGTERM
    assert not os.path.exists(engine.endpoint[len("ipc://"):])


def test_continuous_engine_shuts_down_on_request(start_engine):
    engine = start_engine(*TINY, "--continuous", "--kv-blocks", "8")
    engine.request({"v": 1, "type": "cb_add", "requests": [{"id": 1, "prompt": "Go on", "max_new_tokens": 200}]})
    assert engine.request({"v": 1, "type": "shutdown"}) == {"v": 1, "type": "bye"}
    assert engine.process.wait(timeout=30) == 0


def test_without_continuous_the_cb_messages_are_unknown(start_engine):
    engine = start_engine(*TINY)
    assert "continuous" not in engine.request({"type": "hello"}) and "continuous" not in engine.ready
    reply = engine.request({"v": 1, "type": "cb_poll", "wait_ms": 0})
    assert reply["type"] == "error" and reply["code"] == "unknown_type" and "--continuous" in reply["message"]


def test_bad_options_fail_clearly():
    env = dict(os.environ, PYTHONPATH=str(ENGINE_DIR))
    for args, needle in [
        (["--endpoint", "tcp://127.0.0.1:5555"], "ipc://"),
        (["--endpoint", "ipc:///no/such/folder/e.sock"], "does not exist"),
        (["--endpoint", "ipc:///tmp/e.sock", "--kv-budget-bytes", "-5"], "kv-budget-bytes"),
        (["--endpoint", "ipc:///tmp/e.sock", "--model", "/no/such/model"], "no such file"),
    ]:
        done = subprocess.run([sys.executable, "-m", "magnus_engine", *args], capture_output=True, text=True,
                              env=env, timeout=120)
        assert done.returncode != 0
        assert needle in done.stderr, done.stderr


@pytest.mark.parametrize("args, needle", [
    (["--max-running", "4"], "--max-running needs --continuous"),
    (["--kv-blocks", "8"], "--kv-blocks needs --continuous"),
    (["--continuous", "--block-size", "2"], "--block-size must be at least 4"),
    (["--continuous", "--kv-blocks", "0"], "--kv-blocks must be >= 1"),
    (["--continuous", "--max-running", "0"], "--max-running"),
])
def test_bad_continuous_options_fail_clearly(args, needle):
    env = dict(os.environ, PYTHONPATH=str(ENGINE_DIR))
    done = subprocess.run([sys.executable, "-m", "magnus_engine", "--endpoint", "ipc:///tmp/e.sock", *args],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode != 0
    assert needle in done.stderr, done.stderr
