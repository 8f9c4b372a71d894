#!/usr/bin/env python3
"""Measures the Swift heuristic token counter against SmolLM2's real tokenizer.

For N sampled rows of every task file in the data folder, counts the tokens of ``input`` and
``reference`` with SmolLM2-135M-Instruct's tokenizer (no special tokens) and with a Python port
of the Swift ``HeuristicTokenCounter`` rule, reports per task the mean absolute percentage
error and the bias of the heuristic, fits the rule's three coefficients by grid search, and
writes one text-free TSV line per counted text.

    .venv-engine/bin/python tools/measure_tokenizer.py ../shared/data /tmp/tokens.tsv --rows 1000

A relative data folder is taken relative to the repository root. The TSV must be written
outside the repository (or where git ignores it): it is measurement data, never committed.
Results and the exact command are in docs/tokenization.md.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measurement_common import (  # noqa: E402
    check_output_path,
    resolve_data_dir,
    sample_rows,
    task_files,
    use_engine_package,
)

DEFAULT_COEFFICIENTS = (4.5, 3.0, 1.0)  # lettersPerToken, digitsPerToken, tokensPerCJK


# ---------------------------------------------------------------------------------------------
# Port of Sources/Shared/Tokenization/TokenCounter.swift (HeuristicTokenCounter), for
# measurement only. One difference: Swift's `isAlphabetic` (Unicode Alphabetic property) is
# approximated with Python's `str.isalpha()` (letters, categories L*); the two differ only for
# letter numbers (Nl) and some combining marks.
# ---------------------------------------------------------------------------------------------

NONE, LETTERS, DIGITS, CJK, OTHER_LETTERS, WHITESPACE = range(6)


def is_cjk(value: int) -> bool:
    return (0x4E00 <= value <= 0x9FFF or 0x3400 <= value <= 0x4DBF or 0x20000 <= value <= 0x2A6DF
            or 0xF900 <= value <= 0xFAFF or 0x3040 <= value <= 0x30FF or 0xAC00 <= value <= 0xD7AF
            or 0x3000 <= value <= 0x303F or 0xFF00 <= value <= 0xFFEF)


def classify(char: str) -> int | None:
    """The run kind of one code point, or None for a one-token punctuation/symbol."""
    value = ord(char)
    if 0x41 <= value <= 0x5A or 0x61 <= value <= 0x7A:
        return LETTERS
    if 0x30 <= value <= 0x39:
        return DIGITS
    if value in (0x20, 0x09, 0x0A, 0x0D):
        return WHITESPACE
    if is_cjk(value):
        return CJK
    if value > 0x7F and char.isalpha():
        return OTHER_LETTERS
    return None


def heuristic_count(text: str, letters_per_token: float = 4.5, digits_per_token: float = 3.0,
                    tokens_per_cjk: float = 1.0) -> int:
    """The heuristic rule, step by step as in Swift."""
    tokens = 0.0
    kind = NONE
    run = 0
    only_one_space = True

    def close() -> None:
        nonlocal tokens, kind, run, only_one_space
        if kind == LETTERS:
            tokens += math.ceil(run / letters_per_token)
        elif kind == DIGITS:
            tokens += math.ceil(run / digits_per_token)
        elif kind == CJK:
            tokens += math.ceil(run * tokens_per_cjk)
        elif kind == OTHER_LETTERS:
            tokens += math.ceil(run / max(1.0, letters_per_token / 2))
        elif kind == WHITESPACE:
            if not (only_one_space and run == 1):
                tokens += 1
        kind, run, only_one_space = NONE, 0, True

    for char in text:
        following = classify(char)
        if following is None:
            close()
            tokens += 1
            continue
        if following != kind:
            close()
            kind = following
        if following == WHITESPACE and char != " ":
            only_one_space = False
        run += 1
    close()
    return int(tokens)


@dataclass
class RunProfile:
    """A text reduced to what the rule needs: a constant part (punctuation and whitespace
    tokens) and the lengths of its letter, digit, CJK and other-letter runs. The count for any
    coefficients is then const + Σ ceil(letters/a) + Σ ceil(digits/b) + Σ ceil(cjk·c) +
    Σ ceil(other/max(1, a/2))."""

    const: int = 0
    letters: list[int] = field(default_factory=list)
    digits: list[int] = field(default_factory=list)
    cjk: list[int] = field(default_factory=list)
    other: list[int] = field(default_factory=list)

    def count(self, a: float, b: float, c: float) -> int:
        return (self.const + sum(math.ceil(n / a) for n in self.letters)
                + sum(math.ceil(n / b) for n in self.digits) + sum(math.ceil(n * c) for n in self.cjk)
                + sum(math.ceil(n / max(1.0, a / 2)) for n in self.other))


def profile(text: str) -> RunProfile:
    result = RunProfile()
    kind, run, only_one_space = NONE, 0, True

    def close() -> None:
        nonlocal kind, run, only_one_space
        if kind == LETTERS:
            result.letters.append(run)
        elif kind == DIGITS:
            result.digits.append(run)
        elif kind == CJK:
            result.cjk.append(run)
        elif kind == OTHER_LETTERS:
            result.other.append(run)
        elif kind == WHITESPACE and not (only_one_space and run == 1):
            result.const += 1
        kind, run, only_one_space = NONE, 0, True

    for char in text:
        following = classify(char)
        if following is None:
            close()
            result.const += 1
            continue
        if following != kind:
            close()
            kind = following
        if following == WHITESPACE and char != " ":
            only_one_space = False
        run += 1
    close()
    return result


# ---------------------------------------------------------------------------------------------
# Fitting
# ---------------------------------------------------------------------------------------------

LETTER_GRID = [round(2.0 + 0.1 * i, 2) for i in range(141)]  # 2.0 .. 16.0
DIGIT_GRID = [1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0]  # 1.0 = one token per digit, the floor
CJK_GRID = [round(0.5 + 0.05 * i, 2) for i in range(41)]  # 0.5 .. 2.5


def _sum_ceil_by_row(lengths, rows, scale, divide, row_count):
    import numpy as np

    if lengths.size == 0:
        return np.zeros(row_count)
    values = np.ceil(lengths / scale - 1e-9) if divide else np.ceil(lengths * scale - 1e-9)
    return np.bincount(rows, weights=values, minlength=row_count)


def fit(profiles: list[RunProfile], real: list[int]) -> tuple[tuple[float, float, float], float]:
    """Grid search for the coefficients that minimise the mean absolute percentage error over
    all texts with at least one real token. Returns the coefficients and that error (%)."""
    import numpy as np

    keep = [i for i, r in enumerate(real) if r > 0]
    count = len(keep)
    target = np.array([real[i] for i in keep], dtype=float)
    const = np.array([profiles[i].const for i in keep], dtype=float)

    def flatten(attribute):
        lengths, rows = [], []
        for row, i in enumerate(keep):
            for n in getattr(profiles[i], attribute):
                lengths.append(n)
                rows.append(row)
        return np.array(lengths, dtype=float), np.array(rows, dtype=np.int64)

    letters, other, digits, cjk = (flatten(name) for name in ("letters", "other", "digits", "cjk"))
    by_letter = [_sum_ceil_by_row(*letters, a, True, count) + _sum_ceil_by_row(*other, max(1.0, a / 2), True, count)
                 for a in LETTER_GRID]
    by_digit = [_sum_ceil_by_row(*digits, b, True, count) for b in DIGIT_GRID]
    by_cjk = np.stack([_sum_ceil_by_row(*cjk, c, False, count) for c in CJK_GRID])
    best = (math.inf, None)
    for ia, part_a in enumerate(by_letter):
        for ib, part_b in enumerate(by_digit):
            totals = const + part_a + part_b + by_cjk  # (len(CJK_GRID), count)
            errors = np.mean(np.abs(totals - target) / target, axis=1)
            ic = int(np.argmin(errors))
            if errors[ic] < best[0]:
                best = (float(errors[ic]), (LETTER_GRID[ia], DIGIT_GRID[ib], CJK_GRID[ic]))
    return best[1], best[0] * 100


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------


def error_stats(heuristic: list[int], real: list[int]) -> tuple[float, float]:
    """(mean absolute % error, mean signed % error) over texts with real > 0."""
    pairs = [(h, r) for h, r in zip(heuristic, real) if r > 0]
    if not pairs:
        return float("nan"), float("nan")
    mape = sum(abs(h - r) / r for h, r in pairs) / len(pairs) * 100
    bias = sum((h - r) / r for h, r in pairs) / len(pairs) * 100
    return mape, bias


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data_dir", help="folder of task files (*.jsonl); relative = relative to the repo root")
    parser.add_argument("output_tsv", help="TSV to write (outside the repo or git-ignored)")
    parser.add_argument("--rows", type=int, default=1000, help="rows sampled per task file (default 1000)")
    parser.add_argument("--seed", type=int, default=1, help="sampling seed (default 1)")
    options = parser.parse_args(argv)

    data_dir = resolve_data_dir(options.data_dir)
    if data_dir is None:
        print(f"skipped: data folder {options.data_dir!r} not found (relative paths are taken from the "
              "repository root); nothing measured", file=sys.stderr)
        return 0
    files = task_files(data_dir)
    if not files:
        print(f"skipped: no *.jsonl task files in {options.data_dir!r}", file=sys.stderr)
        return 0
    output = check_output_path(options.output_tsv)

    use_engine_package()
    import os

    from transformers import AutoTokenizer

    from magnus_engine.models import smollm2_gguf_path

    started = time.perf_counter()
    folder, gguf = os.path.split(smollm2_gguf_path())
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=gguf, local_files_only=True)

    records = []  # (task, idx, field, text)
    for path in files:
        for row in sample_rows(path, options.rows, options.seed):
            records.append((row.task, row.idx, "input", row.input))
            records.append((row.task, row.idx, "reference", row.reference))
    texts = [r[3] for r in records]
    real = [len(ids) for ids in tokenizer(texts, add_special_tokens=False)["input_ids"]]
    profiles = [profile(t) for t in texts]
    default = [p.count(*DEFAULT_COEFFICIENTS) for p in profiles]
    # Self-check: the run-profile evaluation equals the step-by-step port of the Swift rule.
    for text, value in zip(texts[:2000], default[:2000]):
        assert heuristic_count(text, *DEFAULT_COEFFICIENTS) == value, text[:80]
    fitted_coefficients, fitted_mape = fit(profiles, real)
    fitted = [p.count(*fitted_coefficients) for p in profiles]

    with output.open("w", encoding="utf-8") as handle:
        handle.write("task\tidx\tfield\tchars\treal_tokens\theuristic_default\theuristic_fitted\n")
        for (task, idx, field_name, text), r, d, f in zip(records, real, default, fitted):
            handle.write(f"{task}\t{idx}\t{field_name}\t{len(text)}\t{r}\t{d}\t{f}\n")

    a, b, c = fitted_coefficients
    print(f"# tokenizer: SmolLM2-135M-Instruct ({gguf}); {len(files)} task files, up to {options.rows} rows each, "
          f"seed {options.seed}; {len(texts)} texts; {time.perf_counter() - started:.1f} s")
    print(f"# default coefficients: lettersPerToken={DEFAULT_COEFFICIENTS[0]}, digitsPerToken={DEFAULT_COEFFICIENTS[1]}, "
          f"tokensPerCJK={DEFAULT_COEFFICIENTS[2]}")
    print(f"# fitted coefficients:  lettersPerToken={a}, digitsPerToken={b}, tokensPerCJK={c} "
          f"(grid search, overall MAPE {fitted_mape:.1f} %)")
    print()
    print("| task | field | rows | real tokens/char | default MAPE % | default bias % | fitted MAPE % | fitted bias % |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    tasks = sorted({r[0] for r in records})
    groups = [(t, f) for t in tasks for f in ("input", "reference", "both")] + [("all", "both")]
    for task, field_name in groups:
        chosen = [i for i, r in enumerate(records)
                  if (task == "all" or r[0] == task) and (field_name == "both" or r[2] == field_name)]
        rr = [real[i] for i in chosen]
        chars = sum(len(texts[i]) for i in chosen)
        d_mape, d_bias = error_stats([default[i] for i in chosen], rr)
        f_mape, f_bias = error_stats([fitted[i] for i in chosen], rr)
        rows = len(chosen) if field_name != "both" else len(chosen) // 2
        ratio = sum(rr) / chars if chars else float("nan")
        print(f"| {task} | {field_name} | {rows} | {ratio:.3f} | {d_mape:.1f} | {d_bias:+.1f} | {f_mape:.1f} | {f_bias:+.1f} |")
    print()
    print(f"wrote {len(records)} lines to {options.output_tsv}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
