#!/usr/bin/env bash
# The performance figures of chronapilot-mock, measured on this machine (see README
# "Performance"). Usage: bench/run.sh BUILD_DIR   (make bench builds and calls it)
# Needs wrk, curl and python3 (scripts/install-deps.sh bench). Everything runs on 127.0.0.1.
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
stop_mock() { kill "$mock_pid"; wait "$mock_pid" 2>/dev/null || true; mock_pid=""; }
holder_pid=""
cleanup() {
  for pid in "$mock_pid" "$holder_pid"; do [ -z "$pid" ] || kill "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

# wrk's summary as one line: requests/s, p50, p99, and how many answers were not 2xx (a figure
# made of error answers is no figure).
summary() {
  awk '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /Non-2xx/ {bad=$NF}
       END {printf "%8.0f req/s  p50 %-9s p99 %-9s%s\n", rps, p50, p99, bad ? "  NOT 2xx: " bad : ""}'
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

# Issue target: creating events while a receiver is down slows the API by at most 10%. A fresh
# mock per round, so that both create into an equally empty account; rounds alternate which case
# goes first, so that drift in the machine's speed weighs on both alike.
rounds=${BENCH_ROUNDS:-6}
round_duration=${BENCH_ROUND_DURATION:-5s}
echo "== POST /v1/events with a webhook receiver down vs no endpoint, 8 connections," \
  "$rounds interleaved rounds of $round_duration"
# A port that refuses connections: bound, never listened on, held for the whole run.
exec 3< <(exec python3 -c 'import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1], flush=True); time.sleep(3600)')
holder_pid=$!
read -r dead_port <&3
posts() {  # $1: none | down; prints requests/s
  start_mock
  if [ "$1" = down ]; then
    curl -sf -o /dev/null -H "Authorization: Bearer cat_1abc2def3ghi4jkl" \
      -H "Content-Type: application/json" "$base/v1/webhook_endpoints" \
      -d "{\"url\":\"http://127.0.0.1:$dead_port/hooks\",\"enabled_events\":[\"event.created\"]}" ||
      echo "   could not create the webhook endpoint" >&2
  fi
  wrk -t 2 -c 8 -d "$round_duration" -s "$here/post_events.lua" "$base" |
    awk '/Requests\/sec/ {print $2} /Non-2xx/ {print "   NOT 2xx: " $NF > "/dev/stderr"}'
  stop_mock
}
none=() down=()
for r in $(seq "$rounds"); do
  if [ $((r % 2)) = 1 ]; then none+=("$(posts none)"); down+=("$(posts down)")
  else down+=("$(posts down)"); none+=("$(posts none)"); fi
  printf '   round %d: %8.0f req/s without endpoints, %8.0f req/s with a receiver down\n' \
    "$r" "${none[-1]}" "${down[-1]}"
done
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
awk -v n="$(median "${none[@]}")" -v d="$(median "${down[@]}")" 'BEGIN {
  printf "   median: %.0f req/s without endpoints, %.0f req/s with a receiver down (%+.1f%%)\n",
    n, d, (d - n) / n * 100 }'

echo "== webhooks (mock and receiver in one process)"
"$build/bin/chronapilot-bench-webhooks" "${duration%s}"
