"""Unit tests of the HTTP gateway: the OpenAI mapping (pure), the options, and the app served
in-process against a scripted fake coordinator (no Swift executables)."""
from __future__ import annotations

import json

import pytest

pytest.importorskip("fastapi", reason="the gateway tests need fastapi (pip install -r clients/python/requirements-test.txt)")
pytest.importorskip("prometheus_client", reason="the gateway tests need prometheus_client")
pytest.importorskip("httpx", reason="the gateway tests need httpx")

from fastapi.testclient import TestClient  # noqa: E402

from conftest import FakeCoordinator, accepted, error, pong, result  # noqa: E402
from magnus_gateway.app import create_app  # noqa: E402
from magnus_gateway.config import GatewayConfig, config_from_args  # noqa: E402
from magnus_gateway.metrics import GatewayMetrics  # noqa: E402
from magnus_gateway.openai_api import (GatewayError, chat_prompt, error_for_code, parse_chat,  # noqa: E402
                                       parse_completion, request_ids)
from magnus_gateway.status_stream import StatusView  # noqa: E402

MODELS = {"magnus": "magnus", "gec": "gec"}


# The mapping ---------------------------------------------------------------------------------

def test_chat_messages_become_instruction_and_input():
    instruction, text = chat_prompt([
        {"role": "system", "content": "You correct grammar."},
        {"role": "user", "content": "He go to school ."},
        {"role": "assistant", "content": "He goes to school ."},
        {"role": "developer", "content": [{"type": "text", "text": "Be brief."}]},
        {"role": "user", "content": [{"type": "text", "text": "She have "}, {"type": "text", "text": "apples ."}]},
    ])
    assert text == "She have apples ."
    assert instruction == ("You correct grammar.\n\nBe brief.\n\n"
                           "User: He go to school .\nAssistant: He goes to school .")
    assert chat_prompt([{"role": "user", "content": "hi"}]) == ("", "hi")


@pytest.mark.parametrize("messages", [[], [{"role": "assistant", "content": "x"}], "hi",
                                      [{"role": "wizard", "content": "x"}, {"role": "user", "content": "y"}],
                                      [{"role": "user", "content": [{"type": "image_url", "image_url": {}}]}]])
def test_bad_chat_messages_are_400(messages):
    with pytest.raises(GatewayError) as caught:
        parse_chat({"model": "magnus", "messages": messages}, MODELS)
    assert caught.value.status == 400


def test_fields_map_to_the_magnus_request():
    parsed = parse_chat({"model": "gec", "messages": [{"role": "user", "content": "x"}], "max_tokens": 12,
                         "magnus_deadline_ms": 5000, "temperature": 0.3, "stream": True,
                         "stream_options": {"include_usage": True}}, MODELS)
    job = parsed.jobs[0]
    assert (job.application, job.input, job.max_new_tokens, job.deadline_ms) == ("gec", "x", 12, 5000)
    assert parsed.stream and parsed.include_usage
    override = parse_completion({"model": "magnus", "prompt": ["a", "b"], "magnus_application": "detox",
                                 "max_completion_tokens": 3, "magnus_instruction": "Rewrite politely:"}, MODELS)
    assert [(j.application, j.instruction, j.input, j.max_new_tokens) for j in override.jobs] == [
        ("detox", "Rewrite politely:", "a", 3), ("detox", "Rewrite politely:", "b", 3)]


@pytest.mark.parametrize("body, status", [
    ({"prompt": "x"}, 400), ({"model": "gpt-4", "prompt": "x"}, 404), ({"model": "magnus"}, 400),
    ({"model": "magnus", "prompt": [1, 2, 3]}, 400), ({"model": "magnus", "prompt": "x", "max_tokens": 0}, 400),
    ({"model": "magnus", "prompt": "x", "n": 2}, 400), ({"model": "magnus", "prompt": "x", "echo": True}, 400),
    ({"model": "magnus", "prompt": ["a", "b"], "stream": True}, 400), ([1], 400)])
