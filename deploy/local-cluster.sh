#!/usr/bin/env bash
# Starts a local Magnus cluster on this machine: one coordinator, N simulated GPU workers,
# a load generator replaying a workload, and the live status view in the foreground.
# Ctrl-C stops everything (the coordinator drains first). Logs go to out/cluster/, and so does
# the coordinator's log store (out/cluster/coordinator.sqlite; delete it to start from scratch).
#
#   deploy/local-cluster.sh [--workers 8] [--rate 100] [--time-scale 20] [--data ../shared/data]
#                           [--requests 0] [--duration SECONDS] [--no-load] [--profile v100-chatglm6b]
#                           [--engine simulated|real] [--model smollm2|tiny-random] [--device cpu|cuda|auto]
#                           [--max-new-tokens N] [--policy magnus|magnus-ua|abp|glp:N|vs:N|magnus-cb|fcfs-cb|ccb]
#                           [--gateway] [--gateway-listen 127.0.0.1:8000]
# --engine real: each worker starts a Python engine process with the model (set it up first with
# deploy/setup-engine.sh); requests get --max-new-tokens 64 unless given (a CPU decodes slowly).
# --policy magnus-ua: uncertainty-aware Magnus (docs/benchmarks.md section 6).
# --policy magnus-cb (or fcfs-cb, ccb): continuous batching; the workers then run --continuous
# (iteration-level batching: the simulated engine's paged model, or with --engine real
# transformers' continuous batching; docs/benchmarks.md section 7).
# --gateway: also the OpenAI-compatible HTTP gateway (docs/http-gateway.md; needs
# pip install -r clients/python/requirements-test.txt, skipped with a message otherwise).
set -euo pipefail
cd "$(dirname "$0")/.."

workers=8 rate=100 time_scale=20 data=../shared/data requests=0 duration=0 load=1
profile=v100-chatglm6b engine=simulated model=smollm2 device=auto max_new_tokens="" policy=magnus base_port=${MAGNUS_BASE_PORT:-5555}
gateway=0 gateway_listen=127.0.0.1:8000
while [ $# -gt 0 ]; do
  case "$1" in
    --workers) workers=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --time-scale) time_scale=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --requests) requests=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --no-load) load=0; shift ;;
    --profile) profile=$2; shift 2 ;;
    --engine) engine=$2; shift 2 ;;
    --model) model=$2; shift 2 ;;
    --device) device=$2; shift 2 ;;
    --max-new-tokens) max_new_tokens=$2; shift 2 ;;
    --policy) policy=$2; shift 2 ;;
    --gateway) gateway=1; shift ;;
    --gateway-listen) gateway=1; gateway_listen=$2; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "local-cluster: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

if [ "$engine" = real ] && ! [ -x .venv-engine/bin/python ]; then
  echo "local-cluster: --engine real needs the engine's Python environment: run deploy/setup-engine.sh first" >&2
  exit 1
fi
scripts/install-deps.sh
echo "local-cluster: building (release)…"
swift build -c release 2>&1 | grep -E "error|warning: unre|Compiling|Build complete" | tail -3
bin=.build/release
logs=out/cluster
mkdir -p "$logs"

client_ep="tcp://127.0.0.1:$base_port"
worker_ep="tcp://127.0.0.1:$((base_port + 1))"
status_ep="tcp://127.0.0.1:$((base_port + 2))"

pids=()
cleanup() {
  trap - EXIT INT TERM USR1
  echo
  echo "local-cluster: stopping (coordinator drains first)…"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 50); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ $alive -eq 0 ] && break
    sleep 0.2
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  echo "local-cluster: stopped; logs in $logs/"
}
trap cleanup EXIT INT TERM
trap 'cleanup; exit 0' USR1  # the end of --duration

tasks=mt_en_zh,mt_zh_en,gec,detox,code_java_cs,code_cs_java,bugfix,code_comment
if [ -d "$data" ]; then
  training=$(echo "$tasks" | tr ',' '\n' | sed "s|^|$data/|; s|$|.jsonl|" | paste -sd, -)
  training_rows=2500
  workload=(--data "$data" --tasks "$tasks")
  echo "local-cluster: real task data from $data"
else
  training=builtin
  training_rows=0
  workload=(--synthetic --tasks "$tasks")
  echo "local-cluster: no $data; using the built-in workload generator"
fi

# The log store keeps accepted requests, results and trained models across restarts: run the
# script again and the coordinator recovers unfinished work and starts from its last models.
coordinator_args=(--client-endpoint "$client_ep" --worker-endpoint "$worker_ep" --status-endpoint "$status_ep"
  --profile "$profile" --training-data "$training" --log-path "$logs/coordinator.sqlite" --policy "$policy")
[ "$training_rows" -gt 0 ] && coordinator_args+=(--training-rows "$training_rows")
"$bin/magnus-coordinator" "${coordinator_args[@]}" >"$logs/coordinator.log" 2>&1 &
pids+=($!)

worker_args=(--coordinator "$worker_ep" --profile "$profile" --time-scale "$time_scale")
if [ "$engine" = real ]; then
  worker_args=(--coordinator "$worker_ep" --engine real --model "$model" --device "$device")
  max_new_tokens=${max_new_tokens:-64}
  echo "local-cluster: real engine ($model on $device): each worker loads the model first (up to a minute on a CPU)"
fi
case "$policy" in
  ccb|fcfs-cb|magnus-cb|magnus-cb:*)
    worker_args+=(--continuous) ;;
esac
load_args=()
[ -n "$max_new_tokens" ] && load_args+=(--max-new-tokens "$max_new_tokens")
for gpu in $(seq 0 $((workers - 1))); do
  "$bin/magnus-worker" "${worker_args[@]}" --gpu "$gpu" --id "local-gpu$gpu" >"$logs/worker$gpu.log" 2>&1 &
  pids+=($!)
done

echo "local-cluster: coordinator on $client_ep (workers $worker_ep, status $status_ep), $workers workers"
if [ $gateway -eq 1 ]; then
  if python3 -c "import zmq, fastapi, uvicorn, prometheus_client" 2>/dev/null; then
    PYTHONPATH="clients/python${PYTHONPATH:+:$PYTHONPATH}" python3 -m magnus_gateway --coordinator "$client_ep" \
      --status "$status_ep" --listen "$gateway_listen" >"$logs/gateway.log" 2>&1 &
    pids+=($!)
    echo "local-cluster: HTTP gateway on http://$gateway_listen/v1 (model 'magnus'; log in $logs/gateway.log)"
  else
    echo "local-cluster: --gateway SKIPPED: it needs pyzmq, fastapi, uvicorn and prometheus_client (pip install -r clients/python/requirements-test.txt)"
  fi
fi
if [ $load -eq 1 ]; then
  "$bin/magnus" load --coordinator "$client_ep" --rate "$rate" --requests "$requests" "${workload[@]}" ${load_args[@]+"${load_args[@]}"} \
    >"$logs/load.log" 2>&1 &
  pids+=($!)
  echo "local-cluster: replaying the workload at $rate req/s (summary in $logs/load.log)"
fi

if [ "$duration" != 0 ]; then
  ( sleep "$duration"; kill -USR1 $$ ) &
  pids+=($!)
fi
sleep 1
# The status view runs as a child that the script waits for: bash runs a trap (Ctrl-C, or
# --duration's timer) as soon as `wait` is interrupted, not only when the view exits.
"$bin/magnus" status --follow --status "$status_ep" --timeout 60 &
status_pid=$!
pids+=("$status_pid")
wait "$status_pid"
