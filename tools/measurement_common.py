"""Helpers shared by the measurement scripts in tools/: finding the repository, the data
folder and the engine package, sampling task rows, and refusing to write results where git
would pick them up. Measurement only; nothing here is used by the services."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
ENGINE_DIR = REPO_ROOT / "engine"

# The instruction each application prepends to the user input (same as the Swift catalog in
# Sources/Shared/Workload/Application.swift).
INSTRUCTIONS = {
    "mt_en_zh": "Translate the following English text into Chinese:",
    "mt_zh_en": "Translate the following Chinese text into English:",
    "gec": "Correct the grammatical errors in the following sentence:",
    "detox": "Rewrite the following text so that it is polite and free of toxic language:",
    "code_java_cs": "Translate the following Java code into C#:",
    "code_cs_java": "Translate the following C# code into Java:",
    "bugfix": "Fix the bugs in the following code:",
    "code_comment": "Write a one-sentence comment describing what the following code does:",
    "llm_chat": "You are a helpful assistant. Answer the user's request:",
}

PAPER_TASKS = ["mt_en_zh", "mt_zh_en", "gec", "detox", "code_java_cs", "code_cs_java", "bugfix", "code_comment"]


def use_engine_package() -> None:
    """Makes ``import magnus_engine`` work from tools/ (and switches HF to offline mode)."""
    if str(ENGINE_DIR) not in sys.path:
        sys.path.insert(0, str(ENGINE_DIR))
    import magnus_engine  # noqa: F401


def resolve_data_dir(argument: str) -> Path | None:
    """The data folder: a relative path is taken relative to the repository root (so
    ``../shared/data`` means the shared folder beside the checkout). None when absent."""
    path = Path(argument)
    if not path.is_absolute():
        path = REPO_ROOT / path
    return path if path.is_dir() else None


def check_output_path(argument: str) -> Path:
    """The results file: outside the repository, or inside it only where git ignores it, so
    that measured data is never committed. Exits with a message otherwise."""
    path = Path(argument).expanduser().resolve()
    try:
        path.relative_to(REPO_ROOT)
    except ValueError:
        path.parent.mkdir(parents=True, exist_ok=True)
        return path
    ignored = subprocess.run(["git", "-C", str(REPO_ROOT), "check-ignore", "-q", str(path)]).returncode == 0
    if not ignored:
        raise SystemExit(f"refusing to write {argument}: it is inside the repository and not git-ignored "
                         "(write results outside the repository, e.g. under /tmp, or under out/)")
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


@dataclass(frozen=True)
class TaskRow:
    task: str
    idx: int
    input: str
    reference: str


def task_files(data_dir: Path) -> list[Path]:
    return sorted(p for p in data_dir.glob("*.jsonl") if p.is_file())


def sample_rows(path: Path, count: int, seed: int) -> list[TaskRow]:
    """``count`` rows drawn without replacement (seeded), in file order. Rows without a
    string ``input`` and ``reference`` are skipped."""
    with path.open(encoding="utf-8") as handle:
        lines = [line for line in handle if line.strip()]
    rng = random.Random(f"{seed}:{path.name}")
    chosen = sorted(rng.sample(range(len(lines)), min(count, len(lines))))
    rows = []
    for number in chosen:
        record = json.loads(lines[number])
        if isinstance(record.get("input"), str) and isinstance(record.get("reference"), str):
            rows.append(TaskRow(task=str(record.get("task", path.stem)), idx=int(record.get("idx", number)),
                                input=record["input"], reference=record["reference"]))
    return rows


def pearson(xs: list[float], ys: list[float]) -> float:
    """Pearson correlation (nan when either side is constant or fewer than 2 points)."""
    n = len(xs)
    if n < 2:
        return float("nan")
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return float("nan")
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    return sxy / (sxx * syy) ** 0.5


def median(values: list[float]) -> float:
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return float("nan")
    middle = n // 2
    return ordered[middle] if n % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def environment_note() -> str:
    return f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs"
