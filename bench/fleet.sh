#!/usr/bin/env bash
# fleet.sh: one gateway under a whole fleet. Starts a throwaway gateway on loopback (the packaged launcher, its
# heap), enrolls K simulated agents over EST with real keys and certificates (timed), keeps one keep-alive mTLS
# connection per agent open (one Netty event loop in the load generator), and sends a real agent batch (this
# host's metrics as the agent encodes them: OTLP protobuf, gzip, each agent's own Idempotency-Key sequence) at an
# offered rate in open loop: latency counts from when a batch was due. Then the same load against nginx with
# ssl_verify_client on the same CA (returning 200 to every POST), the physical reference. Prints achieved
# batches/s, p50/p99/max latency, errors by kind, server CPU ms per batch and RSS (from /proc), and the ratios.
# Exit 0 when both servers lived through it, 2 when one died, 1 when the run could not be set up, 64 for bad
# arguments. Speed is printed, never asserted.
set -uo pipefail

OL_PROG=fleet
OL_STEPS=6
# shellcheck source-path=SCRIPTDIR source=../scripts/outpost-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/outpost-lib.sh"

usage() {
    cat <<'USAGE'
Usage: bench/fleet.sh [--agents K] [--rate N] [--warmup SECONDS] [--duration SECONDS] [--dir DIR]
                      [--enroll-concurrency N] [--no-nginx] [--no-build]
  --agents K              simulated agents, one connection each (default 1000; 10000 is a fleet)
  --rate N                batches per second offered, in all (default 100: each agent every K/N seconds)
  --warmup SECONDS        load before measuring, per server (default 10)
  --duration SECONDS      measured window, per server (default 30)
  --dir DIR               where the gateway, the agents' keys, nginx and the logs go (default: a new temporary
                          directory); a second run with the same DIR reuses the gateway and the agents
                          (their certificates are valid 30 days) and skips enrollment
  --enroll-concurrency N  enrollments in flight at once (default 32)
  --no-nginx              measure the gateway only
  --no-build              use the jars and classes as built (fail if missing) instead of building stale ones
Environment: OUTPOST_GATEWAY_JAVA_OPTS is passed to the gateway's launcher (e.g. -Xmx1g, or
-XX:-DisableAttachMechanism to profile it with jcmd); FLEET_JAVA_OPTS to the load generator (default -Xmx2g).
USAGE
}

fl_usage_error() {
    printf 'fleet: %s\n' "$1" >&2
    usage >&2
    exit 64
}

FL_AGENTS=1000
FL_RATE=100
FL_WARMUP=10
FL_DURATION=30
FL_DIR=
FL_ENROLL_CONCURRENCY=32
FL_NGINX=1
FL_BUILD=1
while [ $# -gt 0 ]; do
    case $1 in
        --agents | --rate | --warmup | --duration | --dir | --enroll-concurrency)
            [ $# -ge 2 ] || fl_usage_error "$1 needs a value"
            case $1 in
                --agents) FL_AGENTS=$2 ;;
                --rate) FL_RATE=$2 ;;
                --warmup) FL_WARMUP=$2 ;;
                --duration) FL_DURATION=$2 ;;
                --dir) FL_DIR=$2 ;;
                --enroll-concurrency) FL_ENROLL_CONCURRENCY=$2 ;;
            esac
            shift 2
            ;;
        --no-nginx) FL_NGINX=; shift ;;
        --no-build) FL_BUILD=; shift ;;
        -h | --help) usage; exit 0 ;;
        *) fl_usage_error "unknown argument \"$1\"" ;;
    esac
done
for fl_opt in "agents:$FL_AGENTS" "rate:$FL_RATE" "warmup:$FL_WARMUP" "duration:$FL_DURATION" \
    "enroll-concurrency:$FL_ENROLL_CONCURRENCY"; do
    case ${fl_opt#*:} in
        '' | *[!0-9]*) fl_usage_error "--${fl_opt%%:*} \"${fl_opt#*:}\" is not a whole number" ;;
    esac
done
if [ "$FL_AGENTS" -lt 1 ] || [ "$FL_AGENTS" -gt 100000 ]; then fl_usage_error "--agents must be 1 .. 100000"; fi
[ "$FL_RATE" -ge 1 ] || fl_usage_error "--rate must be at least 1"
[ "$FL_DURATION" -ge 1 ] || fl_usage_error "--duration must be at least 1"
if [ "$FL_ENROLL_CONCURRENCY" -lt 1 ] || [ "$FL_ENROLL_CONCURRENCY" -gt 1000 ]; then
    fl_usage_error "--enroll-concurrency must be 1 .. 1000"
fi
[ -r /proc/self/stat ] || fl_usage_error "needs Linux /proc to read the servers' CPU and memory"

