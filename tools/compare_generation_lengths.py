#!/usr/bin/env python3
"""Generation-length realism: SmolLM2's real greedy generation lengths vs the reference
outputs' lengths that the simulator uses as stand-ins.

Samples ``--per-task`` rows of each of the paper's eight tasks from the data folder, builds
each prompt as the application's instruction, a newline and the user input, and runs them
through the engine's own batch generator (chat template, left padding, greedy, static
batches) with ``--max-new-tokens``. Batches stay within one task and take their sizes in turn
from ``--batch-sizes``. Reports per task: Pearson correlation of generated vs reference length
and of generated vs input length (all in SmolLM2 tokens), the median ratio generated/reference,
and the share of rows that hit the cap; writes each batch's wall time to a CSV and each row's
lengths to a TSV (both text-free, outside the repository or git-ignored).

    .venv-engine/bin/python tools/compare_generation_lengths.py ../shared/data \\
        --batches-csv /tmp/batches.csv --rows-tsv /tmp/rows.tsv

A relative data folder is taken relative to the repository root. ``--time-budget-seconds``
stops starting new batches once it is spent (tasks run interleaved, so every task gets some
rows); the report says how many rows ran. Results are in docs/real-engine.md.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measurement_common import (  # noqa: E402
    INSTRUCTIONS,
    PAPER_TASKS,
    check_output_path,
    environment_note,
    median,
    pearson,
    resolve_data_dir,
    sample_rows,
    use_engine_package,
)


def plan_batches(rows_by_task: dict, sizes: list[int]) -> list[tuple[str, list]]:
    """Per task, consecutive batches whose sizes cycle through ``sizes``; the tasks' batches
    are then interleaved round-robin so that a time budget cuts every task alike."""
    per_task = {}
    for task, rows in rows_by_task.items():
        batches, start, turn = [], 0, 0
        while start < len(rows):
            size = sizes[turn % len(sizes)]
            batches.append((task, rows[start:start + size]))
            start += size
            turn += 1
        per_task[task] = batches
    order = []
    depth = max((len(b) for b in per_task.values()), default=0)
    for level in range(depth):
        for task in rows_by_task:
            if level < len(per_task[task]):
                order.append(per_task[task][level])
    return order


def fmt(value: float, digits: int = 2) -> str:
    return "n/a" if value != value else f"{value:.{digits}f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data_dir", help="folder of task files; relative = relative to the repo root")
    parser.add_argument("--batches-csv", required=True, help="CSV of batch wall times to write (outside git)")
    parser.add_argument("--rows-tsv", help="optional TSV of per-row lengths to write (outside git)")
    parser.add_argument("--per-task", type=int, default=30, help="rows per task (default 30)")
    parser.add_argument("--max-new-tokens", type=int, default=256, help="generation cap (default 256)")
    parser.add_argument("--batch-sizes", default="1,2,4,8", help="batch sizes used in turn (default 1,2,4,8)")
    parser.add_argument("--tasks", default=",".join(PAPER_TASKS), help="comma-separated tasks")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads (default 1: steadier on a shared 2-core machine)")
    parser.add_argument("--seed", type=int, default=7, help="sampling seed (default 7)")
    parser.add_argument("--time-budget-seconds", type=float, default=0,
                        help="start no new batch after this many seconds (0 = no limit)")
    options = parser.parse_args(argv)

    data_dir = resolve_data_dir(options.data_dir)
    if data_dir is None:
        print(f"skipped: data folder {options.data_dir!r} not found (relative paths are taken from the "
              "repository root); nothing measured", file=sys.stderr)
        return 0
    batches_path = check_output_path(options.batches_csv)
    rows_path = check_output_path(options.rows_tsv) if options.rows_tsv else None
    sizes = [int(s) for s in options.batch_sizes.split(",") if s.strip()]
    tasks = [t for t in options.tasks.split(",") if t]

    use_engine_package()
    import torch

    from magnus_engine.generation import BatchGenerator
    from magnus_engine.models import load_model

    torch.manual_seed(0)
    torch.set_num_threads(options.threads)
    load_started = time.perf_counter()
    loaded = load_model("smollm2", torch.device("cpu"))
    generator = BatchGenerator(loaded, max_new_tokens_cap=options.max_new_tokens)
    generator.generate(generator.prepare(["Hello"], [1]))  # warm-up, not measured
    load_seconds = time.perf_counter() - load_started

    rows_by_task = {}
    for task in tasks:
        path = data_dir / f"{task}.jsonl"
        if not path.is_file():
            print(f"note: {path.name} not found; task {task} skipped", file=sys.stderr)
            continue
        rows_by_task[task] = sample_rows(path, options.per_task, options.seed)

    results = {task: [] for task in rows_by_task}  # task -> [(idx, user_in, prompt_in, ref, gen, reason)]
    batch_records = []
    started = time.perf_counter()
    planned = plan_batches(rows_by_task, sizes)
    for number, (task, rows) in enumerate(planned, 1):
        if options.time_budget_seconds and time.perf_counter() - started > options.time_budget_seconds:
            print(f"time budget spent: ran {number - 1} of {len(planned)} batches", file=sys.stderr)
            break
        prompts = [f"{INSTRUCTIONS[task]}\n{row.input}" for row in rows]
        batch = generator.prepare(prompts, [options.max_new_tokens] * len(rows))
        result = generator.generate(batch)
        user_tokens = generator.count_tokens([row.input for row in rows])
        reference_tokens = generator.count_tokens([row.reference for row in rows])
        for row, out, user_in, ref in zip(rows, result.rows, user_tokens, reference_tokens):
            results[task].append((row.idx, user_in, out.input_tokens, ref, out.generated_tokens, out.finish_reason))
        batch_records.append((task, len(rows), result.padded_input_tokens, result.generated_max,
                              result.decode_steps, result.wall_seconds))
        print(f"[{number}/{len(planned)}] {task} β={len(rows)} L={result.padded_input_tokens} "
              f"G={result.generated_max} {result.wall_seconds:.1f} s", file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - started

    with batches_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["task", "batch_size", "padded_input_tokens", "generated_max", "decode_steps", "wall_seconds"])
        for record in batch_records:
            writer.writerow([*record[:5], f"{record[5]:.4f}"])
    if rows_path:
        with rows_path.open("w", encoding="utf-8") as handle:
            handle.write("task\tidx\tuser_input_tokens\tprompt_tokens\treference_tokens\tgenerated_tokens\tfinish_reason\n")
            for task, items in results.items():
                for item in items:
                    handle.write("\t".join(str(v) for v in (task, *item)) + "\n")

    cap = options.max_new_tokens
    total_rows = sum(len(v) for v in results.values())
    print(f"# SmolLM2-135M-Instruct (GGUF Q4_1 de-quantised to float32), CPU, {options.threads} thread(s), "
          f"{environment_note()}; max_new_tokens {cap}; batch sizes {options.batch_sizes}; "
          f"{total_rows} rows in {len(batch_records)} batches; generation {elapsed:.0f} s "
          f"(+ {load_seconds:.0f} s load and warm-up)")
    print()
    print("| task | rows | r(gen, ref) | r(gen, input) | r(ref, input) | median gen/ref | "
          "median gen | median ref | hit cap |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    pooled = []
    for task, items in list(results.items()) + [("all", None)]:
        items = pooled if items is None else items
        if task != "all":
            pooled.extend(items)
        if not items:
            continue
        user_in = [float(i[1]) for i in items]
        ref = [float(i[3]) for i in items]
        gen = [float(i[4]) for i in items]
        ratios = [g / r for g, r in zip(gen, ref) if r > 0]
        capped = sum(1 for i in items if i[5] == "length") / len(items)
        print(f"| {task} | {len(items)} | {fmt(pearson(gen, ref))} | {fmt(pearson(gen, user_in))} | "
              f"{fmt(pearson(ref, user_in))} | {fmt(median(ratios))} | {fmt(median(gen), 0)} | "
              f"{fmt(median(ref), 0)} | {capped * 100:.0f} % |")
    print()
    steps = sum(r[4] for r in batch_records)
    seconds = sum(r[5] for r in batch_records)
    print(f"batches: {len(batch_records)}, decode steps {steps}, {seconds:.0f} s, "
          f"{seconds / max(1, steps) * 1000:.0f} ms per step on average", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
