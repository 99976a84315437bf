#!/usr/bin/env bash
# sinks.sh: agent batches per second through one gateway into each sink, in one run: the file sink,
# Prometheus remote write into a real VictoriaMetrics (Debian's victoria-metrics, started on loopback in a
# temporary directory) and OTLP/HTTP forward into a decoding receiver. K enrolled agents drain a backlog of
# real batches; prints batches/s, samples/s, the gateway's CPU ms per batch and RSS. Prints figures; exits 1
# when a sink did not receive every batch, 2 when the gateway died.
# Usage: bench/sinks.sh [--agents K] [--batches N] [--in-flight F] [--sinks file,prometheus_remote_write,otlp]
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
    -h|--help)
        sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
esac
if [ ! -f bench/target/classpath.txt ] || [ ! -f gateway/target/outpost-gateway.jar ] \
    || [ -n "$(find agent/src gateway/src wire/src bench/src -newer bench/target/classpath.txt -type f | head -1)" ]; then
    echo "sinks: building (mvn -B -q -DskipTests package)" >&2
    mvn -B -q -DskipTests package
fi
exec java -Xmx1g -Doutpost.repo="$PWD" -cp "bench/target/classes:$(cat bench/target/classpath.txt)" \
    dev.outpost.bench.SinkBenchmark "$@"
