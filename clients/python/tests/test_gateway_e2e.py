"""End-to-end: the real coordinator and simulated workers, the gateway as its own process, and
the official `openai` package talking to it over loopback."""
from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.error
import urllib.request

import pytest

pytest.importorskip("fastapi", reason="the gateway tests need fastapi (pip install -r clients/python/requirements-test.txt)")
pytest.importorskip("uvicorn", reason="the gateway tests need uvicorn")
pytest.importorskip("prometheus_client", reason="the gateway tests need prometheus_client")
openai = pytest.importorskip("openai", reason="the end-to-end gateway tests need the openai package")

from conftest import Cluster, Processes  # noqa: E402
from magnus_client import MagnusClient  # noqa: E402

API_KEY = "test-key-1"


def http(method, url, body=None, headers=None, timeout=30):
    """(status, headers, body text) of one HTTP request."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as failure:
        return failure.code, failure.headers, failure.read().decode()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A coordinator, two simulated workers and a gateway with an API key and two models."""
    processes = Processes()
    try:
        cluster = Cluster(processes)
        for _ in range(2):
            cluster.add_worker()
        log = tmp_path_factory.mktemp("gateway") / "gateway.log"
        cluster.start_gateway(log, ["--api-key", API_KEY, "--model", "magnus", "--model", "gec"])
        yield cluster
    finally:
        processes.stop()


def openai_client(cluster, key=API_KEY):
    return openai.OpenAI(base_url=f"{cluster.gateway_url}/v1", api_key=key, timeout=30, max_retries=0)


def test_openai_completion_and_chat(served):
    client = openai_client(served)
    completion = client.completions.create(model="gec", prompt="He go to school .", max_tokens=16)
    assert completion.choices[0].text
    assert completion.usage.completion_tokens >= 1 and completion.usage.prompt_tokens >= 1
    assert completion.choices[0].finish_reason in ("stop", "length")
    chat = client.chat.completions.create(model="magnus", max_tokens=32, messages=[
        {"role": "system", "content": "Correct the grammatical errors."},
        {"role": "user", "content": "She have two apple ."}])
    assert chat.choices[0].message.role == "assistant" and chat.choices[0].message.content
    assert chat.usage.total_tokens == chat.usage.prompt_tokens + chat.usage.completion_tokens
    assert [model.id for model in client.models.list()] == ["magnus", "gec"]


def test_openai_streaming(served):
    client = openai_client(served)
    chunks = list(client.chat.completions.create(
        model="magnus", messages=[{"role": "user", "content": "He go to school ."}], stream=True,
        stream_options={"include_usage": True}))
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)
    assert text
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens >= 1
    pieces = list(client.completions.create(model="gec", prompt="He go to school .", stream=True))
    assert "".join(piece.choices[0].text for piece in pieces) and pieces[-1].choices[0].finish_reason


@pytest.fixture(scope="module")
def served_continuous(tmp_path_factory):
    """A magnus-cb coordinator, one continuous simulated worker and a gateway."""
    processes = Processes()
    try:
        cluster = Cluster(processes, ["--policy", "magnus-cb"])
        cluster.add_worker(time_scale=20, extra=["--continuous"])
        log = tmp_path_factory.mktemp("gateway-cb") / "gateway.log"
        cluster.start_gateway(log, ["--api-key", API_KEY, "--model", "magnus"])
        yield cluster
    finally:
        processes.stop()


def test_openai_streaming_from_a_continuous_worker_comes_in_pieces(served_continuous):
    """The text arrives as the worker generates it (a piece per progress report, every 32
    tokens), and the pieces join to exactly the stored answer of the same request."""
    client = openai_client(served_continuous)
    # The simulated engine answers with 0.5-1.5x the prompt's length: ~200 words give 100+ tokens.
    prompt = " ".join(["the quick brown fox jumps over the lazy dog"] * 22)
    started = time.monotonic()
    arrivals, texts = [], []
    stream = client.completions.create(model="magnus", prompt=prompt, max_tokens=200, stream=True,
                                       extra_headers={"Idempotency-Key": "stream-cb-1"})
    for chunk in stream:
        if chunk.choices and chunk.choices[0].text:
            texts.append(chunk.choices[0].text)
            arrivals.append(time.monotonic() - started)
    assert len(texts) >= 3, texts
    stored = client.completions.create(model="magnus", prompt=prompt, max_tokens=200,
                                       extra_headers={"Idempotency-Key": "stream-cb-1"})
    assert "".join(texts) == stored.choices[0].text
    # Chat too, with usage at the end.
    chunks = list(client.chat.completions.create(
        model="magnus", messages=[{"role": "user", "content": prompt}], max_tokens=200, stream=True,
        stream_options={"include_usage": True}))
    pieces = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert len(pieces) >= 3
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens >= 64


def test_a_wrong_api_key_gets_401(served):
    with pytest.raises(openai.AuthenticationError):
        openai_client(served, key="wrong-key").completions.create(model="magnus", prompt="x")
    status, headers, body = http("POST", f"{served.gateway_url}/v1/completions", {"model": "magnus", "prompt": "x"})
    assert status == 401 and json.loads(body)["error"]["code"] == "unauthorized"


def test_idempotency_key_gets_the_same_answer(served):
    url = f"{served.gateway_url}/v1/completions"
    headers = {"Authorization": f"Bearer {API_KEY}", "Idempotency-Key": f"retry-{time.time()}"}
    body = {"model": "gec", "prompt": "They was happy .", "max_tokens": 24}
    first = http("POST", url, body, headers)
    second = http("POST", url, body, headers)
    assert first[0] == second[0] == 200
    one, two = json.loads(first[2]), json.loads(second[2])
    assert one["id"] == two["id"] and one["choices"] == two["choices"]
    assert one["magnus"][0]["batch_id"] == two["magnus"][0]["batch_id"]  # answered once, stored
    conflict = http("POST", url, {**body, "prompt": "something else"}, headers)
    assert conflict[0] == 409


