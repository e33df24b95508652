#!/usr/bin/env bash
# One command for the load figures: builds Release, starts redis-server, the fake providers
# (instant), the floor and the service on loopback, measures with wrk, and prints a table with
# each figure's ratio to the floor measured in the same run. Everything it starts, it stops.
#   ./bench/run.sh                 # full run (seeds 1M connections: a few minutes)
#   BENCH_QUICK=1 ./bench/run.sh   # shorter runs, 100k instead of 1M
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export BENCH_DIR="$ROOT/bench" DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
DURATION=${BENCH_DURATION:-10s}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
BIG=${BENCH_BIG:-1000000}
if [ -n "${BENCH_QUICK:-}" ]; then DURATION=5s; BIG=100000; fi
DURATION=${BENCH_DURATION:-$DURATION}
WORK=$(mktemp -d /tmp/wearables-bench.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v redis-server >/dev/null || need+=(redis-server)
if [ ${#need[@]} -gt 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" </dev/null; fi

echo "building (Release)…" >&2
for p in src/Wearables.Api bench/Wearables.Bench.Floor bench/Wearables.Bench.Seeder tests/Wearables.Fakes; do
  dotnet build "$p" -c Release --nologo -v quiet -clp:ErrorsOnly >/dev/null
done
bin() { echo "$ROOT/$1/bin/Release/net10.0/$2"; }

wait_http() { for _ in $(seq 1 150); do curl -s -o /dev/null "$1" && return 0; sleep 0.2; done; echo "timeout waiting for $1" >&2; return 1; }
peak_rss_mb() { awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$1/status" 2>/dev/null || echo "?"; }

REDIS_PORT=7600; FLOOR_PORT=7620; REDIS_SVC_PORT=7630; EMB_SVC_PORT=7640
redis-server --port $REDIS_PORT --bind 127.0.0.1 --save "" --appendonly no --daemonize no >"$WORK/redis.log" 2>&1 & PIDS+=($!)
CLIENT_ID=bench-client-1234; CLIENT_SECRET=bench-secret
"$(bin tests/Wearables.Fakes Wearables.Fakes)" --strava-port 7611 --polar-port 7612 --junction-port 7613 \
  --client-id $CLIENT_ID --client-secret $CLIENT_SECRET --junction-api-key bench --instant --accept-any-code >"$WORK/fakes.log" 2>&1 & PIDS+=($!)
"$(bin bench/Wearables.Bench.Floor Wearables.Bench.Floor)" --urls http://127.0.0.1:$FLOOR_PORT --Redis 127.0.0.1:$REDIS_PORT >"$WORK/floor.log" 2>&1 & FLOOR_PID=$!; PIDS+=($FLOOR_PID)

ADMIN_KEY="wk_benchkey_$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=' | head -c 43)"
start_service() { # name port storage
  local dir="$WORK/$1"; mkdir -p "$dir"
  ASPNETCORE_ENVIRONMENT=Production "$(bin src/Wearables.Api Wearables.Api)" --urls "http://127.0.0.1:$2" \
    --Wearables:Storage="$3" --ConnectionStrings:Redis="127.0.0.1:$REDIS_PORT" --Wearables:DataDirectory="$dir" \
    --Wearables:Encryption:MasterKey="$(head -c 32 /dev/urandom | base64)" --Wearables:Bootstrap:Project=bench \
    --Wearables:Bootstrap:AdminApiKey="$ADMIN_KEY" --Wearables:PublicBaseUrl="http://127.0.0.1:$2" \
    --Wearables:Providers:strava:AuthorizeUrl=http://127.0.0.1:7611/oauth/authorize \
    --Wearables:Providers:strava:TokenUrl=http://127.0.0.1:7611/oauth/token \
    --Wearables:Providers:strava:ApiBaseUrl=http://127.0.0.1:7611/api/v3 \
    --Serilog:MinimumLevel:Default=Warning >"$dir/service.log" 2>&1 &
  PIDS+=($!); echo $! >"$dir/pid"
  wait_http "http://127.0.0.1:$2/health/live"
  local h=(-H "X-API-Key: $ADMIN_KEY" -H 'Content-Type: application/json')
  curl -sf -X PUT "${h[@]}" -d "{\"clientId\":\"$CLIENT_ID\",\"clientSecret\":\"$CLIENT_SECRET\"}" "http://127.0.0.1:$2/v1/wearables/strava/credentials" >/dev/null
  curl -sf -X PUT "${h[@]}" -d '{"value":true}' "http://127.0.0.1:$2/v1/project/settings/WEARABLE_STRAVA_ENABLED" >/dev/null
}

RESULTS="$WORK/results.txt"; : >"$RESULTS"
measure() { # name url script [delay_ms] [connections]
  local name=$1 url=$2 script=$3 delay=${4:-0} conns=${5:-$CONNECTIONS}
  BENCH_NAME=$name BENCH_DELAY_MS=$delay wrk -t2 -c"$conns" -d"$DURATION" -s "$BENCH_DIR/wrk/$script" "$url" 2>&1 | tee "$WORK/$name.wrk" | grep '^RESULT' >>"$RESULTS" || true
  echo "  measured $name" >&2
}
warm() { BENCH_NAME=warmup wrk -t2 -c32 -d6s -s "$BENCH_DIR/wrk/$2" "$1" >/dev/null 2>&1 || true; }

wait_http "http://127.0.0.1:$FLOOR_PORT/" || true
echo "floor…" >&2
export BENCH_PATH=/floor BENCH_BODY=''
warm "http://127.0.0.1:$FLOOR_PORT" post.lua
measure floor "http://127.0.0.1:$FLOOR_PORT" post.lua
FLOOR_RSS=$(peak_rss_mb $FLOOR_PID)

echo "connect (Redis storage)…" >&2
start_service redis $REDIS_SVC_PORT Redis
export BENCH_KEY=$ADMIN_KEY BENCH_PATH=/v1/wearables/strava/connect BENCH_BODY='{"patientId":"bench-patient"}'
warm "http://127.0.0.1:$REDIS_SVC_PORT" post.lua
measure connect_redis "http://127.0.0.1:$REDIS_SVC_PORT" post.lua
measure connect_redis_1k_rps "http://127.0.0.1:$REDIS_SVC_PORT" post.lua 10 10
REDIS_RSS=$(peak_rss_mb "$(cat "$WORK/redis/pid")")

echo "connect (Embedded storage)…" >&2
start_service embedded $EMB_SVC_PORT Embedded
warm "http://127.0.0.1:$EMB_SVC_PORT" post.lua
BENCH_VARY_PATIENT=1 BENCH_STATES="$WORK/states" measure connect_embedded "http://127.0.0.1:$EMB_SVC_PORT" post.lua

echo "callback (Embedded storage, instant fake provider)…" >&2
cat "$WORK"/states.* >"$WORK/states.all" 2>/dev/null || true
BENCH_STATES_FILE="$WORK/states.all" BENCH_THREADS=2 measure callback "http://127.0.0.1:$EMB_SVC_PORT" callback.lua
# The provider's own share: the fake token endpoint alone, same client.
BENCH_CONTENT_TYPE=application/x-www-form-urlencoded BENCH_PATH=/oauth/token BENCH_BODY="client_id=$CLIENT_ID&client_secret=$CLIENT_SECRET&code=x&grant_type=authorization_code" BENCH_KEY= \
  measure provider_token "http://127.0.0.1:7611" post.lua

echo "list connections…" >&2
DB="$WORK/embedded/wearables.db"
"$(bin bench/Wearables.Bench.Seeder Wearables.Bench.Seeder)" "$DB" bench 1000 >&2
export BENCH_KEY=$ADMIN_KEY
BENCH_PATH=/api/v1/users/bench-10/connections warm "http://127.0.0.1:$EMB_SVC_PORT" get.lua
for n in 1 10 100; do BENCH_PATH=/api/v1/users/bench-$n/connections measure "list_${n}_of_1k" "http://127.0.0.1:$EMB_SVC_PORT" get.lua; done
BENCH_PATH=/api/v1/users/bench-10/connections measure list_10_of_1k_at_1k_rps "http://127.0.0.1:$EMB_SVC_PORT" get.lua 10 10
"$(bin bench/Wearables.Bench.Seeder Wearables.Bench.Seeder)" "$DB" bench "$BIG" >&2 || true
for n in 1 100; do BENCH_PATH=/api/v1/users/bench-$n/connections measure "list_${n}_of_$((BIG / 1000))k" "http://127.0.0.1:$EMB_SVC_PORT" get.lua; done
EMB_RSS=$(peak_rss_mb "$(cat "$WORK/embedded/pid")")

echo
printf "%-28s %10s %9s %9s %7s %8s %8s\n" scenario "req/s" "p50 ms" "p99 ms" errors "non-2xx" "x floor"
floor_rps=$(awk '$2=="floor" {print $3}' "$RESULTS")
while read -r _ name rps p50 p99 errs non2xx; do
  ratio=$(awk -v a="$rps" -v b="$floor_rps" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "?" }')
  printf "%-28s %10s %9s %9s %7s %8s %8s\n" "$name" "$rps" "$p50" "$p99" "$errs" "$non2xx" "$ratio"
done <"$RESULTS"
echo
echo "peak RSS (MB): floor $FLOOR_RSS, service/Redis $REDIS_RSS, service/Embedded (incl. ${BIG} stored) $EMB_RSS"
echo "(non-2xx for callback: states reused after the minted ones ran out; callback redirects are 200 here, no redirectUri)"
echo "raw wrk output: $WORK"