def test_bad_completion_bodies(body, status):
    with pytest.raises(GatewayError) as caught:
        parse_completion(body, MODELS)
    assert caught.value.status == status


@pytest.mark.parametrize("code, status", [
    ("overloaded", 429), ("input_too_long", 400), ("invalid_request", 400), ("deadline_exceeded", 504),
    ("shutting_down", 503), ("duplicate_id", 409), ("engine_fault", 502), ("internal_error", 500),
    ("payload_too_large", 413), ("out_of_memory", 400), ("something_new", 502)])
def test_magnus_codes_map_to_http_statuses(code, status):
    mapped = error_for_code(code, "detail")
    assert mapped.status == status and mapped.code == code
    assert mapped.body()["error"]["code"] == code
    if code == "overloaded":
        assert mapped.headers["Retry-After"] == "1"


def test_idempotency_keys_give_stable_ids_per_tenant():
    first = request_ids(1, "order-17", "key-a", "fresh1")
    assert first == request_ids(1, "order-17", "key-a", "fresh2")  # a retry reaches the same request
    assert first != request_ids(1, "order-17", "key-b", "fresh1")  # another tenant's key never meets it
    assert request_ids(1, None, "key-a", "f1") != request_ids(1, None, "key-a", "f2")
    assert len(request_ids(3, "k", "", "f")) == 3
    with pytest.raises(GatewayError):
        request_ids(1, "x" * 300, "", "f")


# Options ----------------------------------------------------------------------------------

def test_options_keys_from_flags_file_and_environment(tmp_path):
    key_file = tmp_path / "keys"
    key_file.write_text("# gateway keys\nfile-key\n\n")
    config = config_from_args(["--listen", "127.0.0.1:9000", "--api-key", "flag-key", "--api-key-file",
                               str(key_file), "--model", "gec", "--model", "chat=open_chat"],
                              environ={"MAGNUS_GATEWAY_API_KEYS": "env-1, env-2"})
    assert (config.host, config.port) == ("127.0.0.1", 9000)
    assert config.api_keys == ("flag-key", "file-key", "env-1", "env-2")
    assert config.models == {"gec": "gec", "chat": "open_chat"}
    assert config_from_args([], environ={}).models == {"magnus": "magnus"}


@pytest.mark.parametrize("argv", [["--coordinator", "localhost:5555"], ["--listen", "8000"],
                                  ["--status", "127.0.0.1:5557"], ["--model", "=x"], ["--status-auth", "curve"],
                                  ["--curve-secret-key-file", "missing.key", "--coordinator-key", "x" * 40]])
def test_bad_options_exit_with_a_message(argv, capsys):
    with pytest.raises(SystemExit):
        config_from_args(argv, environ={})
    assert "magnus-gateway: error:" in capsys.readouterr().err


# The app against a fake coordinator ---------------------------------------------------------

def scripted(code=None, workers=1, draining=False):
    """Pongs with the given state; answers submits with `code` as error, or a result."""
    def handler(message, fake):
        if message["type"] == "ping":
            return [pong(message, workers=workers, draining=draining)]
        if message["type"] != "submit":
            return []
        if code is None:
            return [accepted(message), result(message, text=f"echo: {message['input']}")]
        if code == "deadline_exceeded":
            return [accepted(message), error(message, code, "still queued at its deadline")]
        return [error(message, code, f"refused: {code}")]
    return handler


def app_for(fake, **overrides):
    config = GatewayConfig(coordinator=fake.endpoint, status=None, models=dict(MODELS),
                           ack_timeout=0.5, ready_timeout=0.5, overload_retries=1, **overrides)
    return create_app(config)


def completion(http, headers=None, **body):
    return http.post("/v1/completions", json={"model": "magnus", "prompt": "He go .", **body}, headers=headers or {})


