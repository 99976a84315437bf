#!/usr/bin/env bash
# watermarks.sh: what the state store costs ingest per group of batches (read the agents' watermarks and, on
# PostgreSQL, take their locks; record the writes in progress; commit the new marks), one pipeline per gateway, on
# SQLite and on PostgreSQL with one and two gateways (PostgreSQL as in enroll.sh). Prints figures; asserts nothing.
# Usage: bench/watermarks.sh [SECONDS_PER_ROW]   (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f bench/target/classpath.txt ] || [ -n "$(find agent/src gateway/src wire/src bench/src -newer bench/target/classpath.txt -type f | head -1)" ]; then
    echo "watermarks: building (mvn -B -q -DskipTests package)" >&2
    mvn -B -q -DskipTests package
fi
exec java -Xmx512m -cp "bench/target/classes:$(cat bench/target/classpath.txt)" dev.outpost.bench.WatermarkBenchmark "$@"
