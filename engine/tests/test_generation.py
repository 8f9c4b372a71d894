"""Static batched greedy generation with the tiny random Llama: left padding and the
attention mask make a batch give the same tokens as one-at-a-time runs, and generated
lengths are counted up to and including EOS, within each row's limit."""

import dataclasses

import pytest
import torch

from magnus_engine.generation import BatchGenerator, count_generated

PROMPTS = [
    "Translate the following English text into Chinese: The cat sat on the mat.",
    "Hi",
    "Fix the bugs in the following code: int f(int x) { return x + ; }",
    "Rewrite politely: go away",
]


def raw_greedy(loaded, input_ids, attention_mask, steps):
    """Greedy tokens straight from generate, with no EOS (to compare token sequences)."""
    with torch.inference_mode():
        out = loaded.model.generate(
            input_ids=input_ids, attention_mask=attention_mask, do_sample=False, max_new_tokens=steps,
            min_new_tokens=steps, pad_token_id=loaded.tokenizer.pad_token_id, eos_token_id=None,
        )
    return out[:, input_ids.shape[1]:].tolist()


def test_batch_is_left_padded_with_a_mask(tiny):
    generator = BatchGenerator(tiny)
    batch = generator.prepare(PROMPTS, [8] * len(PROMPTS))
    pad = tiny.tokenizer.pad_token_id
    width = batch.padded_input_tokens
    assert width == max(batch.input_tokens)
    for row, length in enumerate(batch.input_tokens):
        assert batch.attention_mask[row].tolist() == [0] * (width - length) + [1] * length
        assert batch.input_ids[row, : width - length].tolist() == [pad] * (width - length)
        # the row's own tokens sit flush right, unchanged by padding
        alone = generator.prepare([PROMPTS[row]], [8])
        assert batch.input_ids[row, width - length:].tolist() == alone.input_ids[0].tolist()


def test_batched_tokens_equal_one_at_a_time(tiny):
    generator = BatchGenerator(tiny)
    steps = 24
    batch = generator.prepare(PROMPTS, [steps] * len(PROMPTS))
    batched = raw_greedy(tiny, batch.input_ids, batch.attention_mask, steps)
    for row, prompt in enumerate(PROMPTS):
        alone = generator.prepare([prompt], [steps])
        single = raw_greedy(tiny, alone.input_ids, alone.attention_mask, steps)[0]
        assert batched[row] == single, f"row {row} differs between batched and single runs"


def test_the_mask_matters(tiny):
    """Control: without the attention mask, padded rows see their padding and their tokens
    change, so the equality above really tests masking and position handling."""
    generator = BatchGenerator(tiny)
    steps = 24
    batch = generator.prepare(PROMPTS, [steps] * len(PROMPTS))
    masked = raw_greedy(tiny, batch.input_ids, batch.attention_mask, steps)
    unmasked = raw_greedy(tiny, batch.input_ids, torch.ones_like(batch.attention_mask), steps)
    padded_rows = [r for r, n in enumerate(batch.input_tokens) if n < batch.padded_input_tokens]
    assert any(masked[r] != unmasked[r] for r in padded_rows)


def test_generate_results_match_single_runs(tiny):
    generator = BatchGenerator(tiny)
    limits = [20, 7, 13, 20]
    result = generator.generate(generator.prepare(PROMPTS, limits))
    assert result.padded_input_tokens == max(r.input_tokens for r in result.rows)
    for row, prompt in enumerate(PROMPTS):
        single = generator.generate(generator.prepare([prompt], [limits[row]])).rows[0]
        assert result.rows[row] == single
    assert result.generated_max == max(r.generated_tokens for r in result.rows)


def test_count_generated_rules():
    eos = [2]
    assert count_generated([5, 6, 2, 0, 0], eos, limit=10) == 3  # EOS included, padding not
    assert count_generated([5, 6, 7, 8], eos, limit=4) == 4  # no EOS: the cap
    assert count_generated([5, 6, 7, 8, 2], eos, limit=3) == 3  # EOS after the row's limit
    assert count_generated([2, 2, 2], eos, limit=5) == 1  # EOS first; pad == EOS afterwards
    assert count_generated([5, 6, 7, 2, 2], eos, limit=3) == 3  # pad == EOS after the cap
    assert count_generated([5, 9, 6], [9, 2], limit=5) == 2  # any of several EOS ids


def _first_unique_token(tokens, start):
    """An index >= start whose token does not occur earlier in the row."""
    for index in range(start, len(tokens)):
        if tokens[index] not in tokens[:index]:
            return index
    raise AssertionError("no token suitable as a stand-in EOS")


