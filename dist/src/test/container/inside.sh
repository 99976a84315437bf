#!/usr/bin/env bash
# inside.sh: the checks run.sh makes inside the booted container, as root, once multi-user.target is
# reached. Gateway and agent both come from their .debs and run under their own units on the
# container's private loopback. One line per check: "ok: ..." or, at the first failure, "FAIL: ..."
# followed by the units' journals in /outpost/results/journal.txt and exit 1.
#
# First boot: the gateway package; the agent through installer/install.sh (twice: the second run
# changes nothing), its metrics at the gateway, no listening socket and listen() refused; the unit
# without its token file; an upgrade; revocation and install.sh --reenroll; remove and purge; the Ansible example, twice. Then it seeds
# cloud-init (NoCloud) with the cloud-init example and reboots (run.sh boots the container again);
# second boot: what cloud-init did with it.
set -euo pipefail
export LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive SYSTEMD_PAGER="" SYSTEMD_COLORS=0

version=${OUTPOST_DEB_VERSION:?}
agent_deb=/outpost/packages/outpost-agent_${version}_all.deb
gateway_deb=/outpost/packages/outpost-gateway_${version}_all.deb
install_sh=/outpost/installer/install.sh
examples=/outpost/installer/examples
results=/outpost/results
metrics=/var/lib/outpost-gateway/metrics
host=$(hostname)
server=https://localhost:8443
cd /root

