#!/usr/bin/env bash
# drain.sh: how fast a full queue of 24 h of 10 s batches (8640) drains to a gateway on loopback, with one and
# with eight batches in flight, side by side with steady-state pushing. Prints figures; asserts nothing.
# Usage: bench/drain.sh [BACKLOG_BATCHES [STEADY_BATCHES]]   (defaults 8640 and 300)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f bench/target/classpath.txt ] || [ -n "$(find agent/src gateway/src wire/src bench/src -newer bench/target/classpath.txt -type f | head -1)" ]; then
    echo "drain: building (mvn -B -q -DskipTests package)" >&2
    mvn -B -q -DskipTests package
fi
exec java -Xmx512m -cp "bench/target/classes:$(cat bench/target/classpath.txt)" dev.outpost.bench.DrainBenchmark "$@"