# Every connection is a file descriptor in the load generator and in the server: the soft limit goes up to the
# hard one; the hard one must leave room.
# Every connection is a file descriptor in the load generator and in the server.
ol_raise_fd_limit $((FL_AGENTS + 1024)) "--agents $FL_AGENTS" || fl_usage_error "$OL_FD_ERROR"

if [ -z "$FL_DIR" ]; then
    FL_DIR=$(mktemp -d "${TMPDIR:-/tmp}/outpost-fleet.XXXXXX") || { echo "fleet: mktemp -d failed" >&2; exit 1; }
fi
mkdir -p "$FL_DIR" || { printf 'fleet: cannot create %s\n' "$FL_DIR" >&2; exit 1; }
FL_DIR=$(cd "$FL_DIR" && pwd)
FL_GATEWAY=$FL_DIR/gateway
FL_NGINX_DIR=$FL_DIR/nginx
FL_NGINX_PID=
FL_JAVA_PID=
FL_TAIL_PID=
FL_CLASSES=$OL_ROOT/bench/target/classes
FL_CLASSPATH_FILE=$OL_ROOT/bench/target/classpath.txt

# shellcheck disable=SC2317 # called by the EXIT trap
fl_cleanup() {
    ol_stop "$FL_JAVA_PID" "the load generator" 5
    ol_stop "$FL_TAIL_PID" "tail" 1
    ol_cleanup
    ol_stop "$FL_NGINX_PID" "nginx" 10
    printf 'fleet: logs and state are in %s\n' "$FL_DIR"
}
ol_trap_cleanup
trap 'fl_cleanup' EXIT


# fl_run_java LOG SECONDS SHOW ARGS...: runs the load generator with ARGS in the background (so that an interrupt
# stops it too), its output in LOG and, if SHOW is 1, on the terminal; stopped after SECONDS. Sets FL_RC.
fl_run_java() {
    local log=$1 limit=$2 show=$3 deadline
    shift 3
    deadline=$((SECONDS + limit))
    : >"$log" || ol_fail "cannot write $log"
    "${FL_JAVA[@]}" "$@" </dev/null >>"$log" 2>&1 &
    FL_JAVA_PID=$!
    if [ "$show" = 1 ]; then
        tail -n +1 -f --pid="$FL_JAVA_PID" "$log" &
        FL_TAIL_PID=$!
    fi
    while ol_alive "$FL_JAVA_PID"; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            printf 'fleet: the load generator did not finish within %ss; stopping it\n' "$limit" >&2
            ol_stop "$FL_JAVA_PID" "the load generator" 5
            break
        fi
        sleep 0.5
    done
    ol_reap "$FL_JAVA_PID"
    FL_RC=$OL_RC
    FL_JAVA_PID=
    if [ -n "$FL_TAIL_PID" ]; then
        wait "$FL_TAIL_PID" 2>/dev/null
        FL_TAIL_PID=
    fi
}

ol_step 1 "building the jars and the load generator if needed"
if [ -n "$FL_BUILD" ]; then
    ol_build_bench_if_needed "$FL_DIR/build.log"
fi
for fl_file in "$OUTPOST_GATEWAY_JAR" "$FL_CLASSPATH_FILE" "$FL_CLASSES/dev/outpost/bench/FleetBenchmark.class"; do
    [ -f "$fl_file" ] || ol_fail "$fl_file is missing; build with mvn -B -DskipTests package"
done
# The load generator: FL_JAVA[@] ARGS...
# shellcheck disable=SC2206 # FLEET_JAVA_OPTS is a list of options, split on spaces like JAVA_OPTS.
FL_JAVA=("${JAVA_HOME:+$JAVA_HOME/bin/}java" ${FLEET_JAVA_OPTS:--Xmx2g} -cp "$FL_CLASSES:$(cat "$FL_CLASSPATH_FILE")"
    dev.outpost.bench.FleetBenchmark)
if [ -n "$FL_NGINX" ] && ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
    ol_fail "nginx is not installed (apt-get install nginx-light or nginx), or run with --no-nginx"
fi