def test_promtool_accepts_a_live_scrape(served):
    openai_client(served).completions.create(model="magnus", prompt="warm up the histograms")
    time.sleep(0.5)  # a status snapshot after the request (--status-interval 0.2)
    status, headers, text = http("GET", f"{served.gateway_url}/metrics")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    for name in ("magnus_queue_depth", "magnus_running_batches", "magnus_workers{", "magnus_requests_completed_total",
                 "magnus_oom_total", "magnus_requeues_total", "magnus_predictor_mae_tokens",
                 "magnus_throughput_requests_per_second", "magnus_gateway_request_duration_seconds_bucket",
                 "magnus_gateway_time_to_first_token_seconds_bucket", "magnus_gateway_http_requests_total",
                 "magnus_status_up 1.0"):
        assert name in text, f"{name} missing from /metrics"
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("SKIPPED: promtool not found (Debian package 'prometheus'); the metrics text was not linted")
    check = subprocess.run([promtool, "check", "metrics"], input=text.encode(), capture_output=True, timeout=30)
    assert check.returncode == 0, (check.stdout + check.stderr).decode()


def test_ready_flips_to_200_when_a_worker_joins(tmp_path):
    processes = Processes()
    try:
        cluster = Cluster(processes)
        cluster.start_gateway(tmp_path / "gateway.log")
        status, _, body = http("GET", f"{cluster.gateway_url}/ready")
        assert status == 503 and "no worker" in json.loads(body)["reason"]
        assert http("GET", f"{cluster.gateway_url}/health")[0] == 200
        cluster.add_worker()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            status, _, body = http("GET", f"{cluster.gateway_url}/ready")
            if status == 200:
                break
            time.sleep(0.1)
        assert status == 200, body
        assert json.loads(body)["workers"] == 1
    finally:
        processes.stop()


def test_overload_and_deadline_map_to_429_and_504(tmp_path):
    """A coordinator without workers and room for one queued request."""
    processes = Processes()
    try:
        cluster = Cluster(processes, ["--max-queued", "1"])
        cluster.start_gateway(tmp_path / "gateway.log", ["--overload-retries", "1"])
        url = f"{cluster.gateway_url}/v1/completions"
        with MagnusClient(cluster.client_ep) as direct:
            filler = direct.submit("gec", "Fix:", "fills the queue")
            status, headers, body = http("POST", url, {"model": "magnus", "prompt": "x"})
            assert status == 429, body
            assert headers["Retry-After"] == "1" and json.loads(body)["error"]["type"] == "rate_limit_error"
            direct.cancel(filler)
            assert direct.wait([filler], timeout=10)[filler]["cancelled"] is True
        status, _, body = http("POST", url, {"model": "magnus", "prompt": "x", "magnus_deadline_ms": 300})
        assert status == 504 and json.loads(body)["error"]["code"] == "deadline_exceeded"
    finally:
        processes.stop()


def test_the_gateway_without_a_coordinator_is_up_but_not_ready(tmp_path):
    processes = Processes()
    try:
        cluster = Cluster(processes, with_coordinator=False)
        cluster.start_gateway(tmp_path / "gateway.log", ["--ack-timeout", "1"])
        status, _, body = http("GET", f"{cluster.gateway_url}/ready")
        assert status == 503 and "no coordinator answering at" in json.loads(body)["reason"]
        started = time.monotonic()
        status, _, body = http("POST", f"{cluster.gateway_url}/v1/completions", {"model": "magnus", "prompt": "x"})
        assert status == 503 and json.loads(body)["error"]["code"] == "coordinator_unavailable"
        assert time.monotonic() - started < 5
    finally:
        processes.stop()


def test_the_gateway_speaks_curve_to_a_secured_coordinator(tmp_path):
    """Client socket and status stream both CURVE: requests are served and metrics flow."""
    from conftest import executable
    keys = tmp_path / "keys"
    for name in ("coordinator", "gateway", "gpu"):
        subprocess.run([str(executable("magnus")), "keygen", "--out", str(keys), name], check=True,
                       stdout=subprocess.DEVNULL, timeout=30)
    processes = Processes()
    try:
        cluster = Cluster(processes, ["--curve-secret-key-file", keys / "coordinator.key",
                                      "--client-keys", keys / "gateway.pub", "--worker-keys", keys / "gpu.pub",
                                      "--status-auth", "curve"])
        processes.start([executable("magnus-worker"), "--coordinator", cluster.worker_ep, "--gpu", 0,
                         "--id", "curve-gpu0", "--time-scale", 200, "--log-level", "error", "--exit-with-parent",
                         "--curve-secret-key-file", keys / "gpu.key", "--coordinator-key", keys / "coordinator.pub"])
        cluster.start_gateway(tmp_path / "gateway.log", ["--curve-secret-key-file", str(keys / "gateway.key"),
                                                         "--coordinator-key", str(keys / "coordinator.pub"),
                                                         "--status-auth", "curve"])
        deadline = time.monotonic() + 15
        while http("GET", f"{cluster.gateway_url}/ready")[0] != 200 and time.monotonic() < deadline:
            time.sleep(0.1)
        answer = openai_client(cluster, key="unused").completions.create(model="magnus", prompt="He go .")
        assert answer.choices[0].text
        time.sleep(0.5)
        assert "magnus_status_up 1.0" in http("GET", f"{cluster.gateway_url}/metrics")[2]
    finally:
        processes.stop()
