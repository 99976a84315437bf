#!/usr/bin/env bash
# install.sh: installs and enrolls the Outpost agent on this host, non-interactively and idempotently.
#
# Usage:
#   install.sh --server URL --ca-pin PIN --token-file FILE [--package FILE | --repo URL --key FILE]
#              [--no-start] [--reenroll]
#   install.sh --uninstall [--purge]
#
#   --server URL       the gateway's EST URL, e.g. https://gateway.example.com:8443
#   --ca-pin PIN       the gateway's CA pin, sha256:<64 hex> (outpost-gateway pin)
#   --token-file FILE  a file holding the enrollment token (outpost-gateway token create); not needed
#                      when this host is enrolled already
#   --package FILE     install this .deb or .rpm; without it, outpost-agent from the package manager
#   --repo URL         add Outpost's signed repository (where scripts/release.sh's directory is served, e.g.
#                      https://packages.example.com/outpost) to apt or dnf/yum and install from it, so that
#                      the host's package updates bring new versions; needs --key
#   --key FILE         the repository's public key (outpost-archive-keyring.asc or .gpg): apt checks the
#                      repository with it alone (signed-by), dnf/yum with gpgcheck=1 and repo_gpgcheck=1
#   --no-start         configure and enroll, but do not enable or start the service
#   --reenroll         enroll again with the token from --token-file although enrolled (a revoked agent, or a
#                      certificate that expired beyond the gateway's renewal grace): stops the service,
#                      enrolls with a new key, starts it again; queued data is sent under the new identity
#   --uninstall        stop, disable and remove the package; --purge also deletes its state and token, and the
#                      repository and key that --repo added
#
# Run it again with the same arguments and it changes nothing (except with --reenroll, which enrolls again
# every time). It prints one line per step: what it did, or that it was done already.
# Exit status (sysexits.h, as the agent): 0 done; 64 usage error; 66 the package or token file is
# missing, or the key file is no OpenPGP public key; 69 the gateway or the repository is unreachable; 70 the
# package manager or systemd failed; 77 the pin does not match the gateway's CA, the token was refused, or
# the repository's signature does not verify with --key; 78 the configuration is invalid.
set -euo pipefail

prog=install.sh
config=/etc/outpost/agent.yaml
env_file=/etc/outpost/agent.env
token_dest=/etc/outpost/enrollment-token
state_dir=/var/lib/outpost-agent
unit=outpost-agent.service

say() { printf '%s: %s\n' "$prog" "$*"; }
die() {
    local code=$1
    shift
    printf '%s: %s\n' "$prog" "$*" >&2
    exit "$code"
}
usage() { die 64 "$1 (see $prog --help)"; }

server="" pin="" token_file="" package="" repo="" key="" start=1 uninstall="" purge="" reenroll=""
while [ $# -gt 0 ]; do
    case $1 in
        --server) [ $# -ge 2 ] || usage "--server needs a URL"; server=$2; shift 2 ;;
        --ca-pin) [ $# -ge 2 ] || usage "--ca-pin needs a pin"; pin=$2; shift 2 ;;
        --token-file) [ $# -ge 2 ] || usage "--token-file needs a file"; token_file=$2; shift 2 ;;
        --package) [ $# -ge 2 ] || usage "--package needs a file"; package=$2; shift 2 ;;
        --repo) [ $# -ge 2 ] || usage "--repo needs a URL"; repo=${2%/}; shift 2 ;;
        --key) [ $# -ge 2 ] || usage "--key needs a file"; key=$2; shift 2 ;;
        --no-start) start=; shift ;;
        --reenroll) reenroll=1; shift ;;
        --uninstall) uninstall=1; shift ;;
        --purge) purge=1; shift ;;
        -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) usage "unknown option $1" ;;
    esac
done

have() { command -v "$1" >/dev/null 2>&1; }
systemd_running() { [ -d /run/systemd/system ]; }

