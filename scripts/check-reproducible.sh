#!/usr/bin/env bash
# check-reproducible.sh: builds the committed tree twice, each time from a fresh copy in its own
# directory, and compares the SHA-256 of every jar, .deb, .rpm and SBOM the two builds made.
#
# Usage: scripts/check-reproducible.sh [--worktree] [--keep]
#   --worktree  copy the working tree (tracked and untracked, not ignored files) instead of HEAD,
#               to check changes before they are committed
#   --keep      keep the two build directories (their paths are printed)
# Environment: OUTPOST_MVN_ARGS  extra Maven arguments for both builds (e.g. -o to stay offline)
#
# Exit status: 0 when every artifact is byte-identical, 1 when one differs or is missing from a
# build, 2 on a usage error or a build that failed.
set -euo pipefail

prog=check-reproducible
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source=HEAD
keep=
for arg in "$@"; do
    case $arg in
        --worktree) source=worktree ;;
        --keep) keep=1 ;;
        -h | --help) sed -n '2,12p' "$0"; exit 0 ;;
        *) printf '%s: unknown option %s (known: --worktree, --keep)\n' "$prog" "$arg" >&2; exit 2 ;;
    esac
done

work=$(mktemp -d "${TMPDIR:-/tmp}/outpost-repro.XXXXXX")
cleanup() {
    if [ -z "$keep" ]; then rm -rf "$work"; else printf 'builds kept in %s\n' "$work"; fi
}
trap cleanup EXIT

copy_tree() {
    local dest=$1
    mkdir -p "$dest"
    if [ "$source" = HEAD ]; then
        git -C "$root" archive --format=tar HEAD | tar -x -C "$dest"
    else
        # Tracked files deleted in the working tree are left out, as they would be from a commit.
        (cd "$root" && git ls-files -z --cached --others --exclude-standard \
            | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
            | tar --null -T - -cf -) | tar -x -C "$dest"
    fi
}

# One snapshot of the sources, copied for each build, so that both builds see the very same files.
copy_tree "$work/source"
for build in a b; do
    printf '%s: build %s from a clean copy of %s in %s\n' "$prog" "$build" "$source" "$work/$build"
    cp -a "$work/source" "$work/$build"
    # shellcheck disable=SC2086 # OUTPOST_MVN_ARGS is a list of Maven arguments.
    if ! (cd "$work/$build" && mvn -B -q -DskipTests ${OUTPOST_MVN_ARGS:-} package >"$work/$build.log" 2>&1); then
        printf '%s: build %s failed; the end of %s:\n' "$prog" "$build" "$work/$build.log" >&2
        tail -n 30 "$work/$build.log" >&2
        keep=1
        exit 2
    fi
done

artifacts() {
    (cd "$work/$1" && find . -path '*/target/*' -type f \
        \( -name '*.jar' -o -name '*.deb' -o -name '*.rpm' -o -name '*.cdx.json' -o -name SHA256SUMS \) \
        ! -path '*/surefire*' ! -path '*/test-classes/*' | sed 's|^\./||' | LC_ALL=C sort)
}

differ=0
printf '\n%-64s %-16s %-16s %s\n' artifact "build a" "build b" result
for f in $(artifacts a; artifacts b); do printf '%s\n' "$f"; done | LC_ALL=C sort -u >"$work/list"
while read -r f; do
    ha=$( [ -f "$work/a/$f" ] && sha256sum "$work/a/$f" | cut -c1-16 || echo missing)
    hb=$( [ -f "$work/b/$f" ] && sha256sum "$work/b/$f" | cut -c1-16 || echo missing)
    if [ "$ha" = "$hb" ] && [ "$ha" != missing ]; then
        result=same
    else
        result=DIFFERENT
        differ=1
    fi
    printf '%-64s %-16s %-16s %s\n' "$f" "$ha" "$hb" "$result"
done <"$work/list"

if [ "$differ" -ne 0 ]; then
    printf '\n%s: the two builds differ (rerun with --keep and compare the files, e.g. with diffoscope)\n' "$prog" >&2
    exit 1
fi
printf '\n%s: %s artifacts, byte-identical in both builds\n' "$prog" "$(wc -l <"$work/list")"
