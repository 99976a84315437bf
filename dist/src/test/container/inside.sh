#!/usr/bin/env bash
# inside.sh: the checks run.sh makes inside the booted container, as root, once multi-user.target is
# reached. Gateway and agent both come from their .debs and run under their own units on the
# container's private loopback. One line per check: "ok: ..." or, at the first failure, "FAIL: ..."
# followed by the units' journals in /outpost/results/journal.txt and exit 1.
#
# First boot: the gateway package; the agent through installer/install.sh --package (twice: the second
# run changes nothing) on the distribution's default JRE, its metrics at the gateway, no listening socket
# and listen() refused; the unit without its token file; the signed repository (install.sh --repo, served
# over HTTP on loopback): a tampered Packages file, a repository signed by another key and a tampered
# package refused, then the upgrade from it; revocation and install.sh --reenroll; remove and purge; a fresh
# install from the repository (twice); the Ansible example, twice. Then it seeds cloud-init (NoCloud) with
# the cloud-init example and reboots (run.sh boots the container again); second boot: what cloud-init did.
set -euo pipefail
export LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive SYSTEMD_PAGER="" SYSTEMD_COLORS=0

version=${OUTPOST_DEB_VERSION:?}
agent_deb=/outpost/packages/outpost-agent_${version}_all.deb
gateway_deb=/outpost/packages/outpost-gateway_${version}_all.deb
install_sh=/outpost/installer/install.sh
examples=/outpost/installer/examples
results=/outpost/results
release=/outpost/release
repo_key=$release/outpost-archive-keyring.asc
repo_url=http://127.0.0.1:8080/outpost
apt_sources=/etc/apt/sources.list.d/outpost.sources
apt_keyring=/etc/apt/keyrings/outpost-archive-keyring.asc
upgrade_version=$version+1
metrics=/var/lib/outpost-gateway/metrics
host=$(hostname)
server=https://localhost:8443
cd /root

