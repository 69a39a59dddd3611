#!/usr/bin/env bash
# Resolves the official Apache Kafka broker jars (org.apache.kafka:kafka_2.13)
# and their runtime dependencies with Maven into a cache outside the repo, so
# tests can start a KRaft broker as a plain JVM process without Docker.
#
# usage: scripts/kafka/resolve-kafka.sh [version]
#   version                default: $EVENTIDE_KAFKA_VERSION, else the default below
#   EVENTIDE_KAFKA_CACHE   cache root (default ~/.cache/eventide/kafka); jars go
#                          to <cache>/<version>/libs
# Prints the libs directory on stdout. A second run finds the complete marker
# and downloads nothing.
set -euo pipefail

DEFAULT_VERSION="$(cat "$(dirname "${BASH_SOURCE[0]}")/default-version")"
version="${1:-${EVENTIDE_KAFKA_VERSION:-$DEFAULT_VERSION}}"
cache_root="${EVENTIDE_KAFKA_CACHE:-$HOME/.cache/eventide/kafka}"
target="$cache_root/$version"
libs="$target/libs"

if [[ -f "$target/.complete" ]]; then
  echo "$libs"
  exit 0
fi

command -v mvn >/dev/null || { echo "resolve-kafka: Maven (mvn) is required: apt-get install maven" >&2; exit 1; }

# Kafka's own distribution ships a logging backend that its Maven pom does not
# declare; bring the same one so the broker logs to a file instead of nowhere.
case "$version" in
  3.*)
    logging_deps='
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>1.7.36</version></dependency>
    <dependency><groupId>ch.qos.reload4j</groupId><artifactId>reload4j</artifactId><version>1.2.25</version></dependency>'
    ;;
  *)
    logging_deps='
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>2.24.3</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>2.24.3</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-1.2-api</artifactId><version>2.24.3</version></dependency>'
    ;;
esac

work="$(mktemp -d "${TMPDIR:-/tmp}/eventide-mvn-kafka.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cat >"$work/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>eventide.local</groupId>
  <artifactId>kafka-broker-classpath</artifactId>
  <version>0</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$version</version></dependency>$logging_deps
  </dependencies>
</project>
POM

mkdir -p "$target"
rm -rf "$libs.partial"
echo "resolve-kafka: resolving org.apache.kafka:kafka_2.13:$version with Maven into $libs" >&2
mvn -q -B -f "$work/pom.xml" \
  org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies \
  -DincludeScope=runtime -DoutputDirectory="$libs.partial" >&2
rm -rf "$libs"
mv "$libs.partial" "$libs"
touch "$target/.complete"
echo "$libs"
