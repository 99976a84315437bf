#!/usr/bin/env bash
# test.sh: runs every test — unit tests, both programs end to end on loopback (also into a real Prometheus and
# VictoriaMetrics, which the tests start themselves), the chaos test, the alerting rules (promtool), the checks
# of the packages and units with the distributions' own tools, the release command (scripts/release.sh)
# with a throwaway key, and the packages under a real systemd in Debian 12 and 13 containers
# (dist/src/test/container/run.sh, as root) — and then scripts/check-reproducible.sh (two clean builds of the
# working tree, byte-identical). The tools (systemd-analyze, dpkg-deb, rpm, lintian, rpmlint, shellcheck,
# systemd-nspawn, debootstrap, git; prometheus with promtool and victoria-metrics; postgresql (its binaries: the
# tests run their own server as an unprivileged user) and haproxy (in front of two gateways); nginx for the fleet
# benchmark; curl and openssl for the EST test that follows RFC 7030's examples; for the releases gpg,
# apt-ftparchive, createrepo_c and dnf) are installed from Debian's apt first when missing, as root or through
# sudo; no service is started.
# Extra arguments go to Maven, e.g. ./test.sh -pl agent; with any, the reproducibility check is left out.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

missing=()
for tool in systemd-analyze:systemd dpkg-deb:dpkg rpm:rpm lintian:lintian rpmlint:rpmlint shellcheck:shellcheck \
    systemd-nspawn:systemd-container debootstrap:debootstrap git:git prometheus:prometheus promtool:prometheus \
    victoria-metrics:victoria-metrics curl:curl openssl:openssl \
    gpg:gnupg gpgv:gpgv apt-ftparchive:apt-utils createrepo_c:createrepo-c dnf:dnf haproxy:haproxy; do
    command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool#*:}")
done
# The fleet benchmark's test runs nginx (in /usr/sbin, which a user's PATH may lack) as its physical reference.
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
# debootstrap checks the Debian archive's signatures with it.
[ -e /usr/share/keyrings/debian-archive-keyring.gpg ] || missing+=(debian-archive-keyring)
# The PostgreSQL state store's tests start their own server from these binaries (not on PATH).
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
    sudo=
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || {
            echo "test.sh: missing ${missing[*]}; install them (apt-get install ${missing[*]}) or run as root" >&2
            exit 69
        }
        sudo=sudo
    fi
    echo "test.sh: installing ${missing[*]} from apt" >&2
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    # The stores the tests use are started by the tests themselves, on loopback: keep apt from starting their
    # system services (policy-rc.d exit 101 = "not allowed").
    policy=
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        policy=/usr/sbin/policy-rc.d
        printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
        $sudo chmod 755 "$policy"
    fi
    $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
    [ -z "$policy" ] || $sudo rm -f "$policy"
fi
mvn -B verify "$@"
[ $# -eq 0 ] || exit 0
if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    echo "test.sh: scripts/check-reproducible.sh needs a git checkout and this is none; the tests passed, the reproducibility check did not run" >&2
    exit 69
fi
exec scripts/check-reproducible.sh --worktree