step() { printf '\n== %s (at %ss)\n' "$*" "$SECONDS"; }
ok() { printf 'ok: %s\n' "$*"; }
fail() {
    printf 'FAIL: %s\n' "$*"
    {
        for unit in outpost-gateway outpost-agent; do
            printf '\n--- journalctl -u %s\n' "$unit"
            journalctl -u "$unit" --no-pager -o short-precise -n 200 2>&1 || true
        done
        printf '\n--- systemctl --failed\n'
        systemctl --failed --no-pager 2>&1 || true
    } >"$results/journal.txt"
    exit 1
}
# expect WHAT EXPECTED ACTUAL
expect() {
    [ "$2" = "$3" ] || fail "$1: expected \"$2\", got \"$3\""
    ok "$1: ${3//$'\n'/ | }"
}
lines() { printf '%s\n' "$@"; }
# wait_until SECONDS WHAT COMMAND...: polls COMMAND twice a second, at most SECONDS seconds.
wait_until() {
    local limit=$1 what=$2 i
    shift 2
    for ((i = 0; i < limit * 2; i++)); do
        if "$@"; then
            ok "$what"
            return 0
        fi
        sleep 0.5
    done
    fail "$what: not within ${limit}s"
}
main_pid() { systemctl show -p MainPID --value "$1"; }
# run_install ARGS...: install.sh with ARGS; its output (also shown, indented) in $out, its exit status in $rc.
run_install() {
    set +e
    out=$(bash "$install_sh" "$@" 2>&1)
    rc=$?
    set -e
    printf '%s\n' "$out" | sed 's/^/  | /'
}
journal_of_run() { journalctl --no-pager -o cat _SYSTEMD_INVOCATION_ID="$(systemctl show -p InvocationID --value "$1")"; }
# Data points of one agent and host at the gateway; batches() counts that agent's distinct batches.
points() { zcat -f "$metrics"/*/metrics-*.ndjson* 2>/dev/null | grep -F "\"agent\":\"$1\"" | grep -F "\"host\":\"$host\"" || true; }
batches() { points "$1" | grep -o '"batch":"[^"]*"' | sort -u | wc -l; }
# grep -c reads to the end: with -q, the writer upstream could die of SIGPIPE.
has_metric() { points "$1" | grep -Fc "\"metric\":\"$2\"" >/dev/null; }
more_batches_than() { [ "$(batches "$1")" -gt "$2" ]; }
journal_has() { journal_of_run "$1" | grep -Fc "$2" >/dev/null; }
mode_owner() { stat -c '%a %U:%G' "$1"; }
agent_id_of_cert() { openssl x509 -noout -subject -in /var/lib/outpost-agent/agent.crt | sed -n 's/.*CN *= *\(a-[0-9a-f]*\).*/\1/p'; }
new_token() {
    runuser -u outpost-gateway -- outpost-gateway token create --org acme --expires 1h >"$1.out"
    sed -n 's/^token: //p' "$1.out" >"$1"
    chmod 0600 "$1"
    grep -q '^opt_' "$1" || fail "token create printed no token: $(cat "$1.out")"
}
# A process's listening sockets (TCP, UDP, raw, Unix), one line each: ss sees every socket of this network namespace.
listening() { ss -H -l -n -t -u -w -x -p | grep -F "pid=$1," || true; }

gateway_package() {
    step "gateway: the .deb, its unit under systemd"
    # A test-only drop-in, there before the first start: may the unit bind a port besides 8443 and 4318?
    install -d /etc/systemd/system/outpost-gateway.service.d
    printf '[Service]\nExecStartPost=-/usr/local/bin/outpost-probe-listen 9999\n' \
        >/etc/systemd/system/outpost-gateway.service.d/50-test-probe.conf
    apt-get install -y -q "$gateway_deb" >gateway-install.log 2>&1 || fail "apt-get install $gateway_deb: $(tail -n 5 gateway-install.log)"
    expect "gateway package status" "install ok installed $version" "$(dpkg-query -W -f '${Status} ${Version}' outpost-gateway)"
    expect "gateway unit enabled on first install" enabled "$(systemctl is-enabled outpost-gateway)"
    expect "master key mode and owner" "600 root:root" "$(mode_owner /etc/outpost/gateway-master.key)"
    expect "master key is 32 random bytes" 32 "$(base64 -d /etc/outpost/gateway-master.key | wc -c)"
    wait_until 90 "gateway logs that ingest is listening" journal_has outpost-gateway "ingest listening on"
    expect "gateway unit active" active "$(systemctl is-active outpost-gateway)"
    gateway_pid=$(main_pid outpost-gateway)
    expect "gateway listens on 4318 and 8443 only" "0.0.0.0:4318 0.0.0.0:8443" \
        "$(listening "$gateway_pid" | awk '{print $5}' | sort | xargs)"
    expect "CA made by the unit's first start" "644 outpost-gateway:outpost-gateway" "$(mode_owner /var/lib/outpost-gateway/ca/ca.crt)"
    [ ! -e /var/lib/outpost-gateway/master.key ] || fail "the gateway made its own master.key instead of using the credential"
    ok "no master.key in the gateway dir: the CA key is sealed with the outpost-master-key credential"
    probe=$(journal_of_run outpost-gateway | grep -F '127.0.0.1:9999' || true)
    if systemctl --version | grep -Fc '+BPF_FRAMEWORK' >/dev/null; then
        expect "SocketBindDeny= refuses another port inside the unit" "bind 127.0.0.1:9999: Operation not permitted" "$probe"
    else
        # Debian 12's systemd 252 is built without it and ignores SocketBindAllow=/SocketBindDeny= without a word.
        printf 'note: this systemd is built -BPF_FRAMEWORK, so SocketBindDeny= is not enforced (probe: %s)\n' "$probe"
    fi
    expect "the same bind as outpost-gateway outside the unit" "listening on 127.0.0.1:9999" \
        "$(runuser -u outpost-gateway -- outpost-probe-listen 9999 || true)"
    expect "of /proc/self/status and /proc/meminfo, what the gateway's mount namespace has" /proc/self/status \
        "$(nsenter --target "$gateway_pid" --mount -- stat -c %n /proc/self/status /proc/meminfo 2>/dev/null || true)"
    ok "ProcSubset=pid in effect, and the gateway serves"
    rm -r /etc/systemd/system/outpost-gateway.service.d
    systemctl daemon-reload

    pin=$(runuser -u outpost-gateway -- outpost-gateway pin)
    new_token /root/token
    expect "token create prints the pin" "ca pin: $pin" "$(grep '^ca pin: ' /root/token.out)"
}

agent_install_sh() {
    step "agent: installer/install.sh --package"
    # The same kind of drop-in for the agent: listen() from inside its unit, which must be refused.
    install -d /etc/systemd/system/outpost-agent.service.d
    printf '[Service]\nExecStartPost=-/usr/local/bin/outpost-probe-listen 9999\n' \
        >/etc/systemd/system/outpost-agent.service.d/50-test-probe.conf
    install_args=(--package "$agent_deb" --server "$server" --ca-pin "$pin" --token-file /root/token)
    run_install "${install_args[@]}"
    first=$out
    expect "install.sh exit status" 0 "$rc"
    agent=$(printf '%s\n' "$first" | sed -n 's/^install.sh: enrolled as \(a-[0-9a-f]*\) (org acme).*/\1/p')
    [ -n "$agent" ] || fail "install.sh did not say \"enrolled as a-... (org acme)\""
    # Only its own lines: apt may add some of its own on stderr.
    expect "install.sh steps" "$(lines "install.sh: installed outpost-agent $version from $agent_deb" \
        "install.sh: set server: $server in /etc/outpost/agent.yaml" \
        "install.sh: wrote the CA pin to /etc/outpost/agent.env" \
        "install.sh: placed the enrollment token in /etc/outpost/enrollment-token (0600)" \
        "install.sh: enabled and started outpost-agent.service")" \
        "$(printf '%s\n' "$first" | grep '^install.sh: ' | grep -v 'enrolled as')"
    expect "agent unit enabled" enabled "$(systemctl is-enabled outpost-agent)"
    expect "agent unit active" active "$(systemctl is-active outpost-agent)"
    expect "token mode and owner" "600 root:root" "$(mode_owner /etc/outpost/enrollment-token)"
    expect "state dir mode and owner" "700 outpost-agent:outpost-agent" "$(mode_owner /var/lib/outpost-agent)"
    expect "private key mode and owner" "600 outpost-agent:outpost-agent" "$(mode_owner /var/lib/outpost-agent/agent.key)"
    expect "agent id in its certificate" "$agent" "$(agent_id_of_cert)"

    agent_pid=$(main_pid outpost-agent)
    fingerprint() { sha256sum /etc/outpost/* /var/lib/outpost-agent/agent.crt /var/lib/outpost-agent/agent.key; }
    before=$(fingerprint)
    run_install "${install_args[@]}"
    second=$out
    expect "second install.sh exit status" 0 "$rc"
    expect "second install.sh changes nothing" "$(lines "install.sh: outpost-agent $version is installed already" \
        "install.sh: /etc/outpost/agent.yaml already has server: $server" \
        "install.sh: already enrolled (certificate in /var/lib/outpost-agent)" \
        "install.sh: outpost-agent.service is enabled and running already")" "$second"
    [ "$(fingerprint)" = "$before" ] || fail "the second run changed a file: $(diff <(echo "$before") <(fingerprint))"
    ok "configuration, token, key and certificate unchanged by the second run"
    expect "agent not restarted by the second run" "$agent_pid" "$(main_pid outpost-agent)"

    # Another server name (the gateway's certificate has this host's name too): set, and the agent restarted.
    server=https://$host:8443
    install_args=(--package "$agent_deb" --server "$server" --ca-pin "$pin")
    expect "install.sh with another --server" "$(lines "install.sh: outpost-agent $version is installed already" \
        "install.sh: set server: $server in /etc/outpost/agent.yaml" \
        "install.sh: already enrolled (certificate in /var/lib/outpost-agent)" \
        "install.sh: restarted outpost-agent.service with the new configuration")" \
        "$(bash "$install_sh" "${install_args[@]}" 2>&1)"
    if [ "$(main_pid outpost-agent)" = "$agent_pid" ]; then fail "the agent was not restarted for its new server"; fi
    agent_pid=$(main_pid outpost-agent)
}

agent_metrics_no_listener() {
    step "agent: metrics at the gateway, no listening socket"
    wait_until 90 "system.cpu.time of $agent, host $host, in the gateway's file sink" has_metric "$agent" system.cpu.time
    for metric in system.memory.usage system.filesystem.usage system.network.io system.network.connections \
            system.processes.count system.uptime; do
        has_metric "$agent" "$metric" || fail "no $metric from $agent at the gateway"
    done
    ok "memory, filesystem, network, TCP connections, process counts and uptime reported (the unit's ProtectProc leaves /proc readable)"
    # The distribution's default JRE, the one default-jre-headless brings: Debian 12's is 17, Debian 13's 21.
    local java_major java_exe
    case $(cut -d. -f1 /etc/debian_version) in 12) java_major=17 ;; 13) java_major=21 ;; *) java_major=unknown ;; esac
    java_exe=$(readlink -f "/proc/$agent_pid/exe")
    case $java_exe in
        /usr/lib/jvm/java-$java_major-openjdk-*/bin/java) ok "the agent runs on Debian $(cat /etc/debian_version)'s default JRE: $java_exe" ;;
        *) fail "the agent runs on $java_exe, not on Debian $(cat /etc/debian_version)'s default JRE (java-$java_major-openjdk)" ;;
    esac
    expect "agent process's listening sockets (ss, this whole network namespace)" "" "$(listening "$agent_pid")"
    [ -n "$(listening "$gateway_pid")" ] || fail "ss shows no listening socket of the gateway either: the check is blind"
    ok "the same ss shows the gateway's listening sockets"
    expect "seccomp filter on the agent process" "Seccomp:	2" "$(grep '^Seccomp:' "/proc/$agent_pid/status")"
    expect "listen() refused inside the agent's unit" "listen 127.0.0.1:9999: Operation not permitted" \
        "$(journal_of_run outpost-agent | grep -F '127.0.0.1:9999' || true)"
    expect "the same listen() as outpost-agent outside the unit" "listening on 127.0.0.1:9999" \
        "$(runuser -u outpost-agent -- outpost-probe-listen 9999 || true)"
    rm -r /etc/systemd/system/outpost-agent.service.d
    systemctl daemon-reload
}

