#!/usr/bin/env bash
# Chaos run: replays requests against a local cluster (release build) while killing workers
# at random with kill -9 (and restarting them) and killing and restarting the coordinator;
# then prints what the client saw and fails unless nothing was lost. The client delivers one
# final answer per id: a second one (a resend that crossed the answer) is dropped and counted.
#
#   scripts/chaos.sh [--requests 10000] [--rate 250] [--workers 4] [--time-scale 100]
#                    [--worker-kills-every 2] [--coordinator-kills 2] [--seed 1]
#                    [--no-resubmit-on-restart] [--coordinator-args "…"] [--drain-timeout 180]
#                    [--curve] [--no-build]
#
# Ids are idempotent, so the client (magnus load) sends again what a restarted coordinator
# may have forgotten: ids never acknowledged within 2 s, and, with --resubmit-on-restart (the
# default, for a coordinator without a durable journal), every unanswered id when it sees the
# coordinator's incarnation id (carried in every reply) change. With a journal (pass its flags in --coordinator-args) run
# with --no-resubmit-on-restart: acknowledged requests must then survive the restart on
# their own. --curve runs the whole cluster authenticated (keys from magnus keygen). Logs and
# the JSON report go to out/chaos/.
set -euo pipefail
cd "$(dirname "$0")/.."

requests=10000 rate=250 workers=4 time_scale=100 kill_every=2 coordinator_kills=2 seed=1
resubmit_on_restart=1 coordinator_args="" drain_timeout=180 curve=0 build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --requests) requests=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --workers) workers=$2; shift 2 ;;
    --time-scale) time_scale=$2; shift 2 ;;
    --worker-kills-every) kill_every=$2; shift 2 ;;
    --coordinator-kills) coordinator_kills=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --no-resubmit-on-restart) resubmit_on_restart=0; shift ;;
    --coordinator-args) coordinator_args=$2; shift 2 ;;
    --drain-timeout) drain_timeout=$2; shift 2 ;;
    --curve) curve=1; shift ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "chaos: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
RANDOM=$seed

if [ $build -eq 1 ]; then
  echo "chaos: building (release)…"
  swift build -c release 2>&1 | grep -E "error|Build complete" | tail -3
fi
bin=.build/release
logs=out/chaos
rm -rf "$logs" && mkdir -p "$logs"
sockets=$(mktemp -d /tmp/magnus-chaos-XXXXXX)
client_ep="ipc://$sockets/client" worker_ep="ipc://$sockets/worker" status_ep="ipc://$sockets/status"

coordinator_curve=() worker_curve=() client_curve=()
if [ $curve -eq 1 ]; then
  keys="$sockets/keys"
  "$bin/magnus" keygen --out "$keys" coordinator >/dev/null
  "$bin/magnus" keygen --out "$keys/clients" chaos-client >/dev/null
  for gpu in $(seq 0 $((workers - 1))); do "$bin/magnus" keygen --out "$keys/workers" "chaos-gpu$gpu" >/dev/null; done
  coordinator_curve=(--curve-secret-key-file "$keys/coordinator.key" --worker-keys "$keys/workers" --client-keys "$keys/clients")
  client_curve=(--curve-secret-key-file "$keys/clients/chaos-client.key" --coordinator-key "$keys/coordinator.pub")
fi

coordinator_pid="" load_pid=""
declare -A worker_pids
cleanup() {
  trap - EXIT INT TERM
  for pid in $load_pid $coordinator_pid "${worker_pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$sockets"
}
trap cleanup EXIT INT TERM

start_coordinator() {
  # shellcheck disable=SC2086
  "$bin/magnus-coordinator" --client-endpoint "$client_ep" --worker-endpoint "$worker_ep" \
    --status-endpoint "$status_ep" --heartbeat-interval 0.2 --heartbeat-timeout 1 "${coordinator_curve[@]}" $coordinator_args \
    >>"$logs/coordinator.log" 2>&1 &
  coordinator_pid=$!
}
start_worker() {
  [ $curve -eq 1 ] && worker_curve=(--curve-secret-key-file "$keys/workers/chaos-gpu$1.key" --coordinator-key "$keys/coordinator.pub")
  "$bin/magnus-worker" --coordinator "$worker_ep" --id "chaos-gpu$1" --time-scale "$time_scale" --seed "$1" "${worker_curve[@]}" \
    >>"$logs/worker$1.log" 2>&1 &
  worker_pids[$1]=$!
}