package_manager() {
    if have apt-get && have dpkg; then echo apt
    elif have dnf; then echo dnf
    elif have yum; then echo yum
    else die 70 "no apt-get, dnf or yum on this host; install the package by hand"
    fi
}

# The repository --repo adds, where a sysadmin would put it: the key apart, named by the entry (signed-by).
apt_keyrings=/etc/apt/keyrings
apt_sources=/etc/apt/sources.list.d/outpost.sources
rpm_key=/etc/pki/rpm-gpg/RPM-GPG-KEY-outpost
rpm_repo=/etc/yum.repos.d/outpost.repo

# key_kind FILE: asc for an armored OpenPGP public key, gpg for a binary one, nothing (status 1) otherwise.
key_kind() {
    case $(od -An -tx1 -N1 "$1" | tr -d ' \n') in
        98 | 99 | 9a | c6) echo gpg; return 0 ;;
    esac
    grep -q -- '-----BEGIN PGP PRIVATE KEY BLOCK-----' "$1" && return 1
    grep -q -- '^-----BEGIN PGP PUBLIC KEY BLOCK-----' "$1" && echo asc
}

# repo_entry KEYRING: the apt or dnf/yum entry of the repository, checked with the key in KEYRING.
repo_entry() {
    case $pm in
        apt) printf '%s\n' "# Outpost, added by install.sh --repo; install.sh --uninstall --purge removes it." \
            "Types: deb" "URIs: $repo/deb" "Suites: stable" "Components: main" "Signed-By: $1" ;;
        *) printf '%s\n' "# Outpost, added by install.sh --repo; install.sh --uninstall --purge removes it." \
            "[outpost]" "name=Outpost" "baseurl=$repo/rpm" "enabled=1" "gpgcheck=1" "repo_gpgcheck=1" \
            "gpgkey=file://$1" ;;
    esac
}

# fetch_repo ENTRY_FILE: fetches the indices of the repository in ENTRY_FILE alone. A signature that does not
# verify, an unreachable server or a broken index ends the script here, with 77, 69 or 70.
fetch_repo() {
    local out rc problems
    set +e
    case $pm in
        apt) out=$(apt-get update -q -o Dir::Etc::sourcelist="$1" -o Dir::Etc::sourceparts=- \
            -o APT::Get::List-Cleanup=0 2>&1) ;;
        *) out=$("$pm" -y -q --setopt=reposdir="$(dirname "$1")" --disablerepo='*' --enablerepo=outpost \
            --setopt=outpost.skip_if_unavailable=False makecache 2>&1) ;;
    esac
    rc=$?
    set -e
    # apt only warns (status 0) when a signature fails and keeps the indices it had.
    problems=$(printf '%s\n' "$out" | grep -E '^(E|W): |^Error|GPG|[Ss]ignature' | grep -v 'unsandboxed' || true)
    [ "$rc" -ne 0 ] || [ -n "$problems" ] || return 0
    [ -n "$problems" ] || problems=$(printf '%s\n' "$out" | tail -n 5)
    [ -z "${check_dir:-}" ] || rm -rf "$check_dir"
    case $problems in
        *NO_PUBKEY* | *"Missing key"* | *BADSIG* | *EXPKEYSIG* | *"not signed"* | *"signatures were invalid"* \
            | *"verification error"* | *"couldn't be verified"* | *"GPG check FAILED"* | *"Bad GPG signature"*)
            die 77 "the repository $repo does not verify with the key in $key: $problems" ;;
        *"Could not connect"* | *"Could not resolve"* | *"Temporary failure resolving"* | *"Connection failed"* \
            | *"timed out"* | *"Curl error"*)
            die 69 "the repository $repo is unreachable: $problems" ;;
        *) die 70 "fetching the indices of the repository $repo failed: $problems" ;;
    esac
}