def test_completion_and_chat_bodies():
    with FakeCoordinator(scripted()) as fake, TestClient(app_for(fake)) as http:
        answer = completion(http, max_tokens=4)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["object"] == "text_completion" and body["choices"][0]["text"] == "echo: He go ."
        assert body["choices"][0]["finish_reason"] == "length"  # 4 tokens generated of 4 allowed
        assert body["usage"] == {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}
        assert fake.submits()[-1]["max_new_tokens"] == 4
        chat = http.post("/v1/chat/completions", json={"model": "gec", "messages": [
            {"role": "system", "content": "Fix grammar."}, {"role": "user", "content": "She have ."}]})
        assert chat.status_code == 200
        assert chat.json()["choices"][0]["message"] == {"role": "assistant", "content": "echo: She have ."}
        sent = fake.submits()[-1]
        assert (sent["application"], sent["instruction"], sent["input"]) == ("gec", "Fix grammar.", "She have .")
        assert http.get("/v1/models").json()["data"][1]["id"] == "gec"


def test_streaming_sends_the_answer_as_one_chunk_then_done():
    with FakeCoordinator(scripted()) as fake, TestClient(app_for(fake)) as http:
        response = http.post("/v1/chat/completions", json={
            "model": "magnus", "messages": [{"role": "user", "content": "x"}], "stream": True,
            "stream_options": {"include_usage": True}})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = [line[len("data: "):] for line in response.text.split("\n\n") if line.startswith("data: ")]
        assert events[-1] == "[DONE]"
        chunk, usage_chunk = json.loads(events[0]), json.loads(events[1])
        assert chunk["choices"][0]["delta"] == {"role": "assistant", "content": "echo: x"}
        assert chunk["choices"][0]["finish_reason"] == "stop"
        assert usage_chunk["choices"] == [] and usage_chunk["usage"]["completion_tokens"] == 4
        assert len(events) == 3
        completion(http)
        metrics = http.get("/metrics").text
        for endpoint in ("/v1/chat/completions", "/v1/completions"):  # every request finished, counted once
            assert f'magnus_gateway_requests_in_flight{{endpoint="{endpoint}"}} 0.0' in metrics
            assert f'magnus_gateway_request_duration_seconds_count{{endpoint="{endpoint}"}} 1.0' in metrics
            assert f'magnus_gateway_time_to_first_token_seconds_count{{endpoint="{endpoint}"}} 1.0' in metrics
        assert 'magnus_gateway_tokens_total{endpoint="/v1/completions",kind="completion"} 4.0' in metrics


@pytest.mark.parametrize("code, status", [("overloaded", 429), ("input_too_long", 400), ("invalid_request", 400),
                                          ("deadline_exceeded", 504), ("shutting_down", 503)])
def test_coordinator_errors_become_openai_errors(code, status):
    with FakeCoordinator(scripted(code)) as fake, TestClient(app_for(fake)) as http:
        answer = completion(http)
        assert answer.status_code == status
        assert answer.json()["error"]["code"] == code
        if code == "overloaded":
            assert answer.headers["retry-after"] == "1"
            assert len(fake.submits()) == 2  # retried once inside the gateway first
        # errors before the first token are real statuses when streaming, too
        assert completion(http, stream=True).status_code == status


def test_unacknowledged_submits_are_503():
    def pings_only(message, fake):
        return [pong(message)] if message["type"] == "ping" else []
    with FakeCoordinator(pings_only) as fake, TestClient(app_for(fake)) as http:
        answer = completion(http)
        assert answer.status_code == 503 and answer.json()["error"]["code"] == "coordinator_unavailable"


