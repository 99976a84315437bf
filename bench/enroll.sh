#!/usr/bin/env bash
# enroll.sh: enrollments per second of the state store (token check, use consumed, certificate signed by the real
# CA, agent recorded and audited, each durable before it returns), one enroller at a time and many at once (group
# commit), on SQLite and on PostgreSQL with one and two gateways. PostgreSQL is started from Debian's binaries
# (/usr/lib/postgresql/*/bin) in a temporary directory on loopback; its rows are skipped if it is not installed.
# Prints figures; asserts nothing.
# Usage: bench/enroll.sh [SECONDS_PER_ROW [CONCURRENT]]   (defaults 10 and 64)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f bench/target/classpath.txt ] || [ -n "$(find agent/src gateway/src wire/src bench/src -newer bench/target/classpath.txt -type f | head -1)" ]; then
    echo "enroll: building (mvn -B -q -DskipTests package)" >&2
    mvn -B -q -DskipTests package
fi
exec java -Xmx512m -cp "bench/target/classes:$(cat bench/target/classpath.txt)" dev.outpost.bench.EnrollBenchmark "$@"
