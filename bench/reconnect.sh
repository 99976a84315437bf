#!/usr/bin/env bash
# reconnect.sh: N simulated agents (the agent's real Backoff, default push settings) lose their gateway at the same
# instant; prints how many reconnect in each second after, without and with push.reconnect_spread. Asserts nothing.
# Usage: bench/reconnect.sh [AGENTS]   (default 10000)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f bench/target/classpath.txt ] || [ -n "$(find agent/src gateway/src wire/src bench/src -newer bench/target/classpath.txt -type f | head -1)" ]; then
    echo "reconnect: building (mvn -B -q -DskipTests package)" >&2
    mvn -B -q -DskipTests package
fi
exec java -Xmx256m -cp "bench/target/classes:$(cat bench/target/classpath.txt)" dev.outpost.bench.ReconnectSpreadBenchmark "$@"
