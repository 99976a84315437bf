package dev.outpost.gateway.config;

import java.net.InetSocketAddress;

/**
 * Listen addresses as config files write them: {@code host:port}, an IPv6 address in brackets
 * ({@code "[::]:8443"}), port 0..65535 where 0 picks a free port (for tests).
 */
public final class ListenAddresses {
    private ListenAddresses() {
    }

    /**
     * Parses and resolves {@code host:port}.
     *
     * @throws IllegalArgumentException quoting the text and saying what to write instead
     */
    public static InetSocketAddress parse(String text) {
        String host;
        String port;
        if (text.startsWith("[") && text.contains("]:")) {
            host = text.substring(1, text.indexOf("]:"));
            port = text.substring(text.indexOf("]:") + 2);
        } else {
            int colon = text.lastIndexOf(':');
            if (colon < 0 || text.indexOf(':') != colon) {
                throw malformed(text);
            }
            host = text.substring(0, colon);
            port = text.substring(colon + 1);
        }
        if (host.isEmpty() || !port.matches("\\d{1,9}")) {
            throw malformed(text);
        }
        int p = Integer.parseInt(port);
        if (p > 65_535) {
            throw new IllegalArgumentException("\"" + text + "\" has port " + p + ", out of range 0..65535");
        }
        InetSocketAddress address = new InetSocketAddress(host, p);
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("\"" + text + "\": cannot resolve \"" + host
                    + "\"; use an IP address of this machine, e.g. \"0.0.0.0:" + p + "\"");
        }
        return address;
    }

    /** {@code host:port} as a config file writes it. */
    public static String format(InetSocketAddress address) {
        String host = address.getHostString();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    private static IllegalArgumentException malformed(String text) {
        return new IllegalArgumentException("\"" + text + "\" is not host:port; use e.g. \"0.0.0.0:8443\", "
                + "with an IPv6 address in brackets: \"[::]:8443\"");
    }
}