def test_eos_is_counted_and_ends_the_row(tiny):
    """Take a token the model emits at step k as the EOS id: the row must stop there and
    count k + 1 tokens, while a longer row in the same batch runs on to its limit."""
    generator = BatchGenerator(tiny, max_new_tokens_cap=64)
    probe = raw_greedy(tiny, *_inputs(generator, [PROMPTS[0]]), 30)[0]
    stop_at = _first_unique_token(probe, 5)
    eos_token = probe[stop_at]
    model_with_eos = dataclasses.replace(tiny, eos_token_ids=[eos_token])
    generator = BatchGenerator(model_with_eos, max_new_tokens_cap=64)
    other = raw_greedy(tiny, *_inputs(generator, [PROMPTS[1]]), 30)[0]
    if eos_token in other:
        pytest.skip("stand-in EOS also occurs in the other row")
    result = generator.generate(generator.prepare([PROMPTS[0], PROMPTS[1]], [30, 30]))
    first, second = result.rows
    assert first.generated_tokens == stop_at + 1 and first.finish_reason == "eos"
    expected_text = tiny.tokenizer.decode(probe[:stop_at], skip_special_tokens=True)
    assert first.text == expected_text
    assert second.generated_tokens == 30 and second.finish_reason == "length"
    assert result.generated_max == 30


def _inputs(generator, prompts):
    batch = generator.prepare(prompts, [1] * len(prompts))
    return batch.input_ids, batch.attention_mask


def test_caps_are_respected(tiny):
    generator = BatchGenerator(tiny, max_new_tokens_cap=9)
    batch = generator.prepare(PROMPTS[:3], [100, 4, 9])
    assert batch.limits == [9, 4, 9]
    no_eos = dataclasses.replace(tiny, eos_token_ids=[tiny.tokenizer.pad_token_id])
    result = BatchGenerator(no_eos, max_new_tokens_cap=9).generate(batch)
    assert [r.generated_tokens for r in result.rows] == [9, 4, 9]
    assert result.decode_steps == 9


def test_count_tokens(tiny):
    generator = BatchGenerator(tiny)
    # byte-level tokenizer: one token per UTF-8 byte, no special tokens for bare text
    assert generator.count_tokens(["abc", "你好", ""]) == [3, 6, 0]
    chat = generator.count_tokens(["abc"], chat=True)[0]
    assert chat == len("\nabc\n\n") + 2  # <|user|>, <|assistant|> and three newlines
    assert generator.render("abc") == "<|user|>\nabc\n<|assistant|>\n"



def test_a_continuation_follows_the_rendered_prompt(tiny):
    """Bounded decoding: the text a row generated before its cap is fed after the rendered
    prompt (after the assistant header when there is a chat template)."""
    generator = BatchGenerator(tiny)
    prompt = PROMPTS[0]
    batch = generator.prepare([prompt, PROMPTS[1]], [5, 5], ["so far", ""])
    expected = generator._encode([generator.render(prompt) + "so far"], rendered=True)[0]
    assert batch.input_tokens[0] == len(expected)
    width = batch.padded_input_tokens
    assert batch.input_ids[0, width - len(expected):].tolist() == expected
    plain = generator.prepare([PROMPTS[1]], [5])
    assert batch.input_tokens[1] == plain.input_tokens[0]


def test_a_row_cut_at_its_limit_never_ends_inside_a_character(tiny):
    """The tiny model emits arbitrary bytes: a row stopped at its limit leaves the tokens of
    an incomplete UTF-8 character out of its text, so a continuation fed back is exact text."""
    generator = BatchGenerator(tiny)
    raw_split = 0
    for limit in range(1, 13):
        batch = generator.prepare(PROMPTS, [limit] * len(PROMPTS))
        result = generator.generate(batch)
        for row in result.rows:
            assert 1 <= row.generated_tokens <= limit
            if row.finish_reason == "length":
                assert not row.text.endswith("\ufffd")
        raw = raw_greedy(tiny, batch.input_ids, batch.attention_mask, limit)
        raw_split += sum(tiny.tokenizer.decode(tokens, skip_special_tokens=True).endswith("\ufffd") for tokens in raw)
    # not vacuous: plain decoding of the same tokens does end inside characters
    assert raw_split > 0


def test_new_text_is_decoded_in_the_context_of_the_continuation(tiny):
    generator = BatchGenerator(tiny)
    context = tiny.tokenizer("ab", add_special_tokens=False)["input_ids"]
    body = tiny.tokenizer("cd", add_special_tokens=False)["input_ids"]
    assert generator.decode_new(body, context) == tiny.tokenizer.decode(context + body, skip_special_tokens=True)[
        len(tiny.tokenizer.decode(context, skip_special_tokens=True)):]
    assert generator.decode_new(body, []) == tiny.tokenizer.decode(body, skip_special_tokens=True)
