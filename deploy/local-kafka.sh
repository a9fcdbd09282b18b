#!/usr/bin/env bash
# A real single-node Apache Kafka (KRaft, broker+controller) on 127.0.0.1, from Maven Central jars.
#
#   deploy/local-kafka.sh start [--fresh]   fetch jars (cached), format storage, start, wait until ready
#   deploy/local-kafka.sh stop              stop it (SIGTERM, then SIGKILL after 30 s)
#   deploy/local-kafka.sh run [--fresh]     start in the foreground; Ctrl-C stops it cleanly
#   deploy/local-kafka.sh status | fetch | logs
#
# Settings (environment): KAFKA_PORT (19092), KAFKA_CONTROLLER_PORT (KAFKA_PORT+1),
# PIPELINE_CACHE_DIR (<project>/.cache), KAFKA_DATA_DIR (<cache>/kafka-<port>), KAFKA_HEAP_OPTS.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
project="$(dirname "$here")"
port="${KAFKA_PORT:-19092}"
controller_port="${KAFKA_CONTROLLER_PORT:-$((port + 1))}"
cache="${PIPELINE_CACHE_DIR:-$project/.cache}"
kafka_version="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/kafka/pom.xml")"
libs="$cache/kafka-libs-$kafka_version"
state="${KAFKA_DATA_DIR:-$cache/kafka-$port}"
pidfile="$state/broker.pid"
heap="${KAFKA_HEAP_OPTS:--Xms256m -Xmx768m}"

log() { echo "local-kafka: $*" >&2; }

fetch() {
  if [[ -f "$libs/.complete" ]]; then return; fi
  log "fetching Apache Kafka $kafka_version jars from Maven Central into $libs"
  mkdir -p "$libs"
  mvn -q -B -f "$here/kafka/pom.xml" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$libs"
  touch "$libs/.complete"
}

running_pid() {
  [[ -f "$pidfile" ]] || return 1
  local pid; pid="$(cat "$pidfile")"
  kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

configure() {
  mkdir -p "$state/logs"
  sed -e "s|@PORT@|$port|g" -e "s|@CONTROLLER_PORT@|$controller_port|g" \
      -e "s|@DATA_DIR@|$state/data|g" "$here/kafka/server.properties.in" > "$state/server.properties"
  if [[ ! -f "$state/data/meta.properties" ]]; then
    local cluster_id
    cluster_id="$(java -cp "$libs/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)"
    java -cp "$libs/*" -Dlog4j.configuration="file:$here/kafka/log4j.properties" \
        -Dkafka.logs.dir="$state/logs" \
        kafka.tools.StorageTool format -t "$cluster_id" -c "$state/server.properties" \
        --ignore-formatted > "$state/logs/format.log" 2>&1 \
      || { cat "$state/logs/format.log" >&2; exit 1; }
  fi
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }

wait_ready() {
  local pid="$1" deadline=$((SECONDS + ${KAFKA_START_TIMEOUT:-90}))
  while (( SECONDS < deadline )); do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "broker exited during start; last log lines:"; tail -n 30 "$state/logs/server.log" >&2 || true
      tail -n 30 "$state/logs/stdout.log" >&2 || true
      return 1
    fi
    if port_open && grep -q "Kafka Server started" "$state/logs/server.log" 2>/dev/null; then
      return 0
    fi
    sleep 0.2
  done
  log "broker not ready after ${KAFKA_START_TIMEOUT:-90}s"; return 1
}

start() {
  if pid="$(running_pid)"; then log "already running (pid $pid) on 127.0.0.1:$port"; return 0; fi
  if [[ "${1:-}" == "--fresh" ]]; then rm -rf "$state"; fi
  local t0=$SECONDS
  fetch
  configure
  : > "$state/logs/server.log"
  # setsid: the broker outlives this script, and Ctrl-C in the caller's terminal does not reach it
  setsid java $heap -XX:+UseG1GC -Djava.awt.headless=true \
      -Dlog4j.configuration="file:$here/kafka/log4j.properties" -Dkafka.logs.dir="$state/logs" \
      -cp "$libs/*" kafka.Kafka "$state/server.properties" \
      > "$state/logs/stdout.log" 2>&1 < /dev/null &
  local pid=$!
  echo "$pid" > "$pidfile"
  if wait_ready "$pid"; then
    log "Kafka $kafka_version ready on 127.0.0.1:$port (pid $pid, $((SECONDS - t0))s)"
  else
    stop; exit 1
  fi
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then rm -f "$pidfile"; log "not running"; return 0; fi
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then log "broker did not stop in 30s; killing"; kill -KILL "$pid" || true; fi
  rm -f "$pidfile"
  log "stopped"
}

case "${1:-}" in
  fetch) fetch ;;
  start) start "${2:-}" ;;
  stop) stop ;;
  run)
    start "${2:-}"
    trap 'stop; exit 0' INT TERM
    log "running in the foreground; Ctrl-C stops the broker"
    while running_pid > /dev/null; do sleep 1; done ;;
  status)
    if pid="$(running_pid)"; then echo "running pid $pid on 127.0.0.1:$port"; else echo "stopped"; exit 1; fi ;;
  logs) tail -n "${2:-50}" "$state/logs/server.log" ;;
  *) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