start_coordinator
for gpu in $(seq 0 $((workers - 1))); do start_worker "$gpu"; done
sleep 1

load_args=(--coordinator "$client_ep" --requests "$requests" --rate "$rate" --seed "$seed"
  --max-new-tokens 512 --drain-timeout "$drain_timeout" --identity chaos-client --resubmit-after 2 --report "$logs/report.json" "${client_curve[@]}")
[ $resubmit_on_restart -eq 1 ] && load_args+=(--resubmit-on-restart)
"$bin/magnus" load "${load_args[@]}" >"$logs/load.log" 2>&1 &
load_pid=$!
echo "chaos: $requests requests at $rate req/s on $workers workers (time scale $time_scale); logs in $logs/"

# The coordinator dies at evenly spaced moments of the sending phase.
sending=$(( requests / rate ))
coordinator_at=()
for k in $(seq 1 "$coordinator_kills"); do coordinator_at+=($(( sending * k / (coordinator_kills + 1) ))); done

worker_kills=0 coordinator_restarts=0 next_kill=$kill_every
declare -A restart_at
SECONDS=0
while kill -0 "$load_pid" 2>/dev/null; do
  sleep 0.25
  if [ ${#coordinator_at[@]} -gt 0 ] && [ "$SECONDS" -ge "${coordinator_at[0]}" ]; then
    coordinator_at=("${coordinator_at[@]:1}")
    kill -KILL "$coordinator_pid" 2>/dev/null || true
    wait "$coordinator_pid" 2>/dev/null || true
    echo "chaos: t=$SECONDS s: kill -9 coordinator; restarting in 1 s" | tee -a "$logs/chaos.log"
    sleep 1
    start_coordinator
    coordinator_restarts=$((coordinator_restarts + 1))
  fi
  # Workers die while requests are being sent and for a while after, one at a time, and
  # come back under the same name 1 or 2 s later.
  if [ "$SECONDS" -ge "$next_kill" ] && [ "$SECONDS" -le $((sending + 10)) ]; then
    next_kill=$(( SECONDS + 1 + RANDOM % (2 * kill_every) ))
    victim=$(( RANDOM % workers ))
    if [ -z "${restart_at[$victim]:-}" ]; then
      kill -KILL "${worker_pids[$victim]}" 2>/dev/null || true
      wait "${worker_pids[$victim]}" 2>/dev/null || true
      worker_kills=$((worker_kills + 1))
      restart_at[$victim]=$(( SECONDS + 1 + RANDOM % 2 ))
      echo "chaos: t=$SECONDS s: kill -9 worker $victim" >>"$logs/chaos.log"
    fi
  fi
  for gpu in "${!restart_at[@]}"; do
    if [ "$SECONDS" -ge "${restart_at[$gpu]}" ]; then
      unset "restart_at[$gpu]"
      start_worker "$gpu"
    fi
  done
done
wait "$load_pid" || true
load_pid=""

echo
cat "$logs/load.log" | grep -vE "^magnus load: [0-9]" || true
echo
python3 - "$logs/report.json" "$worker_kills" "$coordinator_restarts" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
refused = ", ".join(f"{k} {v}" for k, v in sorted(report["refused"].items())) or "none"
print(f"chaos: worker kills {sys.argv[2]}, coordinator kills {sys.argv[3]} (restarts seen by the client: {report['restarts']})")
print(f"chaos: submitted {report['submitted']}  acknowledged {report['acknowledged']}  answered {report['answered']}  "
      f"refused {sum(report['refused'].values())} ({refused})  lost {report['lost']} "
      f"(acknowledged {report['acknowledged_lost']})  duplicates dropped {report['duplicates_dropped']}  resent {report['resent']}  "
      f"in {report['seconds']} s")
if report["restarts"] < int(sys.argv[3]):
    print(f"chaos: note: the client saw {report['restarts']} of {sys.argv[3]} restarts (an incarnation that sent it nothing)")
ok = report["lost"] == 0
print("chaos: PASS" if ok else "chaos: FAIL (lost answers)")
sys.exit(0 if ok else 1)
EOF
