#!/usr/bin/env bash
# cycle.sh: the agent's CPU per collection/push cycle, for comparing builds quickly. Runs this tree's agent and,
# with --baseline-jar, another build side by side in one window, each enrolled in an org of its own against a
# throwaway gateway on loopback, started by the packaged launcher with its flags but at a short interval (1s by
# default) and with the JIT's thresholds raised by the same factor (-XX:CompileThresholdScaling=<the launcher's 5 x
# 10s / interval>), so that about as much of the cycle runs in the interpreter as at the default 10s while a minute
# holds ten times the cycles. After --warmup seconds it reads /proc for --window seconds: CPU per cycle of the
# process and of its threads outpost-collect and outpost-push (utime + stime), cycles counted as the batches the
# gateway stored. Not the footprint figure to quote (bench/footprint.sh is, at the real interval): a quick
# before/after of a change to the cycle's code. Everything it starts is stopped on exit.
set -u

usage() {
    cat <<'EOF'
Usage: bench/cycle.sh [--baseline-jar JAR] [--interval SECONDS] [--warmup SECONDS] [--window SECONDS] [--dir DIR]
  --baseline-jar JAR  another build of the agent (e.g. main's, copied out) run side by side in the same window;
                      a row "baseline" and the ratio agent/baseline
  --interval SECONDS  the agents' interval in whole seconds (default 1); the JIT's thresholds are scaled by
                      5 x 10 / SECONDS (the launcher's factor 5 at the default 10s interval)
  --warmup SECONDS    run this long after the first batch before measuring (default 30)
  --window SECONDS    measure for this long (default 120)
  --dir DIR           where the gateway, the agents' state and the logs go (default: a new temporary directory)
Prints per agent: cycles in the window, CPU ms per cycle (process, outpost-collect, outpost-push, the rest), and
the load average. The agent is this tree's agent/target/outpost-agent.jar (built when missing or stale).
EOF
}

CY_BASELINE_JAR=
CY_INTERVAL=1
CY_WARMUP=30
CY_WINDOW=120
CY_DIR=
while [ $# -gt 0 ]; do
    case $1 in
        --baseline-jar) CY_BASELINE_JAR=${2:?--baseline-jar needs a file}; shift 2 ;;
        --interval) CY_INTERVAL=${2:?--interval needs seconds}; shift 2 ;;
        --warmup) CY_WARMUP=${2:?--warmup needs seconds}; shift 2 ;;
        --window) CY_WINDOW=${2:?--window needs seconds}; shift 2 ;;
        --dir) CY_DIR=${2:?--dir needs a directory}; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) printf 'cycle: unknown argument "%s"\n' "$1" >&2; usage >&2; exit 64 ;;
    esac
done
for n in "$CY_INTERVAL" "$CY_WARMUP" "$CY_WINDOW"; do
    case $n in
        '' | *[!0-9]*) printf 'cycle: "%s" is not a whole number of seconds\n' "$n" >&2; exit 64 ;;
    esac
done
if [ "$CY_INTERVAL" -lt 1 ] || [ "$CY_INTERVAL" -gt 10 ]; then
    echo "cycle: --interval must be 1 to 10 seconds" >&2
    exit 64
fi
[ "$CY_WINDOW" -ge 10 ] || { echo "cycle: --window must be at least 10 seconds" >&2; exit 64; }
if [ -n "$CY_BASELINE_JAR" ] && [ ! -r "$CY_BASELINE_JAR" ]; then
    printf 'cycle: --baseline-jar "%s" is not a readable file\n' "$CY_BASELINE_JAR" >&2
    exit 64
fi

OL_PROG=cycle
OL_STEPS=5
# shellcheck source-path=SCRIPTDIR source=../scripts/outpost-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/outpost-lib.sh"

if [ -z "$CY_DIR" ]; then
    CY_DIR=$(mktemp -d "${TMPDIR:-/tmp}/outpost-cycle.XXXXXX") || { echo "cycle: mktemp -d failed" >&2; exit 1; }