agent_without_token_file() {
    step "agent: restart without the token file (SetCredential= fallback)"
    rm /etc/outpost/enrollment-token
    seen=$(batches "$agent")
    systemctl restart outpost-agent || fail "restart without /etc/outpost/enrollment-token failed: $(systemctl status outpost-agent --no-pager 2>&1 | tail -n 5)"
    expect "agent unit active without its token file" active "$(systemctl is-active outpost-agent)"
    [ "$(main_pid outpost-agent)" != "$agent_pid" ] || fail "MainPID unchanged after a restart"
    journal_has outpost-agent "already enrolled" || fail "the restarted unit did not say \"already enrolled\""
    ok "the restarted unit said \"already enrolled\""
    wait_until 60 "new batches from the restarted agent" more_batches_than "$agent" "$seen"
}

# The release directory served at $repo_url by python3's http.server on loopback; serve DIR switches it.
serve() { ln -sfn "$1" /srv/www/outpost; }
candidate() { apt-cache policy outpost-agent | sed -n 's/^  Candidate: //p'; }
installed() { dpkg-query -W -f '${Status} ${Version}' outpost-agent 2>/dev/null | sed -n 's/^install ok installed //p'; }
# apt_update LOG: apt-get update of the Outpost repository alone (this container has no other); apt's status.
apt_update() {
    local rc=0
    apt-get update -q -o Dir::Etc::sourcelist="$apt_sources" -o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0 \
        </dev/null >"$1" 2>&1 || rc=$?
    grep -E '^(E|W|Err):' "$1" | sed 's/^/  | /' || true
    return "$rc"
}
# refused WHAT LOG PATTERN...: the apt command that wrote LOG said one of the patterns.
refused() {
    local what=$1 log=$2 p
    shift 2
    for p in "$@"; do
        if grep -Fq -- "$p" "$log"; then
            ok "$what refused: $p"
            return 0
        fi
    done
    fail "$what: apt failed without saying any of: $*: $(tail -n 5 "$log")"
}
# tampered_copy NAME: prints the path of a fresh copy of release v2 to tamper with.
tampered_copy() {
    rm -rf "/srv/$1"
    cp -a "$release/v2" "/srv/$1"
    printf '/srv/%s' "$1"
}

