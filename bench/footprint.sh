#!/usr/bin/env bash
# footprint.sh: the agent's memory and CPU cost, measured side by side in one window with what sysadmins
# already run: Prometheus node_exporter (scraped by this script with curl at the agent's interval) and, when
# apt has it, collectd (the agent's metric set, written with write_http).
#
# It builds the jars if needed, installs prometheus-node-exporter (and collectd-core) from apt when missing,
# starts a throwaway gateway on loopback, enrolls two agents, and starts with the packaged launcher and its
# flags: the measured agent (time and CPU from start to its first batch stored; by default it starts once first to
# make its class-data archive, as the packaged agent's first run does, then again with it), node_exporter on a free loopback
# port, collectd, and a twin of the agent with -XX:NativeMemoryTracking=summary (its NMT summary is read with
# jcmd at the end; NMT and attaching cost memory, so the measured agent runs without them). After --warmup
# seconds it samples /proc for a window of --window seconds: RSS (VmRSS) and PSS (/proc/PID/smaps_rollup),
# medians of the samples; CPU (utime+stime plus reaped children) per hour and per cycle; threads; and the
# agent's CPU ticks per thread (/proc/PID/task/*/stat). Everything it starts is stopped on exit.
# Goals (shared/PERFORMANCE.md): RSS <= 48 MiB and no more CPU per hour than node_exporter in the same
# window; --check makes a missed goal exit 2.
# The floor (--no-floor leaves it out): bench/src/main/java/dev/outpost/bench/JvmFloor.java, compiled here with javac, run
# by the agent's launcher with the same JVM flags and its own class-data archive, does the least a JVM must do for
# the agent's job with java.base alone: it reads the agent's /proc files, gzips them, writes them with fsync and POSTs
# them over one kept-alive mTLS connection every interval. Its row shows what no change to the agent's code can remove.
set -uo pipefail

OL_PROG=footprint
OL_STEPS=7
# shellcheck source-path=SCRIPTDIR source=../scripts/outpost-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/outpost-lib.sh"

FP_GOAL_RSS_MIB=48

usage() {
    cat <<'USAGE'
Usage: bench/footprint.sh [--interval DUR] [--warmup SECONDS] [--window SECONDS] [--java-home DIR]
                          [--no-collectd] [--no-floor] [--no-cds] [--dir DIR] [--check]
                          [--baseline-jar JAR [--baseline-launcher FILE]]
  --interval DUR     the agent's collection interval and the scrape interval, e.g. 10s or 1m (default 10s)
  --warmup SECONDS   run this long after the first batch before measuring (default 60)
  --window SECONDS   measure for this long (default 360); short windows (e.g. --warmup 10 --window 30)
                     make a smoke run, not a figure to quote
  --java-home DIR    the Java runtime the agents run on (default: JAVA_HOME, else java on PATH)
  --no-collectd      leave collectd out
  --no-floor         leave out the JVM floor: JvmFloor (java.base only: /proc read, gzip, fsync, one mTLS POST per
                     interval), run by the agent's launcher with its flags; needs javac and jar (a JDK)
  --no-cds           run the agents without their class-data archive (OUTPOST_AGENT_CDS_DIR empty); by default
                     the agent starts once to make it, as the packaged agent's first run does, then again
  --dir DIR          where the gateway, the agents' state and the logs go (default: a new temporary directory)
  --check            exit 2 when the agent misses a footprint goal (RSS <= 48 MiB, CPU/hour <= node_exporter's)
  --baseline-jar JAR another build of the agent (e.g. the one before a change) measured in the same window, started
                     the same way (its own class-data archive) with this tree's launcher or --baseline-launcher FILE
                     (e.g. `git show REV:packaging/bin/outpost-agent`); a row "agent-baseline" with its figures

Needs Linux /proc, curl, and prometheus-node-exporter (installed with apt-get when missing, as root or
through sudo; no service is started). Prints one table: RSS, PSS, CPU s/hour, CPU ms/cycle and threads per
process with ratios to node_exporter, start -> first batch stored, the agent's CPU ticks per thread and
the JVM's native memory summary (NMT) of the agent's twin.
USAGE
}

fp_usage_error() {
    printf 'footprint: %s\n' "$1" >&2
    usage >&2
    exit 64
}

FP_INTERVAL=10s
FP_WARMUP=60
FP_WINDOW=360
FP_DIR=
FP_CHECK=
FP_COLLECTD=1
FP_FLOOR=1
FP_CDS=1
FP_JAVA_HOME=${JAVA_HOME:-}
FP_BASELINE_JAR=
FP_BASELINE_BIN=
while [ $# -gt 0 ]; do
    case $1 in
        --interval | --warmup | --window | --dir | --java-home | --baseline-jar | --baseline-launcher)
            [ $# -ge 2 ] || fp_usage_error "$1 needs a value"
            case $1 in
                --interval) FP_INTERVAL=$2 ;;
                --warmup) FP_WARMUP=$2 ;;
                --window) FP_WINDOW=$2 ;;
                --dir) FP_DIR=$2 ;;
                --java-home) FP_JAVA_HOME=$2 ;;
                --baseline-jar) FP_BASELINE_JAR=$2 ;;
                --baseline-launcher) FP_BASELINE_BIN=$2 ;;
            esac
            shift 2
            ;;
        --no-collectd) FP_COLLECTD=; shift ;;
        --no-floor) FP_FLOOR=; shift ;;
        --no-cds) FP_CDS=; shift ;;
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
[ "$FP_WINDOW" -le 86400 ] || fp_usage_error "--window ($FP_WINDOW s) is more than a day"
[ "$FP_WARMUP" -le 86400 ] || fp_usage_error "--warmup ($FP_WARMUP s) is more than a day"
if [ -n "$FP_JAVA_HOME" ] && [ ! -x "$FP_JAVA_HOME/bin/java" ]; then
    fp_usage_error "--java-home \"$FP_JAVA_HOME\" has no bin/java"
