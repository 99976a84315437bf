# shellcheck shell=bash
# Functions shared by quickstart.sh and bench/footprint.sh: build the jars when they are stale, run a
# throwaway gateway on loopback, enroll an agent against it, and stop every process that was started.
#
# A caller sets OL_PROG (its name in messages) and OL_STEPS (how many steps it prints), sources this
# file, calls ol_trap_cleanup, and announces each step with ol_step. Failures go through ol_fail,
# which names the step, says why, shows the end of the relevant log and exits 1; the EXIT trap then
# stops the watch, the agent, the baseline and the gateway (SIGTERM, then SIGKILL after a bounded wait).
# Every wait here is bounded in time.

OL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OL_AGENT_BIN=$OL_ROOT/packaging/bin/outpost-agent
OL_GATEWAY_BIN=$OL_ROOT/packaging/bin/outpost-gateway
OL_REPO_AGENT_JAR=$OL_ROOT/agent/target/outpost-agent.jar
OL_REPO_GATEWAY_JAR=$OL_ROOT/gateway/target/outpost-gateway.jar
# The launchers prefer an installed package's jar; the scripts use this source tree's unless told otherwise.
export OUTPOST_AGENT_JAR=${OUTPOST_AGENT_JAR:-$OL_REPO_AGENT_JAR}
export OUTPOST_GATEWAY_JAR=${OUTPOST_GATEWAY_JAR:-$OL_REPO_GATEWAY_JAR}

OL_PROG=${OL_PROG:-outpost}
OL_STEPS=${OL_STEPS:-?}
OL_STEP=0
OL_STEP_WHAT="starting"
OL_LOG_LINES=25
OL_GATEWAY_PID=
OL_AGENT_PID=
OL_BASELINE_PID=
OL_WATCH_PID=
OL_CLEANED=
# shellcheck disable=SC2034 # read by the scripts that source this file, after ol_raise_fd_limit
OL_FD_ERROR=

ol_step() {
    OL_STEP=$1
    OL_STEP_WHAT=$2
    printf '[%s/%s] %s\n' "$OL_STEP" "$OL_STEPS" "$OL_STEP_WHAT"
}

# ol_fail REASON [LOG]: says which step failed and why, shows the end of LOG, exits 1.
ol_fail() {
    printf '%s: step %s (%s) failed: %s\n' "$OL_PROG" "$OL_STEP" "$OL_STEP_WHAT" "$1" >&2
    if [ -n "${2:-}" ] && [ -s "$2" ]; then
        printf -- '--- last %s lines of %s ---\n' "$OL_LOG_LINES" "$2" >&2
        tail -n "$OL_LOG_LINES" "$2" >&2
        printf -- '---\n' >&2
    fi
    exit 1
}

# ol_alive PID: true while PID runs (a zombie counts as stopped).
ol_alive() {
    [ -n "$1" ] && kill -0 "$1" 2>/dev/null || return 1
    local state
    state=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
    [ "$state" != "Z" ]
}

# ol_reap PID: waits for a child that has stopped and sets OL_RC to its exit status. (Not in $(...):
# a subshell cannot wait for its parent's children.)
ol_reap() {
    wait "$1" 2>/dev/null
    OL_RC=$?
}

# ol_stop PID NAME SECONDS: SIGTERM, then SIGKILL if still running after SECONDS.
ol_stop() {
    local pid=$1 name=$2 limit=$3 tenths=0
    [ -n "$pid" ] || return 0
    if ol_alive "$pid"; then
        kill -TERM "$pid" 2>/dev/null
        while ol_alive "$pid" && [ "$tenths" -lt $((limit * 10)) ]; do
            sleep 0.1
            tenths=$((tenths + 1))
        done
        if ol_alive "$pid"; then
            printf '%s: %s (pid %s) did not stop within %ss of SIGTERM; sending SIGKILL\n' "$OL_PROG" "$name" "$pid" "$limit" >&2
            kill -KILL "$pid" 2>/dev/null
        fi
    fi
    wait "$pid" 2>/dev/null
    return 0
}

ol_cleanup() {
    [ -z "$OL_CLEANED" ] || return 0
    OL_CLEANED=1
    trap '' INT TERM
    ol_stop "$OL_WATCH_PID" "watch" 5
    ol_stop "$OL_AGENT_PID" "agent" 15
    ol_stop "$OL_BASELINE_PID" "baseline JVM" 5
    ol_stop "$OL_GATEWAY_PID" "gateway" 15
}

