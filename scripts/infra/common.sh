# Shared settings for the infra scripts. Sourced, not run.
set -euo pipefail
INFRA_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$INFRA_DIR/../.." && pwd)"
INFRA_CACHE="${INFRA_CACHE:-$HOME/.cache/imp-infra}"
INFRA_STATE="${INFRA_STATE:-$REPO_DIR/.infra}"
KAFKA_VERSION="${KAFKA_VERSION:-4.4.0}"
FERRETDB_VERSION="${FERRETDB_VERSION:-v1.24.2}"
KAFKA_PORT="${KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-19093}"
# A second listener with TLS (a self-signed certificate made at start) and SCRAM-SHA-512 sign-in, for the tests of
# KAFKA_SSL_CA_FILE and KAFKA_SASL_*; the services and the other tests use the plaintext one.
KAFKA_SASL_SSL_PORT="${KAFKA_SASL_SSL_PORT:-19094}"
KAFKA_TEST_SASL_USERNAME=platform-test
KAFKA_TEST_SASL_PASSWORD=platform-test-secret
MONGO_PORT="${MONGO_PORT:-27018}"
mkdir -p "$INFRA_CACHE" "$INFRA_STATE"

log() { printf '[infra] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "$1 is required ($2)"; }

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Waits until a TCP port accepts connections, or fails after $2 seconds.
wait_for_port() {
  local port=$1 deadline=$((SECONDS + $2)) what=$3
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || die "$what did not open port $port within $2 s"
    sleep 0.3
  done
}

stop_pid() {
  local pidfile=$1 name=$2
  if pid_alive "$pidfile"; then
    local pid; pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    log "stopped $name"
  fi
  rm -f "$pidfile"
}
