#!/usr/bin/env bash
# test.sh: runs every test — unit tests, both programs end to end on loopback, the chaos test, and the checks
# of the packages and units with the distributions' own tools. Those tools (systemd-analyze, dpkg-deb, rpm,
# lintian, rpmlint, shellcheck) are installed from Debian's apt first when missing, as root or through sudo.
# Extra arguments go to Maven, e.g. ./test.sh -pl agent.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

missing=()
for tool in systemd-analyze:systemd dpkg-deb:dpkg rpm:rpm lintian:lintian rpmlint:rpmlint shellcheck:shellcheck; do
    command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool#*:}")
done
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
    $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
exec mvn -B verify "$@"
