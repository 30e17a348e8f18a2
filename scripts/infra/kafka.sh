#!/usr/bin/env bash
# Starts (start) or stops (stop) a single-node KRaft Apache Kafka broker on 127.0.0.1 from Maven Central jars.
source "$(dirname "$0")/common.sh"
cmd=${1:-start}
libs="$INFRA_CACHE/kafka-$KAFKA_VERSION/libs"
state="$INFRA_STATE/kafka"
pidfile="$state/kafka.pid"

fetch() {
  [ -f "$libs/.complete" ] && return
  need java "Java 17+"; need mvn "Apache Maven"
  log "resolving Kafka $KAFKA_VERSION jars from Maven Central into $libs (first run only)"
  mkdir -p "$libs"
  mvn -q -B -f "$INFRA_DIR/kafka/pom.xml" -Dkafka.version="$KAFKA_VERSION" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$libs" >&2
  touch "$libs/.complete"
}

start() {
  if pid_alive "$pidfile"; then log "Kafka already running (pid $(cat "$pidfile"))"; return; fi
  fetch
  rm -rf "$state"; mkdir -p "$state/data" "$state/logs"
  local keystore_password; keystore_password=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
  keytool -genkeypair -alias broker -keyalg EC -groupname secp256r1 -validity 3650 -dname CN=127.0.0.1 \
    -ext SAN=ip:127.0.0.1 -keystore "$state/broker.p12" -storetype PKCS12 \
    -storepass "$keystore_password" -keypass "$keystore_password" > "$state/logs/keytool.log" 2>&1 \
    || { cat "$state/logs/keytool.log" >&2; die "keytool could not make the broker's certificate"; }
  keytool -exportcert -rfc -alias broker -keystore "$state/broker.p12" -storepass "$keystore_password" \
    -file "$state/broker-ca.pem" >> "$state/logs/keytool.log" 2>&1
  cat > "$state/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT,SASL_SSL://127.0.0.1:$KAFKA_SASL_SSL_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,SASL_SSL://127.0.0.1:$KAFKA_SASL_SSL_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL
sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
ssl.keystore.type=PKCS12
ssl.keystore.location=$state/broker.p12
ssl.keystore.password=$keystore_password
ssl.key.password=$keystore_password
log.dirs=$state/data
num.partitions=3
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
# Tests watch the broker drop a killed requester's reply group (empty, no offsets): look every 5 s, not every 10 min.
offsets.retention.check.interval.ms=5000
log.flush.interval.messages=9223372036854775807
PROPS
  local cluster_id
  cluster_id=$(java "${java_opts[@]}" -cp "$libs/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)
  java "${java_opts[@]}" -cp "$libs/*" kafka.tools.StorageTool format -t "$cluster_id" -c "$state/server.properties" \
    --add-scram "SCRAM-SHA-512=[name=$KAFKA_TEST_SASL_USERNAME,password=$KAFKA_TEST_SASL_PASSWORD]" \
    > "$state/logs/format.log" 2>&1 || { cat "$state/logs/format.log" >&2; die "Kafka storage format failed"; }
  launch
}

java_opts=(-Xms256m -Xmx512m -XX:+UseSerialGC -Dkafka.logs.dir="$state/logs"
  -Dlog4j2.configurationFile="$INFRA_DIR/kafka/log4j2.properties" -Djava.awt.headless=true)

launch() {
  nohup java "${java_opts[@]}" -cp "$libs/*" kafka.Kafka "$state/server.properties" \
    >> "$state/logs/stdout.log" 2>&1 &
  echo $! > "$pidfile"
  wait_for_port "$KAFKA_PORT" 90 "Kafka" || { tail -50 "$state/logs/stdout.log" >&2; exit 1; }
  log "Kafka $KAFKA_VERSION up on 127.0.0.1:$KAFKA_PORT (pid $(cat "$pidfile"))"
}

# halt and resume stop and start the broker keeping its data, as an outage would (test/dependency-outage.e2e.spec.ts).
resume() {
  [ -f "$state/server.properties" ] || die "no halted Kafka in $state"
  pid_alive "$pidfile" || launch
}

case "$cmd" in
  start) start ;;
  stop) stop_pid "$pidfile" Kafka; rm -rf "$state" ;;
  halt) stop_pid "$pidfile" Kafka ;;
  resume) resume ;;
  fetch) fetch ;;
  *) die "usage: kafka.sh start|stop|halt|resume|fetch" ;;
esac
