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

echo "== GET /v1/events (pages of 20) and POST /v1/events, keep-alive, 8 connections, $duration"
start_mock
token=cat_1abc2def3ghi4jkl
events_page() {  # $1: label, $2: query
  printf '   %-44s ' "$1"
  PATH_QUERY="$2" wrk -t 2 -c 8 -d "$duration" --latency -s "$here/get_events.lua" "$base" |
    awk '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} END {printf "%8.0f req/s  p50 %s  p99 %s\n", rps, p50, p99}'
}
middle=$(python3 "$here/fill_events.py" "$base" "$token" cal_aliceWork00001 95)
events_page "100 events, first page" "?limit=20"
events_page "100 events, page after the 50th" "?limit=20&starting_after=$middle"
middle=$(python3 "$here/fill_events.py" "$base" "$token" cal_aliceWork00001 99900)
events_page "100,000 events, first page" "?limit=20"
events_page "100,000 events, page after the 50,000th" "?limit=20&starting_after=$middle"
echo "   mock RSS with 100,000 events: $(awk '/VmRSS/ {printf "%.1f MiB", $2/1024}' /proc/$mock_pid/status)"
printf '   %-44s ' "POST /v1/events"
wrk -t 2 -c 8 -d "$duration" --latency -s "$here/post_events.lua" "$base" |
  awk '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} END {printf "%8.0f req/s  p50 %s  p99 %s\n", rps, p50, p99}'
stop_mock
