#!/usr/bin/env bash
# enrollment.sh: EST enrollments per second of one gateway, and the gateway's CPU per enrollment. Starts a throwaway
# gateway on loopback through the packaged launcher (on the JRE of --gateway-java if given), enrolls W agents untimed
# (the JIT's warm-up), then N more, K at once, with the agent's own enrollment code (a new EC key and a CSR each,
# cacerts and simpleenroll on one TLS connection). Prints enrollments/s, p50/p99/max latency, errors, the gateway's
# CPU ms per enrollment from /proc, in all and per thread group (handshakes, EST workers, I/O, state commit, JIT, GC).
# Then TLS 1.3 handshakes alone (one small GET per new connection) against the gateway's EST listener and against
# nginx (from apt) with the same ECDSA P-256 server certificate: the server's CPU ms per handshake of each.
# Exit 0, 1 when an enrollment failed for good, 2 when the gateway died, 64 for bad arguments. Speed is printed,
# never asserted.
set -uo pipefail

OL_PROG=enrollment
OL_STEPS=2
# shellcheck source-path=SCRIPTDIR source=../scripts/outpost-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/outpost-lib.sh"

usage() {
    cat <<'USAGE'
Usage: bench/enrollment.sh [--agents N] [--warmup W] [--concurrency K] [--handshakes H] [--gateway-java DIR]
                           [--dir DIR] [--no-nginx] [--no-build]
  --agents N          timed enrollments (default 1000)
  --warmup W          untimed enrollments before them (default 1500)
  --concurrency K     enrollments (and handshakes) in flight at once (default 32)
  --handshakes H      TLS handshakes per server after the enrollments, H/2 more untimed first (default 2000; 0: none)
  --gateway-java DIR  the Java runtime the gateway's launcher uses (its JAVA_HOME), e.g. /usr/lib/jvm/temurin-25-jdk-amd64
  --dir DIR           where the gateway, nginx and the logs go (default: a new temporary directory)
  --no-nginx          no nginx reference
  --no-build          use the jars and classes as built instead of building stale ones
Environment: OUTPOST_GATEWAY_JAVA_OPTS is passed to the gateway's launcher; ENROLLMENT_JAVA_OPTS to the client
(default -Xmx1g).
USAGE
}

en_usage_error() {
    printf 'enrollment: %s\n' "$1" >&2
    usage >&2
    exit 64
}

EN_DIR=
EN_BUILD=1
EN_NGINX=$(command -v nginx || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; } || echo)
EN_ARGS=()
while [ $# -gt 0 ]; do
    case $1 in
        --agents | --warmup | --concurrency | --handshakes)
            [ $# -ge 2 ] || en_usage_error "$1 needs a value"
            case $2 in
                '' | *[!0-9]*) en_usage_error "$1 \"$2\" is not a whole number" ;;
            esac
            if [ "$2" -gt 1000000 ]; then en_usage_error "$1 must be at most 1000000"; fi
            EN_ARGS+=("$1" "$2")
            shift 2
            ;;
        --gateway-java)
            [ $# -ge 2 ] || en_usage_error "$1 needs a value"
            [ -x "$2/bin/java" ] || en_usage_error "--gateway-java \"$2\" has no executable bin/java"
            EN_ARGS+=("$1" "$2")
            shift 2
            ;;
        --dir)
            [ $# -ge 2 ] || en_usage_error "$1 needs a value"
            EN_DIR=$2
            shift 2
            ;;
        --no-nginx) EN_NGINX=; shift ;;
        --no-build) EN_BUILD=; shift ;;
        -h | --help) usage; exit 0 ;;
        *) en_usage_error "unknown argument \"$1\"" ;;
    esac
done
[ -r /proc/self/stat ] || en_usage_error "needs Linux /proc to read the gateway's CPU"
if [[ " ${EN_ARGS[*]} " == *" --concurrency 0 "* ]]; then en_usage_error "--concurrency must be at least 1"; fi
if [[ " ${EN_ARGS[*]} " == *" --agents 0 "* ]]; then en_usage_error "--agents must be at least 1"; fi

if [ -z "$EN_DIR" ]; then
    EN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/outpost-enrollment.XXXXXX") || { echo "enrollment: mktemp -d failed" >&2; exit 1; }
fi
mkdir -p "$EN_DIR" || { printf 'enrollment: cannot create %s\n' "$EN_DIR" >&2; exit 1; }
EN_DIR=$(cd "$EN_DIR" && pwd)
EN_JAVA_PID=
# shellcheck disable=SC2317 # called by the EXIT trap
en_cleanup() {
    ol_stop "$EN_JAVA_PID" "the benchmark" 60
    printf 'enrollment: logs and state are in %s\n' "$EN_DIR"
}
ol_trap_cleanup
trap 'en_cleanup' EXIT

ol_step 1 "building the jars and the benchmark if needed"
if [ -n "$EN_BUILD" ]; then
    ol_build_bench_if_needed "$EN_DIR/build.log"
fi
for en_file in "$OUTPOST_GATEWAY_JAR" "$OL_ROOT/bench/target/classpath.txt" \
    "$OL_ROOT/bench/target/classes/dev/outpost/bench/EnrollmentBenchmark.class"; do
    [ -f "$en_file" ] || ol_fail "$en_file is missing; build with mvn -B -DskipTests package"
done

ol_step 2 "enrolling (logs in $EN_DIR)"
# In the background, so that an interrupt stops it (its shutdown stops the gateway and nginx).
# shellcheck disable=SC2086 # ENROLLMENT_JAVA_OPTS is a list of options, split on spaces like JAVA_OPTS.
"${JAVA_HOME:+$JAVA_HOME/bin/}java" ${ENROLLMENT_JAVA_OPTS:--Xmx1g} \
    -cp "$OL_ROOT/bench/target/classes:$(cat "$OL_ROOT/bench/target/classpath.txt")" \
    dev.outpost.bench.EnrollmentBenchmark run --repo "$OL_ROOT" --dir "$EN_DIR" \
    --clk-tck "$(getconf CLK_TCK 2>/dev/null || echo 100)" ${EN_NGINX:+--nginx "$EN_NGINX"} "${EN_ARGS[@]}" </dev/null &
EN_JAVA_PID=$!
wait "$EN_JAVA_PID"
en_rc=$?
EN_JAVA_PID=
exit "$en_rc"
