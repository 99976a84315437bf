#!/usr/bin/env bash
# footprint.sh: the agent's memory and CPU cost, measured side by side with a baseline, an idle JVM
# started with exactly the same launcher and flags, so the difference is what the agent itself costs.
#
# It builds the jars if needed, starts a throwaway gateway on loopback, enrolls an agent, starts the
# agent and the baseline together, waits --warmup seconds, then measures a window of --window seconds:
# RSS (VmRSS, median of samples) and CPU (utime+stime, plus that of reaped children such as forked
# tools) from /proc, and the collection cycles in the window as the distinct batches the gateway stored.
# Everything it starts is stopped on exit. Goals (shared/PERFORMANCE.md): RSS <= 48 MiB and no more
# CPU per hour than node_exporter (3.4 s/hour); --check makes a missed goal exit 2.
set -uo pipefail

OL_PROG=footprint
OL_STEPS=6
# shellcheck source-path=SCRIPTDIR source=../scripts/outpost-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/outpost-lib.sh"

FP_GOAL_RSS_MIB=48
FP_GOAL_CPU_S_PER_HOUR=3.4

usage() {
    cat <<'USAGE'
Usage: bench/footprint.sh [--interval DUR] [--warmup SECONDS] [--window SECONDS] [--dir DIR] [--check]
  --interval DUR     the agent's collection interval, e.g. 10s or 1m (default 10s)
  --warmup SECONDS   run this long before measuring (default 60)
  --window SECONDS   measure for this long (default 300)
  --dir DIR          where the gateway, the agent's state and the logs go (default: a new temporary directory)
  --check            exit 2 when the agent misses a footprint goal
USAGE
}

fp_usage_error() {
    printf 'footprint: %s\n' "$1" >&2
    usage >&2
    exit 64
}

FP_INTERVAL=10s
FP_WARMUP=60
FP_WINDOW=300
FP_DIR=
FP_CHECK=
while [ $# -gt 0 ]; do
    case $1 in
        --interval | --warmup | --window | --dir)
            [ $# -ge 2 ] || fp_usage_error "$1 needs a value"
            case $1 in
                --interval) FP_INTERVAL=$2 ;;
                --warmup) FP_WARMUP=$2 ;;
                --window) FP_WINDOW=$2 ;;
                --dir) FP_DIR=$2 ;;
            esac
            shift 2
            ;;
        --check) FP_CHECK=1; shift ;;
        -h | --help) usage; exit 0 ;;
        *) fp_usage_error "unknown argument \"$1\"" ;;
    esac
done
case $FP_INTERVAL in
    *[!0-9]*s | *[!0-9]*m | *[!0-9]*h) fp_usage_error "--interval \"$FP_INTERVAL\" is not a duration; use e.g. 10s or 1m" ;;
    [0-9]*s) FP_INTERVAL_S=${FP_INTERVAL%s} ;;
    [0-9]*m) FP_INTERVAL_S=$((${FP_INTERVAL%m} * 60)) ;;
    [0-9]*h) FP_INTERVAL_S=$((${FP_INTERVAL%h} * 3600)) ;;
    *) fp_usage_error "--interval \"$FP_INTERVAL\" is not a duration; use e.g. 10s or 1m" ;;
esac
[ "$FP_INTERVAL_S" -ge 1 ] || fp_usage_error "--interval must be at least 1s"
case $FP_WARMUP in '' | *[!0-9]*) fp_usage_error "--warmup \"$FP_WARMUP\" is not a whole number of seconds" ;; esac
case $FP_WINDOW in '' | *[!0-9]*) fp_usage_error "--window \"$FP_WINDOW\" is not a whole number of seconds" ;; esac
[ "$FP_WINDOW" -ge "$FP_INTERVAL_S" ] || fp_usage_error "--window ($FP_WINDOW s) must cover at least one --interval ($FP_INTERVAL_S s)"
[ -r /proc/self/stat ] || fp_usage_error "needs Linux /proc to read memory and CPU use"

if [ -z "$FP_DIR" ]; then
    FP_DIR=$(mktemp -d "${TMPDIR:-/tmp}/outpost-footprint.XXXXXX") || { echo "footprint: mktemp -d failed" >&2; exit 1; }
fi
mkdir -p "$FP_DIR" || { printf 'footprint: cannot create %s\n' "$FP_DIR" >&2; exit 1; }
FP_DIR=$(cd "$FP_DIR" && pwd)
FP_GATEWAY=$FP_DIR/gateway
FP_AGENT=$FP_DIR/agent
FP_METRICS=$FP_GATEWAY/metrics
FP_CLK_TCK=$(getconf CLK_TCK) || FP_CLK_TCK=100
ol_trap_cleanup
trap 'ol_cleanup; printf "footprint: logs and state are in %s\n" "$FP_DIR"' EXIT

# fp_cpu_ticks PID: utime + stime + cutime + cstime of PID, in clock ticks (fields 14-17 of /proc/PID/stat).
fp_cpu_ticks() {
    awk '{ sub(/^.*\) /, ""); print $12 + $13 + $14 + $15 }' "/proc/$1/stat"
}