fi
if [ -n "$FP_BASELINE_JAR" ]; then
    [ -r "$FP_BASELINE_JAR" ] || fp_usage_error "--baseline-jar \"$FP_BASELINE_JAR\" is not a readable file"
    FP_BASELINE_JAR=$(cd "$(dirname "$FP_BASELINE_JAR")" && pwd)/$(basename "$FP_BASELINE_JAR")
fi
if [ -n "$FP_BASELINE_BIN" ]; then
    [ -n "$FP_BASELINE_JAR" ] || fp_usage_error "--baseline-launcher needs --baseline-jar"
    [ -r "$FP_BASELINE_BIN" ] || fp_usage_error "--baseline-launcher \"$FP_BASELINE_BIN\" is not a readable file"
fi
[ -r /proc/self/smaps_rollup ] || fp_usage_error "needs Linux 4.14+ /proc (smaps_rollup) to read memory use"
command -v curl >/dev/null 2>&1 || fp_usage_error "needs curl to scrape node_exporter (apt-get install curl)"

if [ -z "$FP_DIR" ]; then
    FP_DIR=$(mktemp -d "${TMPDIR:-/tmp}/outpost-footprint.XXXXXX") || { echo "footprint: mktemp -d failed" >&2; exit 1; }
fi
mkdir -p "$FP_DIR" || { printf 'footprint: cannot create %s\n' "$FP_DIR" >&2; exit 1; }
FP_DIR=$(cd "$FP_DIR" && pwd)
FP_GATEWAY=$FP_DIR/gateway
FP_AGENT=$FP_DIR/agent
FP_TWIN=$FP_DIR/agent-nmt
FP_BASE=$FP_DIR/agent-baseline
FP_BASE_PID=
FP_FLOOR_DIR=$FP_DIR/jvm-floor
FP_FLOOR_PID=
FP_METRICS=$FP_GATEWAY/metrics
FP_CLK_TCK=$(getconf CLK_TCK) || FP_CLK_TCK=100
FP_NODE_PID=
FP_SCRAPE_PID=
FP_COLLECTD_PID=
FP_RECEIVER_PID=
FP_TWIN_PID=
if [ -n "$FP_JAVA_HOME" ]; then
    FP_JAVA=$FP_JAVA_HOME/bin/java
    FP_JCMD=$FP_JAVA_HOME/bin/jcmd
else
    FP_JAVA=$(command -v java) || fp_usage_error "java not found; set JAVA_HOME or --java-home"
    FP_JCMD=$(dirname "$(readlink -f "$FP_JAVA")")/jcmd
fi

# shellcheck disable=SC2317 # called from the EXIT trap
fp_cleanup() {
    ol_stop "$FP_SCRAPE_PID" "scraper" 5
    ol_stop "$FP_TWIN_PID" "agent twin (NMT)" 15
    ol_stop "$FP_BASE_PID" "baseline agent" 15
    ol_stop "$FP_FLOOR_PID" "JVM floor" 15
    ol_stop "$FP_COLLECTD_PID" "collectd" 5
    ol_stop "$FP_RECEIVER_PID" "collectd's HTTP receiver" 5
    ol_stop "$FP_NODE_PID" "node_exporter" 5
    ol_cleanup
}
ol_trap_cleanup
trap 'fp_cleanup; printf "footprint: logs and state are in %s\n" "$FP_DIR"' EXIT

# fp_cpu_ticks PID: utime + stime + cutime + cstime of PID, in clock ticks (fields 14-17 of /proc/PID/stat).
fp_cpu_ticks() {
    awk '{ sub(/^.*\) /, ""); print $12 + $13 + $14 + $15 }' "/proc/$1/stat"
}

# fp_sample NAME PID: one line "NAME RSS_KIB PSS_KIB THREADS" from /proc/PID/status and smaps_rollup.
fp_sample() {
    local rss pss threads
    rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$2/status" 2>/dev/null)
    threads=$(awk '/^Threads:/ { print $2 }' "/proc/$2/status" 2>/dev/null)
    pss=$(awk '/^Pss:/ { print $2 }' "/proc/$2/smaps_rollup" 2>/dev/null)
    printf '%s %s %s %s\n' "$1" "${rss:-0}" "${pss:-0}" "${threads:-0}"
}

# fp_thread_ticks PID: one line "TID TICKS NAME" per thread of PID (utime + stime; NAME is its comm).
fp_thread_ticks() {
    local task ticks name
    for task in /proc/"$1"/task/*; do
        ticks=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "$task/stat" 2>/dev/null) || continue
        name=$(cat "$task/comm" 2>/dev/null) || continue
        printf '%s %s %s\n' "${task##*/}" "$ticks" "$name"
    done
}

