# shellcheck shell=bash
# The Docker engine of one test run, sourced by scripts/test.sh (and usable on its own:
# `. scripts/docker-engine.sh; docker_engine_start && redis_image_build; docker_engine_stop`).
# The run starts its own dockerd (own data root, exec root, socket and pid file), builds the Redis
# image from Debian's redis-server (no registry can be pulled from), and at the end stops dockerd by
# its pid and removes what it made on the host: the docker0 bridge and its iptables chains and rules.
#
# Containers get no way off the machine: dockerd runs with --ip-forward=false (it would otherwise
# turn on IPv4 forwarding and set the FORWARD policy to DROP, both left behind) and --ip-masq=false
# (no MASQUERADE rule). Published ports are bound to 127.0.0.1 by the fixtures and reached through
# dockerd's userland proxy on the bridge the run made.

DOCKER_ENGINE_DIR="${WEARABLES_DOCKER_DIR:-/tmp/wearables-docker}"   # data root kept: the built image is reused
REDIS_TEST_IMAGE="wearables-test/redis:7.0.15"
docker_engine_failure=""
docker_engine_sudo=""
[ "$(id -u)" -ne 0 ] && docker_engine_sudo="sudo -n"

docker_engine_log() { echo "$DOCKER_ENGINE_DIR/dockerd.log"; }

# The pid of the dockerd this directory's pid file names, if that process is a dockerd with our data root.
docker_engine_pid() {
  local pidfile="$DOCKER_ENGINE_DIR/run/dockerd.pid" pid
  [ -f "$pidfile" ] || return 1
  pid=$(cat "$pidfile" 2>/dev/null) || return 1
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "--data-root $DOCKER_ENGINE_DIR/data" || return 1
  echo "$pid"
}

# Removes docker0 and the iptables chains and rules dockerd makes. Only called when no other dockerd
# runs on this machine, so whatever of this kind exists was left by an engine of ours.
docker_network_cleanup() {
  local s="$docker_engine_sudo" table chain rule
  if ip link show docker0 >/dev/null 2>&1; then $s ip link delete docker0 2>/dev/null; fi
  command -v iptables >/dev/null 2>&1 || return 0
  for table in filter nat; do
    # Rules in the built-in chains that jump to docker's chains or name its bridge, deleted one by one.
    for chain in FORWARD INPUT OUTPUT PREROUTING POSTROUTING; do
      $s iptables -t "$table" -S "$chain" 2>/dev/null | grep -E -- '-A [A-Z]+ .*(-j DOCKER|docker0)' | sed 's/^-A /-D /' \
        | while read -r rule; do eval "$s iptables -t $table $rule" 2>/dev/null; done
    done
    for chain in DOCKER DOCKER-USER DOCKER-ISOLATION-STAGE-1 DOCKER-ISOLATION-STAGE-2; do
      $s iptables -t "$table" -F "$chain" 2>/dev/null
    done
    for chain in DOCKER DOCKER-USER DOCKER-ISOLATION-STAGE-1 DOCKER-ISOLATION-STAGE-2; do
      $s iptables -t "$table" -X "$chain" 2>/dev/null
    done
  done
  # A MASQUERADE rule for docker's default subnet (an engine started without --ip-masq=false).
  $s iptables -t nat -S POSTROUTING 2>/dev/null | grep -E -- '-A POSTROUTING -s 172\.17\.0\.0/16 .*-j MASQUERADE' | sed 's/^-A /-D /' \
    | while read -r rule; do eval "$s iptables -t nat $rule" 2>/dev/null; done
  return 0
}

docker_engine_remove_test_containers() {
  docker ps -aq --filter label=org.testcontainers=true 2>/dev/null </dev/null | xargs -r docker rm -f >/dev/null 2>&1
  return 0
}

# Stops the engine by its pid, waits for it, and removes what it made. Safe to call more than once.
docker_engine_stop() {
  local pid i ours="${docker_engine_started:-}"
  if pid=$(docker_engine_pid); then
    ours=1
    # Containers a test host could not dispose of (it was killed): no Ryuk reaps them here.
    DOCKER_HOST="unix://$DOCKER_ENGINE_DIR/run/docker.sock" docker_engine_remove_test_containers
    $docker_engine_sudo kill -TERM "$pid" 2>/dev/null
    for i in $(seq 1 60); do [ -d "/proc/$pid" ] || break; sleep 0.5; done
    if [ -d "/proc/$pid" ]; then $docker_engine_sudo kill -KILL "$pid" 2>/dev/null; sleep 1; fi
  fi
  # The containerd dockerd started for itself stops with it, unless dockerd was killed.
  pid=$(cat "$DOCKER_ENGINE_DIR/run/exec/containerd/containerd.pid" 2>/dev/null)
  if [ -n "$pid" ] && [ -d "/proc/$pid" ] && grep -q containerd "/proc/$pid/comm" 2>/dev/null; then
    $docker_engine_sudo kill -TERM "$pid" 2>/dev/null
    for i in $(seq 1 20); do [ -d "/proc/$pid" ] || break; sleep 0.5; done
  fi
  [ -n "$ours" ] || return 0   # nothing of ours ran: leave the host as it is
  docker_engine_started=""
  # Another engine started meanwhile owns docker0 and the chains now.
  pgrep -x dockerd >/dev/null 2>&1 || docker_network_cleanup
  # Mounts dockerd did not undo (it was killed) would keep the run directory busy.
  grep -o " $DOCKER_ENGINE_DIR/[^ ]*" /proc/mounts 2>/dev/null | sort -r | while read -r m; do $docker_engine_sudo umount -l "$m" 2>/dev/null; done
  $docker_engine_sudo rm -rf "$DOCKER_ENGINE_DIR/run"
  return 0
}