# fp_rss_kib PID: resident set size of PID in KiB.
fp_rss_kib() {
    awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# fp_jdk_tool NAME: javac or jar of JAVA_HOME, else from PATH.
fp_jdk_tool() {
    if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/$1" ]; then
        echo "$JAVA_HOME/bin/$1"
    else
        command -v "$1"
    fi
}

# fp_build_baseline DIR: DIR/idle.jar, whose main thread sleeps forever.
fp_build_baseline() {
    local dir=$1 javac jar
    javac=$(fp_jdk_tool javac) || ol_fail "javac not found; the baseline needs a JDK 17+ (e.g. apt-get install openjdk-17-jdk-headless)"
    jar=$(fp_jdk_tool jar) || ol_fail "jar not found; the baseline needs a JDK 17+ (e.g. apt-get install openjdk-17-jdk-headless)"
    mkdir -p "$dir/classes" || ol_fail "cannot create $dir/classes"
    cat >"$dir/Idle.java" <<'JAVA'
/** The footprint baseline: a JVM that does nothing, started by the agent's launcher with its flags. */
public final class Idle {
    public static void main(String[] args) throws InterruptedException {
        while (true) {
            Thread.sleep(Long.MAX_VALUE);
        }
    }
}
JAVA
    "$javac" --release 17 -d "$dir/classes" "$dir/Idle.java" >"$dir/build.log" 2>&1 \
        || ol_fail "javac exited with status $?" "$dir/build.log"
    "$jar" --create --file "$dir/idle.jar" --main-class Idle -C "$dir/classes" . >>"$dir/build.log" 2>&1 \
        || ol_fail "jar exited with status $?" "$dir/build.log"
}

# fp_check_running: fails if the agent, the baseline or the gateway has stopped.
fp_check_running() {
    ol_require_running "$FP_DIR/agent.log" "$FP_DIR/gateway.log"
    ol_require_alive "$OL_BASELINE_PID" "the baseline JVM" "$FP_DIR/baseline.log"
}

ol_step 1 "building the jars if needed"
ol_build_if_needed "$FP_DIR/build.log"

ol_step 2 "starting a gateway on loopback"
ol_gateway_init "$FP_GATEWAY" "$FP_DIR/gateway-init.log"
ol_gateway_token "$FP_GATEWAY" footprint "$FP_AGENT/token" "$FP_DIR/token.log"
FP_EST_PORT=$(ol_pick_port 8443) || ol_fail "no free TCP port found for EST"
FP_INGEST_PORT=$(ol_pick_port 4318 "$FP_EST_PORT") || ol_fail "no free TCP port found for ingest"
ol_gateway_start "$FP_GATEWAY" "$FP_DIR/gateway.log" "$FP_EST_PORT" "$FP_INGEST_PORT"

ol_step 3 "enrolling the agent and building the baseline"
ol_agent_config "$FP_AGENT/agent.yaml" "$FP_AGENT/state" "${FP_INTERVAL_S}s"
ol_agent_enroll "$FP_AGENT/agent.yaml" "$FP_AGENT/token" "$FP_AGENT/state" "$FP_DIR/enroll.log"
fp_build_baseline "$FP_DIR/baseline"

ol_step 4 "starting the agent (interval ${FP_INTERVAL_S}s) and the baseline; warming up for ${FP_WARMUP}s"
FP_SINK_BEFORE=$(ol_sink_bytes "$FP_METRICS")
OUTPOST_AGENT_JAR=$FP_DIR/baseline/idle.jar "$OL_AGENT_BIN" </dev/null >"$FP_DIR/baseline.log" 2>&1 &
OL_BASELINE_PID=$!
ol_agent_start "$FP_AGENT/agent.yaml" "$FP_DIR/agent.log"
FP_WARM_END=$((SECONDS + FP_WARMUP))
ol_wait_for_push "$FP_METRICS" "$FP_SINK_BEFORE" $((30 + FP_INTERVAL_S)) "$FP_DIR/agent.log" "$FP_DIR/gateway.log"
while [ "$SECONDS" -lt "$FP_WARM_END" ]; do
    fp_check_running
    sleep 1
done

ol_step 5 "measuring for ${FP_WINDOW}s"
FP_SAMPLE_EVERY=$((FP_WINDOW / 20))
[ "$FP_SAMPLE_EVERY" -ge 1 ] || FP_SAMPLE_EVERY=1
[ "$FP_SAMPLE_EVERY" -le 5 ] || FP_SAMPLE_EVERY=5
fp_check_running
FP_BATCHES_START=$(ol_sink_batches "$FP_METRICS")
FP_START_NS=$(date +%s%N)
FP_AGENT_TICKS_START=$(fp_cpu_ticks "$OL_AGENT_PID")
FP_BASE_TICKS_START=$(fp_cpu_ticks "$OL_BASELINE_PID")
FP_AGENT_RSS=()
FP_BASE_RSS=()
FP_END=$((SECONDS + FP_WINDOW))
while :; do
    fp_check_running
    FP_AGENT_RSS+=("$(fp_rss_kib "$OL_AGENT_PID")")
    FP_BASE_RSS+=("$(fp_rss_kib "$OL_BASELINE_PID")")
    FP_LEFT=$((FP_END - SECONDS))
    [ "$FP_LEFT" -gt 0 ] || break
    sleep $((FP_LEFT < FP_SAMPLE_EVERY ? FP_LEFT : FP_SAMPLE_EVERY))
done
FP_AGENT_TICKS_END=$(fp_cpu_ticks "$OL_AGENT_PID")
FP_BASE_TICKS_END=$(fp_cpu_ticks "$OL_BASELINE_PID")
FP_END_NS=$(date +%s%N)
FP_BATCHES_END=$(ol_sink_batches "$FP_METRICS")
FP_CYCLES=$((FP_BATCHES_END - FP_BATCHES_START))
[ "$FP_CYCLES" -gt 0 ] || ol_fail "the gateway stored no batch from the agent during the window" "$FP_DIR/agent.log"

ol_step 6 "report"
FP_JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
printf 'host: %s, %s cpus; %s\n' "$(uname -sr)" "$(getconf _NPROCESSORS_ONLN)" "$("$FP_JAVA" -version 2>&1 | head -n 1)"
printf 'interval %ss, warmup %ss, window %ss, %s cycles (batches the gateway stored), %s RSS samples, CLK_TCK %s\n' \
    "$FP_INTERVAL_S" "$FP_WARMUP" "$FP_WINDOW" "$FP_CYCLES" "${#FP_AGENT_RSS[@]}" "$FP_CLK_TCK"
echo
FP_REPORT=$(
    {
        printf 'agent'
        printf ' %s' "${FP_AGENT_RSS[@]}"
        printf '\nbase'
        printf ' %s' "${FP_BASE_RSS[@]}"
        printf '\n'
    } | awk -v at=$((FP_AGENT_TICKS_END - FP_AGENT_TICKS_START)) -v bt=$((FP_BASE_TICKS_END - FP_BASE_TICKS_START)) \
        -v tck="$FP_CLK_TCK" -v cycles="$FP_CYCLES" -v ns=$((FP_END_NS - FP_START_NS)) \
        -v goal_rss="$FP_GOAL_RSS_MIB" -v goal_cpu="$FP_GOAL_CPU_S_PER_HOUR" '
        function median(line,    n, v, i, j, t) {
            n = split(line, v, " ")
            for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
            return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
        }
        function ratio(a, b) { return b > 0 ? sprintf("%.2fx", a / b) : "n/a" }
        $1 == "agent" { sub(/^agent /, ""); arss = median($0) / 1024 }
        $1 == "base" { sub(/^base /, ""); brss = median($0) / 1024 }
        END {
            secs = ns / 1e9
            ams = at * 1000 / tck; bms = bt * 1000 / tck
            row = "%-22s %9s %10s %14s %12s\n"
            printf row, "process", "RSS MiB", "CPU ms", "CPU ms/cycle", "CPU s/hour"
            printf row, "outpost-agent", sprintf("%.1f", arss), sprintf("%.0f", ams), sprintf("%.1f", ams / cycles), sprintf("%.2f", ams / secs * 3.6)
            printf row, "baseline (idle JVM)", sprintf("%.1f", brss), sprintf("%.0f", bms), sprintf("%.1f", bms / cycles), sprintf("%.2f", bms / secs * 3.6)
            printf row, "agent - baseline", sprintf("%.1f", arss - brss), sprintf("%.0f", ams - bms), sprintf("%.1f", (ams - bms) / cycles), sprintf("%.2f", (ams - bms) / secs * 3.6)
            printf row, "agent / baseline", ratio(arss, brss), ratio(ams, bms), ratio(ams, bms), ratio(ams, bms)
            cpu = ams / secs * 3.6
            printf "\ngoals (shared/PERFORMANCE.md): RSS <= %s MiB: %s (%.1f); CPU <= %s s/hour: %s (%.2f)\n", goal_rss, arss <= goal_rss ? "met" : "NOT met", arss, goal_cpu, cpu <= goal_cpu ? "met" : "NOT met", cpu
            print "verdict " ((arss <= goal_rss && cpu <= goal_cpu) ? "met" : "missed")
        }'
)
printf '%s\n' "$FP_REPORT" | sed '$d'
echo
echo "CPU includes reaped child processes (cutime+cstime); RSS is VmRSS; both read from /proc."
if [ "$FP_INTERVAL_S" -ne 10 ] || [ "$FP_WINDOW" -lt 300 ]; then
    echo "note: the goals are stated for --interval 10s over a window of 300s or more; this run differs."
fi
if [ -n "$FP_CHECK" ] && [ "${FP_REPORT##*verdict }" != "met" ]; then
    echo "footprint: the agent missed a footprint goal (--check)" >&2
    exit 2
fi
exit 0
