#!/usr/bin/env bash
# Starts (start) or stops (stop) FerretDB v1 (MongoDB wire protocol) with its SQLite backend in a temp dir.
source "$(dirname "$0")/common.sh"
cmd=${1:-start}
bin="$INFRA_CACHE/bin/ferretdb-$FERRETDB_VERSION"
state="$INFRA_STATE/ferretdb"
pidfile="$state/ferretdb.pid"

fetch() {
  [ -x "$bin" ] && return
  need go "Go toolchain"
  log "building FerretDB $FERRETDB_VERSION from the Go module proxy (first run only)"
  local work; work=$(mktemp -d)
  # `go install ...@version` needs the module's version list, which the proxy does not serve for FerretDB; download
  # the exact version instead. FerretDB embeds build/version/version.txt, which a module download leaves empty.
  (cd "$work" && go mod init local/ferretdb-fetch >/dev/null 2>&1 &&
    GOFLAGS=-mod=mod go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" > module.json)
  local src; src=$(node -e "console.log(require('$work/module.json').Dir)")
  cp -r "$src" "$work/src" && chmod -R u+w "$work/src"
  echo "$FERRETDB_VERSION" > "$work/src/build/version/version.txt"
  (cd "$work/src" && GOFLAGS=-mod=mod go build -o "$bin" ./cmd/ferretdb) >&2
  rm -rf "$work"
}

start() {
  if pid_alive "$pidfile"; then log "FerretDB already running (pid $(cat "$pidfile"))"; return; fi
  fetch
  rm -rf "$state"; mkdir -p "$state/data"
  launch
}

launch() {
  nohup "$bin" --handler=sqlite --sqlite-url="file:$state/data/" --state-dir="$state" \
    --listen-addr="127.0.0.1:$MONGO_PORT" --debug-addr=- --telemetry=disable --log-level=warn \
    >> "$state/ferretdb.log" 2>&1 &
  echo $! > "$pidfile"
  wait_for_port "$MONGO_PORT" 30 "FerretDB" || { tail -30 "$state/ferretdb.log" >&2; exit 1; }
  log "FerretDB $FERRETDB_VERSION up on 127.0.0.1:$MONGO_PORT (pid $(cat "$pidfile"))"
}

# halt and resume stop and start FerretDB keeping its data, as an outage would (test/dependency-outage.e2e.spec.ts).
resume() {
  [ -d "$state/data" ] || die "no halted FerretDB in $state"
  pid_alive "$pidfile" || launch
}

case "$cmd" in
  start) start ;;
  stop) stop_pid "$pidfile" FerretDB; rm -rf "$state" ;;
  halt) stop_pid "$pidfile" FerretDB ;;
  resume) resume ;;
  fetch) fetch ;;
  *) die "usage: ferretdb.sh start|stop|halt|resume|fetch" ;;
esac