# configure_repo: adds the repository and its key unless both are there already. A new or changed entry is
# fetched first from a scratch copy, so that a wrong key or URL leaves the host as it was.
configure_repo() {
    local entry_file=$rpm_repo keyring=$rpm_key
    if [ "$pm" = apt ]; then
        keyring=$apt_keyrings/outpost-archive-keyring.$key_type
        entry_file=$apt_sources
    fi
    if cmp -s "$key" "$keyring" && [ "$(cat "$entry_file" 2>/dev/null)" = "$(repo_entry "$keyring")" ]; then
        say "$entry_file already has the repository $repo, signed by the key in $keyring"
        return
    fi
    check_dir=$(mktemp -d)
    chmod 0755 "$check_dir" # apt reads the key as its sandbox user _apt
    install -m 0644 "$key" "$check_dir/key.$key_type"
    repo_entry "$check_dir/key.$key_type" >"$check_dir/$(basename "$entry_file")"
    fetch_repo "$check_dir/$(basename "$entry_file")"
    rm -rf "$check_dir"
    install -d -m 0755 "$(dirname "$keyring")" "$(dirname "$entry_file")"
    rm -f "$apt_keyrings/outpost-archive-keyring.asc" "$apt_keyrings/outpost-archive-keyring.gpg"
    install -m 0644 -o root -g root "$key" "$keyring"
    repo_entry "$keyring" >"$entry_file"
    chmod 0644 "$entry_file"
    repo_fetched=1
    say "added the repository $repo to $entry_file, signed by the key in $keyring"
}

remove_repo() {
    local removed=()
    for f in "$apt_sources" "$apt_keyrings/outpost-archive-keyring.asc" "$apt_keyrings/outpost-archive-keyring.gpg" \
        "$rpm_repo" "$rpm_key"; do
        if [ -e "$f" ]; then
            rm -f "$f"
            removed+=("$f")
        fi
    done
    [ ${#removed[@]} -eq 0 ] || say "removed the Outpost repository and its key (${removed[*]})"
}

uninstall() {
    [ "$(id -u)" -eq 0 ] || die 77 "run as root (it removes a package)"
    if systemd_running && systemctl is-enabled --quiet "$unit" 2>/dev/null; then
        systemctl disable --now "$unit" >/dev/null 2>&1 || die 70 "systemctl disable --now $unit failed"
        say "stopped and disabled $unit"
    fi
    case $(package_manager) in
        apt)
            if dpkg-query -W -f '${Status}' outpost-agent 2>/dev/null | grep -q 'ok installed\|config-files'; then
                if [ -n "$purge" ]; then
                    apt-get purge -y -q outpost-agent >/dev/null || die 70 "apt-get purge outpost-agent failed"
                    say "purged outpost-agent (state in $state_dir and the token removed)"
                else
                    apt-get remove -y -q outpost-agent >/dev/null || die 70 "apt-get remove outpost-agent failed"
                    say "removed outpost-agent (configuration and state kept; --purge deletes them)"
                fi
            else
                say "outpost-agent is not installed; nothing to remove"
            fi
            ;;
        dnf | yum)
            if rpm -q outpost-agent >/dev/null 2>&1; then
                "$(package_manager)" remove -y -q outpost-agent >/dev/null || die 70 "removing outpost-agent failed"
                say "removed outpost-agent"
            else
                say "outpost-agent is not installed; nothing to remove"
            fi
            if [ -n "$purge" ]; then
                rm -rf "$state_dir" "$token_dest" "$env_file"
                say "deleted $state_dir, $token_dest and $env_file"
            fi
            ;;
    esac
    [ -z "$purge" ] || remove_repo
    exit 0
}

[ -n "$uninstall" ] && uninstall

# Everything that can be checked without changing the host is checked first.
[ -n "$server" ] || usage "--server is required"
case $server in https://?*) ;; *) usage "--server \"$server\" must be an https:// URL, e.g. https://gateway.example.com:8443" ;; esac
[ -n "$pin" ] || usage "--ca-pin is required"
printf '%s' "$pin" | grep -Eq '^sha256:[0-9a-f]{64}$' \
    || usage "--ca-pin \"$pin\" is not a pin; it is sha256: and 64 lowercase hex digits (outpost-gateway pin prints it)"