repo_server() {
    install -d /srv/www
    serve "$release/v1"
    cat >/etc/systemd/system/outpost-test-repo.service <<'UNIT'
[Unit]
Description=Outpost container test: the release directory over HTTP on 127.0.0.1:8080
[Service]
ExecStart=/usr/bin/python3 -m http.server 8080 --bind 127.0.0.1 --directory /srv/www
[Install]
WantedBy=multi-user.target
UNIT
    systemctl enable --now outpost-test-repo.service 2>/dev/null
    wait_until 30 "release v1 served at $repo_url" curl -fs -o /dev/null "$repo_url/deb/dists/stable/InRelease"
}

agent_repository() {
    step "agent: the signed repository (install.sh --repo); tampering refused"
    repo_server
    agent_pid=$(main_pid outpost-agent)
    expect "install.sh --repo on a host with the agent" "$(lines \
        "install.sh: added the repository $repo_url to $apt_sources, signed by the key in $apt_keyring" \
        "install.sh: outpost-agent $version is installed already (upgrades come with the host's package updates)" \
        "install.sh: /etc/outpost/agent.yaml already has server: $server" \
        "install.sh: already enrolled (certificate in /var/lib/outpost-agent)" \
        "install.sh: outpost-agent.service is enabled and running already")" \
        "$(bash "$install_sh" --repo "$repo_url" --key "$repo_key" --server "$server" --ca-pin "$pin" 2>&1)"
    expect "the deb822 entry install.sh wrote" "$(lines \
        "# Outpost, added by install.sh --repo; install.sh --uninstall --purge removes it." "Types: deb" \
        "URIs: $repo_url/deb" "Suites: stable" "Components: main" "Signed-By: $apt_keyring")" "$(cat "$apt_sources")"
    expect "the repository's keyring, apart from the system's" "644 root:root" "$(mode_owner "$apt_keyring")"
    cmp -s "$repo_key" "$apt_keyring" || fail "$apt_keyring is not the release's key"
    expect "candidate from the repository, release v1" "$version" "$(candidate)"
    expect "agent not restarted by adding the repository" "$agent_pid" "$(main_pid outpost-agent)"

    # An attacker on the way changes Packages (plain and compressed, by name and by hash).
    local t genuine f deb
    t=$(tampered_copy tampered-packages)
    for f in Packages Packages.gz; do
        genuine=$(sha256sum "$t/deb/dists/stable/main/binary-all/$f" | cut -d' ' -f1)
        if [ "$f" = Packages ]; then
            sed -i 's/^SHA256: .*/SHA256: 0000000000000000000000000000000000000000000000000000000000000000/' \
                "$t/deb/dists/stable/main/binary-all/Packages"
        else
            gzip -9 -n -c "$t/deb/dists/stable/main/binary-all/Packages" >"$t/deb/dists/stable/main/binary-all/Packages.gz"
        fi
        cp "$t/deb/dists/stable/main/binary-all/$f" "$t/deb/dists/stable/main/binary-all/by-hash/SHA256/$genuine"
    done
    serve "$t"
    if apt_update apt-tampered-packages.log; then fail "apt-get update accepted a tampered Packages file"; fi
    refused "a tampered Packages file" apt-tampered-packages.log "Hash Sum mismatch" "File has unexpected size"
    expect "candidate after the tampered Packages file" "$version" "$(candidate)"

    # The attacker controls the server but not the release key: the repository signed with another key.
    # apt keeps the indices it had and warns (exit status 0): the candidate is what tells.
    serve "$release/forged"
    apt_update apt-forged.log || true
    refused "a repository signed by another key" apt-forged.log "NO_PUBKEY" "Missing key" "is not signed"
    expect "candidate after the forged repository" "$version" "$(candidate)"

    # Genuine indices, but the upgrade's .deb in the pool replaced by a trojaned one of the same name.
    t=$(tampered_copy tampered-deb)
    deb=$t/deb/pool/main/o/outpost-agent/outpost-agent_${upgrade_version}_all.deb
    rm -rf /root/trojan
    dpkg-deb -R "$deb" /root/trojan
    sed -i '2i touch /root/trojan-ran' /root/trojan/DEBIAN/postinst
    dpkg-deb -Zgzip -b /root/trojan "$deb" >/dev/null
    serve "$t"
    apt_update apt-tampered-deb.log || fail "apt-get update of genuine indices failed: $(tail -n 5 apt-tampered-deb.log)"
    expect "candidate with genuine indices, release v2" "$upgrade_version" "$(candidate)"
    if apt-get install -y -q outpost-agent </dev/null >apt-install-tampered.log 2>&1; then
        fail "apt-get installed a tampered package"
    fi
    refused "a tampered package" apt-install-tampered.log "Hash Sum mismatch" "File has unexpected size"
    expect "installed after the tampered package" "$version" "$(installed)"
    [ ! -e /root/trojan-ran ] || fail "the tampered package's postinst ran"
    [ ! -e /root/forged-ran ] || fail "the forged package's postinst ran"
    expect "agent untouched by the refused package" "$agent_pid" "$(main_pid outpost-agent)"

    step "agent: upgrade from the repository keeps the admin's choices and restarts the unit"
    serve "$release/v2"
    systemctl disable outpost-agent 2>/dev/null
    expect "admin disabled the agent" disabled "$(systemctl is-enabled outpost-agent || true)"
    seen=$(batches "$agent")
    config_before=$(sha256sum /etc/outpost/agent.yaml /etc/outpost/agent.env)
    apt_update apt-v2.log || fail "apt-get update of release v2: $(tail -n 5 apt-v2.log)"
    expect "candidate from the repository, release v2" "$upgrade_version" "$(candidate)"
    # As unattended-upgrades would: non-interactive, the conffile left as the admin has it.
    apt-get upgrade -y -q </dev/null >apt-upgrade.log 2>&1 || fail "apt-get upgrade: $(tail -n 5 apt-upgrade.log)"
    expect "package after the upgrade" "$upgrade_version" "$(installed)"
    apt-cache policy outpost-agent | grep -Fq "500 $repo_url/deb stable/main all Packages" \
        || fail "apt-cache policy does not show the repository: $(apt-cache policy outpost-agent)"
    ok "apt-cache policy: $upgrade_version from $repo_url/deb stable/main"
    expect "still disabled after the upgrade" disabled "$(systemctl is-enabled outpost-agent || true)"
    expect "still active after the upgrade" active "$(systemctl is-active outpost-agent)"
    new_pid=$(main_pid outpost-agent)
    if [ "$new_pid" = "$agent_pid" ] || [ "$new_pid" = 0 ]; then
        fail "the upgrade did not restart the agent (MainPID $agent_pid, now $new_pid)"
    fi
    ok "the upgrade restarted the agent (MainPID $agent_pid, now $new_pid)"
    expect "agent.yaml and agent.env (install.sh's server and pin) kept, without a prompt" "$config_before" \
        "$(sha256sum /etc/outpost/agent.yaml /etc/outpost/agent.env)"
    expect "same identity after the upgrade" "$agent" "$(agent_id_of_cert)"
    wait_until 60 "new batches after the upgrade" more_batches_than "$agent" "$seen"
    systemctl enable outpost-agent 2>/dev/null
}

