#!/usr/bin/env bash
# Starts (start) or stops (stop) FerretDB v1 (MongoDB wire protocol) with its SQLite backend in a temp dir.
source "$(dirname "$0")/common.sh"
cmd=${1:-start}
# FERRETDB_ID_INDEX_FIX=0 builds FerretDB as released; the default applies fix_id_lookups below (its own binary name).
id_fix="${FERRETDB_ID_INDEX_FIX:-1}"
bin="$INFRA_CACHE/bin/ferretdb-$FERRETDB_VERSION"
# The fixed build is named after the fix's text, so a changed fix is built afresh rather than taken from the cache.
if [ "$id_fix" = 1 ]; then
  bin="$bin-idfix-$(sed -n '/^fix_id_lookups() {/,/^}/p' "${BASH_SOURCE[0]}" | sha256sum | cut -c1-8)"
fi
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
  if [ "$id_fix" = 1 ]; then fix_id_lookups "$work/src/internal/backends/sqlite"; fi
  (cd "$work/src" && GOFLAGS=-mod=mod go build -o "$bin" ./cmd/ferretdb) >&2
  rm -rf "$work"
}

# FerretDB 1.24's SQLite backend looks documents up by `_ferretdb_sjson->'$._id'` while the `_id` index is on
# `_ferretdb_sjson->"_id"`: SQLite uses an expression index only for the same expression, so every find, update and
# delete by _id scanned the whole collection (31 ms per findOne at 5,000 documents; MongoDB answers from its _id
# index). Two edits, checked: the lookup uses the index's expression, and an `_id` equality narrows a filter with
# other keys too (top-level keys are ANDed, and every handler applies the whole filter again to what comes back).
fix_id_lookups() {
  local sqlite=$1
  sed -i "s|IDColumn = DefaultColumn + \"->'\$._id'\"|IDColumn = DefaultColumn + \"->\\\\\"_id\\\\\"\"|" "$sqlite/metadata/metadata.go"
  grep -q 'IDColumn = DefaultColumn + "->\\"_id\\""' "$sqlite/metadata/metadata.go" || die "FerretDB _id fix: IDColumn not found"
  sed -i 's|if params.Filter.Len() == 1 {|if narrowsByID(params.Filter) {|' "$sqlite/collection.go"
  [ "$(grep -c 'if narrowsByID(params.Filter) {' "$sqlite/collection.go")" = 2 ] || die "FerretDB _id fix: pushdown not found"
  cat > "$sqlite/narrows_by_id.go" <<'GO'
package sqlite

import "github.com/FerretDB/FerretDB/internal/types"

// narrowsByID reports whether the filter has exactly one top-level _id key.
func narrowsByID(filter *types.Document) bool {
	n := 0
	for _, key := range filter.Keys() {
		if key == "_id" {
			n++
		}
	}
	return n == 1
}
GO
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