[ -z "$package" ] || [ -z "$repo" ] || usage "--package and --repo exclude each other"
[ -z "$repo" ] || [ -n "$key" ] || usage "--repo needs --key FILE, the repository's public key (outpost-archive-keyring.asc)"
[ -z "$key" ] || [ -n "$repo" ] || usage "--key goes with --repo URL"
if [ -n "$package" ] && [ ! -f "$package" ]; then
    die 66 "package file $package does not exist; build it with mvn -B -DskipTests package (dist/target/packages/)"
fi
if [ -n "$repo" ]; then
    case $repo in https://?* | http://?* | file:/?*) ;; *) usage "--repo \"$repo\" must be an https://, http:// or file:/ URL" ;; esac
    { [ -f "$key" ] && [ -r "$key" ]; } || die 66 "key file $key does not exist or is not readable"
    key_type=$(key_kind "$key") \
        || die 66 "$key is no OpenPGP public key; pass the repository's outpost-archive-keyring.asc (or .gpg), never a secret key"
fi
[ -z "$reenroll" ] || [ -n "$token_file" ] || usage "--reenroll needs --token-file with a new token"
if [ -n "$token_file" ] && [ ! -r "$token_file" ]; then
    die 66 "token file $token_file does not exist or is not readable"
fi
[ "$(id -u)" -eq 0 ] || die 77 "run as root (it installs a package and a service)"