agent_from_repository() {
    step "agent: a fresh host installed from the signed repository (install.sh --repo, twice)"
    new_token /root/token3
    run_install --repo "$repo_url" --key "$release/other-keyring.asc" --server "$server" --ca-pin "$pin" \
        --token-file /root/token3
    expect "install.sh --repo with another key: exit status" 77 "$rc"
    case $out in
        "install.sh: the repository $repo_url does not verify with the key in $release/other-keyring.asc: "*) ;;
        *) fail "install.sh --repo with another key said: $out" ;;
    esac
    if [ -e "$apt_sources" ] || [ -e "$apt_keyring" ] || [ -n "$(installed)" ]; then
        fail "install.sh --repo with another key left the repository or the package behind"
    fi
    ok "install.sh --repo with another key refused, nothing left behind"
    repo_args=(--repo "$repo_url" --key "$repo_key" --server "$server" --ca-pin "$pin" --token-file /root/token3)
    run_install "${repo_args[@]}"
    expect "install.sh --repo exit status" 0 "$rc"
    expect "install.sh --repo steps" "$(lines \
        "install.sh: added the repository $repo_url to $apt_sources, signed by the key in $apt_keyring" \
        "install.sh: installed outpost-agent $upgrade_version from $repo_url" \
        "install.sh: set server: $server in /etc/outpost/agent.yaml" \
        "install.sh: wrote the CA pin to /etc/outpost/agent.env" \
        "install.sh: placed the enrollment token in /etc/outpost/enrollment-token (0600)" \
        "install.sh: enabled and started outpost-agent.service")" \
        "$(printf '%s\n' "$out" | grep '^install.sh: ' | grep -v 'enrolled as')"
    agent=$(agent_id_of_cert)
    wait_until 90 "metrics of $agent (installed from the repository) at the gateway" has_metric "$agent" system.cpu.time
    expect "second install.sh --repo changes nothing" "$(lines \
        "install.sh: $apt_sources already has the repository $repo_url, signed by the key in $apt_keyring" \
        "install.sh: outpost-agent $upgrade_version is installed already (upgrades come with the host's package updates)" \
        "install.sh: /etc/outpost/agent.yaml already has server: $server" \
        "install.sh: already enrolled (certificate in /var/lib/outpost-agent)" \
        "install.sh: outpost-agent.service is enabled and running already")" "$(bash "$install_sh" "${repo_args[@]}" 2>&1)"
    bash "$install_sh" --uninstall --purge >purge-repo.log 2>&1 || fail "purge after the install from the repository"
    grep -Fqx "install.sh: removed the Outpost repository and its key ($apt_sources $apt_keyring)" purge-repo.log \
        || fail "--purge did not remove the repository: $(cat purge-repo.log)"
    ok "--purge removed the repository and its key"
}

