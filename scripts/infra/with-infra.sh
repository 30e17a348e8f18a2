#!/usr/bin/env bash
# with-infra.sh <command...>: starts real Kafka + FerretDB, runs the command with KAFKA_BROKERS and MONGO_URL set,
# always stops them again, and exits with the command's status.
source "$(dirname "$0")/common.sh"
trap 'bash "$INFRA_DIR/down.sh"' EXIT
settings=$(bash "$INFRA_DIR/up.sh")
while IFS= read -r line; do export "${line?}"; done <<< "$settings"
log "running with $(echo "$settings" | tr '\n' ' ')"
"$@"
