#!/usr/bin/env bash
# The continuous-batching benchmark of docs/benchmarks.md section 7: every policy side by
# side (static vs:8, magnus, magnus-ua; continuous ccb, fcfs-cb, magnus-cb, oracle-cb) on four
# workloads (the eight tasks, the eight tasks plus open chat, the two Azure traces), each at a
# rate below, near (about 0.9 of) and beyond (about 1.5 times) the capacity of paged FCFS
# continuous batching and at a saturated queue, over three seeds, on 8 simulated V100s; and
# the task data once more on 8 simulated H100s. Needs ../shared/data (task files and traces).
#
#   scripts/bench-continuous.sh [OUT]        (default out/bench-cb; about 30 minutes on 2 cores)
#
# Each run writes OUT/<workload>/bench.md (table and ratios of the first seed), bench.csv,
# bench.svg (throughput, mean and p99 latency against the rate) and seeds.md (means and ratio
# ranges over the seeds). MAGNUS_SEEDS (default 1,2,3) and MAGNUS_REQUESTS (default 10000)
# shrink it for a quick look.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-out/bench-cb}
data=${MAGNUS_DATA:-../shared/data}
seeds=${MAGNUS_SEEDS:-1,2,3}
requests=${MAGNUS_REQUESTS:-10000}
[ -f "$data/gec.jsonl" ] || { echo "bench-continuous: no task data in $data (set MAGNUS_DATA)" >&2; exit 2; }
swift build -c release --product magnus 2>&1 | grep -E "error|Build complete" || true
bin=.build/release/magnus
policies=vs:8,magnus,magnus-ua,ccb,fcfs-cb,magnus-cb,oracle-cb
tasks=mt_en_zh,mt_zh_en,gec,detox,code_java_cs,code_cs_java,bugfix,code_comment

run() {  # NAME PROFILE RATES WORKLOAD-ARGS...
  local name=$1 profile=$2 rates=$3
  shift 3
  echo "bench-continuous: $name on $profile at $rates req/s (seeds $seeds)" >&2
  mkdir -p "$out/$name"
  "$bin" bench "$@" --profile "$profile" --policies "$policies" --rates "$rates" --requests "$requests" \
    --seeds "$seeds" --out "$out/$name" >"$out/$name/stdout.md"
}

# Rates from the measured capacity of fcfs-cb on each workload (sustained req/s while the
# queue grows): tasks ≈ 250, tasks + chat ≈ 180, Azure conversation ≈ 11.5, Azure code ≈ 13.5.
run tasks v100-chatglm6b 125,225,375,10000 --data "$data" --tasks "$tasks"
run tasks-chat v100-chatglm6b 90,165,270,10000 --data "$data" --tasks "$tasks,llm_chat"
run azure-conv v100-chatglm6b 5,10,17,10000 --trace "$data/traces/AzureLLMInferenceTrace_conv.csv"
run azure-code v100-chatglm6b 6,12,20,10000 --trace "$data/traces/AzureLLMInferenceTrace_code.csv"
run tasks-h100 h100-llama3-8b 250,450,750,10000 --data "$data" --tasks "$tasks"
echo "bench-continuous: wrote $out/*/{bench.md,bench.csv,bench.svg,seeds.md}" >&2