# ol_trap_cleanup: stop everything on exit; Ctrl-C exits 0 (a normal way to end), SIGTERM 143.
ol_trap_cleanup() {
    trap 'ol_cleanup' EXIT
    trap 'printf "\n%s: interrupted; stopping\n" "$OL_PROG" >&2; exit 0' INT
    trap 'exit 143' TERM
}

# ol_build_if_needed LOG: mvn package when a jar of this tree is missing or older than a source or pom.
ol_build_if_needed() {
    local log=$1 stale='' jar
    for jar in "$OUTPOST_AGENT_JAR" "$OUTPOST_GATEWAY_JAR"; do
        if [ ! -f "$jar" ]; then
            stale="$jar is missing"
        elif [ "$jar" = "$OL_REPO_AGENT_JAR" ] || [ "$jar" = "$OL_REPO_GATEWAY_JAR" ]; then
            local newer
            newer=$(find "$OL_ROOT"/pom.xml "$OL_ROOT"/*/pom.xml "$OL_ROOT"/*/src -type f -newer "$jar" -print -quit 2>/dev/null)
            [ -z "$newer" ] || stale="$newer is newer than $jar"
        fi
        [ -z "$stale" ] || break
    done
    if [ -z "$stale" ]; then
        echo "      jars are up to date"
        return 0
    fi
    if [ "$OUTPOST_AGENT_JAR" != "$OL_REPO_AGENT_JAR" ] || [ "$OUTPOST_GATEWAY_JAR" != "$OL_REPO_GATEWAY_JAR" ]; then
        ol_fail "$stale; build it or unset OUTPOST_AGENT_JAR/OUTPOST_GATEWAY_JAR to use this source tree"
    fi
    command -v mvn >/dev/null 2>&1 || ol_fail "$stale and mvn is not installed; install Maven 3.8+ and a JDK 17+ (e.g. apt-get install maven openjdk-17-jdk-headless)"
    echo "      building with mvn -B -q -DskipTests package ($stale); log: $log"
    (cd "$OL_ROOT" && mvn -B -q -DskipTests package) >"$log" 2>&1 || ol_fail "mvn -B -q -DskipTests package exited with status $?" "$log"
    for jar in "$OUTPOST_AGENT_JAR" "$OUTPOST_GATEWAY_JAR"; do
        [ -f "$jar" ] || ol_fail "the build succeeded but $jar does not exist" "$log"
    done
}

# ol_build_bench_if_needed LOG: the jars (ol_build_if_needed), then the benchmarks' classes and classpath.txt
# (bench/target) when missing or older than a source of bench/.
ol_build_bench_if_needed() {
    local log=$1
    ol_build_if_needed "$log"
    if [ ! -f "$OL_ROOT/bench/target/classpath.txt" ] \
        || [ -n "$(find "$OL_ROOT/bench/src" -newer "$OL_ROOT/bench/target/classpath.txt" -type f -print -quit)" ]; then
        echo "      building bench (mvn -B -q -DskipTests package)"
        (cd "$OL_ROOT" && mvn -B -q -DskipTests package) >>"$log" 2>&1 \
            || ol_fail "mvn -B -q -DskipTests package exited with status $?" "$log"
    fi
}

# ol_raise_fd_limit NEED WHAT: the soft limit of open files up to the hard one, which must be at least NEED;
# otherwise sets OL_FD_ERROR to why ("WHAT needs NEED file descriptors ...") and returns 1. Not in $(...): a
# subshell's limit is not the caller's.
ol_raise_fd_limit() {
    local need=$1 hard
    hard=$(ulimit -Hn)
    if [ "$hard" != unlimited ] && [ "$hard" -lt "$need" ]; then
        # shellcheck disable=SC2034 # as above
        OL_FD_ERROR="$2 needs $need file descriptors per process; the hard limit is $hard (raise it, e.g. LimitNOFILE or ulimit -Hn as root)"
        return 1
    fi
    ulimit -n "$hard" 2>/dev/null || ulimit -n "$need" 2>/dev/null || {
        # shellcheck disable=SC2034 # as above
        OL_FD_ERROR="cannot raise the file descriptor limit to $need"
        return 1
    }
}

# ol_port_busy PORT: true when something listens on PORT.
ol_port_busy() {
    if command -v ss >/dev/null 2>&1; then
        ss -ltn 2>/dev/null | awk '{print $4}' | grep -q ":$1\$"
    else
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
    fi
}