ol_step 2 "starting a gateway on loopback (packaged launcher: $(sed -n 's/^ *\(-Xmx[0-9a-z]*\).*/\1/p' "$OL_GATEWAY_BIN")${OUTPOST_GATEWAY_JAVA_OPTS:+ + $OUTPOST_GATEWAY_JAVA_OPTS})"
ol_gateway_init "$FL_GATEWAY" "$FL_DIR/gateway-init.log"
# A bench's clients all come from 127.0.0.1: the per-address limits would stop them; the per-agent ones stay.
export OUTPOST_GATEWAY_EST_RATE_LIMITS_ADDRESS_REQUESTS_PER_SECOND=0
export OUTPOST_GATEWAY_EST_RATE_LIMITS_ORG_REQUESTS_PER_SECOND=0
export OUTPOST_GATEWAY_EST_CONNECTIONS_MAX_PER_ADDRESS=2000
export OUTPOST_GATEWAY_INGEST_CONNECTIONS_MAX=$((FL_AGENTS + 1000))
export OUTPOST_GATEWAY_INGEST_CONNECTIONS_MAX_PER_ADDRESS=$((FL_AGENTS + 1000))
export OUTPOST_GATEWAY_INGEST_CONNECTIONS_IDLE_TIMEOUT=1h
export OUTPOST_GATEWAY_CA_AGENT_CERT_VALIDITY=30d
FL_EST_PORT=$(ol_pick_port 8443) || ol_fail "no free TCP port found for EST"
FL_INGEST_PORT=$(ol_pick_port 4318 "$FL_EST_PORT") || ol_fail "no free TCP port found for ingest"
# As ol_gateway_start, with more time: on a busy machine a JVM may take longer than 30 s to start listening.
OUTPOST_GATEWAY_EST_LISTEN=127.0.0.1:$FL_EST_PORT OUTPOST_GATEWAY_INGEST_LISTEN=127.0.0.1:$FL_INGEST_PORT \
    "$OL_GATEWAY_BIN" serve --dir "$FL_GATEWAY" </dev/null >"$FL_DIR/gateway.log" 2>&1 &
OL_GATEWAY_PID=$!
ol_wait_for_log "$FL_DIR/gateway.log" "EST listening" 120 "$OL_GATEWAY_PID" "gateway"
ol_wait_for_log "$FL_DIR/gateway.log" "ingest listening" 60 "$OL_GATEWAY_PID" "gateway"
OL_EST_PORT=$(ol_logged_port "$FL_DIR/gateway.log" "EST")
OL_INGEST_PORT=$(ol_logged_port "$FL_DIR/gateway.log" "ingest")
OL_EST_PORT=${OL_EST_PORT:-$FL_EST_PORT}
OL_INGEST_PORT=${OL_INGEST_PORT:-$FL_INGEST_PORT}
echo "      gateway pid $OL_GATEWAY_PID, EST :$OL_EST_PORT, ingest :$OL_INGEST_PORT; log $FL_DIR/gateway.log"

ol_step 3 "enrolling $FL_AGENTS agents over EST"
fl_token_out=$(ol_run_bounded 120 "$OL_GATEWAY_BIN" token create --dir "$FL_GATEWAY" --org fleet --uses "$FL_AGENTS" \
    </dev/null 2>"$FL_DIR/token.log") || ol_fail "outpost-gateway token create failed" "$FL_DIR/token.log"
fl_token=$(printf '%s\n' "$fl_token_out" | sed -n 's/^token: *\(opt_[A-Za-z0-9_-]*\) *$/\1/p' | head -n 1)
fl_pin=$(printf '%s\n' "$fl_token_out" | sed -n 's/^ca pin: *\(sha256:[0-9a-f]\{64\}\) *$/\1/p' | head -n 1)
if [ -z "$fl_token" ] || [ -z "$fl_pin" ]; then
    ol_fail "the output of 'outpost-gateway token create' has no token or ca pin line"
fi
(umask 077 && printf '%s\n' "$fl_token" >"$FL_DIR/token") || ol_fail "cannot write $FL_DIR/token"
fl_run_java "$FL_DIR/enroll.log" $((120 + FL_AGENTS)) 0 enroll --agents-dir "$FL_DIR/agents" --agents "$FL_AGENTS" \
    --est "https://127.0.0.1:$OL_EST_PORT" --pin "$fl_pin" --token-file "$FL_DIR/token" \
    --concurrency "$FL_ENROLL_CONCURRENCY"
[ "$FL_RC" -eq 0 ] || ol_fail "enrolling the agents failed (exit status $FL_RC)" "$FL_DIR/enroll.log"
grep '^enrollment' "$FL_DIR/enroll.log" | sed 's/^/      /'
ol_require_alive "$OL_GATEWAY_PID" "the gateway" "$FL_DIR/gateway.log"

FL_TARGETS=(--target "gateway=127.0.0.1:$OL_INGEST_PORT/v1/metrics@$OL_GATEWAY_PID")
ol_step 4 "starting nginx on loopback (ssl_verify_client, the same CA, 200 for every POST)"
if [ -n "$FL_NGINX" ]; then
    FL_NGINX_PORT=$(ol_pick_port 24318 "$OL_INGEST_PORT") || ol_fail "no free TCP port found for nginx"
    mkdir -p "$FL_NGINX_DIR/logs" "$FL_NGINX_DIR/tmp" || ol_fail "cannot create $FL_NGINX_DIR"
    # The gateway's own server certificate and key, and the CA the agents' certificates chain to.
    cat >"$FL_NGINX_DIR/nginx.conf" <<NGINX || ol_fail "cannot write $FL_NGINX_DIR/nginx.conf"