# fp_smaps NAME PID: one line "NAME HEAP ARCHIVES LIBJVM LIBS CODE OTHER" of PID's RSS in KiB by kind of mapping
# (/proc/PID/smaps): the Java heap (anonymous memory below 4 GiB, where a JVM with a heap under 32 GiB and compressed
# pointers places it), class-data archives (*.jsa), the JVM's library, other files and libraries, executable
# anonymous memory (the JIT's code cache) and the rest (metaspace, thread stacks, malloc, GC structures; all of a Go
# process's memory).
fp_smaps() {
    awk -v name="$1" '
        /^[0-9a-f]+-[0-9a-f]+ / {
            split($1, range, "-"); file = $6; perm = $2
            low = length(range[2]) < 9 || (length(range[2]) == 9 && range[2] <= "100000000")
            kind = "other"
            if (file ~ /\.jsa$/) kind = "archives"
            else if (file ~ /libjvm\.so$/) kind = "libjvm"
            else if (file ~ /^\//) kind = "libs"
            else if (file == "" && perm ~ /x/) kind = "code"
            else if (file == "" && low) kind = "heap"
            next
        }
        /^Rss:/ { kb[kind] += $2 }
        END { printf "%s %d %d %d %d %d %d\n", name, kb["heap"], kb["archives"], kb["libjvm"], kb["libs"], kb["code"], kb["other"] }
    ' "/proc/$2/smaps" 2>/dev/null
}

# fp_batches ORG: distinct batch ids the gateway's file sink holds for ORG (one per collection cycle).
fp_batches() {
    zcat -f "$FP_METRICS/$1"/metrics-*.ndjson* 2>/dev/null | grep '"resource":' | grep -o '"batch":"[^"]*"' | sort -u | wc -l
}

# fp_now_ms: wall-clock time in milliseconds.
fp_now_ms() {
    local ns
    ns=$(date +%s%N)
    echo $((ns / 1000000))
}

# fp_apt_install PACKAGE...: apt-get install as root or through sudo, without starting their services.
fp_apt_install() {
    local sudo='' policy=''
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || return 1
        sudo=sudo
    fi
    command -v apt-get >/dev/null 2>&1 || return 1
    # policy-rc.d exit 101: the packages' own services are not started (this script starts them on loopback).
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        policy=/usr/sbin/policy-rc.d
        printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null && $sudo chmod 755 "$policy"
    fi
    DEBIAN_FRONTEND=noninteractive ol_run_bounded 600 $sudo apt-get install -y -qq --no-install-recommends "$@" \
        >>"$FP_DIR/apt.log" 2>&1
    local rc=$?
    [ -z "$policy" ] || $sudo rm -f "$policy"
    return "$rc"
}

# fp_check_running: fails if anything measured has stopped.
fp_check_running() {
    ol_require_running "$FP_DIR/agent.log" "$FP_DIR/gateway.log"
    ol_require_alive "$FP_TWIN_PID" "the agent's twin (NMT)" "$FP_DIR/agent-nmt.log"
    [ -z "$FP_BASE_PID" ] || ol_require_alive "$FP_BASE_PID" "the baseline agent" "$FP_DIR/agent-baseline.log"
    [ -z "$FP_FLOOR_PID" ] || ol_require_alive "$FP_FLOOR_PID" "the JVM floor" "$FP_DIR/jvm-floor.log"
    ol_require_alive "$FP_NODE_PID" "node_exporter" "$FP_DIR/node_exporter.log"
    [ -z "$FP_COLLECTD_PID" ] || ol_require_alive "$FP_COLLECTD_PID" "collectd" "$FP_DIR/collectd.log"
}

# fp_collectd_config FILE PORT: collectd with the agent's metric set, written to http://127.0.0.1:PORT/ as
# JSON (PORT empty: to CSV files under FP_DIR, for hosts without write_http's libraries or python3).
fp_collectd_config() {
    local writer
    if [ -n "$2" ]; then
        writer="LoadPlugin write_http
<Plugin write_http>
  <Node \"footprint\">
    URL \"http://127.0.0.1:$2/\"
    Format \"JSON\"
  </Node>
</Plugin>"
    else
        writer="LoadPlugin csv
<Plugin csv>
  DataDir \"$FP_DIR/collectd-csv\"
</Plugin>"
    fi
    cat >"$1" <<CONF
# Written by bench/footprint.sh: the metrics the agent collects, every ${FP_INTERVAL_S}s.
Interval $FP_INTERVAL_S
FQDNLookup false
BaseDir "$FP_DIR/collectd"
PIDFile "$FP_DIR/collectd/collectd.pid"
TypesDB "/usr/share/collectd/types.db"
LoadPlugin logfile
<Plugin logfile>
  LogLevel warning
  File "$FP_DIR/collectd.log"
</Plugin>
LoadPlugin cpu
LoadPlugin memory
LoadPlugin swap
LoadPlugin vmem
LoadPlugin load
LoadPlugin df
LoadPlugin disk
LoadPlugin interface
LoadPlugin processes
$writer
CONF
}

ol_step 1 "building the jars if needed; node_exporter and collectd from apt if missing"
ol_build_if_needed "$FP_DIR/build.log"
FP_NODE_BIN=$(command -v prometheus-node-exporter || command -v node_exporter)
if [ -z "$FP_NODE_BIN" ]; then
    echo "      installing prometheus-node-exporter with apt-get (log: $FP_DIR/apt.log)"
    fp_apt_install prometheus-node-exporter \
        || ol_fail "cannot install prometheus-node-exporter (apt-get, as root or through sudo); install it and run again" "$FP_DIR/apt.log"
    FP_NODE_BIN=$(command -v prometheus-node-exporter) || ol_fail "prometheus-node-exporter is installed but not on PATH"
fi
FP_COLLECTD_BIN=
if [ -n "$FP_COLLECTD" ]; then
    FP_COLLECTD_BIN=$(command -v collectd || { [ -x /usr/sbin/collectd ] && echo /usr/sbin/collectd; })
    if [ -z "$FP_COLLECTD_BIN" ] || ldd /usr/lib/collectd/write_http.so 2>/dev/null | grep -q 'not found'; then
        echo "      installing collectd-core and libyajl2 with apt-get (log: $FP_DIR/apt.log)"
        fp_apt_install collectd-core libyajl2 || echo "      collectd could not be installed; leaving it out"
        FP_COLLECTD_BIN=$(command -v collectd || { [ -x /usr/sbin/collectd ] && echo /usr/sbin/collectd; })
    fi
fi

ol_step 2 "starting a gateway on loopback"
ol_gateway_init "$FP_GATEWAY" "$FP_DIR/gateway-init.log"
FP_EST_PORT=$(ol_pick_port 8443) || ol_fail "no free TCP port found for EST"
FP_INGEST_PORT=$(ol_pick_port 4318 "$FP_EST_PORT") || ol_fail "no free TCP port found for ingest"
ol_gateway_start "$FP_GATEWAY" "$FP_DIR/gateway.log" "$FP_EST_PORT" "$FP_INGEST_PORT"

ol_step 3 "enrolling the agent and its twin (NMT), each in an org of its own"
ol_gateway_token "$FP_GATEWAY" footprint "$FP_AGENT/token" "$FP_DIR/token.log"
ol_agent_config "$FP_AGENT/agent.yaml" "$FP_AGENT/state" "${FP_INTERVAL_S}s"
ol_agent_enroll "$FP_AGENT/agent.yaml" "$FP_AGENT/token" "$FP_AGENT/state" "$FP_DIR/enroll.log"
ol_gateway_token "$FP_GATEWAY" footprint-nmt "$FP_TWIN/token" "$FP_DIR/token-nmt.log"
ol_agent_config "$FP_TWIN/agent.yaml" "$FP_TWIN/state" "${FP_INTERVAL_S}s"
ol_agent_enroll "$FP_TWIN/agent.yaml" "$FP_TWIN/token" "$FP_TWIN/state" "$FP_DIR/enroll-nmt.log"
if [ -n "$FP_BASELINE_JAR" ]; then
    ol_gateway_token "$FP_GATEWAY" footprint-baseline "$FP_BASE/token" "$FP_DIR/token-baseline.log"
    ol_agent_config "$FP_BASE/agent.yaml" "$FP_BASE/state" "${FP_INTERVAL_S}s"
    ol_agent_enroll "$FP_BASE/agent.yaml" "$FP_BASE/token" "$FP_BASE/state" "$FP_DIR/enroll-baseline.log"
fi
FP_FLOOR_JAR=
if [ -n "$FP_FLOOR" ]; then
    # The floor's jar: one class compiled from the bench module's source by the JDK's javac and jar.
    fp_jdk_bin=$(dirname "$(readlink -f "$FP_JAVA")")
    fp_javac=$fp_jdk_bin/javac
    fp_jar=$fp_jdk_bin/jar
    [ -x "$fp_javac" ] || fp_javac=$(command -v javac)
    [ -x "$fp_jar" ] || fp_jar=$(command -v jar)
    if [ -x "$fp_javac" ] && [ -x "$fp_jar" ]; then
        mkdir -p "$FP_FLOOR_DIR/classes" || ol_fail "cannot create $FP_FLOOR_DIR"
        if "$fp_javac" --release 17 -d "$FP_FLOOR_DIR/classes" "$OL_ROOT/bench/src/main/java/dev/outpost/bench/JvmFloor.java" \
            >"$FP_DIR/jvm-floor-build.log" 2>&1 \
            && "$fp_jar" --create --file "$FP_FLOOR_DIR/jvm-floor.jar" --main-class dev.outpost.bench.JvmFloor \
                -C "$FP_FLOOR_DIR/classes" . >>"$FP_DIR/jvm-floor-build.log" 2>&1; then
            FP_FLOOR_JAR=$FP_FLOOR_DIR/jvm-floor.jar
            ol_gateway_token "$FP_GATEWAY" footprint-floor "$FP_FLOOR_DIR/token" "$FP_DIR/token-floor.log"
            ol_agent_config "$FP_FLOOR_DIR/agent.yaml" "$FP_FLOOR_DIR/state" "${FP_INTERVAL_S}s"
            ol_agent_enroll "$FP_FLOOR_DIR/agent.yaml" "$FP_FLOOR_DIR/token" "$FP_FLOOR_DIR/state" "$FP_DIR/enroll-floor.log"
        else
            echo "      the JVM floor could not be compiled (see $FP_DIR/jvm-floor-build.log); leaving it out"
        fi
    else
        echo "      no javac and jar next to $FP_JAVA or on PATH (a JDK, not a JRE); leaving the JVM floor out"
    fi
fi

# fp_start_agent LOG: starts the measured agent and waits for its next batch; sets FP_FIRST_MS (start -> that batch
# stored, polled every 50 ms), FP_FIRST_CPU_MS (the CPU it had used by then: on a busy host the wall-clock time
# is mostly waiting for a core) and FP_READY_MS (start -> the time stamp of its "started" log line).
fp_start_agent() {
    local log=$1 before t0 limit=$((30 + FP_INTERVAL_S)) deadline stamp ns
    before=$(fp_batches footprint)
    t0=$(fp_now_ms)
    JAVA_HOME=$FP_JAVA_HOME "$OL_AGENT_BIN" run --config "$FP_AGENT/agent.yaml" </dev/null >"$log" 2>&1 &
    OL_AGENT_PID=$!
    deadline=$((SECONDS + limit))
    while [ "$(fp_batches footprint)" -le "$before" ]; do
        ol_require_running "$log" "$FP_DIR/gateway.log"
        [ "$SECONDS" -lt "$deadline" ] || ol_fail "the gateway stored no batch from the agent within ${limit}s" "$log"
        sleep 0.05
    done
    FP_FIRST_MS=$(($(fp_now_ms) - t0))
    FP_FIRST_CPU_MS=$(($(fp_cpu_ticks "$OL_AGENT_PID") * 1000 / FP_CLK_TCK))
    FP_READY_MS='?'
    stamp=$(sed -n 's/^\([0-9T:.-]*Z\) .* started: .*/\1/p' "$log" | head -n 1)
    if [ -n "$stamp" ] && ns=$(date -d "$stamp" +%s%N 2>/dev/null); then
        FP_READY_MS=$((ns / 1000000 - t0))
    fi
}

ol_step 4 "starting the agent (interval ${FP_INTERVAL_S}s) on $("$FP_JAVA" -version 2>&1 | head -n 1)"
FP_CDS_NOTE="no class-data archive (--no-cds)"
[ -z "$FP_CDS" ] || FP_CDS_NOTE="the class-data archive was there already (--dir reused)"
if [ -n "$FP_CDS" ]; then
    # As the packaged agent does in /var/lib/outpost-agent: the first run makes the archive when it stops.
    export OUTPOST_AGENT_CDS_DIR=$FP_DIR/cds
    mkdir -p "$OUTPOST_AGENT_CDS_DIR" || ol_fail "cannot create $OUTPOST_AGENT_CDS_DIR"
    if ! ls "$OUTPOST_AGENT_CDS_DIR"/*.jsa >/dev/null 2>&1; then
        fp_start_agent "$FP_DIR/agent-first.log"
        printf '      first start: first batch stored %s ms after start, %s ms of CPU (ready after %s ms); stopping it to write the archive\n' \
            "$FP_FIRST_MS" "$FP_FIRST_CPU_MS" "$FP_READY_MS"
        FP_CDS_NOTE="first start, without the archive: $FP_FIRST_MS ms, $FP_FIRST_CPU_MS ms of CPU (ready $FP_READY_MS ms)"
        ol_stop "$OL_AGENT_PID" "agent" 30
        ls "$OUTPOST_AGENT_CDS_DIR"/*.jsa >/dev/null 2>&1 || ol_fail "the agent wrote no class-data archive in $OUTPOST_AGENT_CDS_DIR" "$FP_DIR/agent-first.log"
    fi
else
    export OUTPOST_AGENT_CDS_DIR=
fi
fp_start_agent "$FP_DIR/agent.log"
printf '      first batch stored %s ms after start, %s ms of CPU (agent ready after %s ms)\n' "$FP_FIRST_MS" "$FP_FIRST_CPU_MS" "$FP_READY_MS"

# fp_start_baseline LOG: the baseline agent (--baseline-jar) in the background, with its own class-data archive.
fp_start_baseline() {
    JAVA_HOME=$FP_JAVA_HOME OUTPOST_AGENT_JAR=$FP_BASELINE_JAR OUTPOST_AGENT_CDS_DIR=${OUTPOST_AGENT_CDS_DIR:+$FP_DIR/cds-baseline} \
        sh "${FP_BASELINE_BIN:-$OL_AGENT_BIN}" run --config "$FP_BASE/agent.yaml" </dev/null >"$1" 2>&1 &
    FP_BASE_PID=$!
}
if [ -n "$FP_BASELINE_JAR" ]; then
    echo "      starting the baseline agent ($FP_BASELINE_JAR)"
    if [ -n "$FP_CDS" ] && ! ls "$FP_DIR"/cds-baseline/*.jsa >/dev/null 2>&1; then
        mkdir -p "$FP_DIR/cds-baseline" || ol_fail "cannot create $FP_DIR/cds-baseline"
        fp_start_baseline "$FP_DIR/agent-baseline-first.log"
        ol_wait_for_log "$FP_DIR/agent-baseline-first.log" " started: " $((30 + FP_INTERVAL_S)) "$FP_BASE_PID" "baseline agent"
        sleep 2
        ol_stop "$FP_BASE_PID" "baseline agent" 60
    fi
    fp_start_baseline "$FP_DIR/agent-baseline.log"
fi

# fp_start_floor LOG: the JVM floor in the background, by the agent's launcher, with its own class-data archive.
fp_start_floor() {
    JAVA_HOME=$FP_JAVA_HOME OUTPOST_AGENT_JAR=$FP_FLOOR_JAR OUTPOST_AGENT_CDS_DIR=${OUTPOST_AGENT_CDS_DIR:+$FP_FLOOR_DIR/cds} \
        "$OL_AGENT_BIN" run --config "$FP_FLOOR_DIR/agent.yaml" </dev/null >"$1" 2>&1 &
    FP_FLOOR_PID=$!
}
if [ -n "$FP_FLOOR_JAR" ]; then
    echo "      starting the JVM floor (java.base only: /proc, gzip, fsync, one mTLS POST per interval)"
    if [ -n "$FP_CDS" ] && ! ls "$FP_FLOOR_DIR"/cds/*.jsa >/dev/null 2>&1; then
        mkdir -p "$FP_FLOOR_DIR/cds" || ol_fail "cannot create $FP_FLOOR_DIR/cds"
        fp_start_floor "$FP_DIR/jvm-floor-first.log"
        ol_wait_for_log "$FP_DIR/jvm-floor-first.log" "jvm-floor: every" 30 "$FP_FLOOR_PID" "JVM floor"
        sleep 3
        ol_stop "$FP_FLOOR_PID" "JVM floor" 60
    fi
    fp_start_floor "$FP_DIR/jvm-floor.log"
fi

ol_step 5 "starting node_exporter, collectd and the agent's twin (NMT); warming up for ${FP_WARMUP}s"
FP_NODE_PORT=$(ol_pick_port 9100 "$FP_INGEST_PORT") || ol_fail "no free TCP port found for node_exporter"
"$FP_NODE_BIN" --web.listen-address="127.0.0.1:$FP_NODE_PORT" </dev/null >"$FP_DIR/node_exporter.log" 2>&1 &
FP_NODE_PID=$!
FP_RUN_UNTIL=$((SECONDS + FP_WARMUP + FP_WINDOW + 60))
# The scraper: one GET per interval, as Prometheus would; each scrape appends a line to scrapes.log.
(
    trap - EXIT INT TERM
    while [ "$SECONDS" -lt "$FP_RUN_UNTIL" ]; do
        curl -s -o /dev/null --max-time 5 "http://127.0.0.1:$FP_NODE_PORT/metrics" && echo ok >>"$FP_DIR/scrapes.log"
        sleep "$FP_INTERVAL_S"
    done
) </dev/null >/dev/null 2>&1 &
FP_SCRAPE_PID=$!
FP_COLLECTD_WRITER=
if [ -n "$FP_COLLECTD_BIN" ]; then
    mkdir -p "$FP_DIR/collectd" || ol_fail "cannot create $FP_DIR/collectd"
    FP_RECEIVER_PORT=
    if command -v python3 >/dev/null 2>&1 && ! ldd /usr/lib/collectd/write_http.so 2>/dev/null | grep -q 'not found'; then
        FP_RECEIVER_PORT=$(ol_pick_port 8080 "$FP_NODE_PORT") || ol_fail "no free TCP port found for collectd's receiver"
        # write_http's receiver: reads each POST and answers 204.
        python3 -c '
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(204)
        self.end_headers()
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
' "$FP_RECEIVER_PORT" </dev/null >"$FP_DIR/receiver.log" 2>&1 &
        FP_RECEIVER_PID=$!
        FP_COLLECTD_WRITER=write_http
        FP_DEADLINE=$((SECONDS + 15))
        until ol_port_busy "$FP_RECEIVER_PORT"; do
            ol_require_alive "$FP_RECEIVER_PID" "collectd's HTTP receiver (python3)" "$FP_DIR/receiver.log"
            [ "$SECONDS" -lt "$FP_DEADLINE" ] || ol_fail "collectd's HTTP receiver did not listen within 15s" "$FP_DIR/receiver.log"
            sleep 0.1
        done
    else
        FP_COLLECTD_WRITER=csv
    fi
    fp_collectd_config "$FP_DIR/collectd.conf" "$FP_RECEIVER_PORT"
    "$FP_COLLECTD_BIN" -f -C "$FP_DIR/collectd.conf" </dev/null >>"$FP_DIR/collectd.log" 2>&1 &
    FP_COLLECTD_PID=$!
fi
# The twin: the same agent (with OUTPOST_AGENT_JAVA_OPTS, as the agent) plus native memory tracking and the
# attach mechanism, for jcmd.
JAVA_HOME=$FP_JAVA_HOME OUTPOST_AGENT_JAVA_OPTS="${OUTPOST_AGENT_JAVA_OPTS:-} -XX:NativeMemoryTracking=summary -XX:-DisableAttachMechanism" \
    "$OL_AGENT_BIN" run --config "$FP_TWIN/agent.yaml" </dev/null >"$FP_DIR/agent-nmt.log" 2>&1 &
FP_TWIN_PID=$!
FP_WARM_END=$((SECONDS + FP_WARMUP))
while [ "$SECONDS" -lt "$FP_WARM_END" ]; do
    fp_check_running
    sleep 1
done

ol_step 6 "measuring for ${FP_WINDOW}s"
FP_SAMPLE_EVERY=$((FP_WINDOW / 30))
[ "$FP_SAMPLE_EVERY" -ge 1 ] || FP_SAMPLE_EVERY=1
[ "$FP_SAMPLE_EVERY" -le 5 ] || FP_SAMPLE_EVERY=5
fp_check_running
FP_PROCS=("outpost-agent:$OL_AGENT_PID" "outpost-agent+NMT:$FP_TWIN_PID" "node_exporter:$FP_NODE_PID")
[ -z "$FP_BASE_PID" ] || FP_PROCS+=("agent-baseline:$FP_BASE_PID")
[ -z "$FP_FLOOR_PID" ] || FP_PROCS+=("jvm-floor:$FP_FLOOR_PID")
[ -z "$FP_COLLECTD_PID" ] || FP_PROCS+=("collectd:$FP_COLLECTD_PID")
: >"$FP_DIR/samples.txt"
: >"$FP_DIR/cpu.txt"
FP_BATCHES_START=$(fp_batches footprint)
FP_BASE_BATCHES_START=$(fp_batches footprint-baseline)
FP_SCRAPES_START=$(wc -l <"$FP_DIR/scrapes.log" 2>/dev/null || echo 0)
fp_thread_ticks "$OL_AGENT_PID" >"$FP_DIR/threads-start.txt"
FP_START_NS=$(date +%s%N)
FP_TCP_START=$(cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | wc -l)
for p in "${FP_PROCS[@]}"; do
    printf '%s start %s\n' "${p%%:*}" "$(fp_cpu_ticks "${p#*:}")" >>"$FP_DIR/cpu.txt"
done
FP_END=$((SECONDS + FP_WINDOW))
while :; do
    fp_check_running
    for p in "${FP_PROCS[@]}"; do
        fp_sample "${p%%:*}" "${p#*:}" >>"$FP_DIR/samples.txt"
    done
    FP_LEFT=$((FP_END - SECONDS))
    [ "$FP_LEFT" -gt 0 ] || break
    sleep $((FP_LEFT < FP_SAMPLE_EVERY ? FP_LEFT : FP_SAMPLE_EVERY))
done
for p in "${FP_PROCS[@]}"; do
    printf '%s end %s\n' "${p%%:*}" "$(fp_cpu_ticks "${p#*:}")" >>"$FP_DIR/cpu.txt"
done
FP_END_NS=$(date +%s%N)
: >"$FP_DIR/smaps.txt"
for p in "${FP_PROCS[@]}"; do
    fp_smaps "${p%%:*}" "${p#*:}" >>"$FP_DIR/smaps.txt"
done
FP_TCP_END=$(cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | wc -l)
fp_thread_ticks "$OL_AGENT_PID" >"$FP_DIR/threads-end.txt"
FP_CYCLES=$(($(fp_batches footprint) - FP_BATCHES_START))
FP_BASE_CYCLES=$(($(fp_batches footprint-baseline) - FP_BASE_BATCHES_START))
FP_SCRAPES=$(($(wc -l <"$FP_DIR/scrapes.log" 2>/dev/null || echo 0) - FP_SCRAPES_START))
[ "$FP_CYCLES" -gt 0 ] || ol_fail "the gateway stored no batch from the agent during the window" "$FP_DIR/agent.log"
[ "$FP_SCRAPES" -gt 0 ] || ol_fail "no scrape of node_exporter succeeded during the window" "$FP_DIR/node_exporter.log"
FP_NMT=$(ol_run_bounded 30 "$FP_JCMD" "$FP_TWIN_PID" VM.native_memory summary 2>&1) || FP_NMT="jcmd failed: $FP_NMT"

ol_step 7 "report"
FP_COLLECTD_VERSION=
if [ -n "$FP_COLLECTD_PID" ]; then
    FP_COLLECTD_VERSION="$("$FP_COLLECTD_BIN" -h 2>&1 | sed -n 's/^collectd \([0-9][0-9.]*[0-9]\).*/\1/p' | head -n 1), $FP_COLLECTD_WRITER"
fi
FP_SECS_X1000=$(((FP_END_NS - FP_START_NS) / 1000000))
printf 'host: %s, %s cpus, load %s; agent on %s\n' "$(uname -sr)" "$(getconf _NPROCESSORS_ONLN)" \
    "$(cut -d' ' -f1-3 /proc/loadavg)" "$("$FP_JAVA" -version 2>&1 | head -n 1)"
printf 'node_exporter: %s; collectd: %s\n' "$("$FP_NODE_BIN" --version 2>&1 | head -n 1)" \
    "${FP_COLLECTD_VERSION:-left out}"
printf 'interval %ss, warmup %ss, window %.0fs: agent %s cycles (batches stored), node_exporter %s scrapes; %s samples each; CLK_TCK %s\n' \
    "$FP_INTERVAL_S" "$FP_WARMUP" "$((FP_SECS_X1000 / 1000))" "$FP_CYCLES" "$FP_SCRAPES" \
    "$(grep -c '^outpost-agent ' "$FP_DIR/samples.txt")" "$FP_CLK_TCK"
# The agent counts TCP sockets by state from /proc/net/tcp{,6} every cycle (system.network.connections): the kernel's
# cost of writing those tables grows with the host's sockets, which node_exporter's defaults do not read.
printf 'TCP sockets on the host (lines of /proc/net/tcp and tcp6): %s at the window'"'"'s start, %s at its end\n' \
    "$FP_TCP_START" "$FP_TCP_END"
echo
FP_REPORT=$(
    awk -v tck="$FP_CLK_TCK" -v ms="$FP_SECS_X1000" -v cycles="$FP_CYCLES" -v bcycles="$FP_BASE_CYCLES" -v scrapes="$FP_SCRAPES" \
        -v interval="$FP_INTERVAL_S" -v goal_rss="$FP_GOAL_RSS_MIB" '
        function median(list,    n, v, i, j, t) {
            n = split(list, v, " ")
            for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
            return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
        }
        function ratio(a, b) { return b > 0 ? sprintf("%.2fx", a / b) : "n/a" }
        FILENAME ~ /cpu.txt$/ { if ($2 == "start") t0[$1] = $3; else t1[$1] = $3; next }
        {
            if (!($1 in rss)) order[++n] = $1
            rss[$1] = rss[$1] " " $2; pss[$1] = pss[$1] " " $3; thr[$1] = thr[$1] " " $4
        }
        END {
            secs = ms / 1000
            for (i = 1; i <= n; i++) {
                p = order[i]
                R[p] = median(rss[p]) / 1024; P[p] = median(pss[p]) / 1024; T[p] = median(thr[p])
                cpu_ms = (t1[p] - t0[p]) * 1000 / tck
                H[p] = cpu_ms / secs * 3.6
                c = p == "node_exporter" ? scrapes : (p ~ /^outpost-agent/ ? cycles : (p == "agent-baseline" ? bcycles : secs / interval))
                C[p] = c > 0 ? cpu_ms / c : 0
            }
            b = "node_exporter"
            row = "| %-18s | %7s | %7s | %10s | %12s | %7s | %9s | %9s | %9s |\n"
            printf row, "process", "RSS MiB", "PSS MiB", "CPU s/hour", "CPU ms/cycle", "threads", "RSS/node", "PSS/node", "CPU/node"
            printf "|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n", "---", "---", "---", "---", "---", "---", "---", "---", "---"
            for (i = 1; i <= n; i++) {
                p = order[i]
                printf row, p, sprintf("%.1f", R[p]), sprintf("%.1f", P[p]), sprintf("%.2f", H[p]), sprintf("%.1f", C[p]), T[p], ratio(R[p], R[b]), ratio(P[p], P[b]), ratio(H[p], H[b])
            }
            a = "outpost-agent"
            printf "\ngoals (shared/PERFORMANCE.md): RSS <= %s MiB: %s (%.1f); CPU/hour <= node_exporter (%.2f): %s (%.2f)\n", goal_rss, R[a] <= goal_rss ? "met" : "NOT met", R[a], H[b], H[a] <= H[b] ? "met" : "NOT met", H[a]
            print "verdict " ((R[a] <= goal_rss && H[a] <= H[b]) ? "met" : "missed")
        }' "$FP_DIR/cpu.txt" "$FP_DIR/samples.txt"
)
printf '%s\n' "$FP_REPORT" | sed '$d'
printf 'start -> first batch stored: %s ms, %s ms of the agent'"'"'s CPU (ready, its "started" log line: %s ms)%s\n' \
    "$FP_FIRST_MS" "$FP_FIRST_CPU_MS" "$FP_READY_MS" "${FP_CDS:+ with its class-data archive}"
printf '%s\n' "$FP_CDS_NOTE"
echo
echo "RSS by kind of mapping at the window's end, MiB (/proc/PID/smaps; heap: anonymous memory below 4 GiB; other:"
echo "metaspace, thread stacks, malloc arenas, GC structures, and all of node_exporter's memory):"
awk 'BEGIN { printf "| %-18s | %6s | %8s | %6s | %9s | %10s | %6s | %6s |\n", "process", "heap", "archives", "libjvm", "other libs", "code cache", "other", "total"
             printf "|---|---|---|---|---|---|---|---|\n" }
     { t = $2 + $3 + $4 + $5 + $6 + $7
       printf "| %-18s | %6.1f | %8.1f | %6.1f | %9.1f | %10.1f | %6.1f | %6.1f |\n", $1, $2 / 1024, $3 / 1024, $4 / 1024, $5 / 1024, $6 / 1024, $7 / 1024, t / 1024 }' \
    "$FP_DIR/smaps.txt"