step() { printf '\n== %s\n' "$*"; }
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
journal_of_run() { journalctl --no-pager -o cat _SYSTEMD_INVOCATION_ID="$(systemctl show -p InvocationID --value "$1")"; }
# Data points of one agent and host at the gateway; batches() counts that agent's distinct batches.
points() { cat "$metrics"/*.ndjson 2>/dev/null | grep -F "\"agent\":\"$1\"" | grep -F "\"host\":\"$host\"" || true; }
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
    set +e
    first=$(bash "$install_sh" "${install_args[@]}" 2>&1)
    rc=$?
    set -e
    printf '%s\n' "$first" | sed 's/^/  | /'
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
    set +e
    second=$(bash "$install_sh" "${install_args[@]}" 2>&1)
    rc=$?
    set -e
    printf '%s\n' "$second" | sed 's/^/  | /'
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

agent_upgrade() {
    step "agent: upgrade keeps the admin's choices and restarts the unit"
    upgrade_version=$version+1
    rm -rf /root/upgrade
    dpkg-deb -R "$agent_deb" /root/upgrade
    sed -i "s/^Version: .*/Version: $upgrade_version/" /root/upgrade/DEBIAN/control
    dpkg-deb -Zgzip -b /root/upgrade "/root/outpost-agent_${upgrade_version}_all.deb" >/dev/null
    systemctl disable outpost-agent 2>/dev/null
    expect "admin disabled the agent" disabled "$(systemctl is-enabled outpost-agent || true)"
    agent_pid=$(main_pid outpost-agent)
    seen=$(batches "$agent")
    yaml_before=$(sha256sum /etc/outpost/agent.yaml)
    apt-get install -y -q "/root/outpost-agent_${upgrade_version}_all.deb" </dev/null >upgrade.log 2>&1 \
        || fail "upgrade: $(tail -n 5 upgrade.log)"
    expect "package after the upgrade" "install ok installed $upgrade_version" "$(dpkg-query -W -f '${Status} ${Version}' outpost-agent)"
    expect "still disabled after the upgrade" disabled "$(systemctl is-enabled outpost-agent || true)"
    expect "still active after the upgrade" active "$(systemctl is-active outpost-agent)"
    new_pid=$(main_pid outpost-agent)
    if [ "$new_pid" = "$agent_pid" ] || [ "$new_pid" = 0 ]; then
        fail "the upgrade did not restart the agent (MainPID $agent_pid, now $new_pid)"
    fi
    ok "the upgrade restarted the agent (MainPID $agent_pid, now $new_pid)"
    expect "agent.yaml (a changed conffile) kept, without a prompt" "$yaml_before" "$(sha256sum /etc/outpost/agent.yaml)"
    expect "same identity after the upgrade" "$agent" "$(agent_id_of_cert)"
    wait_until 60 "new batches after the upgrade" more_batches_than "$agent" "$seen"
    systemctl enable outpost-agent 2>/dev/null
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
    set +e
    out=$(bash "$install_sh" --server "$server" --ca-pin "$pin" --token-file /root/token2 --reenroll 2>&1)
    rc=$?
    set -e
    printf '%s\n' "$out" | sed 's/^/  | /'
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

    expect "purge" "install.sh: purged outpost-agent (state in /var/lib/outpost-agent and the token removed)" \
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
    expect "cloud-init schema" "Valid cloud-config: $examples/cloud-init.yaml" "$schema"
    # A package repository on this host, as a fleet has one: without --package, install.sh installs by name.
    install -d /srv/outpost-repo
    cp "$agent_deb" /srv/outpost-repo/
    {
        dpkg-deb --field "$agent_deb"
        printf 'Filename: ./%s\nSize: %s\nSHA256: %s\n\n' "$(basename "$agent_deb")" "$(stat -c %s "$agent_deb")" \
            "$(sha256sum "$agent_deb" | cut -d' ' -f1)"
    } >/srv/outpost-repo/Packages
    echo 'deb [trusted=yes] file:/srv/outpost-repo ./' >/etc/apt/sources.list.d/outpost.list
    apt-get update -q -o Dir::Etc::sourcelist=sources.list.d/outpost.list -o Dir::Etc::sourceparts=- \
        -o APT::Get::List-Cleanup=0 >apt-update.log 2>&1 || fail "apt-get update: $(tail -n 5 apt-update.log)"
    # The example as user data, its three values filled in and install.sh from this tree instead of GitHub.
    new_token /root/cloud-token
    install -d /var/lib/cloud/seed/nocloud
    sed -e "s|opt_REPLACE_WITH_TOKEN|$(cat /root/cloud-token)|" \
        -e "s|https://gateway.example.com:8443|$server|" \
        -e "s|sha256:REPLACE_WITH_64_HEX_FROM_outpost-gateway_pin|$pin|" \
        -e "s|https://github.com/outpost-agent/outpost/raw/main/installer/install.sh|file://$install_sh|" \
        "$examples/cloud-init.yaml" >/var/lib/cloud/seed/nocloud/user-data
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
    # Here the gateway runs on the same machine and starts during the same boot: runcmd waits for it.
    install -d /etc/systemd/system/cloud-final.service.d
    cat >/etc/systemd/system/cloud-final.service.d/50-outpost-test.conf <<'EOF'
[Unit]
After=outpost-gateway.service
[Service]
ExecStartPre=/bin/bash -c 'for i in $(seq 120); do (: </dev/tcp/127.0.0.1/8443) 2>/dev/null && exit 0; sleep 0.5; done; exit 1'
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
    grep -Fq "install.sh: installed outpost-agent $version from the package manager" /var/log/cloud-init-output.log \
        || fail "runcmd did not install the package: $(tail -n 20 /var/log/cloud-init-output.log)"
    grep -Fq "install.sh: enabled and started outpost-agent.service" /var/log/cloud-init-output.log \
        || fail "runcmd did not start the agent: $(tail -n 20 /var/log/cloud-init-output.log)"
    ok "runcmd ran install.sh: installed from the repository, enrolled, started"
    [ ! -e /root/outpost-enrollment-token ] || fail "runcmd left the token in /root"
    ok "runcmd removed the token from /root"
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
    agent_upgrade
    agent_revoke_reenroll
    agent_remove_purge
    ansible_example
    cloud_init_seed
    touch "$results/rebooting"
    systemctl --no-block reboot
else
    rm "$results/rebooting"
    cloud_init_result
    printf '\nall checks passed\n'
fi
