#!/usr/bin/env bash
# A local single-node Apache Kafka (KRaft, broker+controller in one JVM) for
# trying eventide: resolves the broker jars with Maven on first use (about
# 40 s, then cached), formats its storage once, and runs in the foreground
# until Ctrl-C. Needs Java 17+ and Maven; no Docker.
#
# usage: bash scripts/kafka/local-broker.sh [--port 9092] [--data DIR] [--fresh] [--version V]
#   --port     broker port on 127.0.0.1 (the controller takes port+1)   default 9092
#   --data     where topics and logs live                               default ~/.cache/eventide/broker-<port>
#   --fresh    delete the data first (every topic, group and offset)
#   --version  Apache Kafka version                                     default scripts/kafka/default-version
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
port=9092 data="" fresh=0 version=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --port) port="$2"; shift 2 ;;
    --data) data="$2"; shift 2 ;;
    --fresh) fresh=1; shift ;;
    --version) version="$2"; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "local-broker: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
controller=$((port + 1))
data="${data:-$HOME/.cache/eventide/broker-$port}"
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
command -v "$java" >/dev/null || { echo "local-broker: no java found; install a JDK 17+ (apt-get install openjdk-17-jdk-headless)" >&2; exit 1; }
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  echo "local-broker: something already listens on 127.0.0.1:$port (a broker started earlier?); pick another with --port" >&2
  exit 1
fi

libs="$(bash "$here/resolve-kafka.sh" ${version:+"$version"} | tail -n 1)"
[[ $fresh -eq 1 ]] && rm -rf "$data"
mkdir -p "$data/data" "$data/logs"
cat >"$data/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$data/data
num.partitions=1
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=6
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
num.network.threads=2
num.io.threads=2
PROPS

if [[ ! -f "$data/data/meta.properties" ]]; then
  echo "local-broker: formatting $data/data"
  "$java" -Xmx256m -XX:TieredStopAtLevel=1 -cp "$libs/*" kafka.tools.StorageTool format \
    --cluster-id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')" -c "$data/server.properties" >"$data/logs/format.out" 2>&1 \
    || { cat "$data/logs/format.out" >&2; exit 1; }
fi

# The broker lives as long as this script: Ctrl-C (or TERM) stops it cleanly,
# and if this script is killed outright the wrapper's stdin (a pipe whose only
# writer is this script) ends, which stops the broker too.
keepalive="$data/keepalive.fifo"
rm -f "$keepalive" && mkfifo "$keepalive"
exec 4<>"$keepalive" 5<"$keepalive"
rm -f "$keepalive"
bash "$here/broker-process.sh" "$libs" "$data/server.properties" "$data/logs" "$data/broker.pid" <&5 4>&- &
wrapper=$!
exec 5<&-
trap 'echo; echo "local-broker: stopping"; kill -TERM "$wrapper" 2>/dev/null; wait "$wrapper"; exit 0' INT TERM
echo "local-broker: starting Apache Kafka $(basename "$(dirname "$libs")") on 127.0.0.1:$port (logs: $data/logs/server.log)"
until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
  if ! kill -0 "$wrapper" 2>/dev/null; then
    echo "local-broker: the broker exited; the end of $data/logs/server.log:" >&2
    tail -n 20 "$data/logs/server.log" >&2 || true
    exit 1
  fi
  sleep 0.5
done
echo "local-broker: ready. Use --brokers 127.0.0.1:$port (or export EVENTIDE_BROKERS=127.0.0.1:$port); Ctrl-C stops the broker"
wait "$wrapper"