def test_api_keys():
    with FakeCoordinator(scripted()) as fake, TestClient(app_for(fake, api_keys=("k1", "k2"))) as http:
        assert completion(http).status_code == 401
        wrong = completion(http, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401 and wrong.json()["error"]["type"] == "authentication_error"
        assert wrong.headers["www-authenticate"] == "Bearer"
        assert completion(http, headers={"Authorization": "Bearer k2"}).status_code == 200
        assert http.get("/v1/models").status_code == 401
        assert http.get("/health").status_code == 200 and http.get("/metrics").status_code == 200


def test_idempotency_key_maps_to_the_request_id():
    with FakeCoordinator(scripted()) as fake, TestClient(app_for(fake)) as http:
        first = completion(http, headers={"Idempotency-Key": "order-1"})
        second = completion(http, headers={"Idempotency-Key": "order-1"})
        assert first.json()["id"] == second.json()["id"]
        ids = [message["id"] for message in fake.submits()]
        assert ids[0] == ids[1] and ids[0].startswith("idem-")
        other = completion(http)
        assert other.json()["id"] != first.json()["id"]


@pytest.mark.parametrize("workers, draining, status, reason", [
    (1, False, 200, None), (0, False, 503, "no worker"), (2, True, 503, "draining")])
def test_ready_needs_a_worker_and_no_drain(workers, draining, status, reason):
    with FakeCoordinator(scripted(workers=workers, draining=draining)) as fake, TestClient(app_for(fake)) as http:
        answer = http.get("/ready")
        assert answer.status_code == status
        if reason:
            assert reason in answer.json()["reason"]


def test_status_snapshot_becomes_metrics():
    view = StatusView()
    metrics = GatewayMetrics(view, stale_after=5)
    snapshot = {"type": "snapshot", "time": 3.5, "queue_depth": 7, "queued_batches": 2, "running_batches": 1,
                "workers": [{"worker": "g0", "state": "busy", "completed_batches": 4},
                            {"worker": "g1", "state": "idle", "completed_batches": 2},
                            {"worker": "c0", "state": "running", "completed_batches": 9,
                             "continuous": {"running_sequences": 12, "reserved_tokens": 500, "capacity_tokens": 2000,
                                            "preemptions": 1}}],
                "completed": 40, "failed": 1, "throughput": 2.5, "token_throughput": 90.0, "window": 30,
                "latency": {"p50": 120.0, "p95": 400.0, "p99": 900.0, "samples": 40},
                "predictor_mae": 11.5, "predictor_samples": 40, "oom_count": 3, "split_count": 3,
                "requeue_count": 2, "workers_lost": 1, "continuation_count": 5, "preemption_count": 4,
                "errors": {"overloaded": 6, "deadline_exceeded": 2}, "draining": False}
    import time as clock
    view.apply(b"snapshot", json.dumps(snapshot).encode(), clock.monotonic())
    view.apply(b"event", b'{"kind": "oom"}', clock.monotonic())
    view.apply(b"event", b"not json", clock.monotonic())
    from prometheus_client import generate_latest
    text = generate_latest(metrics.registry).decode()
    for line in ['magnus_queue_depth 7.0', 'magnus_running_batches 1.0', 'magnus_workers{state="busy"} 1.0',
                 'magnus_workers{state="connected"} 0.0', 'magnus_requests_completed_total 40.0',
                 'magnus_requests_failed_total 1.0', 'magnus_oom_total 3.0', 'magnus_requeues_total 2.0',
                 'magnus_continuations_total 5.0', 'magnus_errors_total{code="overloaded"} 6.0',
                 'magnus_predictor_mae_tokens 11.5', 'magnus_throughput_requests_per_second 2.5',
                 'magnus_response_time_window_seconds{percentile="p99"} 0.9', 'magnus_status_up 1.0',
                 'magnus_status_events_total{kind="oom"} 1.0', 'magnus_worker_completed_batches_total{worker="g0"} 4.0',
                 'magnus_preemptions_total 4.0', 'magnus_workers{state="running"} 1.0',
                 'magnus_worker_running_sequences{worker="c0"} 12.0', 'magnus_worker_kv_reserved_ratio{worker="c0"} 0.25']:
        assert line in text, line
