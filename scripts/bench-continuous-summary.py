#!/usr/bin/env python3
"""Summarises scripts/bench-continuous.sh's output against the targets of issue 13: for each
workload and rate, magnus-cb's ratios to fcfs-cb, ccb, magnus-ua and oracle-cb (means over the
seeds from seeds.md; the longest queue wait from the first seed's bench.md), as one markdown
table on standard output.

    scripts/bench-continuous-summary.py [OUT]      (default out/bench-cb)
"""
import pathlib
import sys


def table(path, first_header):
    """Rows (dicts by header) of the markdown table whose header starts with `first_header`."""
    rows, header = [], None
    for line in path.read_text().splitlines():
        if not line.startswith("|"):
            header = None if rows else header
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if header is None:
            if cells[0] == first_header[0] and cells[1] == first_header[1]:
                header = cells
            continue
        if set(cells[0]) <= set("-: "):
            continue
        rows.append(dict(zip(header, cells)))
    return rows


def number(text):
    try:
        return float(text.split()[0].rstrip("x%"))
    except (ValueError, IndexError):
        return float("nan")


def ratio(a, b):
    return f"{a / b:.2f}x" if b and a == a and b == b else "–"


def main():
    out = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "out/bench-cb")
    print("| workload | rate | throughput × fcfs-cb | sustained × fcfs-cb | mean × fcfs-cb | p99 × fcfs-cb "
          "| TTFT × fcfs-cb | longest wait × fcfs-cb (seed 1) | throughput × ccb | throughput × magnus-ua "
          "| mean × oracle-cb | preempted (magnus-cb / fcfs-cb) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for folder in sorted(p for p in out.iterdir() if (p / "seeds.md").exists()):
        seeds = table(folder / "seeds.md", ("rate", "policy"))
        waits = {(row["rate"], row["Magnus-CB against"]): row["longest wait ×"]
                 for row in table(folder / "bench.md", ("rate", "Magnus-CB against"))}
        for rate in dict.fromkeys(row["rate"] for row in seeds):
            by = {row["policy"]: row for row in seeds if row["rate"] == rate}
            m, f, c, u, o = (by.get(name) for name in ("Magnus-CB", "FCFS-CB", "CCB", "Magnus-UA", "Oracle-CB"))
            if not (m and f):
                continue
            print(f"| {folder.name} | {rate} | {m['× FCFS-CB throughput']} | "
                  f"{ratio(number(m['sustained req/s']), number(f['sustained req/s']))} | {m['× FCFS-CB mean latency']} | "
                  f"{ratio(number(m['p99 s']), number(f['p99 s']))} | {ratio(number(m['TTFT s']), number(f['TTFT s']))} | "
                  f"{waits.get((rate, 'FCFS-CB'), '–')} | {m.get('× CCB throughput', '–') if c else '–'} | "
                  f"{m.get('× Magnus-UA throughput', '–') if u else '–'} | {m.get('× Oracle-CB mean latency', '–') if o else '–'} | "
                  f"{m['preempted']} / {f['preempted']} |")


if __name__ == "__main__":
    main()
