#!/usr/bin/env bash
# quickstart.sh: see Outpost work on this machine in a minute. Builds the jars if needed, starts a
# throwaway gateway on loopback, enrolls an agent with a one-use token, runs it, and shows the live view.
# Ctrl-C (or the end of --duration) stops the agent, then the gateway; nothing is left running.
#
# Usage: ./quickstart.sh [--dir DIR] [--duration SECONDS]
#   --dir DIR            where the gateway, the agent's state and the logs go (default: a new temporary directory)
#   --duration SECONDS   stop after SECONDS instead of waiting for Ctrl-C
set -uo pipefail

OL_PROG=quickstart
OL_STEPS=6
# shellcheck source-path=SCRIPTDIR source=scripts/outpost-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/scripts/outpost-lib.sh"

usage() {
    cat <<'USAGE'
Usage: ./quickstart.sh [--dir DIR] [--duration SECONDS]
  --dir DIR            where the gateway, the agent's state and the logs go (default: a new temporary directory)
  --duration SECONDS   stop after SECONDS instead of waiting for Ctrl-C
USAGE
}

QS_DIR=
QS_DURATION=
while [ $# -gt 0 ]; do
    case $1 in
        --dir) [ $# -ge 2 ] || { usage >&2; exit 64; }; QS_DIR=$2; shift 2 ;;
        --duration) [ $# -ge 2 ] || { usage >&2; exit 64; }; QS_DURATION=$2; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) printf 'quickstart: unknown argument "%s"\n' "$1" >&2; usage >&2; exit 64 ;;
    esac
done
case $QS_DURATION in
    '') ;;
    *[!0-9]* | 0) printf 'quickstart: --duration "%s" is not a whole number of seconds >= 1, e.g. --duration 60\n' "$QS_DURATION" >&2; exit 64 ;;
esac
if [ -z "$QS_DIR" ]; then
    QS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/outpost-quickstart.XXXXXX") || { echo "quickstart: mktemp -d failed" >&2; exit 1; }
fi
mkdir -p "$QS_DIR" || { printf 'quickstart: cannot create %s\n' "$QS_DIR" >&2; exit 1; }
QS_DIR=$(cd "$QS_DIR" && pwd)
QS_GATEWAY=$QS_DIR/gateway
QS_AGENT=$QS_DIR/agent
QS_METRICS=$QS_GATEWAY/metrics
ol_trap_cleanup
trap 'ol_cleanup; printf "quickstart: logs and state are in %s\n" "$QS_DIR"' EXIT

ol_step 1 "building the jars if needed"
ol_build_if_needed "$QS_DIR/build.log"

ol_step 2 "initialising a gateway in $QS_GATEWAY"
ol_gateway_init "$QS_GATEWAY" "$QS_DIR/gateway-init.log"

ol_step 3 "creating a one-use enrollment token for org quickstart"
ol_gateway_token "$QS_GATEWAY" quickstart "$QS_AGENT/token" "$QS_DIR/token.log"
echo "      token written to $QS_AGENT/token (mode 0600); CA pin $OL_PIN"

ol_step 4 "starting the gateway"
QS_EST_PORT=$(ol_pick_port 8443) || ol_fail "no free TCP port found for EST"
QS_INGEST_PORT=$(ol_pick_port 4318 "$QS_EST_PORT") || ol_fail "no free TCP port found for ingest"
ol_gateway_start "$QS_GATEWAY" "$QS_DIR/gateway.log" "$QS_EST_PORT" "$QS_INGEST_PORT"
echo "      EST https://127.0.0.1:$OL_EST_PORT, ingest https://127.0.0.1:$OL_INGEST_PORT; log: $QS_DIR/gateway.log"

ol_step 5 "enrolling the agent"
ol_agent_config "$QS_AGENT/agent.yaml" "$QS_AGENT/state" 2s
ol_agent_enroll "$QS_AGENT/agent.yaml" "$QS_AGENT/token" "$QS_AGENT/state" "$QS_DIR/enroll.log"
echo "      enrolled; certificate and key in $QS_AGENT/state"

if [ -n "$QS_DURATION" ]; then
    ol_step 6 "running the agent and watching its metrics for ${QS_DURATION}s"
else
    ol_step 6 "running the agent and watching its metrics; Ctrl-C stops everything"
fi
QS_SINK_BEFORE=$(ol_sink_bytes "$QS_METRICS")
ol_agent_start "$QS_AGENT/agent.yaml" "$QS_DIR/agent.log"
ol_wait_for_push "$QS_METRICS" "$QS_SINK_BEFORE" 30 "$QS_DIR/agent.log" "$QS_DIR/gateway.log"
# The view runs in the background so that Ctrl-C reaches this script's trap at once (which stops the view, the
# agent and the gateway); it redraws in place when this script's output is a terminal.
QS_REDRAW=
[ -t 1 ] && QS_REDRAW=--redraw
"$OL_GATEWAY_BIN" watch --dir "$QS_GATEWAY" $QS_REDRAW </dev/null &
OL_WATCH_PID=$!
QS_END=
[ -z "$QS_DURATION" ] || QS_END=$((SECONDS + QS_DURATION))
while [ -z "$QS_END" ] || [ "$SECONDS" -lt "$QS_END" ]; do
    ol_require_running "$QS_DIR/agent.log" "$QS_DIR/gateway.log"
    ol_require_alive "$OL_WATCH_PID" "outpost-gateway watch" ""
    sleep 0.2
done
exit 0
