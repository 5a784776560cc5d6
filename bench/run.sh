#!/usr/bin/env bash
# The performance figures of chronapilot-mock, measured on this machine (see README
# "Performance"). Usage: bench/run.sh [BINARY]   (make bench builds and calls it)
# Needs wrk and python3 (scripts/install-deps.sh bench). Everything runs on 127.0.0.1.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../build/bin/chronapilot-mock}
duration=${BENCH_DURATION:-10s}
threads=${BENCH_THREADS:-4}   # wrk threads = connections (one token family each)

echo "== machine: $(nproc) cores, $(uname -sr)"
echo "== start-up and idle memory"
python3 "$here/startup.py" "$bin" 10

start_mock() {
  local out; out=$(mktemp)
  "$bin" --port 0 --quiet "$@" >"$out" 2>/dev/null &
  mock_pid=$!
  for _ in $(seq 100); do [ -s "$out" ] && break; sleep 0.01; done
  base=$(sed -E 's/.*listening on //' "$out")
  rm -f "$out"
}
stop_mock() { kill "$mock_pid"; wait "$mock_pid" 2>/dev/null || true; }

echo "== POST /oauth/token, refresh grant with rotation, keep-alive, $threads connections, $duration"
start_mock --auto-consent
TOKENS=$(python3 "$here/grants.py" "$base" "$threads" | tr '\n' ' ') \
  wrk -t "$threads" -c "$threads" -d "$duration" --latency -s "$here/refresh.lua" "$base" |
  grep -E "Requests/sec|Latency|50%|90%|99%|non-200|requests in"
echo "   mock RSS after the run: $(awk '/VmRSS/ {printf "%.1f MiB", $2/1024}' /proc/$mock_pid/status)"
stop_mock