# Written by bench/fleet.sh: the physical reference, mTLS on loopback, 200 for every POST.
daemon off;
worker_processes auto;
worker_rlimit_nofile $((FL_AGENTS * 2 + 1024));
pid $FL_NGINX_DIR/nginx.pid;
error_log $FL_NGINX_DIR/logs/error.log warn;
events {
    worker_connections $((FL_AGENTS + 1024));
}
http {
    access_log off;
    client_body_temp_path $FL_NGINX_DIR/tmp/body;
    proxy_temp_path $FL_NGINX_DIR/tmp/proxy;
    fastcgi_temp_path $FL_NGINX_DIR/tmp/fastcgi;
    uwsgi_temp_path $FL_NGINX_DIR/tmp/uwsgi;
    scgi_temp_path $FL_NGINX_DIR/tmp/scgi;
    keepalive_requests 10000000;
    keepalive_timeout 3600s;
    # Connections wait for their first request while the others connect, as on the gateway (idle 1h).
    client_header_timeout 3600s;
    client_body_timeout 60s;
    client_max_body_size 4m;
    server {
        listen 127.0.0.1:$FL_NGINX_PORT ssl;
        ssl_certificate $FL_GATEWAY/server/server.crt;
        ssl_certificate_key $FL_GATEWAY/server/server.key;
        ssl_client_certificate $FL_DIR/agents/ca.pem;
        ssl_verify_client on;
        ssl_verify_depth 3;
        location / {
            return 200;
        }
    }
}
NGINX
    fl_nginx=$(command -v nginx || echo /usr/sbin/nginx)
    "$fl_nginx" -p "$FL_NGINX_DIR" -c "$FL_NGINX_DIR/nginx.conf" -t >"$FL_DIR/nginx-check.log" 2>&1 \
        || ol_fail "nginx -t refused the configuration" "$FL_DIR/nginx-check.log"
    "$fl_nginx" -p "$FL_NGINX_DIR" -c "$FL_NGINX_DIR/nginx.conf" </dev/null >"$FL_DIR/nginx.log" 2>&1 &
    FL_NGINX_PID=$!
    fl_tries=0
    until ol_port_busy "$FL_NGINX_PORT"; do
        ol_require_alive "$FL_NGINX_PID" "nginx" "$FL_NGINX_DIR/logs/error.log"
        fl_tries=$((fl_tries + 1))
        [ "$fl_tries" -le 100 ] || ol_fail "nginx did not listen on :$FL_NGINX_PORT within 10 s" "$FL_NGINX_DIR/logs/error.log"
        sleep 0.1
    done
    echo "      nginx pid $FL_NGINX_PID on :$FL_NGINX_PORT ($("$fl_nginx" -v 2>&1 | sed 's/^.*: //'))"
    FL_TARGETS+=(--target "nginx=127.0.0.1:$FL_NGINX_PORT/v1/metrics@$FL_NGINX_PID")
else
    echo "      skipped (--no-nginx)"
fi

ol_step 5 "load: $FL_RATE batches/s over $FL_AGENTS connections, ${FL_WARMUP}s warm-up and ${FL_DURATION}s measured per server"
FL_LIMIT=$((300 + FL_AGENTS / 10 + 2 * (FL_WARMUP + FL_DURATION + 60)))
fl_run_java "$FL_DIR/load.log" "$FL_LIMIT" 1 load --agents-dir "$FL_DIR/agents" --agents "$FL_AGENTS" --rate "$FL_RATE" \
    --warmup "$FL_WARMUP" --duration "$FL_DURATION" --clk-tck "$(getconf CLK_TCK 2>/dev/null || echo 100)" \
    "${FL_TARGETS[@]}"
fl_rc=$FL_RC

ol_step 6 "checking that the servers lived"
fl_dead=
if ! ol_alive "$OL_GATEWAY_PID"; then
    ol_reap "$OL_GATEWAY_PID"
    printf 'fleet: the gateway died (exit status %s); last lines of %s:\n' "$OL_RC" "$FL_DIR/gateway.log" >&2
    tail -n 20 "$FL_DIR/gateway.log" >&2
    fl_dead=1
fi
if [ -n "$FL_NGINX_PID" ] && ! ol_alive "$FL_NGINX_PID"; then
    printf 'fleet: nginx died; see %s\n' "$FL_NGINX_DIR/logs/error.log" >&2
    fl_dead=1
fi
if [ -n "$fl_dead" ] || [ "$fl_rc" -eq 2 ]; then
    exit 2
fi
[ "$fl_rc" -eq 0 ] || ol_fail "the load generator exited with status $fl_rc" "$FL_DIR/load.log"
echo "      the servers lived"
exit 0
