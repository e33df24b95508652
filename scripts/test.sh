#!/usr/bin/env bash
# Installs what the tests need (only what is missing), builds, runs the whole suite, and ends
# with the line "N passed, N failed, N skipped". Exit status is non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

fail_early() { echo "$1" >&2; echo "0 passed, 1 failed"; exit 1; }

# System packages: redis-server (Redis-mode tests, and the Redis image), chromium (browser test),
# node/npm (FHIR engine). docker.io is installed below, on its own: without it the run falls back.
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo -n"
  echo "Installing: ${need[*]}"
  $sudo apt-get update -qq </dev/null || fail_early "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" </dev/null \
    || fail_early "apt-get install ${need[*]} failed"
fi

# The FHIR engine used by the tests (Medplum, pinned in its package-lock.json).
if [ -f tests/fhir-server/package-lock.json ] && [ ! -d tests/fhir-server/node_modules/@medplum/fhir-router ]; then
  (cd tests/fhir-server && npm ci --no-audit --no-fund --loglevel=error </dev/null) || fail_early "npm ci (tests/fhir-server) failed"
fi
# Redocly's linter for the OpenAPI document (pinned in its package-lock.json).
if [ -f tests/openapi-lint/package-lock.json ] && [ ! -d tests/openapi-lint/node_modules/@redocly/cli ]; then
  (cd tests/openapi-lint && npm ci --no-audit --no-fund --loglevel=error </dev/null) || fail_early "npm ci (tests/openapi-lint) failed"
fi

dotnet build Wearables.sln -c Release --nologo -v quiet -clp:ErrorsOnly </dev/null || fail_early "build failed"

# The Docker engine for the Redis-mode tests (Testcontainers): this run's own dockerd, stopped by its
# pid on exit (also on failure), with its bridge and iptables rules removed. Without one, the tests
# fall back to redis-server processes, except in CI, which must run the container path.
. scripts/docker-engine.sh
trap docker_engine_stop EXIT
trap 'exit 130' INT TERM
if docker_engine_install && docker_engine_start && redis_image_build; then
  export WEARABLES_TEST_REDIS=container
  echo "Redis-mode tests: $REDIS_TEST_IMAGE containers on this run's Docker engine ($DOCKER_HOST, dockerd pid $(docker_engine_pid))"
elif [ "${CI:-}" = "true" ]; then
  fail_early "CI needs the Docker engine for the Redis-mode tests: $docker_engine_failure (log: $(docker_engine_log))"
else
  docker_engine_stop
  unset DOCKER_HOST DOCKER_API_VERSION TESTCONTAINERS_RYUK_DISABLED TESTCONTAINERS_HOST_OVERRIDE
  export WEARABLES_TEST_REDIS=process
  echo "Redis-mode tests: redis-server processes, no Docker engine ($docker_engine_failure; log: $(docker_engine_log))"
fi

results="$(pwd)/TestResults"
rm -rf "$results"
status=0
# One project at a time, each with its own results folder: no shared-port or file-name races,
# and the 2-core machine is not oversubscribed.
for project in tests/*/*.Tests.csproj; do
  name=$(basename "$project" .csproj)
  dotnet test "$project" -c Release --no-build --nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=minimal" \
    --results-directory "$results/$name" </dev/null || status=1
done

passed=0; failed=0; skipped=0
for trx in "$results"/*/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n1)
  get() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  total=$(get total); p=$(get passed); f=$(get failed); e=$(get error); t=$(get timeout); a=$(get aborted)
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0} + ${e:-0} + ${t:-0} + ${a:-0}))
  skipped=$((skipped + ${total:-0} - ${p:-0} - ${f:-0} - ${e:-0} - ${t:-0} - ${a:-0}))
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi   # a crashed test host counts as a failure
if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then failed=1; echo "no test ran" >&2; fi
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
[ "$failed" -eq 0 ] && [ "$skipped" -eq 0 ]