# 1. The repository (--repo), then the package unless that very version is installed already.
pm=$(package_manager)
installed_version() {
    case $pm in
        apt) { dpkg-query -W -f '${Status} ${Version}' outpost-agent 2>/dev/null || true; } | sed -n 's/^install ok installed //p' ;;
        *) if rpm -q outpost-agent >/dev/null 2>&1; then rpm -q --qf '%{VERSION}-%{RELEASE}' outpost-agent; fi ;;
    esac
}
# An upgrade keeps the admin's (and this script's) agent.yaml instead of asking about the conffile.
apt_opts=(-y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
repo_fetched=""
if [ -n "$repo" ]; then
    [ "$pm" = apt ] || [ "$key_type" = asc ] || die 66 "$pm needs the armored key; pass outpost-archive-keyring.asc"
    configure_repo
fi
have_version=$(installed_version)
if [ -n "$package" ]; then
    case $package in /*) ;; *) package=$PWD/$package ;; esac
    case $pm in
        apt) want_version=$(dpkg-deb --field "$package" Version 2>/dev/null) ;;
        *) want_version=$(rpm -q --qf '%{VERSION}-%{RELEASE}' -p "$package" 2>/dev/null) ;;
    esac
    [ -n "$want_version" ] || die 66 "$package is not a package $pm can install"
    if [ "$have_version" = "$want_version" ]; then
        say "outpost-agent $have_version is installed already"
    else
        case $pm in
            apt) apt-get install "${apt_opts[@]}" "$package" >/dev/null || die 70 "apt-get install $package failed" ;;
            *) "$pm" install -y -q "$package" >/dev/null || die 70 "$pm install $package failed" ;;
        esac
        say "installed outpost-agent $want_version from $package"
    fi
elif [ -n "$have_version" ]; then
    say "outpost-agent $have_version is installed already (upgrades come with the host's package updates)"
else
    if [ -n "$repo" ] && [ -z "$repo_fetched" ]; then
        if [ "$pm" = apt ]; then fetch_repo "$apt_sources"; else fetch_repo "$rpm_repo"; fi
    fi
    case $pm in
        apt) apt-get install "${apt_opts[@]}" outpost-agent >/dev/null || die 70 "apt-get install outpost-agent failed (is the Outpost repository configured?)" ;;
        *) "$pm" install -y -q outpost-agent >/dev/null || die 70 "$pm install outpost-agent failed (is the Outpost repository configured?)" ;;
    esac
    say "installed outpost-agent $(installed_version) from ${repo:-the package manager}"
fi

# 2. The configuration: server in agent.yaml (the rest of the file as the admin left it), pin beside it.
reconfigured=""
current=$(sed -n 's/^server:[[:space:]]*//p' "$config" | head -n 1)
if [ "$current" != "$server" ]; then
    sed -i "s|^server:.*|server: $server|" "$config"
    [ "$(sed -n 's/^server:[[:space:]]*//p' "$config" | head -n 1)" = "$server" ] \
        || die 78 "$config has no top-level server: line to set; add one (server: $server)"
    reconfigured=1
    say "set server: $server in $config"
else
    say "$config already has server: $server"
fi
if [ "$(cat "$env_file" 2>/dev/null || true)" != "OUTPOST_CA_PIN=$pin" ]; then
    printf 'OUTPOST_CA_PIN=%s\n' "$pin" >"$env_file"
    chmod 0644 "$env_file"
    reconfigured=1
    say "wrote the CA pin to $env_file"
fi
/usr/bin/outpost-agent check-config --config "$config" >/dev/null || die 78 "$config is invalid (see the errors above)"

# 3. The token, as the credential the unit hands to the agent.
if [ -n "$token_file" ]; then
    if ! cmp -s "$token_file" "$token_dest" 2>/dev/null; then
        install -m 0600 -o root -g root "$token_file" "$token_dest"
        say "placed the enrollment token in $token_dest (0600)"
    fi
fi

# 4. Enrollment now, as the service user, so that a wrong pin or an unreachable gateway is an error here.
force=()
if [ -n "$reenroll" ] && [ -e "$state_dir/agent.crt" ]; then
    force=(--force)
    if systemd_running && systemctl is-active --quiet "$unit"; then
        systemctl stop "$unit" >/dev/null 2>&1 || die 70 "systemctl stop $unit failed; see systemctl status $unit"
        say "stopped $unit to enroll again"
    fi
fi
if [ -e "$state_dir/agent.crt" ] && [ ${#force[@]} -eq 0 ]; then
    say "already enrolled (certificate in $state_dir)"
else
    [ -r "$token_dest" ] || die 66 "not enrolled and no token; pass --token-file FILE"
    scratch=$(mktemp -d)
    trap 'rm -rf "$scratch"' EXIT
    install -m 0600 -o outpost-agent -g outpost-agent "$token_dest" "$scratch/token"
    chmod 0711 "$scratch"
    set +e
    out=$(runuser -u outpost-agent -- /usr/bin/outpost-agent enroll --config "$config" --ca-sha256 "$pin" \
        --token-file "$scratch/token" "${force[@]}" 2>&1)
    rc=$?
    set -e
    case $rc in
        0) say "${out##*$'\n'}" ;;
        69) die 69 "the gateway at $server is unreachable: $out" ;;
        77) die 77 "the gateway refused: $out (check --ca-pin against outpost-gateway pin, the token, and that --server names the gateway as its certificate does)" ;;
        64 | 78) die 78 "enrollment failed: $out" ;;
        75) die 70 "enrollment failed: $out" ;;
        *) die 70 "enrollment failed (exit $rc): $out" ;;
    esac
fi

# 5. The service.
if [ -z "$start" ]; then
    say "not starting $unit (--no-start)"
elif ! systemd_running; then
    say "systemd is not running here; start the agent with: outpost-agent run --config $config"
elif systemctl is-enabled --quiet "$unit" 2>/dev/null && systemctl is-active --quiet "$unit"; then
    if [ -n "$reconfigured" ]; then
        systemctl restart "$unit" >/dev/null 2>&1 || die 70 "systemctl restart $unit failed; see systemctl status $unit"
        say "restarted $unit with the new configuration"
    else
        say "$unit is enabled and running already"
    fi
else
    systemctl enable --now "$unit" >/dev/null 2>&1 || die 70 "systemctl enable --now $unit failed; see systemctl status $unit"
    systemctl is-active --quiet "$unit" || die 70 "$unit is not active; see systemctl status $unit"
    say "enabled and started $unit"
fi