echo
echo "agent CPU ticks per thread (1 tick = $((1000 / FP_CLK_TCK)) ms): in the window, and since start"
awk 'FNR == 1 { f++ }
    { tid = $1; ticks = $2; $1 = ""; $2 = ""; sub(/^  /, ""); name[tid] = $0
      if (f == 1) s[tid] = ticks; else { e[tid] = ticks; seen[tid] = 1 } }
    END {
        for (t in seen) { w = e[t] - s[t]; agg[name[t]] += w; tot[name[t]] += e[t]; cnt[name[t]]++ }
        for (k in agg) printf "%d\t%d\t%s\t%d\n", agg[k], tot[k], k, cnt[k]
    }' "$FP_DIR/threads-start.txt" "$FP_DIR/threads-end.txt" | sort -t "$(printf '\t')" -k1,1nr -k2,2nr \
    | awk -F '\t' '{ printf "  %-18s %6d %8d%s\n", $3, $1, $2, ($4 > 1 ? "  (" $4 " threads)" : "") }'
echo
echo "native memory of the agent's twin (-XX:NativeMemoryTracking=summary; jcmd VM.native_memory summary):"
printf '%s\n' "$FP_NMT" | grep -E '^(Total|-  *[A-Za-z].*\(reserved)|\(classes #|\(  *(instance|threads) ' \
    | sed -e 's/^-  */  /' -e 's/^  *(/      (/'
echo
echo "RSS/PSS: medians of VmRSS and smaps_rollup Pss; CPU: utime+stime+cutime+cstime from /proc/PID/stat over the"
echo "window; ms/cycle per agent batch stored, per node_exporter scrape, per collectd interval. The twin runs NMT and"
echo "the attach listener, which cost memory of their own; the first row runs the launcher's flags as packaged."
if [ "$FP_INTERVAL_S" -ne 10 ] || [ "$FP_WINDOW" -lt 300 ]; then
    echo "note: the goals are stated for --interval 10s over a window of 300 s or more; this run differs."
fi
if [ -n "$FP_CHECK" ] && [ "${FP_REPORT##*verdict }" != "met" ]; then
    echo "footprint: the agent missed a footprint goal (--check)" >&2
    exit 2
fi
exit 0