# Installs Debian's docker.io when dockerd is missing (non-interactive; services are not started).
docker_engine_install() {
  command -v dockerd >/dev/null 2>&1 && return 0
  mkdir -p "$DOCKER_ENGINE_DIR"
  echo "Installing: docker.io"
  if ! { $docker_engine_sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $docker_engine_sudo apt-get install -y -qq --no-install-recommends docker.io; } </dev/null >>"$(docker_engine_log)" 2>&1; then
    docker_engine_failure="apt-get install docker.io failed (see $(docker_engine_log))"
    return 1
  fi
  command -v dockerd >/dev/null 2>&1 || { docker_engine_failure="docker.io installed no dockerd"; return 1; }
}

# Starts dockerd and waits until it answers; exports DOCKER_HOST and the Testcontainers settings.
# Returns 1 with the reason in $docker_engine_failure when no engine could be started.
docker_engine_start() {
  local run="$DOCKER_ENGINE_DIR/run" other started i
  docker_engine_failure=""
  if ! command -v dockerd >/dev/null 2>&1; then docker_engine_failure="dockerd is not installed"; return 1; fi
  # A dockerd this directory still names (a run that was killed): it is ours, stop it first.
  docker_engine_stop
  # Two engines would share docker0 and the DOCKER chains: do not start a second one.
  other=$(pgrep -x dockerd | head -n1)
  if [ -n "$other" ]; then docker_engine_failure="another dockerd is running (pid $other)"; return 1; fi
  docker_network_cleanup   # leftovers of a run that could not clean up
  $docker_engine_sudo rm -rf "$run"
  mkdir -p "$run" "$DOCKER_ENGINE_DIR/data" || { docker_engine_failure="cannot create $run"; return 1; }
  docker_engine_started=1
  $docker_engine_sudo dockerd --data-root "$DOCKER_ENGINE_DIR/data" --exec-root "$run/exec" \
    -H "unix://$run/docker.sock" --pidfile "$run/dockerd.pid" --group "$(id -g)" \
    --ip-forward=false --ip-masq=false >"$(docker_engine_log)" 2>&1 </dev/null &
  started=$!
  export DOCKER_HOST="unix://$run/docker.sock" DOCKER_API_VERSION=1.41
  for i in $(seq 1 120); do
    if docker version >/dev/null 2>&1 </dev/null; then
      # Testcontainers speaks API 1.44 unless told; Ryuk cannot be pulled (fixtures dispose their
      # containers); /.dockerenv would make it connect via the bridge gateway instead of loopback.
      export TESTCONTAINERS_RYUK_DISABLED=true TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1
      docker_engine_remove_test_containers
      return 0
    fi
    kill -0 "$started" 2>/dev/null || break   # dockerd (or sudo) ended: it will not answer
    sleep 0.5
  done
  docker_engine_failure="dockerd did not answer ($(tail -n1 "$(docker_engine_log)" 2>/dev/null | cut -c1-160))"
  unset DOCKER_HOST DOCKER_API_VERSION
  docker_engine_stop
  return 1
}

# Builds the Redis image (FROM scratch: Debian's redis-server and redis-cli with their shared
# libraries) unless the engine already has it.
redis_image_build() {
  local img r lib
  docker image inspect "$REDIS_TEST_IMAGE" >/dev/null 2>&1 </dev/null && return 0
  [ -x /usr/bin/redis-server ] || { docker_engine_failure="redis-server is not installed"; return 1; }
  img=$(mktemp -d) || return 1
  r="$img/rootfs"
  mkdir -p "$r/usr/bin" "$r/tmp" "$r/data" "$r/etc" && chmod 1777 "$r/tmp"
  cp -L /usr/bin/redis-server /usr/bin/redis-cli "$r/usr/bin/"
  for lib in $(ldd /usr/bin/redis-server /usr/bin/redis-cli | grep -oE '/[^ :]+\.so[^ :]*' | sort -u); do cp --parents -L "$lib" "$r"; done
  echo 'root:x:0:0:root:/root:/bin/sh' >"$r/etc/passwd"; echo 'root:x:0:' >"$r/etc/group"
  printf '%s\n' 'FROM scratch' 'COPY rootfs/ /' 'ENV PATH=/usr/bin:/bin' 'WORKDIR /data' 'EXPOSE 6379' \
    'CMD ["/usr/bin/redis-server", "--protected-mode", "no", "--save", "", "--appendonly", "no"]' >"$img/Dockerfile"
  # The classic builder: BuildKit would need the buildx plugin, which Debian's docker.io lacks.
  if ! DOCKER_BUILDKIT=0 docker build -q -t "$REDIS_TEST_IMAGE" "$img" >>"$(docker_engine_log)" 2>&1 </dev/null; then
    docker_engine_failure="docker build $REDIS_TEST_IMAGE failed (see $(docker_engine_log))"
    rm -rf "$img"
    return 1
  fi
  rm -rf "$img"
}
