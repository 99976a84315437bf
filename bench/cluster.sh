#!/usr/bin/env bash
# cluster.sh: several gateways, one fleet. Real gateway processes (the packaged launcher), the state in SQLite or in
# a PostgreSQL started from Debian's binaries (loopback, temporary directory), and with two gateways a real HAProxy
# with the repository's config/haproxy.cfg in front (loopback ports, otherwise as shipped). Simulated agents with
# real keys and certificates push real agent batches as the agent's push loop does (its real Backoff, so the first
# retry after a lost connection is spread over push.reconnect_spread).
#   table mode (default): per store and gateway count, enrollments/s over EST (through HAProxy when two), ingest
#     batches/s in closed loop with p50/p99 latency, CPU per batch of the gateways, PostgreSQL and HAProxy, and
#     what the file sinks hold (lost, stored twice).
#   --failover: N agents push every INTERVAL through HAProxy to two gateways on PostgreSQL; one is killed with
#     SIGKILL; per agent the gap from the last batch answered 200 before the kill to the first answered 200 after
#     (p50, p99, max), the reconnects per second, and what the sinks hold.
# Exit 0; 1 when a batch was lost or stored twice, or the run could not be set up; 2 when a gateway died on its
# own; 64 for bad arguments. Speed is printed, never asserted.
set -uo pipefail

OL_PROG=cluster
OL_STEPS=2
# shellcheck source-path=SCRIPTDIR source=../scripts/outpost-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/outpost-lib.sh"

usage() {
    cat <<'USAGE'
Usage: bench/cluster.sh [--agents K] [--warmup SECONDS] [--duration SECONDS] [--in-flight N]
                        [--stores STORE:GATEWAYS,...] [--enroll-concurrency N] [--dir DIR] [--no-build]
       bench/cluster.sh --failover [--agents K] [--interval SECONDS] [--before SECONDS] [--after SECONDS]
                        [--reconnect-spread SECONDS] [--enroll-concurrency N] [--dir DIR] [--no-build]
  --agents K              simulated agents, one connection each (default 200; with --failover 500)
  --warmup SECONDS        closed-loop load before measuring, per row (default 15)
  --duration SECONDS      measured window, per row (default 20)
  --in-flight N           batches each agent has in flight at once in the table (default 1)
  --stores LIST           rows of the table (default sqlite:1,postgresql:1,postgresql:2)
  --failover              the failover run instead of the table
  --interval SECONDS      with --failover: each agent's batch interval (default 10, the agent's)
  --before SECONDS        with --failover: pushing before the kill, at least (default 25): until every agent
                          had a batch stored and at most 1 % have batches waiting, up to 4 x as long
  --after SECONDS         with --failover: pushing after the kill (default 40; > interval + spread)
  --reconnect-spread S    with --failover: the agents' push.reconnect_spread (default 10, the agent's default)
  --enroll-concurrency N  enrollments in flight at once (default 32)
  --dir DIR               where gateways, agents' keys and logs go (default: a new temporary directory)
  --no-build              use the jars and classes as built instead of building stale ones
Environment: OUTPOST_GATEWAY_JAVA_OPTS is passed to the gateways' launcher; CLUSTER_JAVA_OPTS to the load
generator (default -Xmx1g).
USAGE
}

cl_usage_error() {
    printf 'cluster: %s\n' "$1" >&2
    usage >&2
    exit 64
}

CL_MODE=table
CL_AGENTS=
CL_DIR=
CL_BUILD=1
CL_ARGS=()
while [ $# -gt 0 ]; do
    case $1 in
        --agents | --warmup | --duration | --in-flight | --stores | --interval | --before | --after \
            | --reconnect-spread | --enroll-concurrency | --dir)
            [ $# -ge 2 ] || cl_usage_error "$1 needs a value"
            case $1 in
                --agents) CL_AGENTS=$2 ;;
                --dir) CL_DIR=$2 ;;
                --stores)
                    case ,$2, in
                        *[!a-z0-9:,]* | ,, ) cl_usage_error "--stores \"$2\" is not a list of sqlite:1, postgresql:1 or postgresql:2" ;;
                    esac
                    for cl_row in ${2//,/ }; do
                        case $cl_row in
                            sqlite:1 | postgresql:1 | postgresql:2) ;;
                            *) cl_usage_error "--stores: \"$cl_row\" is not sqlite:1, postgresql:1 or postgresql:2" ;;
                        esac
                    done
                    CL_ARGS+=("$1" "$2")
                    ;;
                *)
                    case $2 in
                        '' | *[!0-9.]* | *.*.*) cl_usage_error "$1 \"$2\" is not a number" ;;
                    esac
                    CL_ARGS+=("$1" "$2")
                    ;;
            esac
            shift 2
            ;;
        --failover) CL_MODE=failover; shift ;;
        --no-build) CL_BUILD=; shift ;;
        -h | --help) usage; exit 0 ;;
        *) cl_usage_error "unknown argument \"$1\"" ;;
    esac
