#!/usr/bin/env bash
# One command for the load figures: builds Release, starts redis-server, the fake providers
# (instant), the floor and the service on loopback, measures with wrk, and prints a table with
# each figure's ratio to the floor measured in the same run. Everything it starts, it stops.
#   ./bench/run.sh                        # full run (seeds 1M embedded and 4k FHIR connections: a few minutes)
#   BENCH_QUICK=1 ./bench/run.sh          # shorter runs, 100k instead of 1M, 2k FHIR instead of 4k
#   BENCH_ONLY="list_fhir" ./bench/run.sh # only these groups (of: connect callback token list list_fhir storm warmup webhook); the floor always runs
# Besides wrk's figures, each row shows the service's CPU time per request (user+sys from /proc, over the
# row), its allocations per request (Wearables:Diagnostics:AllocationsFile) and its peak RSS during the row.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export BENCH_DIR="$ROOT/bench" DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
DURATION=${BENCH_DURATION:-10s}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
BIG=${BENCH_BIG:-1000000}
# The FHIR engine of the tests answers identifier and _tag searches from an index (tests/fhir-server/repository.mjs),
# so seeding is linear: one conditional create per Endpoint, a few ms each.
FHIR_BIG=${BENCH_FHIR_BIG:-100000}
STORM_CALLERS=${BENCH_STORM_CALLERS:-1000}
if [ -n "${BENCH_QUICK:-}" ]; then DURATION=5s; BIG=100000; FHIR_BIG=10000; fi
DURATION=${BENCH_DURATION:-$DURATION}
ONLY=" ${BENCH_ONLY:-connect callback token list list_fhir storm warmup webhook} "
want() { [[ "$ONLY" == *" $1 "* ]]; }
for g in $ONLY; do case $g in floor|connect|callback|token|list|list_fhir|storm|warmup|webhook) ;; *) echo "BENCH_ONLY: unknown group $g" >&2; exit 2;; esac; done
WORK=$(mktemp -d /tmp/wearables-bench.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v redis-server >/dev/null || need+=(redis-server)
if want webhook; then command -v python3 >/dev/null || need+=(python3); fi
if want list_fhir || want storm; then
  command -v node >/dev/null || need+=(nodejs)
  command -v npm >/dev/null || need+=(npm)
fi
if [ ${#need[@]} -gt 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" </dev/null; fi
if { want list_fhir || want storm; } && [ ! -d tests/fhir-server/node_modules/@medplum/fhir-router ]; then
  (cd tests/fhir-server && npm ci --no-audit --no-fund --loglevel=error </dev/null >&2)
fi

# BENCH_NO_BUILD=1: use the Release binaries already built (repeated runs of one build).
[ -n "${BENCH_NO_BUILD:-}" ] || echo "building (Release)…" >&2
[ -n "${BENCH_NO_BUILD:-}" ] || for p in src/Wearables.Api bench/Wearables.Bench.Floor bench/Wearables.Bench.Seeder bench/Wearables.Bench.Driver tests/Wearables.Fakes; do
  dotnet build "$p" -c Release --nologo -v quiet -clp:ErrorsOnly >"$WORK/build.log" || { cat "$WORK/build.log" >&2; exit 1; }
done
bin() { echo "$ROOT/$1/bin/Release/net10.0/$2"; }
SEEDER=$(bin bench/Wearables.Bench.Seeder Wearables.Bench.Seeder)
DRIVER=$(bin bench/Wearables.Bench.Driver Wearables.Bench.Driver)

wait_http() { for _ in $(seq 1 150); do curl -s -o /dev/null "$1" && return 0; sleep 0.2; done; echo "timeout waiting for $1" >&2; return 1; }
peak_rss_mb() { awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$1/status" 2>/dev/null || echo "?"; }

REDIS_PORT=7600; FLOOR_PORT=7620; REDIS_SVC_PORT=7630; EMB_SVC_PORT=7640; FHIR_PORT=7615; FHIR_SVC_PORT=7635; LIST_SVC_PORT=7645
STORM_FAKE_PORT=7651; STORM_A_PORT=7671; STORM_B_PORT=7672; COLD_PORT=7680
# Fixed ports: a second run at the same time (another checkout's) would measure the other run's processes.
for port in $REDIS_PORT $FLOOR_PORT $REDIS_SVC_PORT $EMB_SVC_PORT $FHIR_PORT $FHIR_SVC_PORT $LIST_SVC_PORT 7611 7612 7613 \
    $STORM_FAKE_PORT $((STORM_FAKE_PORT + 1)) $((STORM_FAKE_PORT + 2)) $STORM_A_PORT $STORM_B_PORT $COLD_PORT; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "port $port is in use (another bench run?): stop it first" >&2; exit 1; fi
done
redis-server --port $REDIS_PORT --bind 127.0.0.1 --save "" --appendonly no --daemonize no >"$WORK/redis.log" 2>&1 & PIDS+=($!)
CLIENT_ID=bench-client-1234; CLIENT_SECRET=bench-secret
"$(bin tests/Wearables.Fakes Wearables.Fakes)" --strava-port 7611 --polar-port 7612 --junction-port 7613 \
  --client-id $CLIENT_ID --client-secret $CLIENT_SECRET --junction-api-key bench --instant --accept-any-code >"$WORK/fakes.log" 2>&1 & PIDS+=($!)
mkdir -p "$WORK/fakes"; echo $! >"$WORK/fakes/pid"
"$(bin bench/Wearables.Bench.Floor Wearables.Bench.Floor)" --urls http://127.0.0.1:$FLOOR_PORT --Redis 127.0.0.1:$REDIS_PORT >"$WORK/floor.log" 2>&1 & FLOOR_PID=$!; PIDS+=($FLOOR_PID)
mkdir -p "$WORK/floor"; echo $FLOOR_PID >"$WORK/floor/pid"

# One master key for every service: the Redis-storage instances share the project's sealed credentials.
MASTER_KEY=$(head -c 32 /dev/urandom | base64)
ADMIN_KEY="wk_benchkey_$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=' | head -c 43)"
start_service() { # name port storage [more settings…]
  local name=$1 port=$2 storage=$3; shift 3
  local dir="$WORK/$name"; mkdir -p "$dir"
  # BENCH_SERVICE_ENV: runtime settings to try on every service, e.g. "DOTNET_TieredPGO=0" (README, Performance).
  # BENCH_SERVICE_BIN: another build of the service, e.g. a ReadyToRun publish (README, Performance).
  env ${BENCH_SERVICE_ENV:-} ASPNETCORE_ENVIRONMENT=Production "${BENCH_SERVICE_BIN:-$(bin src/Wearables.Api Wearables.Api)}" --urls "http://127.0.0.1:$port" \
    --Wearables:Storage="$storage" --ConnectionStrings:Redis="127.0.0.1:$REDIS_PORT" --Wearables:DataDirectory="$dir" \
    --Wearables:Encryption:MasterKey="$MASTER_KEY" --Wearables:Bootstrap:Project=bench \
    --Wearables:Bootstrap:AdminApiKey="$ADMIN_KEY" --Wearables:PublicBaseUrl="http://127.0.0.1:$port" \
    --Wearables:Providers:strava:AuthorizeUrl=http://127.0.0.1:7611/oauth/authorize \
    --Wearables:Providers:strava:TokenUrl=http://127.0.0.1:7611/oauth/token \
    --Wearables:Providers:strava:ApiBaseUrl=http://127.0.0.1:7611/api/v3 \
    --Wearables:Limits:Callback:PermitsPerMinute=1000000000 --Wearables:Limits:Health:PermitsPerMinute=1000000000 \
    --Wearables:Limits:PendingStatesPerProject=1000000000 \
    --Wearables:Diagnostics:AllocationsFile="$dir/allocated" --Serilog:MinimumLevel:Default=Warning "$@" >"$dir/service.log" 2>&1 &
  PIDS+=($!); echo $! >"$dir/pid"; SVC=$name
  wait_http "http://127.0.0.1:$port/health/live"
  local h=(-H "X-API-Key: $ADMIN_KEY" -H 'Content-Type: application/json')
  curl -sf -X PUT "${h[@]}" -d "{\"clientId\":\"$CLIENT_ID\",\"clientSecret\":\"$CLIENT_SECRET\"}" "http://127.0.0.1:$port/v1/wearables/strava/credentials" >/dev/null
  curl -sf -X PUT "${h[@]}" -d '{"value":true}' "http://127.0.0.1:$port/v1/project/settings/WEARABLE_STRAVA_ENABLED" >/dev/null
}
# connect, callback and list share one service with embedded storage (callbacks take the states connect minted).
# Server-Timing (for the callback's own time) is on for this service only (a stopwatch and a proxy per store call);
# the Redis connect service, compared with the floor, runs without it.
ensure_embedded() { [ -f "$WORK/embedded/pid" ] || start_service embedded $EMB_SVC_PORT Embedded --Wearables:Diagnostics:ServerTiming=true; SVC=embedded; }
# Redis storage, embedded connections, no Server-Timing: connect, token, and the unknown-state callback.
ensure_redis() { [ -f "$WORK/redis/pid" ] || start_service redis $REDIS_SVC_PORT Redis; SVC=redis; }
ensure_fhir() {
  [ -n "${FHIR_PID:-}" ] && return 0
  (cd tests/fhir-server && exec node server.mjs --port $FHIR_PORT) >"$WORK/fhir.log" 2>&1 & FHIR_PID=$!; PIDS+=($FHIR_PID)
  wait_http "http://127.0.0.1:$FHIR_PORT/__health"
}

RESULTS="$WORK/results.txt"; : >"$RESULTS"
# Per row, of the process measured ($SVC: its pid and allocation files are under $WORK/$SVC): CPU µs and KB allocated
# per request, and the peak RSS during the row (VmHWM, reset before the row through clear_refs).
EXTRA="$WORK/extra.txt"; : >"$EXTRA"
CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
allocated() { awk '{print $1}' "$1" 2>/dev/null || echo -; }
# The floor again, just before each unpaced row of another process (BENCH_NEAR_FLOOR seconds, 0 for none): this
# machine's floor moved 28k-42k req/s within an hour, so a row minutes after the run's floor row was compared with
# a machine that was no longer there. The table's "x near" column divides by this adjacent floor.
NEAR_FLOOR=${BENCH_NEAR_FLOOR:-3}
NEAR="$WORK/near.txt"; : >"$NEAR"
near_floor() { # name
  [ "$NEAR_FLOOR" != 0 ] || return 0
  local rps
  # Unset, not empty: the wrk scripts test these for presence.
  rps=$(env -u BENCH_KEY -u BENCH_VARY_PATIENT -u BENCH_STATES -u BENCH_EVENTS_FILE -u BENCH_CONTENT_TYPE BENCH_NAME=near BENCH_PATH=/floor BENCH_BODY='' BENCH_DELAY_MS=0 \
    wrk -t2 -c"$CONNECTIONS" -d"${NEAR_FLOOR}s" --timeout 2s -s "$BENCH_DIR/wrk/post.lua" "http://127.0.0.1:$FLOOR_PORT" 2>/dev/null | awk '$1 == "RESULT" {print $3}')
  echo "$1 ${rps:--}" >>"$NEAR"
}
measure() { # name url script [delay_ms] [connections]
  local name=$1 url=$2 script=$3 delay=${4:-0} conns=${5:-$CONNECTIONS}
  local dir="$WORK/${SVC:-floor}" pid; pid=$(cat "$dir/pid")
  # (Unless measured already: a row that counts Redis commands takes its near floor before it starts counting.)
  if [ "$delay" = 0 ] && [ "${SVC:-floor}" != floor ] && ! awk -v n="$name" '$1 == n {found = 1} END {exit !found}' "$NEAR"; then near_floor "$name"; fi
  echo 5 >"/proc/$pid/clear_refs" 2>/dev/null || true
  local t0 a0; t0=$(cpu_ticks "$pid"); a0=$(allocated "$dir/allocated")
  BENCH_NAME=$name BENCH_DELAY_MS=$delay wrk -t2 -c"$conns" -d"$DURATION" --timeout "${BENCH_TIMEOUT:-2s}" -s "$BENCH_DIR/wrk/$script" "$url" 2>&1 | tee "$WORK/$name.wrk" | grep '^RESULT' >>"$RESULTS" || true
  sleep 0.3 # the allocations file is rewritten every 250 ms
  local t1 a1 n; t1=$(cpu_ticks "$pid"); a1=$(allocated "$dir/allocated")
  n=$(awk -v n="$name" '$1 == "RESULT" && $2 == n {print $9}' "$RESULTS" | tail -1)
  awk -v n="$name" -v t="$((t1 - t0))" -v hz="$CLK_TCK" -v a0="$a0" -v a1="$a1" -v req="${n:-0}" -v rss="$(peak_rss_mb "$pid")" 'BEGIN {
    cpu = req > 0 ? sprintf("%.0f", t / hz * 1e6 / req) : "-"
    alloc = (req > 0 && a0 != "-" && a1 != "-") ? sprintf("%.1f", (a1 - a0) / 1024 / req) : "-"
    print n, cpu, alloc, rss }' >>"$EXTRA"
  echo "  measured $name" >&2
}
# Warm-up long enough for tiered JIT (and its PGO) to settle: with 6 s, connect varied 2.5k–4.2k req/s run to run.
WARM=${BENCH_WARM:-15s}
warm() { BENCH_NAME=warm wrk -t2 -c32 -d"$WARM" --timeout "${BENCH_TIMEOUT:-2s}" -s "$BENCH_DIR/wrk/$2" "$1" >/dev/null 2>&1 || true; }

wait_http "http://127.0.0.1:$FLOOR_PORT/" || true
echo "floor…" >&2
export BENCH_PATH=/floor BENCH_BODY=''
SVC=floor
warm "http://127.0.0.1:$FLOOR_PORT" post.lua
measure floor "http://127.0.0.1:$FLOOR_PORT" post.lua
# The same pacing as the *_1k_rps rows: what this machine's p99 is at ≈ 1k req/s for the least connect can do.
measure floor_1k_rps "http://127.0.0.1:$FLOOR_PORT" post.lua 10 10
FLOOR_RSS=$(peak_rss_mb $FLOOR_PID)
RSS_NOTE="floor $FLOOR_RSS"
NOTES=()

CONNECT_BODY='{"patientId":"bench-patient"}'
if want connect; then
  echo "connect (Redis storage)…" >&2
  ensure_redis
  export BENCH_KEY=$ADMIN_KEY BENCH_PATH=/v1/wearables/strava/connect BENCH_BODY=$CONNECT_BODY
  warm "http://127.0.0.1:$REDIS_SVC_PORT" post.lua
  measure connect_redis "http://127.0.0.1:$REDIS_SVC_PORT" post.lua
  measure connect_redis_64_conns "http://127.0.0.1:$REDIS_SVC_PORT" post.lua 0 64
  measure connect_redis_1k_rps "http://127.0.0.1:$REDIS_SVC_PORT" post.lua 10 10
  # The rows above send one patient's flows: past the third pending flow, every connect drops the oldest and
  # deletes its state (a second round trip). A flow of a patient with none pending is the common case.
  BENCH_VARY_PATIENT=1 measure connect_redis_new_patients "http://127.0.0.1:$REDIS_SVC_PORT" post.lua
  NOTES+=("connect_redis, connect_redis_64_conns, connect_redis_1k_rps: one patient's flows, so each connect drops the oldest pending flow (its state deleted: one more round trip); connect_redis_new_patients: a new patient each time, nothing dropped")
  # Our stack alone (Kestrel, middleware, API-key auth, MVC, MediatR, settings from the cache): no store round trip.
  BENCH_PATH=/v1/project/settings measure stack_floor_settings_get "http://127.0.0.1:$REDIS_SVC_PORT" get.lua

  echo "connect (Embedded storage)…" >&2
  ensure_embedded
  warm "http://127.0.0.1:$EMB_SVC_PORT" post.lua
  BENCH_VARY_PATIENT=1 BENCH_STATES="$WORK/states" measure connect_embedded "http://127.0.0.1:$EMB_SVC_PORT" post.lua
fi

if want callback; then
  echo "callback (Embedded storage, instant fake provider)…" >&2
  ensure_embedded
  if ! want connect; then
    # The states connect_embedded would have left: mint them the same way, without measuring.
    echo "  minting states…" >&2
    BENCH_KEY=$ADMIN_KEY BENCH_PATH=/v1/wearables/strava/connect BENCH_BODY=$CONNECT_BODY BENCH_VARY_PATIENT=1 BENCH_STATES="$WORK/states" \
      BENCH_NAME=mint wrk -t2 -c"$CONNECTIONS" -d"$DURATION" -s "$BENCH_DIR/wrk/post.lua" "http://127.0.0.1:$EMB_SVC_PORT" >/dev/null 2>&1 || true
  fi
  cat "$WORK"/states.* >"$WORK/states.all" 2>/dev/null || true
  BENCH_STATES_FILE="$WORK/states.all" BENCH_THREADS=2 measure callback "http://127.0.0.1:$EMB_SVC_PORT" callback.lua
  # The provider's own share: the fake token endpoint alone, same client.
  BENCH_CONTENT_TYPE=application/x-www-form-urlencoded BENCH_PATH=/oauth/token BENCH_BODY="client_id=$CLIENT_ID&client_secret=$CLIENT_SECRET&code=x&grant_type=authorization_code" BENCH_KEY= \
    SVC=fakes measure provider_token "http://127.0.0.1:7611" post.lua
  # A flood of made-up states of our shape whose MAC is not ours: every answer a 401 (counted in the
  # non-2xx column), refused before any store operation (issue 12). On the Redis service (no Server-Timing):
  # Redis's own command count over the row shows whether any store operation happened.
  ensure_redis
  redis_commands() { redis-cli -p $REDIS_PORT INFO stats | awk -F: '/^total_commands_processed/ {print $2 + 0}'; }
  near_floor callback_unknown_state # the floor's SETs are Redis commands too
  before=$(redis_commands)
  (unset BENCH_KEY; BENCH_PATH="/v1/wearables/strava/callback?code=x&state=$(head -c 48 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')" \
    measure callback_unknown_state "http://127.0.0.1:$REDIS_SVC_PORT" get.lua)
  # Minus the two INFO calls, and the other services' background work (cache subscriptions, sweeps) over the row.
  NOTES+=("callback_unknown_state: $(( $(redis_commands) - before - 1 )) Redis commands during the row (none are the callback's if no more than the idle rate)")
fi

if want token; then
  # POST …/token for a connection whose access token is valid for hours: no provider call, one connection read.
  echo "token (valid access token, Redis storage, embedded connections)…" >&2
  ensure_redis
  h=(-H "X-API-Key: $ADMIN_KEY" -H 'Content-Type: application/json')
  state=$(curl -sf -X POST "${h[@]}" -d '{"patientId":"bench-token"}' "http://127.0.0.1:$REDIS_SVC_PORT/v1/wearables/strava/connect" | sed -n 's/.*"state":"\([^"]*\)".*/\1/p' || true)
  curl -sf -o /dev/null "http://127.0.0.1:$REDIS_SVC_PORT/v1/wearables/strava/callback?code=bench-code&state=$state" || echo "  token: connect + callback failed" >&2
  export BENCH_KEY=$ADMIN_KEY BENCH_PATH=/api/v1/users/bench-token/connections/strava/token BENCH_BODY='{}'
  warm "http://127.0.0.1:$REDIS_SVC_PORT" post.lua
  measure token_valid "http://127.0.0.1:$REDIS_SVC_PORT" post.lua
fi

list_scenarios() { # prefix port total_label big big_label
  local prefix=$1 port=$2 small=$3 big=$4 seed=("${@:5}")
  export BENCH_KEY=$ADMIN_KEY
  "${seed[@]}" "$small" >&2
  BENCH_PATH=/api/v1/users/bench-10/connections warm "http://127.0.0.1:$port" get.lua
  for n in 1 10 100; do BENCH_PATH=/api/v1/users/bench-$n/connections measure "${prefix}_${n}_of_$((small / 1000))k" "http://127.0.0.1:$port" get.lua; done
  BENCH_PATH=/api/v1/users/bench-10/connections measure "${prefix}_10_of_$((small / 1000))k_at_1k_rps" "http://127.0.0.1:$port" get.lua 10 10
  "${seed[@]}" "$big" >&2 || true
  for n in 1 100; do BENCH_PATH=/api/v1/users/bench-$n/connections measure "${prefix}_${n}_of_$((big / 1000))k" "http://127.0.0.1:$port" get.lua; done
}

if want list; then
  # A service of its own, so that "1k stored" is 1k (the callbacks above store connections too).
  echo "list connections (embedded)…" >&2
  start_service list $LIST_SVC_PORT Embedded
  list_scenarios list $LIST_SVC_PORT 1000 "$BIG" "$SEEDER" "$WORK/list/wearables.db" bench
fi

if want list_fhir; then
  echo "list connections (FHIR engine)…" >&2
  ensure_fhir
  start_service fhir $FHIR_SVC_PORT Embedded --Wearables:Connections=Fhir --Wearables:Fhir:BaseUrl="http://127.0.0.1:$FHIR_PORT/fhir"
  BENCH_TIMEOUT=10s list_scenarios list_fhir $FHIR_SVC_PORT 1000 "$FHIR_BIG" "$SEEDER" fhir "http://127.0.0.1:$FHIR_PORT/fhir" bench
  RSS_NOTE+=", FHIR engine (incl. ${FHIR_BIG} stored) $(peak_rss_mb $FHIR_PID)"
fi

if want storm; then
  # Two instances on one Redis and one FHIR engine; a connection whose access token expired at the code exchange;
  # STORM_CALLERS token requests at once, half on each instance. Three storms, each on a connection of its own.
  echo "refresh storm ($STORM_CALLERS callers, 2 instances)…" >&2
  ensure_fhir
  "$(bin tests/Wearables.Fakes Wearables.Fakes)" --strava-port $STORM_FAKE_PORT --polar-port $((STORM_FAKE_PORT + 1)) --junction-port $((STORM_FAKE_PORT + 2)) \
    --client-id $CLIENT_ID --client-secret $CLIENT_SECRET --junction-api-key bench --instant --accept-any-code \
    --initial-access-token-lifetime 0 --refresh-rotation strict >"$WORK/fakes-storm.log" 2>&1 & PIDS+=($!)
  wait_http "http://127.0.0.1:$STORM_FAKE_PORT/__fake/refresh-count"
  fake=http://127.0.0.1:$STORM_FAKE_PORT
  storm_settings=(--Wearables:Connections=Fhir --Wearables:Fhir:BaseUrl="http://127.0.0.1:$FHIR_PORT/fhir"
    --Wearables:Providers:strava:AuthorizeUrl=$fake/oauth/authorize --Wearables:Providers:strava:TokenUrl=$fake/oauth/token
    --Wearables:Providers:strava:ApiBaseUrl=$fake/api/v3)
  start_service storm_a $STORM_A_PORT Redis "${storm_settings[@]}"
  start_service storm_b $STORM_B_PORT Redis "${storm_settings[@]}"
  refreshes() { curl -sf "$fake/__fake/refresh-count" | sed -n 's/.*"refresh_calls":\([0-9]*\).*/\1/p'; }
  h=(-H "X-API-Key: $ADMIN_KEY" -H 'Content-Type: application/json')
  for i in 1 2 3; do
    state=$(curl -sf -X POST "${h[@]}" -d "{\"patientId\":\"bench-storm-$i\"}" "http://127.0.0.1:$STORM_A_PORT/v1/wearables/strava/connect" | sed -n 's/.*"state":"\([^"]*\)".*/\1/p' || true)
    curl -sf -o /dev/null "http://127.0.0.1:$STORM_A_PORT/v1/wearables/strava/callback?code=bench-code&state=$state" || echo "  storm $i: connect + callback failed" >&2
    before=$(refreshes)
    BENCH_NAME=storm_${STORM_CALLERS}_callers_$i timeout 120 "$DRIVER" storm "$STORM_CALLERS" "$ADMIN_KEY" /api/v1/users/bench-storm-$i/connections/strava/token '{}' \
      "http://127.0.0.1:$STORM_A_PORT" "http://127.0.0.1:$STORM_B_PORT" >"$WORK/storm-$i.out" 2>&1 || true
    grep '^RESULT' "$WORK/storm-$i.out" >>"$RESULTS" || true
    calls=$(( $(refreshes) - before ))
    NOTES+=("storm $i: $(grep '^STORM' "$WORK/storm-$i.out" | cut -d' ' -f2- || echo 'driver failed, see '"$WORK/storm-$i.out"), upstream refresh calls=$calls $([ "$calls" = 1 ] && echo '(ok: 1)' || echo '(EXPECTED 1)')")
    echo "  measured storm $i" >&2
  done
  RSS_NOTE+=", storm instances $(peak_rss_mb "$(cat "$WORK/storm_a/pid")") and $(peak_rss_mb "$(cat "$WORK/storm_b/pid")")"
fi

if want warmup; then
  # A service started just now and loaded at once (connect, Redis storage): requests per 5 s window from its first
  # request on, and the first 1,000 requests' latencies; then the same driver on the same service, now warm.
  echo "warm-up (cold service, connect, Redis storage)…" >&2
  start_service cold $COLD_PORT Redis
  BENCH_NAME=cold timeout 120 "$DRIVER" warmup 15 32 "$ADMIN_KEY" /v1/wearables/strava/connect "$CONNECT_BODY" \
    "http://127.0.0.1:$COLD_PORT" "http://127.0.0.1:$FLOOR_PORT" >"$WORK/cold.out" 2>&1 || true
  BENCH_NAME=warm timeout 120 "$DRIVER" warmup 10 32 "$ADMIN_KEY" /v1/wearables/strava/connect "$CONNECT_BODY" \
    "http://127.0.0.1:$COLD_PORT" "http://127.0.0.1:$FLOOR_PORT" >"$WORK/warm.out" 2>&1 || true
  grep '^RESULT' "$WORK/cold.out" "$WORK/warm.out" -h | grep -v '^RESULT warm_first_1000' >>"$RESULTS" || true
  while read -r _ which counts; do NOTES+=("warm-up, answers per second ($which): $counts"); done < <(grep -h '^PER_SECOND' "$WORK/cold.out" "$WORK/warm.out" || true)
  first=$(awk '$2 == "cold_0_to_5s" {print $3}' "$RESULTS"); steady=$(awk '$2 == "warm_5_to_10s" {print $3}' "$RESULTS")
  NOTES+=("warm-up: first 5 s at $(awk -v a="${first:-0}" -v b="${steady:-0}" 'BEGIN { if (b > 0) printf "%.0f %%", 100 * a / b; else print "?" }') of warm throughput (cold_0_to_5s / warm_5_to_10s, same driver)")
  RSS_NOTE+=", cold-started service $(peak_rss_mb "$(cat "$WORK/cold/pid")")"
fi

# Signed Polar events (issue 11): each one a distinct body signed with the project's webhook secret,
# checked over its exact bytes, de-duplicated and queued in the embedded inbox before the answer.
if want webhook; then
  echo "webhook (signed Polar events, Embedded storage)…" >&2
  WEBHOOK_SVC_PORT=7655; WEBHOOK_SECRET="bench-webhook-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  start_service webhook $WEBHOOK_SVC_PORT Embedded --Wearables:Limits:Webhook:PermitsPerMinute=1000000000
  curl -sf -X PUT -H "X-API-Key: $ADMIN_KEY" -H 'Content-Type: application/json' \
    -d "{\"clientId\":\"$CLIENT_ID\",\"clientSecret\":\"$CLIENT_SECRET\",\"webhookSecret\":\"$WEBHOOK_SECRET\"}" \
    "http://127.0.0.1:$WEBHOOK_SVC_PORT/v1/wearables/polar/credentials" >/dev/null
  WEBHOOK_SECRET="$WEBHOOK_SECRET" python3 -c '
import hashlib, hmac, os, sys
key = os.environ["WEBHOOK_SECRET"].encode()
for n in range(200000):
    body = "{\"event\":\"EXERCISE\",\"user_id\":%d,\"entity_id\":\"e%d\",\"timestamp\":\"2026-12-01T10:00:00.000Z\"}" % (1000 + n % 5000, n)
    sys.stdout.write(hmac.new(key, body.encode(), hashlib.sha256).hexdigest() + " " + body + "\n")
' >"$WORK/webhook-events.txt"
  export BENCH_PATH=/v1/wearables/polar/webhooks/bench
  BENCH_EVENTS_FILE="$WORK/webhook-events.txt" BENCH_THREADS=2 measure webhook_polar_signed "http://127.0.0.1:$WEBHOOK_SVC_PORT" webhook.lua
  RSS_NOTE+=", service/Embedded (webhook) $(peak_rss_mb "$(cat "$WORK/webhook/pid")")"
fi

echo
row() { printf "%-30s %10s %9s %9s %9s %7s %8s %8s %7s %7s %7s %6s\n" "$@"; }
row scenario "req/s" "mean ms" "p50 ms" "p99 ms" errors "non-2xx" "x floor" "x near" "µs CPU" "KB/req" "RSS MB"
floor_rps=$(awk '$2=="floor" {print $3}' "$RESULTS")
divide() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || a == "NaN" || a == "nan" || b == "-" || b == "") print "-"; else if (b > 0) printf "%.2f", a / b; else print "?" }'; }
while read -r _ name rps p50 p99 errs non2xx mean _; do
  ratio=$(divide "$rps" "$floor_rps")
  near=$(divide "$rps" "$(awk -v n="$name" '$1 == n {print $2}' "$NEAR" | tail -1)")
  read -r cpu kb rss < <(awk -v n="$name" '$1 == n {print $2, $3, $4}' "$EXTRA" | tail -1; echo "- - -")
  row "$name" "$rps" "$mean" "$p50" "$p99" "$errs" "$non2xx" "$ratio" "$near" "${cpu:--}" "${kb:--}" "${rss:--}"
done <"$RESULTS"
echo
if [ -s "$NEAR" ]; then
  echo "(x near: req/s over the floor's, measured for ${NEAR_FLOOR} s just before the row; those floors: $(awk '$2 != "-" {if (min == "" || $2 < min) min = $2; if ($2 > max) max = $2} END {printf "%s-%s req/s", min, max}' "$NEAR"))"
fi
echo "(µs CPU, KB/req: the measured process's user+sys time and bytes allocated over the row, per request; RSS MB: its peak during the row)"
echo "(storm_*, cold_*, warm_*: bench/Wearables.Bench.Driver, not wrk; their x floor compares different clients)"
for n in "${NOTES[@]:-}"; do [ -n "$n" ] && echo "$n"; done
echo "peak RSS over the whole run (MB): $RSS_NOTE"
if want callback; then
  echo "(callback_own/_provider/_store: from each successful callback's Server-Timing header, inside the service until"
  echo " the answer starts: own = total - provider; provider = the fake's token call as the service waits for it; store = state, credentials, connection)"
  echo "(non-2xx for callback: states reused after the minted ones ran out; callback redirects are 200 here, no redirectUri)"
fi
echo "raw wrk output: $WORK"