unit_failed() { [ "$(systemctl is-active "$1" || true)" = failed ]; }

agent_revoke_reenroll() {
    step "agent: revoked, it stops for good (exit 78, no restart loop); install.sh --reenroll brings it back"
    runuser -u outpost-gateway -- outpost-gateway agent revoke "$agent" >revoke.out 2>&1 \
        || fail "agent revoke: $(cat revoke.out)"
    wait_until 60 "the revoked agent's unit to fail" unit_failed outpost-agent
    expect "exit status of the revoked agent" 78 "$(systemctl show -p ExecMainStatus --value outpost-agent)"
    journal_has outpost-agent "outpost-agent: the gateway refused this agent: " \
        || fail "the revoked agent did not say why: $(journal_of_run outpost-agent | tail -n 5)"
    ok "the revoked agent said why it stopped"
    sleep 7 # longer than RestartSec=5s: a restart would have happened by now
    expect "restarts after exit 78" 0 "$(systemctl show -p NRestarts --value outpost-agent)"
    expect "still failed" failed "$(systemctl is-active outpost-agent || true)"
    new_token /root/token2
    run_install --server "$server" --ca-pin "$pin" --token-file /root/token2 --reenroll
    expect "install.sh --reenroll exit status" 0 "$rc"
    again=$(printf '%s\n' "$out" | sed -n 's/^install.sh: enrolled as \(a-[0-9a-f]*\) (org acme).*/\1/p')
    if [ -z "$again" ] || [ "$again" = "$agent" ]; then
        fail "install.sh --reenroll did not enroll a new agent: $out"
    fi
    expect "install.sh --reenroll steps" "$(lines \
        "install.sh: outpost-agent $upgrade_version is installed already (upgrades come with the host's package updates)" \
        "install.sh: /etc/outpost/agent.yaml already has server: $server" \
        "install.sh: placed the enrollment token in /etc/outpost/enrollment-token (0600)" \
        "install.sh: enabled and started outpost-agent.service")" \
        "$(printf '%s\n' "$out" | grep '^install.sh: ' | grep -v 'enrolled as')"
    agent=$again
    expect "agent id in its certificate after --reenroll" "$agent" "$(agent_id_of_cert)"
    wait_until 60 "batches from the re-enrolled agent $agent" more_batches_than "$agent" 0
}

agent_remove_purge() {
    step "agent: install.sh --uninstall, then --uninstall --purge"
    expect "uninstall" "$(lines "install.sh: stopped and disabled outpost-agent.service" \
        "install.sh: removed outpost-agent (configuration and state kept; --purge deletes them)")" \
        "$(bash "$install_sh" --uninstall 2>&1)"
    expect "package after remove" "deinstall ok config-files" "$(dpkg-query -W -f '${Status}' outpost-agent)"
    expect "agent unit after remove" inactive "$(systemctl is-active outpost-agent || true)"
    expect "processes of outpost-agent after remove" "" "$(pgrep -u outpost-agent || true)"
    for gone in /usr/bin/outpost-agent /usr/share/outpost-agent /lib/systemd/system/outpost-agent.service; do
        [ ! -e "$gone" ] || fail "$gone is still there after remove"
    done
    ok "program, jar and unit gone"
    for kept in /etc/outpost/agent.env /var/lib/outpost-agent/agent.crt /var/lib/outpost-agent/agent.key; do
        [ -e "$kept" ] || fail "$kept is gone after remove (only purge deletes it)"
    done
    grep -qx "server: $server" /etc/outpost/agent.yaml || fail "agent.yaml lost its server: line on remove"
    ok "agent.yaml, agent.env, key and certificate kept"
    getent passwd outpost-agent >/dev/null || fail "the system user went with remove"
    ok "system user outpost-agent kept"

    expect "purge" "$(lines "install.sh: purged outpost-agent (state in /var/lib/outpost-agent and the token removed)" \
        "install.sh: removed the Outpost repository and its key ($apt_sources $apt_keyring)")" \
        "$(bash "$install_sh" --uninstall --purge 2>&1)"
    expect "package after purge" "" "$(dpkg-query -W -f '${Status}' outpost-agent 2>/dev/null | grep -v 'not-installed' || true)"
    for gone in /var/lib/outpost-agent /etc/outpost/agent.yaml /etc/outpost/agent.env /etc/outpost/enrollment-token \
        /etc/systemd/system/outpost-agent.service /etc/systemd/system/multi-user.target.wants/outpost-agent.service; do
        if [ -e "$gone" ] || [ -L "$gone" ]; then fail "$gone is still there after purge"; fi
    done
    ok "state, configuration, pin, token and unit links gone"
    [ -e /etc/outpost/gateway-master.key ] || fail "purging the agent deleted the gateway's master key"
    ok "/etc/outpost kept for the gateway's master key"
    getent passwd outpost-agent >/dev/null || fail "the system user went with purge"
    ok "system user outpost-agent kept (Debian policy)"
    expect "uninstall again" "install.sh: outpost-agent is not installed; nothing to remove" \
        "$(bash "$install_sh" --uninstall --purge 2>&1)"
}

ansible_example() {
    step "installer/examples/ansible-playbook.yml, twice"
    new_token /root/fleet-token
    printf '[outpost_agents]\nlocalhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n' >/root/inventory
    playbook() {
        ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 ansible-playbook -i /root/inventory "$examples/ansible-playbook.yml" \
            -e "outpost_server=$server" -e "outpost_ca_pin=$pin" -e outpost_token_file=/root/fleet-token \
            -e "outpost_package=$agent_deb" >"$1" 2>&1
    }
    recap() { sed -n 's/^localhost *: *//p' "$1" | awk '{print $1, $2, $3, $4}'; }
    playbook ansible-1.log || { cat ansible-1.log; fail "first ansible-playbook run failed"; }
    recap ansible-1.log | grep -Eq '^ok=[0-9]+ changed=[1-9][0-9]* unreachable=0 failed=0$' \
        || { cat ansible-1.log; fail "first run: $(recap ansible-1.log)"; }
    ok "first run: $(recap ansible-1.log)"
    playbook ansible-2.log || { cat ansible-2.log; fail "second ansible-playbook run failed"; }
    recap ansible-2.log | grep -Eq '^ok=[0-9]+ changed=0 unreachable=0 failed=0$' \
        || { cat ansible-2.log; fail "second run is not idempotent: $(recap ansible-2.log)"; }
    ok "second run: $(recap ansible-2.log)"
    [ ! -e /root/outpost-enrollment-token ] || fail "the playbook left its token copy in /root"
    expect "agent unit after the playbook" active "$(systemctl is-active outpost-agent)"
    agent=$(agent_id_of_cert)
    wait_until 90 "metrics of $agent (enrolled by Ansible) at the gateway" has_metric "$agent" system.cpu.time
    bash "$install_sh" --uninstall --purge >/dev/null 2>&1 || fail "purge after the playbook"
}

cloud_init_seed() {
    step "installer/examples/cloud-init.yaml: schema, seed, reboot"
    local schema
    schema=$(cloud-init schema --config-file "$examples/cloud-init.yaml" 2>&1) || fail "cloud-init schema: $schema"
    # Debian 12's cloud-init says "Valid cloud-config: FILE", Debian 13's "Valid schema FILE".
    case $schema in
        "Valid cloud-config: $examples/cloud-init.yaml" | "Valid schema $examples/cloud-init.yaml") ok "cloud-init schema: $schema" ;;
        *) fail "cloud-init schema: $schema" ;;
    esac
    # The example as user data: its values filled in, the key pasted, the signed repository served here
    # (release v2, over HTTP on loopback) and install.sh from this tree instead of GitHub.
    new_token /root/cloud-token
    install -d /var/lib/cloud/seed/nocloud
    sed -e "s|opt_REPLACE_WITH_TOKEN|$(cat /root/cloud-token)|" \
        -e "s|https://gateway.example.com:8443|$server|" \
        -e "s|sha256:REPLACE_WITH_64_HEX_FROM_outpost-gateway_pin|$pin|" \
        -e "s|https://packages.example.com/outpost|$repo_url|" \
        -e "s|https://github.com/outpost-agent/outpost/raw/main/installer/install.sh|file://$install_sh|" \
        "$examples/cloud-init.yaml" \
        | awk -v key="$repo_key" '/REPLACE_WITH_THE_LINES_OF/ { while ((getline l < key) > 0) print "      " l; next } { print }' \
            >/var/lib/cloud/seed/nocloud/user-data
    if grep -q REPLACE /var/lib/cloud/seed/nocloud/user-data; then fail "a placeholder is left in the user data"; fi
    printf 'instance-id: outpost-ct-1\nlocal-hostname: %s\n' "$host" >/var/lib/cloud/seed/nocloud/meta-data
    # Only the modules the example uses: a cloud image also runs locale, ssh, users and more, for which
    # this minimal system lacks the packages. The container's network stays as it is.
    cat >/etc/cloud/cloud.cfg.d/99-outpost-test.cfg <<'EOF'
