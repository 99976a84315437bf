#!/usr/bin/env bash
# make-releases.sh: the signed releases the container test installs from, made on the host by
# scripts/release.sh with a throwaway key generated here. Only public keys leave this script: the keys'
# GNUPGHOME is deleted and its gpg-agent stopped at the end.
#
# Usage: make-releases.sh PACKAGES_DIR REPO_DIR VERSION OUT_DIR
#   PACKAGES_DIR  holds outpost-agent_VERSION_all.deb and outpost-gateway_VERSION_all.deb
#   REPO_DIR      the source tree (its scripts/release.sh makes the releases)
# OUT_DIR afterwards:
#   outpost-archive-keyring.asc  the release key, public part
#   other-keyring.asc            another key's public part (a wrong --key for install.sh)
#   v1/      the release of both packages at VERSION
#   v2/      v1 and outpost-agent VERSION+1 (the upgrade), released into the same directory
#   forged/  v2 and an outpost-agent VERSION+2 whose postinst creates /root/forged-ran, released with
#            another throwaway key (an attacker who controls the server, but not the release key)
# Exit status: 0, or release.sh's when it failed.
set -euo pipefail

[ $# -eq 4 ] || { echo "usage: make-releases.sh PACKAGES_DIR REPO_DIR VERSION OUT_DIR" >&2; exit 64; }
packages=$1 repo=$2 version=$3 out=$4
work=$(mktemp -d "${TMPDIR:-/tmp}/outpost-releases.XXXXXX")
export GNUPGHOME=$work/gnupg
install -d -m 0700 "$GNUPGHOME"
cleanup() {
    gpgconf --homedir "$GNUPGHOME" --kill gpg-agent >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

# new_key NAME FILE: a signing key without passphrase that expires tomorrow, its secret part in FILE (0600).
new_key() {
    gpg --batch --quiet --pinentry-mode loopback --passphrase '' --quick-gen-key "$1" rsa3072 sign 1d 2>/dev/null
    (umask 077 && gpg --batch --quiet --armor --export-secret-keys "$1" >"$2")
}
new_key "Outpost container test release <release@outpost.invalid>" "$work/release.key"
new_key "Mallory <mallory@outpost.invalid>" "$work/mallory.key"

# rebuild DEB VERSION [POSTINST_LINE] OUT: the same package at another version, optionally with one more postinst line.
rebuild() {
    rm -rf "$work/tree"
    dpkg-deb -R "$1" "$work/tree"
    sed -i "s/^Version: .*/Version: $2/" "$work/tree/DEBIAN/control"
    if [ -n "$3" ]; then sed -i "2i $3" "$work/tree/DEBIAN/postinst"; fi
    dpkg-deb -Zgzip -z1 -b "$work/tree" "$4" >/dev/null
}
agent=$packages/outpost-agent_${version}_all.deb
rm -rf "$out"
mkdir -p "$out"
"$repo/scripts/release.sh" --out "$out/v1" --key-file "$work/release.key" "$agent" "$packages/outpost-gateway_${version}_all.deb"
cp "$out/v1/outpost-archive-keyring.asc" "$out/"
gpg --batch --armor --export "Mallory <mallory@outpost.invalid>" >"$out/other-keyring.asc"

rebuild "$agent" "$version+1" "" "$work/outpost-agent_${version}+1_all.deb"
cp -a "$out/v1" "$out/v2"
"$repo/scripts/release.sh" --out "$out/v2" --key-file "$work/release.key" "$work/outpost-agent_${version}+1_all.deb"

# The attacker publishes under their own key: release.sh refuses a directory of another key, so theirs goes
# into a copy without the genuine public key.
rebuild "$agent" "$version+2" "touch /root/forged-ran" "$work/outpost-agent_${version}+2_all.deb"
cp -a "$out/v2" "$out/forged"
rm "$out/forged/outpost-archive-keyring.asc" "$out/forged/outpost-archive-keyring.gpg"
"$repo/scripts/release.sh" --out "$out/forged" --key-file "$work/mallory.key" "$work/outpost-agent_${version}+2_all.deb"
