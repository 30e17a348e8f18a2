#!/usr/bin/env bash
# Stops what up.sh started and removes its data (downloads stay cached).
source "$(dirname "$0")/common.sh"
if [ "${INFRA_USE_DOCKER:-0}" = 1 ] && docker info >/dev/null 2>&1; then
  docker compose -f "$REPO_DIR/docker-compose.yml" down -v >&2
  exit 0
fi
bash "$INFRA_DIR/kafka.sh" stop
bash "$INFRA_DIR/ferretdb.sh" stop