datasource_list: [NoCloud]
network: {config: disabled}
preserve_hostname: true
cloud_init_modules: [write_files]
cloud_config_modules: [runcmd]
cloud_final_modules: [scripts_user]
EOF
    # Here the gateway and the repository run on the same machine and start during the same boot: runcmd
    # waits for them.
    install -d /etc/systemd/system/cloud-final.service.d
    cat >/etc/systemd/system/cloud-final.service.d/50-outpost-test.conf <<'EOF'
[Unit]
After=outpost-gateway.service outpost-test-repo.service
[Service]
ExecStartPre=/bin/bash -c 'for p in 8443 8080; do for i in $(seq 120); do (: </dev/tcp/127.0.0.1/$p) 2>/dev/null && break; [ $i -lt 120 ] || exit 1; sleep 0.5; done; done'
EOF
    ok "seeded cloud-init with the example; rebooting"
}

cloud_init_result() {
    step "installer/examples/cloud-init.yaml: what cloud-init did at boot"
    wait_until 120 "cloud-init finished" test -e /run/cloud-init/result.json
    expect "cloud-init status" "status: done" "$(cloud-init status 2>&1)"
    expect "cloud-init data source and errors" "DataSourceNoCloud []" "$(python3 -c '
import json
r = json.load(open("/run/cloud-init/result.json"))["v1"]
print(r["datasource"].split(" ")[0], r["errors"])')"
    grep -F 'install.sh: ' /var/log/cloud-init-output.log | sed 's/^/  | /'
    grep -Fq "install.sh: installed outpost-agent $upgrade_version from $repo_url" /var/log/cloud-init-output.log \
        || fail "runcmd did not install the package: $(tail -n 20 /var/log/cloud-init-output.log)"
    grep -Fq "install.sh: enabled and started outpost-agent.service" /var/log/cloud-init-output.log \
        || fail "runcmd did not start the agent: $(tail -n 20 /var/log/cloud-init-output.log)"
    ok "runcmd ran install.sh: installed from the repository, enrolled, started"
    [ ! -e /root/outpost-enrollment-token ] || fail "runcmd left the token in /root"
    ok "runcmd removed the token from /root"
    expect "the repository cloud-init's install.sh added" "Signed-By: $apt_keyring" "$(grep '^Signed-By:' "$apt_sources")"
    expect "agent unit" active "$(systemctl is-active outpost-agent)"
    agent=$(agent_id_of_cert)
    wait_until 90 "metrics of $agent (enrolled by cloud-init) at the gateway" has_metric "$agent" system.cpu.time
}

# run.sh's unit powers the container off when this script ends, unless $results/rebooting exists.
if [ ! -e "$results/rebooting" ]; then
    gateway_package
    agent_install_sh
    agent_metrics_no_listener
    agent_without_token_file
    agent_repository
    agent_revoke_reenroll
    agent_remove_purge
    agent_from_repository
    ansible_example
    cloud_init_seed
    touch "$results/rebooting"
    systemctl --no-block reboot
else
    rm "$results/rebooting"
    cloud_init_result
    printf '\nall checks passed\n'
fi
