#!/usr/bin/env bash
# run.sh: boots Debian 12 or 13 under its own systemd in a container (systemd-nspawn, private network) and
# runs inside.sh there against the packages just built: the gateway's .deb, the agent through
# installer/install.sh, then from a signed repository (tampering refused, upgrade), revocation, remove and
# purge, a fresh install from the repository, then the Ansible and cloud-init examples. The repositories
# are made here, on the host, by make-releases.sh (scripts/release.sh with a throwaway key); only their
# public keys go into the container.
#
# Usage: run.sh PACKAGES_DIR REPO_DIR WORK_DIR
#   PACKAGES_DIR  holds outpost-agent_VERSION_all.deb and outpost-gateway_VERSION_all.deb
#   REPO_DIR      the source tree (its installer/ is what the container runs)
#   WORK_DIR      scratch space; results/ (inside.log, journals), releases/ and boot.log are left there
# Environment:
#   OUTPOST_TEST_SUITE       the Debian release to boot: bookworm (12, the default) or trixie (13)
#   OUTPOST_DEB_VERSION      the packages' version (default 0.1.0~snapshot)
#   OUTPOST_TEST_CACHE       where the debootstrapped root file system is kept between runs
#                            (default /var/cache/outpost-test; a new include list makes a new one)
#   OUTPOST_TEST_MIRROR      Debian mirror for debootstrap (default http://deb.debian.org/debian)
#   OUTPOST_TEST_TIMEOUT     seconds the container may run before it is killed (default 900)
#   OUTPOST_TEST_KEEP_ROOTFS 1 keeps the container's root file system in WORK_DIR/rootfs
#
# Exit status: inside.sh's (0 when every check passed, 1 when one failed); 69 when not root or
# systemd-nspawn or debootstrap is missing; 70 when the root file system could not be made or the
# container did not finish in time.
set -euo pipefail

prog=container-test
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
die() {
    local code=$1
    shift
    printf '%s: %s\n' "$prog" "$*" >&2
    exit "$code"
}

[ $# -eq 3 ] || die 64 "usage: run.sh PACKAGES_DIR REPO_DIR WORK_DIR"
packages=$(cd "$1" && pwd)
repo=$(cd "$2" && pwd)
mkdir -p "$3"
work=$(cd "$3" && pwd)
version=${OUTPOST_DEB_VERSION:-0.1.0~snapshot}
cache=${OUTPOST_TEST_CACHE:-/var/cache/outpost-test}
mirror=${OUTPOST_TEST_MIRROR:-http://deb.debian.org/debian}
limit=${OUTPOST_TEST_TIMEOUT:-900}
suite=${OUTPOST_TEST_SUITE:-bookworm}
case $suite in bookworm | trixie) ;; *) die 64 "OUTPOST_TEST_SUITE=$suite: bookworm or trixie" ;; esac
# systemd to boot, a JRE for both programs, ss (iproute2), and the fleet tools whose examples are run.
# python3-cffi-backend: debootstrap does not resolve the virtual package python3-cryptography needs.
include=systemd,systemd-sysv,dbus,default-jre-headless,iproute2,ansible-core,python3-cffi-backend,cloud-init,curl,sudo

[ "$(id -u)" -eq 0 ] || die 69 "must run as root (systemd-nspawn boots a container)"
for tool in systemd-nspawn:systemd-container debootstrap:debootstrap timeout:coreutils; do
    command -v "${tool%%:*}" >/dev/null 2>&1 \
        || die 69 "${tool%%:*} is not installed; install it (apt-get install -y ${tool#*:}; ./test.sh does)"
done
for program in outpost-agent outpost-gateway; do
    [ -f "$packages/${program}_${version}_all.deb" ] \
        || die 69 "$packages/${program}_${version}_all.deb is missing; build it with mvn -B -DskipTests package"
done

