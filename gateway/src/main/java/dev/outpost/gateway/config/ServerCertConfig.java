package dev.outpost.gateway.config;

import dev.outpost.wire.config.Violations;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The {@code server_cert} section: the DNS names and IP addresses in the gateway's own TLS certificate, which
 * agents verify; written by {@code outpost-gateway init --hostname}.
 */
public record ServerCertConfig(List<String> hostnames) {
    public static final List<String> DEFAULT_HOSTNAMES = List.of("localhost", "127.0.0.1");
    /** A DNS name (wildcards allowed), IPv4 or IPv6 address: the rule {@code init --hostname} applies too. */
    public static final Pattern HOSTNAME = Pattern.compile("[A-Za-z0-9.:*-]{1,253}");

    /**
     * @throws dev.outpost.wire.config.InvalidConfigException if the list is empty or an entry is not a name
     */
    public ServerCertConfig {
        hostnames = hostnames == null ? DEFAULT_HOSTNAMES : hostnames;
        Violations v = new Violations();
        v.noEmptyEntries("hostnames", hostnames);
        if (hostnames.isEmpty()) {
            v.add("hostnames", "is empty; list the names agents use to reach the gateway, e.g. [gateway.example.com]");
        }
        for (String h : hostnames) {
            if (h != null && !h.isBlank() && !HOSTNAME.matcher(h).matches()) {
                v.add("hostnames", "\"" + h + "\" is not a DNS name or IP address; write names only, without "
                        + "scheme or port, e.g. gateway.example.com");
            }
        }
        v.throwIfAny();
        hostnames = List.copyOf(hostnames);
    }

    public static ServerCertConfig defaults() {
        return new ServerCertConfig(null);
    }
}
