#!/usr/bin/env bash
# The performance figures of chronapilot-mock, measured on this machine (see README
# "Performance"). Usage: bench/run.sh BUILD_DIR   (make bench builds and calls it)
# Needs wrk and python3 (scripts/install-deps.sh bench). Everything runs on 127.0.0.1.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
bin=$build/bin/chronapilot-mock
duration=${BENCH_DURATION:-10s}

echo "== machine: $(nproc) cores, $(uname -sr)"
echo "== start-up and idle memory"
python3 "$here/startup.py" "$bin" 10

mock_pid=""
start_mock() {
  local out; out=$(mktemp)
  "$bin" --port 0 --quiet "$@" >"$out" 2>/dev/null &
  mock_pid=$!
  for _ in $(seq 200); do [ -s "$out" ] && break; sleep 0.01; done
  base=$(sed -E 's/.*listening on //' "$out")
  rm -f "$out"
}
stop_mock() { kill "$mock_pid"; wait "$mock_pid" 2>/dev/null || true; }
trap '[ -n "$mock_pid" ] && kill "$mock_pid" 2>/dev/null || true' EXIT

# wrk's summary as one line: requests/s, p50, p99.
summary() {
  awk '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /non-200/ {bad=$3}
       END {printf "%8.0f req/s  p50 %-9s p99 %-9s%s\n", rps, p50, p99, (bad != "" && bad != 0) ? "  non-200: " bad : ""}'
}
rss() { awk '/VmRSS/ {printf "%.1f MiB", $2/1024}' "/proc/$mock_pid/status"; }

echo "== POST /oauth/token, refresh grant with rotation, keep-alive, 4 connections, $duration"
# Not wrk: each answer's refresh token is the next request's, which wrk's per-thread Lua states
# could not follow with trustworthy latency figures. One token family per connection.
"$build/bin/chronapilot-bench-refresh" "${duration%s}" 4 "$bin" | sed 's/^/   /' ||
  echo "   (some refresh requests failed, see above)"

echo "== /v1/events with the fixture token, keep-alive, 8 connections, $duration each"
start_mock
events_page() {  # $1: label, $2: query
  printf '   %-44s ' "$1"
  PATH_QUERY="$2" wrk -t 2 -c 8 -d "$duration" --latency -s "$here/get_events.lua" "$base" | summary
}
middle=$(python3 "$here/fill_events.py" "$base" cat_1abc2def3ghi4jkl cal_aliceWork00001 95)
events_page "GET, 100 events, first page of 20" "?limit=20"
events_page "GET, 100 events, page after the 50th" "?limit=20&starting_after=$middle"
middle=$(python3 "$here/fill_events.py" "$base" cat_1abc2def3ghi4jkl cal_aliceWork00001 99900)
echo "   mock RSS with 100,000 events, after the fill: $(rss)"
events_page "GET, 100,000 events, first page of 20" "?limit=20"
events_page "GET, 100,000 events, page after the 50,000th" "?limit=20&starting_after=$middle"
echo "   mock RSS with 100,000 events, after the GET load: $(rss)"
stop_mock
start_mock
printf '   %-44s ' "POST /v1/events"
wrk -t 2 -c 8 -d "$duration" --latency -s "$here/post_events.lua" "$base" | summary
stop_mock

echo "== webhooks (mock and receiver in one process)"
"$build/bin/chronapilot-bench-webhooks" "${duration%s}"