# ol_pick_port PREFERRED [AVOID]: PREFERRED if free, else a free port in 20000..59999 (50 tries).
ol_pick_port() {
    local port=$1 avoid=${2:-} tries=0
    while [ "$port" = "$avoid" ] || ol_port_busy "$port"; do
        tries=$((tries + 1))
        [ "$tries" -le 50 ] || return 1
        port=$((20000 + RANDOM % 40000))
    done
    echo "$port"
}

# ol_wait_for_log LOG PATTERN SECONDS PID NAME: until LOG has PATTERN; fails if PID stops or time runs out.
ol_wait_for_log() {
    local log=$1 pattern=$2 deadline=$((SECONDS + $3)) pid=$4 name=$5
    until grep -q -- "$pattern" "$log" 2>/dev/null; do
        if ! ol_alive "$pid"; then
            ol_reap "$pid"
            ol_fail "$name exited with status $OL_RC before logging \"$pattern\"" "$log"
        fi
        [ "$SECONDS" -lt "$deadline" ] || ol_fail "$name did not log \"$pattern\" within $3s" "$log"
        sleep 0.2
    done
}

# ol_yaml_quote TEXT: TEXT as a single-quoted YAML scalar.
ol_yaml_quote() {
    local s=$1
    printf "'%s'" "${s//\'/\'\'}"
}

# ol_run_bounded SECONDS CMD...: runs CMD, ended after SECONDS where coreutils' timeout exists (status 124).
ol_run_bounded() {
    local limit=$1
    shift
    if command -v timeout >/dev/null 2>&1; then
        timeout --kill-after=5 "$limit" "$@"
    else
        "$@"
    fi
}

# ol_status_reason STATUS SECONDS NAME: "NAME exited with status N" or, for 124, that it timed out.
ol_status_reason() {
    if [ "$1" -eq 124 ]; then
        echo "$3 did not finish within $2s"
    else
        echo "$3 exited with status $1"
    fi
}

# ol_gateway_init DIR LOG: creates the CA, server certificate and gateway.yaml, unless DIR has them.
ol_gateway_init() {
    local dir=$1 log=$2 rc
    if [ -f "$dir/gateway.yaml" ]; then
        echo "      $dir is already initialised; reusing it"
        return 0
    fi
    ol_run_bounded 60 "$OL_GATEWAY_BIN" init --dir "$dir" --hostname localhost --hostname 127.0.0.1 \
        </dev/null >"$log" 2>&1
    rc=$?
    [ "$rc" -eq 0 ] || ol_fail "$(ol_status_reason "$rc" 60 "outpost-gateway init")" "$log"
}

# ol_gateway_token DIR ORG TOKEN_FILE LOG: creates a one-use token, writes it to TOKEN_FILE (0600,
# never printed) and sets OL_PIN to the CA pin. Parses the lines "token: opt_..." and "ca pin: sha256:...".
ol_gateway_token() {
    local dir=$1 org=$2 file=$3 log=$4 out rc token
    out=$(ol_run_bounded 60 "$OL_GATEWAY_BIN" token create --dir "$dir" --org "$org" </dev/null 2>"$log")
    rc=$?
    [ "$rc" -eq 0 ] || ol_fail "$(ol_status_reason "$rc" 60 "outpost-gateway token create")" "$log"
    token=$(printf '%s\n' "$out" | sed -n 's/^token: *\(opt_[A-Za-z0-9_-]*\) *$/\1/p' | head -n 1)
    OL_PIN=$(printf '%s\n' "$out" | sed -n 's/^ca pin: *\(sha256:[0-9a-f]\{64\}\) *$/\1/p' | head -n 1)
    [ -n "$token" ] || ol_fail "the output of 'outpost-gateway token create' has no line 'token: opt_...'" "$log"
    [ -n "$OL_PIN" ] || ol_fail "the output of 'outpost-gateway token create' has no line 'ca pin: sha256:<64 hex>'" "$log"
    mkdir -p "$(dirname "$file")" || ol_fail "cannot create $(dirname "$file")"
    rm -f "$file" || ol_fail "cannot replace $file"
    (umask 077 && printf '%s\n' "$token" >"$file") || ol_fail "cannot write $file"
}

# ol_logged_port LOG WHAT: the port of the last "WHAT listening on https://HOST:PORT/..." line.
ol_logged_port() {
    sed -n "s#.*$2 listening on https://.*:\([0-9][0-9]*\)/.*#\1#p" "$1" | tail -n 1
}

