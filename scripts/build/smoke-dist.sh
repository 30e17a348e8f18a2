#!/usr/bin/env bash
# The compiled system starts: `node dist/...` as the image runs it, not the sources under swc as the tests do. Catches
# what only the build can lose (a file read at run time that the compile does not emit). Run after `npm run build`.
set -euo pipefail
cd "$(dirname "$0")/../.."
data=$(mktemp -d)
log="$data/start.log"
DATA_DIR="$data" node dist/scripts/embedded/start.js >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 120); do
  if grep -q '^console: ' "$log"; then
    # One request through the gateway to identity: a registration is checked against the password policy.
    status=$(curl -s -o /dev/null -w '%{http_code}' -H 'content-type: application/json' \
      -d '{"email":"smoke@example.com","password":"correct horse battery staple","name":"Smoke"}' \
      http://127.0.0.1:3000/v1/auth/register)
    if [ "$status" = 202 ]; then
      echo "dist starts: the gateway answered a registration (202)"
      exit 0
    fi
    echo "dist started, but a registration answered $status" >&2
    cat "$log" >&2
    exit 1
  fi
  if ! kill -0 "$pid" 2>/dev/null; then break; fi
  sleep 0.5
done
echo "dist did not start:" >&2
cat "$log" >&2
exit 1
