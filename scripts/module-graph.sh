#!/usr/bin/env bash
# The module graph of the package, from `swift package describe --type json`.
#   scripts/module-graph.sh            Mermaid graph of the library and executable targets
#   scripts/module-graph.sh --tests    the same with the test targets
#   scripts/module-graph.sh --check    checks the layering rules of docs/architecture.md
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-graph}"
swift package describe --type json 2>/dev/null | python3 -c '
import json, sys
mode = sys.argv[1]
targets = {t["name"]: t for t in json.load(sys.stdin)["targets"]}
deps = {name: t.get("target_dependencies", []) for name, t in targets.items()}

def reach(name):
    seen, todo = set(), [name]
    while todo:
        for d in deps.get(todo.pop(), []):
            if d not in seen:
                seen.add(d)
                todo.append(d)
    return seen

if mode == "--check":
    rules = [
        # (target, modules it must not reach, why)
        ("Coordinator", {"Transport", "ServiceSupport", "Storage", "Worker", "CSQLite", "CZeroMQ"},
         "the coordinator core is pure: no sockets, threads, files or engines"),
        ("Worker", {"Transport", "ServiceSupport", "Coordinator", "CZeroMQ"}, "the worker core is pure"),
        ("Shared", set(targets) - {"Shared"}, "shared values depend on nothing of ours"),
        ("Simulation", {"Transport", "ServiceSupport", "CoordinatorShell", "WorkerShell", "Storage", "CZeroMQ", "CSQLite"},
         "the simulator drives the cores, never the shells"),
        ("magnus-worker", {"CSQLite", "Storage", "CoordinatorShell", "Coordinator"}, "a worker links no coordinator code"),
        ("magnus-coordinator", {"WorkerShell"}, "the coordinator links no engine-process supervisor"),
    ]
    failed = 0
    for target, banned, why in rules:
        bad = sorted(reach(target) & banned)
        if bad:
            failed += 1
            listed = ", ".join(bad)
            print(f"module-graph: {target} reaches {listed}: {why}")
    if failed:
        sys.exit(1)
    print(f"module-graph: {len(rules)} layering rules hold")
    sys.exit(0)

shown = [n for n, t in sorted(targets.items()) if mode == "--tests" or t["type"] != "test"]
print("graph TD")
for name in shown:
    for d in deps[name]:
        if d in targets:
            a, b = name.replace("-", "_"), d.replace("-", "_")
            print(f"    {a}[{name}] --> {b}[{d}]")
' "$mode"
