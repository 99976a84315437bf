#!/usr/bin/env bash
# fuzz.sh: the long fuzzing run. Fuzzes each fuzz target for DURATION (one JVM each, one after the other, under
# nice), starting from its checked-in corpus and from what earlier runs learned (MODULE/target/jazzer), keeps going
# past findings, and prints the executions, rate and findings of each target. A finding is MODULE/target/jazzer/
# crash-<sha1>: fix it, then copy the file into the target's corpus directory as its regression test.
# Usage: scripts/fuzz.sh [DURATION [TARGET...]]   (default 10m and every target; DURATION as 90s, 10m, 2h)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
    sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
fi
duration=${1:-10m}
case "$duration" in
    *[0-9]s|*[0-9]m|*[0-9]h) ;;
    *) echo "fuzz: duration \"$duration\" is not like 90s, 10m or 2h" >&2; exit 64 ;;
esac
shift || true
all=(gateway:OtlpBodyFuzzTest gateway:EstRequestFuzzTest gateway:GatewayConfigFuzzTest agent:AgentConfigFuzzTest)
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=("${all[@]}")
fi

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

printf '%-38s %14s %9s %9s %9s\n' target executions seconds exec/s findings
total=0
for t in "${targets[@]}"; do
    module=${t%%:*}
    test=${t#*:}
    if [ "$module" = "$t" ]; then
        for a in "${all[@]}"; do
            if [ "${a#*:}" = "$t" ]; then module=${a%%:*}; fi
        done
    fi
    if [ "$module" = "$t" ]; then
        echo "fuzz: unknown target \"$t\"; targets: ${all[*]}" >&2
        exit 64
    fi
    dir="$PWD/$module/target"
    mkdir -p "$dir/jazzer"
    before=$(find "$dir/jazzer" -maxdepth 1 -name 'crash-*' | wc -l)
    log="$logs/$test.log"
    JAZZER_FUZZ=1 nice -n 10 mvn -B -pl "$module" -am test -Dtest="$test" -Dsurefire.failIfNoSpecifiedTests=false \
        -Djazzer.max_duration="$duration" -Djazzer.keep_going=100 -Djazzer.internal.basedir="$dir/jazzer" \
        "-DargLine=-Xmx1g -Djava.io.tmpdir=$dir" >"$log" 2>&1 || true
    runs=$(grep -a -o 'Done [0-9]* runs in [0-9]* second' "$log" | tail -1 | awk '{print $2, $5}')
    if [ -z "$runs" ]; then
        echo "fuzz: $test did not run; its log:" >&2
        tail -40 "$log" >&2
        exit 1
    fi
    n=${runs% *}
    s=${runs#* }
    after=$(find "$dir/jazzer" -maxdepth 1 -name 'crash-*' | wc -l)
    printf '%-38s %14s %9s %9s %9s\n' "$module:$test" "$n" "$s" "$(( n / (s > 0 ? s : 1) ))" "$(( after - before ))"
    total=$(( total + n ))
done
printf '%-38s %14s\n' total "$total"