done
if [ -z "$CL_AGENTS" ]; then
    if [ "$CL_MODE" = failover ]; then CL_AGENTS=500; else CL_AGENTS=200; fi
fi
case $CL_AGENTS in
    '' | *[!0-9]*) cl_usage_error "--agents \"$CL_AGENTS\" is not a whole number" ;;
esac
if [ "$CL_AGENTS" -lt 1 ] || [ "$CL_AGENTS" -gt 10000 ]; then cl_usage_error "--agents must be 1 .. 10000"; fi
[ -r /proc/self/stat ] || cl_usage_error "needs Linux /proc to read the servers' CPU"
CL_HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy)
if [ ! -x "$CL_HAPROXY" ] && { [ "$CL_MODE" = failover ] || [[ " ${CL_ARGS[*]} " != *" --stores "* ]] \
    || [[ " ${CL_ARGS[*]} " == *postgresql:2* ]]; }; then
    cl_usage_error "HAProxy is not installed (apt-get install haproxy); it is needed in front of two gateways"
fi

# Each connection is a descriptor in the load generator, in HAProxy (two) and in a gateway.
# Each connection is a descriptor in the load generator, in HAProxy (two) and in a gateway.
ol_raise_fd_limit $((2 * CL_AGENTS + 4096)) "--agents $CL_AGENTS" || cl_usage_error "$OL_FD_ERROR"

if [ -z "$CL_DIR" ]; then
    CL_DIR=$(mktemp -d "${TMPDIR:-/tmp}/outpost-cluster.XXXXXX") || { echo "cluster: mktemp -d failed" >&2; exit 1; }
fi
mkdir -p "$CL_DIR" || { printf 'cluster: cannot create %s\n' "$CL_DIR" >&2; exit 1; }
CL_DIR=$(cd "$CL_DIR" && pwd)
CL_JAVA_PID=
# shellcheck disable=SC2317 # called by the EXIT trap
cl_cleanup() {
    ol_stop "$CL_JAVA_PID" "the benchmark" 60
    printf 'cluster: logs and state are in %s\n' "$CL_DIR"
}
ol_trap_cleanup
trap 'cl_cleanup' EXIT

ol_step 1 "building the jars and the benchmark if needed"
if [ -n "$CL_BUILD" ]; then
    ol_build_bench_if_needed "$CL_DIR/build.log"
fi
for cl_file in "$OUTPOST_GATEWAY_JAR" "$OL_ROOT/bench/target/classpath.txt" \
    "$OL_ROOT/bench/target/classes/dev/outpost/bench/ClusterBenchmark.class"; do
    [ -f "$cl_file" ] || ol_fail "$cl_file is missing; build with mvn -B -DskipTests package"
done

ol_step 2 "running ($CL_MODE, $CL_AGENTS agents; logs in $CL_DIR)"
# In the background, so that an interrupt stops it (its shutdown stops the gateways, HAProxy and PostgreSQL).
# shellcheck disable=SC2086 # CLUSTER_JAVA_OPTS is a list of options, split on spaces like JAVA_OPTS.
"${JAVA_HOME:+$JAVA_HOME/bin/}java" ${CLUSTER_JAVA_OPTS:--Xmx1g} \
    -cp "$OL_ROOT/bench/target/classes:$(cat "$OL_ROOT/bench/target/classpath.txt")" \
    dev.outpost.bench.ClusterBenchmark "$CL_MODE" --repo "$OL_ROOT" --dir "$CL_DIR" --agents "$CL_AGENTS" \
    --haproxy "$CL_HAPROXY" --clk-tck "$(getconf CLK_TCK 2>/dev/null || echo 100)" "${CL_ARGS[@]}" </dev/null &
CL_JAVA_PID=$!
wait "$CL_JAVA_PID"
cl_rc=$?
CL_JAVA_PID=
exit "$cl_rc"