# ol_gateway_start DIR LOG EST_PORT INGEST_PORT: serves on 127.0.0.1 in the background until both
# listeners are up (30 s at most); sets OL_GATEWAY_PID, OL_EST_PORT and OL_INGEST_PORT.
ol_gateway_start() {
    local dir=$1 log=$2
    OUTPOST_GATEWAY_EST_LISTEN=127.0.0.1:$3 OUTPOST_GATEWAY_INGEST_LISTEN=127.0.0.1:$4 \
        "$OL_GATEWAY_BIN" serve --dir "$dir" </dev/null >"$log" 2>&1 &
    OL_GATEWAY_PID=$!
    ol_wait_for_log "$log" "EST listening" 30 "$OL_GATEWAY_PID" "gateway"
    ol_wait_for_log "$log" "ingest listening" 10 "$OL_GATEWAY_PID" "gateway"
    OL_EST_PORT=$(ol_logged_port "$log" "EST")
    OL_INGEST_PORT=$(ol_logged_port "$log" "ingest")
    OL_EST_PORT=${OL_EST_PORT:-$3}
    OL_INGEST_PORT=${OL_INGEST_PORT:-$4}
}

# ol_agent_config FILE STATE_DIR INTERVAL: an agent.yaml for the gateway started by ol_gateway_start.
ol_agent_config() {
    local file=$1 state=$2 interval=$3
    mkdir -p "$(dirname "$file")" "$state" || ol_fail "cannot create $(dirname "$file") and $state"
    cat >"$file" <<YAML || ol_fail "cannot write $file"
# Written by $OL_PROG for a throwaway gateway on this host's loopback interface.
server: https://127.0.0.1:$OL_EST_PORT
ingest_url: https://127.0.0.1:$OL_INGEST_PORT/v1/metrics
state_dir: $(ol_yaml_quote "$state")
interval: $interval
log:
  level: info
YAML
}

# ol_agent_enroll CONFIG TOKEN_FILE STATE_DIR LOG: enrolls against the gateway (--force when STATE_DIR
# already holds an enrollment, e.g. on a second run with the same --dir).
ol_agent_enroll() {
    local config=$1 token=$2 state=$3 log=$4 rc force=()
    if [ -n "$(ls -A "$state" 2>/dev/null)" ]; then
        force=(--force)
    fi
    ol_run_bounded 60 "$OL_AGENT_BIN" enroll --config "$config" --server "https://127.0.0.1:$OL_EST_PORT" \
        --ca-sha256 "$OL_PIN" --token-file "$token" "${force[@]}" </dev/null >"$log" 2>&1
    rc=$?
    [ "$rc" -eq 0 ] || ol_fail "$(ol_status_reason "$rc" 60 "outpost-agent enroll")" "$log"
}

# ol_agent_start CONFIG LOG: runs the agent in the background; sets OL_AGENT_PID.
ol_agent_start() {
    "$OL_AGENT_BIN" run --config "$1" </dev/null >"$2" 2>&1 &
    OL_AGENT_PID=$!
}

# ol_sink_bytes METRICS_DIR: bytes in the file sink's files (one directory per org, gzip or plain NDJSON).
ol_sink_bytes() {
    cat "$1"/*/metrics-*.ndjson* 2>/dev/null | wc -c
}

# ol_sink_batches METRICS_DIR: distinct batch ids in the file sink (one per agent collection cycle): the
# "batch" of each batch's resource line.
ol_sink_batches() {
    zcat -f "$1"/*/metrics-*.ndjson* 2>/dev/null | grep '"resource":' | grep -o '"batch":"[^"]*"' | sort -u | wc -l
}

# ol_require_running AGENT_LOG GATEWAY_LOG: fails if the agent or the gateway has stopped.
ol_require_running() {
    ol_require_alive "$OL_AGENT_PID" "the agent" "$1"
    ol_require_alive "$OL_GATEWAY_PID" "the gateway" "$2"
}

# ol_require_alive PID NAME LOG: fails, showing LOG, if PID has stopped.
ol_require_alive() {
    if ! ol_alive "$1"; then
        ol_reap "$1"
        ol_fail "$2 exited with status $OL_RC" "$3"
    fi
}

# ol_wait_for_push METRICS_DIR BYTES_BEFORE SECONDS AGENT_LOG GATEWAY_LOG: until the sink grew.
ol_wait_for_push() {
    local dir=$1 before=$2 deadline=$((SECONDS + $3))
    while [ "$(ol_sink_bytes "$dir")" -le "$before" ]; do
        ol_require_running "$4" "$5"
        [ "$SECONDS" -lt "$deadline" ] || ol_fail "the gateway stored no metrics from the agent within $3s" "$4"
        sleep 0.5
    done
}
