"""Static batched greedy generation, as in the paper's serving setting.

A batch is tokenised, left-padded to its longest prompt (L(B) = ``padded_input_tokens``) with
an attention mask, and decoded greedily (``do_sample=False``) with transformers' ``generate``
until every row has emitted EOS or reached its own token limit. Rows that finish early stay in
the batch (their slots are padded), which is exactly the waste Magnus's batcher minimises.

Counting: a row's ``generated_tokens`` is the number of tokens it produced up to and including
its first EOS, or its limit when it emitted no EOS before it; padding is never counted. Its
``text`` is the decoded tokens before the EOS, special tokens removed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Sequence

import torch

from .models import LoadedModel


@dataclass(frozen=True)
class PreparedBatch:
    """A tokenised, left-padded batch and its limits, ready for the budget check and the run."""

    input_ids: torch.Tensor  # (β, L), left-padded
    attention_mask: torch.Tensor  # (β, L), 0 on padding
    input_tokens: list[int]  # unpadded prompt length of each row
    limits: list[int]  # each row's max new tokens (after the engine's cap)
    # token ids of each row's continuation (text generated in earlier capped batches), for
    # decoding the new tokens in context; empty for rows without one
    continuation_ids: list[list[int]] | None = None

    @property
    def batch_size(self) -> int:
        return int(self.input_ids.shape[0])

    @property
    def padded_input_tokens(self) -> int:
        return int(self.input_ids.shape[1])

    @property
    def max_new_tokens(self) -> int:
        return max(self.limits)


@dataclass
class RowResult:
    text: str
    generated_tokens: int
    input_tokens: int
    finish_reason: str = "eos"  # "eos" (emitted EOS) or "length" (stopped at its limit)


@dataclass
class BatchResult:
    rows: list[RowResult]
    padded_input_tokens: int
    generated_max: int  # the longest row's generated_tokens: G(B)
    decode_steps: int  # decoding steps the batch ran (>= generated_max)
    wall_seconds: float


class StepCounter:
    """Remembers how many tokens the running batch has generated, so that an allocation
    failure can be reported at the step it happened (0 = during prefill)."""

    def __init__(self) -> None:
        self.steps = 0


def count_generated(new_tokens: Sequence[int], eos_ids: Sequence[int], limit: int) -> int:
    """Tokens a row really generated: up to and including the first EOS among the first
    ``limit`` tokens, else ``limit`` (or fewer if fewer were produced). Anything after the
    first EOS is padding. Cost: O(limit)."""
    eos = set(eos_ids)
    produced = min(len(new_tokens), limit)
    for index in range(produced):
        if int(new_tokens[index]) in eos:
            return index + 1
    return produced


def _row_limit_criteria(prompt_length: int, limits: list[int], counter: StepCounter):
    """A stopping criterion that marks a row finished once it has ``limits[row]`` new tokens
    (``generate`` then pads that row while the others go on) and records the step count."""
    from transformers.generation import StoppingCriteria

    class RowLimit(StoppingCriteria):
        def __init__(self) -> None:
            self.limits = torch.tensor(limits)

        def __call__(self, input_ids: torch.Tensor, scores: Any, **kwargs: Any) -> torch.Tensor:
            generated = input_ids.shape[1] - prompt_length
            counter.steps = generated
            done = self.limits.to(input_ids.device) <= generated
            return done

    return RowLimit()


class BatchGenerator:
    """Renders prompts, tokenises and runs static batches for one loaded model."""

    def __init__(self, loaded: LoadedModel, use_chat_template: bool = True,
                 max_new_tokens_cap: int = 1024) -> None:
        self.loaded = loaded
        self.use_chat_template = use_chat_template and loaded.has_chat_template
        self.max_new_tokens_cap = max(1, int(max_new_tokens_cap))
        self.step_counter = StepCounter()

    # Prompts and tokens

    def render(self, prompt: str) -> str:
        """The text the model sees for a request: the prompt as the single user turn of the
        chat template, followed by the assistant header (or the bare prompt when the chat
        template is off or the model has none)."""
        if not self.use_chat_template:
            return prompt
        return self.loaded.tokenizer.apply_chat_template(
            [{"role": "user", "content": prompt}], tokenize=False, add_generation_prompt=True
        )

    def _encode(self, texts: list[str], rendered: bool) -> list[list[int]]:
        tokenizer = self.loaded.tokenizer
        # A rendered chat prompt already holds its special tokens; a bare prompt gets the
        # tokenizer's own (e.g. BOS) as the model expects.
        add_special = not (rendered and self.use_chat_template)
        return tokenizer(texts, add_special_tokens=add_special)["input_ids"]

    def count_tokens(self, texts: Sequence[str], chat: bool = False) -> list[int]:
        """Token counts of ``texts``: bare text without special tokens, or (``chat``) the full
        prompt as the engine would feed it. Cost: one tokenizer pass."""
        if not texts:
            return []
        if chat:
            return [len(ids) for ids in self._encode([self.render(t) for t in texts], rendered=True)]
        ids = self.loaded.tokenizer(list(texts), add_special_tokens=False)["input_ids"]
        return [len(row) for row in ids]

    def capped(self, max_new_tokens: int) -> int:
        """A request's token limit after the engine's cap."""
        return min(int(max_new_tokens), self.max_new_tokens_cap)

    def encode_prompts(self, prompts: Sequence[str],
                       continuations: Sequence[str] | None = None) -> tuple[list[list[int]], list[list[int]]]:
        """The token ids the model is fed for each request (rendered prompt, then its continuation)
        and the ids of each continuation alone (for decoding new text in its context). Static
        batches and the continuous mode both tokenise through here. Cost: one tokenizer pass."""
        suffixes = list(continuations) if continuations is not None else [""] * len(prompts)
        encoded = self._encode([self.render(p) + c for p, c in zip(prompts, suffixes)], rendered=True)
        tokenizer = self.loaded.tokenizer
        continuation_ids = [tokenizer(c, add_special_tokens=False)["input_ids"] if c else [] for c in suffixes]
        return encoded, continuation_ids

    def prepare(self, prompts: Sequence[str], max_new_tokens: Sequence[int],
                continuations: Sequence[str] | None = None) -> PreparedBatch:
        """Tokenises and left-pads a batch; caps each row's limit at ``max_new_tokens_cap``.
        A row's continuation (text it generated in an earlier, capped batch) follows its
        rendered prompt, after the assistant header, so generation resumes where it stopped."""
        encoded, continuation_ids = self.encode_prompts(prompts, continuations)
        width = max(len(ids) for ids in encoded)
        pad_id = self.loaded.tokenizer.pad_token_id
        input_ids = torch.full((len(encoded), width), pad_id, dtype=torch.long)
        attention = torch.zeros((len(encoded), width), dtype=torch.long)
        for row, ids in enumerate(encoded):
            if ids:
                input_ids[row, width - len(ids):] = torch.tensor(ids, dtype=torch.long)
                attention[row, width - len(ids):] = 1
        limits = [self.capped(n) for n in max_new_tokens]
        return PreparedBatch(input_ids=input_ids, attention_mask=attention,
                             input_tokens=[len(ids) for ids in encoded], limits=limits,
                             continuation_ids=continuation_ids)

    def decode_new(self, body: list[int], context: list[int]) -> str:
        """The text of newly generated tokens, decoded in the context of the row's
        continuation so that word-initial spaces survive (SentencePiece drops a leading
        space when a segment is decoded alone)."""
        tokenizer = self.loaded.tokenizer
        if not context:
            return tokenizer.decode(body, skip_special_tokens=True)
        before = tokenizer.decode(context, skip_special_tokens=True)
        whole = tokenizer.decode(context + body, skip_special_tokens=True)
        if whole.startswith(before):
            return whole[len(before):]
        return tokenizer.decode(body, skip_special_tokens=True)

    def row_result(self, tokens: Sequence[int], limit: int, continuation_ids: list[int],
                   input_tokens: int) -> RowResult:
        """A request's result from the tokens generated for it (padding after an EOS allowed):
        counted by ``count_generated``, text decoded before the EOS in the context of its
        continuation. Static batches and the continuous mode both finish rows here.
        Cost: O(limit) plus a few decodes."""
        eos_ids = self.loaded.eos_token_ids
        count = count_generated(tokens, eos_ids, limit)
        body = list(tokens[:count])
        ended_with_eos = bool(body) and body[-1] in eos_ids
        if ended_with_eos:
            body = body[:-1]
        text = self.decode_new(body, continuation_ids)
        if not ended_with_eos:
            # A row cut at its limit can end inside a multi-byte character: leave that
            # character's tokens out of the text (they stay counted) so that the text, which
            # a continuation feeds back, is exact; the model generates them again when it
            # resumes (a continued answer may so count up to three tokens twice).
            held = 0
            while text.endswith("\ufffd") and held < 4 and len(body) > 1:
                body = body[:-1]
                held += 1
                text = self.decode_new(body, continuation_ids)
        return RowResult(text=text, generated_tokens=count, input_tokens=input_tokens,
                         finish_reason="eos" if ended_with_eos else "length")

    # Generation

    def greedy_config(self, max_new_tokens: int):
        """The generation settings of every request: greedy (no sampling, one beam), stopping
        at the model's EOS ids or after ``max_new_tokens``."""
        from transformers import GenerationConfig

        tokenizer = self.loaded.tokenizer
        return GenerationConfig(
            do_sample=False, num_beams=1, max_new_tokens=max_new_tokens,
            pad_token_id=tokenizer.pad_token_id, eos_token_id=list(self.loaded.eos_token_ids),
            bos_token_id=getattr(tokenizer, "bos_token_id", None),
        )

    def generate(self, batch: PreparedBatch) -> BatchResult:
        """Runs the batch to completion. Allocation failures propagate (the caller turns them
        into an ``oom`` reply with ``self.step_counter.steps``)."""
        loaded = self.loaded
        device = loaded.device
        self.step_counter.steps = 0
        config = self.greedy_config(batch.max_new_tokens)
        criteria = _row_limit_criteria(batch.padded_input_tokens, batch.limits, self.step_counter)
        started = time.perf_counter()
        with torch.inference_mode():
            sequences = loaded.model.generate(
                input_ids=batch.input_ids.to(device), attention_mask=batch.attention_mask.to(device),
                generation_config=config, stopping_criteria=[criteria],
            )
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        wall = time.perf_counter() - started
        new_tokens = sequences[:, batch.padded_input_tokens:].tolist()
        rows = [
            self.row_result(tokens, batch.limits[index],
                            batch.continuation_ids[index] if batch.continuation_ids else [],
                            batch.input_tokens[index])
            for index, tokens in enumerate(new_tokens)
        ]
        return BatchResult(
            rows=rows, padded_input_tokens=batch.padded_input_tokens,
            generated_max=max(r.generated_tokens for r in rows),
            decode_steps=len(new_tokens[0]) if new_tokens else 0, wall_seconds=wall,
        )
