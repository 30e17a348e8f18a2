#!/usr/bin/env bash
# Starts what is missing of real Kafka + FerretDB on loopback, waits until they answer, and prints the settings
# to use on stdout (logs go to stderr):  eval "$(npm run -s infra:up)"
source "$(dirname "$0")/common.sh"
if [ "${INFRA_USE_DOCKER:-0}" = 1 ] && docker info >/dev/null 2>&1; then
  docker compose -f "$REPO_DIR/docker-compose.yml" up -d --wait kafka mongodb eventstore >&2
  echo "KAFKA_BROKERS=127.0.0.1:9092"
  echo "MONGO_URL=mongodb://127.0.0.1:27017/"
  echo "EVENTSTORE_CONNECTION_STRING=esdb://127.0.0.1:2113?tls=false"
  exit 0
fi
bash "$INFRA_DIR/kafka.sh" start
bash "$INFRA_DIR/ferretdb.sh" start
KAFKA_BROKERS="127.0.0.1:$KAFKA_PORT" node "$INFRA_DIR/kafka-smoke.js"
MONGO_URL="mongodb://127.0.0.1:$MONGO_PORT/" node "$INFRA_DIR/mongo-smoke.js"
echo "KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT"
echo "MONGO_URL=mongodb://127.0.0.1:$MONGO_PORT/"
echo "KAFKA_TEST_SASL_SSL_BROKERS=127.0.0.1:$KAFKA_SASL_SSL_PORT"
echo "KAFKA_TEST_CA_FILE=$INFRA_STATE/kafka/broker-ca.pem"
echo "KAFKA_TEST_SASL_USERNAME=$KAFKA_TEST_SASL_USERNAME"
echo "KAFKA_TEST_SASL_PASSWORD=$KAFKA_TEST_SASL_PASSWORD"