fi
mkdir -p "$CY_DIR" || { printf 'cycle: cannot create %s\n' "$CY_DIR" >&2; exit 1; }
CY_DIR=$(cd "$CY_DIR" && pwd)
CY_GATEWAY=$CY_DIR/gateway
CY_BASE_PID=
CY_CLK_TCK=$(getconf CLK_TCK) || CY_CLK_TCK=100
CY_SCALING=$((50 / CY_INTERVAL))

# shellcheck disable=SC2317 # called from the EXIT trap
cy_cleanup() {
    ol_stop "$CY_BASE_PID" "baseline agent" 15
    ol_cleanup
}
ol_trap_cleanup
trap 'cy_cleanup; printf "cycle: logs and state are in %s\n" "$CY_DIR"' EXIT

# cy_ticks PID [THREAD]: utime + stime of PID, or the sum over its threads named THREAD (comm), in clock ticks.
cy_ticks() {
    local total=0 task ticks
    if [ -z "${2:-}" ]; then
        awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
        return
    fi
    for task in /proc/"$1"/task/*; do
        [ "$(cat "$task/comm" 2>/dev/null)" = "$2" ] || continue
        ticks=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "$task/stat" 2>/dev/null) || continue
        total=$((total + ticks))
    done
    echo "$total"
}

# cy_batches ORG: distinct batch ids the gateway's file sink holds for ORG (one per cycle).
cy_batches() {
    zcat -f "$CY_GATEWAY/metrics/$1"/metrics-*.ndjson* 2>/dev/null | grep '"resource":' | grep -o '"batch":"[^"]*"' | sort -u | wc -l
}

# cy_start NAME JAR LOG: starts an agent of the org NAME with JAR; prints its PID.
cy_start() {
    OUTPOST_AGENT_JAR=$2 OUTPOST_AGENT_CDS_DIR='' OUTPOST_AGENT_INTERVAL=${CY_INTERVAL}s \
        OUTPOST_AGENT_JAVA_OPTS="${OUTPOST_AGENT_JAVA_OPTS:-} -XX:CompileThresholdScaling=$CY_SCALING" \
        "$OL_AGENT_BIN" run --config "$CY_DIR/$1/agent.yaml" </dev/null >"$3" 2>&1 &
    echo $!
}

ol_step 1 "checking the jars"
ol_build_if_needed "$CY_DIR/build.log"
# Copies, so that a rebuild while this runs does not change a jar under a running JVM.
CY_JAR=$CY_DIR/agent.jar
cp "$OUTPOST_AGENT_JAR" "$CY_JAR" || ol_fail "cannot copy $OUTPOST_AGENT_JAR to $CY_DIR"
if [ -n "$CY_BASELINE_JAR" ]; then
    cp "$CY_BASELINE_JAR" "$CY_DIR/baseline.jar" || ol_fail "cannot copy $CY_BASELINE_JAR to $CY_DIR"
fi

ol_step 2 "starting a gateway on loopback"
ol_gateway_init "$CY_GATEWAY" "$CY_DIR/gateway-init.log"
CY_EST_PORT=$(ol_pick_port 8443) || ol_fail "no free TCP port found for EST"
CY_INGEST_PORT=$(ol_pick_port 4318 "$CY_EST_PORT") || ol_fail "no free TCP port found for ingest"
ol_gateway_start "$CY_GATEWAY" "$CY_DIR/gateway.log" "$CY_EST_PORT" "$CY_INGEST_PORT"

ol_step 3 "enrolling the agent${CY_BASELINE_JAR:+ and the baseline}"
CY_NAMES=agent
[ -z "$CY_BASELINE_JAR" ] || CY_NAMES="agent baseline"
for name in $CY_NAMES; do
    ol_gateway_token "$CY_GATEWAY" "cycle-$name" "$CY_DIR/$name/token" "$CY_DIR/token-$name.log"
    ol_agent_config "$CY_DIR/$name/agent.yaml" "$CY_DIR/$name/state" "${CY_INTERVAL}s"
    ol_agent_enroll "$CY_DIR/$name/agent.yaml" "$CY_DIR/$name/token" "$CY_DIR/$name/state" "$CY_DIR/enroll-$name.log"
done

ol_step 4 "starting the agents (interval ${CY_INTERVAL}s, -XX:CompileThresholdScaling=$CY_SCALING) and warming up ${CY_WARMUP}s"
OL_AGENT_PID=$(cy_start agent "$CY_JAR" "$CY_DIR/agent.log")
if [ -n "$CY_BASELINE_JAR" ]; then
    CY_BASE_PID=$(cy_start baseline "$CY_DIR/baseline.jar" "$CY_DIR/baseline.log")
fi
deadline=$((SECONDS + 60))
while [ "$(cy_batches cycle-agent)" -eq 0 ] || { [ -n "$CY_BASE_PID" ] && [ "$(cy_batches cycle-baseline)" -eq 0 ]; }; do
    ol_require_running "$CY_DIR/agent.log" "$CY_DIR/gateway.log"
    [ -z "$CY_BASE_PID" ] || ol_require_alive "$CY_BASE_PID" "the baseline agent" "$CY_DIR/baseline.log"
    [ "$SECONDS" -lt "$deadline" ] || ol_fail "the gateway stored no batch from an agent within 60s" "$CY_DIR/agent.log"
    sleep 1
done
sleep "$CY_WARMUP"

ol_step 5 "measuring for ${CY_WINDOW}s"
declare -A seen
# cy_delta NAME WHAT: the change of WHAT (cpu, collect, push, batches) of agent NAME over the window.
cy_delta() {
    echo $((${seen[end.$1.$2]} - ${seen[start.$1.$2]}))
}
cy_read() {
    local name=$1 pid=$2 prefix=$3
    seen[$prefix.$name.cpu]=$(cy_ticks "$pid")
    seen[$prefix.$name.collect]=$(cy_ticks "$pid" outpost-collect)
    seen[$prefix.$name.push]=$(cy_ticks "$pid" outpost-push)
    seen[$prefix.$name.batches]=$(cy_batches "cycle-$name")
}
cy_read agent "$OL_AGENT_PID" start
[ -z "$CY_BASE_PID" ] || cy_read baseline "$CY_BASE_PID" start
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
sleep "$CY_WINDOW"
ol_require_running "$CY_DIR/agent.log" "$CY_DIR/gateway.log"
[ -z "$CY_BASE_PID" ] || ol_require_alive "$CY_BASE_PID" "the baseline agent" "$CY_DIR/baseline.log"
cy_read agent "$OL_AGENT_PID" end
[ -z "$CY_BASE_PID" ] || cy_read baseline "$CY_BASE_PID" end
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

echo
printf 'CPU per cycle, %ss window, interval %ss (-XX:CompileThresholdScaling=%s); load average %s at start, %s at end\n' \
    "$CY_WINDOW" "$CY_INTERVAL" "$CY_SCALING" "$load_start" "$load_end"
printf '%-9s %7s %10s %10s %10s %10s\n' "" cycles "ms/cycle" collect push rest
declare -A msc
for name in $CY_NAMES; do
    cycles=$(cy_delta "$name" batches)
    [ "$cycles" -gt 0 ] || ol_fail "no batch from $name stored during the window" "$CY_DIR/$name.log"
    row=$(awk -v c="$cycles" -v hz="$CY_CLK_TCK" \
        -v cpu="$(cy_delta "$name" cpu)" -v col="$(cy_delta "$name" collect)" -v push="$(cy_delta "$name" push)" \
        'BEGIN { k = 1000 / hz / c; printf "%.2f %.2f %.2f %.2f", cpu * k, col * k, push * k, (cpu - col - push) * k }')
    read -r total col push rest <<<"$row"
    msc[$name]=$total
    printf '%-9s %7d %10s %10s %10s %10s\n' "$name" "$cycles" "$total" "$col" "$push" "$rest"
done
if [ -n "$CY_BASE_PID" ]; then
    awk -v a="${msc[agent]}" -v b="${msc[baseline]}" 'BEGIN { if (b > 0) printf "agent/baseline: %.2fx CPU per cycle\n", a / b }'
fi
