#!/usr/bin/env bash
# Runs one Kafka broker JVM from Maven-resolved jars and ties its life to the
# caller's: the broker stops when this script's stdin reaches end of file
# (the parent died, even by SIGKILL) or when this script gets TERM/INT.
#
# usage: broker-process.sh <libs-dir> <server.properties> <log-dir> <pid-file>
#   JAVA_HOME              java to use (default: java on PATH)
#   KAFKA_HEAP_OPTS        default -Xmx512m -Xms128m
#   EVENTIDE_KAFKA_JVM_OPTS  extra JVM flags
set -uo pipefail
libs="$1" config="$2" logdir="$3" pidfile="$4"
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
mkdir -p "$logdir"

# Both logging backends read their own file; the one on the classpath wins.
cat >"$logdir/log4j.properties" <<LOG
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$logdir/server.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
LOG
cat >"$logdir/log4j2.properties" <<LOG
rootLogger.level=INFO
rootLogger.appenderRef.file.ref=file
appender.file.type=File
appender.file.name=file
appender.file.fileName=$logdir/server.log
appender.file.layout.type=PatternLayout
appender.file.layout.pattern=[%d] %p %m (%c)%n
LOG

exec 3<&0
# shellcheck disable=SC2086
"$java" ${KAFKA_HEAP_OPTS:--Xmx512m -Xms128m} -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k \
  -Djava.awt.headless=true -Dkafka.logs.dir="$logdir" \
  -Dlog4j.configuration="file:$logdir/log4j.properties" \
  -Dlog4j2.configurationFile="$logdir/log4j2.properties" \
  ${EVENTIDE_KAFKA_JVM_OPTS:-} \
  -cp "$libs/*" kafka.Kafka "$config" >>"$logdir/server.out" 2>&1 </dev/null &
jvm=$!
echo "$jvm" >"$pidfile"
stop() { kill -TERM "$jvm" 2>/dev/null; wait "$jvm"; exit 0; }
trap stop TERM INT
( while read -r _ <&3; do :; done; kill -TERM "$jvm" 2>/dev/null ) &
watcher=$!
wait "$jvm"
status=$?
kill "$watcher" 2>/dev/null
exit "$status"