# The root file system, made once per include list and kept: debootstrap takes a minute and a half.
key=$(printf '%s %s %s\n' "$suite" "$mirror" "$include" | sha256sum | cut -c1-16)
cached=$cache/rootfs-$suite-$key
if [ ! -d "$cached" ]; then
    mkdir -p "$cache"
    building=$(mktemp -d "$cache/.building.XXXXXX")
    printf '%s: debootstrap %s into %s (once; cached for the next runs)\n' "$prog" "$suite" "$cached"
    if ! timeout 900 debootstrap --variant=minbase --include="$include" "$suite" "$building/rootfs" "$mirror" \
        >"$work/debootstrap.log" 2>&1; then
        tail -n 20 "$work/debootstrap.log" >&2
        rm -rf "$building"
        die 70 "debootstrap failed (log: $work/debootstrap.log)"
    fi
    # Nothing to fetch inside: the container has no network. The machine id is made at each boot.
    rm -rf "$building"/rootfs/var/cache/apt/archives/*.deb "$building"/rootfs/var/lib/apt/lists/*_Packages
    : >"$building/rootfs/etc/machine-id"
    if ! mv -T "$building/rootfs" "$cached" 2>/dev/null; then
        printf '%s: another run cached %s meanwhile; using that one\n' "$prog" "$cached"
    fi
    rm -rf "$building"
fi

root=$work/rootfs
rm -rf "$root" "$work/results" "$work/boot.log"
cp -a "$cached" "$root"
cleanup() {
    if [ "${OUTPOST_TEST_KEEP_ROOTFS:-}" != 1 ]; then rm -rf "$root"; fi
}
trap cleanup EXIT

# The test's inputs, and a oneshot unit that runs inside.sh once the system is up, records its exit
# status and powers the container off.
install -d "$root/outpost/packages" "$root/outpost/test" "$root/outpost/results"
cp "$packages/outpost-agent_${version}_all.deb" "$packages/outpost-gateway_${version}_all.deb" "$root/outpost/packages/"
bash "$here/make-releases.sh" "$packages" "$repo" "$version" "$work/releases" >"$work/releases.log" 2>&1 \
    || { cat "$work/releases.log" >&2; die 70 "make-releases.sh failed (log: $work/releases.log)"; }
cp -a "$work/releases" "$root/outpost/release"
cp -r "$repo/installer" "$root/outpost/installer"
echo outpost-ct >"$root/etc/hostname"
printf '127.0.1.1\toutpost-ct\n' >>"$root/etc/hosts"
install -m 0755 "$here/inside.sh" "$root/outpost/test/inside.sh"
install -m 0755 "$here/probe-listen" "$root/usr/local/bin/outpost-probe-listen"
# The unit powers the container off when inside.sh ends, recording its exit status, unless inside.sh
# asked for a reboot (results/rebooting) to see what cloud-init does at boot; it runs again after that.
cat >"$root/etc/systemd/system/outpost-test.service" <<EOF
[Unit]
Description=Outpost container test (dist/src/test/container/inside.sh)
After=multi-user.target cloud-final.service

[Service]
Type=oneshot
Environment=OUTPOST_DEB_VERSION=$version
ExecStart=/outpost/test/inside.sh
StandardOutput=append:/outpost/results/inside.log
StandardError=inherit
TimeoutStartSec=$((limit - 60))
ExecStopPost=/bin/sh -c 'test -e /outpost/results/rebooting || { echo "\$EXIT_STATUS" >/outpost/results/exit; systemctl --no-block poweroff; }'

[Install]
WantedBy=multi-user.target
EOF
ln -s /etc/systemd/system/outpost-test.service "$root/etc/systemd/system/multi-user.target.wants/outpost-test.service"

started=$SECONDS
boots=0
nspawn=133
# systemd-nspawn exits 133 when the container reboots; inside.sh reboots once.
while [ "$nspawn" = 133 ] && [ "$boots" -lt 3 ] && [ $((SECONDS - started)) -lt "$limit" ]; do
    boots=$((boots + 1))
    printf '%s: boot %s of %s in %s (at most %ss in all)\n' "$prog" "$boots" "$suite" "$root" "$limit"
    set +e
    # Debian 13's systemd boots on the unified cgroup hierarchy only; this asks for it on hybrid hosts too. bpf()
    # and CAP_BPF let a systemd built with its BPF framework enforce SocketBindAllow= in the container, as on a host.
    SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 timeout --kill-after=30 $((limit - (SECONDS - started))) systemd-nspawn --quiet --register=no --keep-unit \
        --system-call-filter=bpf --capability=CAP_BPF,CAP_NET_ADMIN \
        --boot --private-network --console=read-only --machine="outpost-test-$$" -D "$root" >>"$work/boot.log" 2>&1
    nspawn=$?
    set -e
done
cp -r "$root/outpost/results" "$work/results"
printf '%s: the container ran %ss in %s boots (systemd-nspawn exit %s)\n' "$prog" "$((SECONDS - started))" "$boots" "$nspawn"
cat "$work/results/inside.log" 2>/dev/null || true
if [ ! -s "$work/results/exit" ]; then
    printf '%s: the end of %s:\n' "$prog" "$work/boot.log" >&2
    tail -n 40 "$work/boot.log" >&2
    die 70 "inside.sh did not finish within ${limit}s (boot log: $work/boot.log)"
fi
status=$(cat "$work/results/exit")
case $status in
    0) printf '%s: every check passed\n' "$prog" ;;
    *)
        cat "$work/results/journal.txt" 2>/dev/null || true
        printf '%s: inside.sh exited %s; logs in %s\n' "$prog" "$status" "$work/results" >&2
        ;;
esac
[ "$status" = 0 ] || exit 1
