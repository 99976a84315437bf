package dev.outpost.gateway.config;

import dev.outpost.gateway.ca.KeyType;
import dev.outpost.wire.config.ConfigException;
import dev.outpost.wire.config.ConfigLoader;
import dev.outpost.wire.config.LogConfig;
import dev.outpost.wire.config.ValueParser;
import dev.outpost.wire.config.Violations;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The gateway's settings, from {@code DIR/gateway.yaml} and {@code OUTPOST_GATEWAY_*} variables: its two listeners,
 * the CA's certificate policy, token defaults, the metric sink, the state store and the TLS implementation. Immutable and valid once built; every key has a
 * default, so a gateway runs without a file.
 */
public record GatewayConfig(EstConfig est, IngestConfig ingest, CaConfig ca, ServerCertConfig serverCert,
        TokensConfig tokens, SinkConfig sink, StateConfig state, LogConfig log, TlsConfig tls) {
    public static final String FILE_NAME = "gateway.yaml";
    public static final String ENV_PREFIX = "OUTPOST_GATEWAY_";

    /**
     * {@code null} sections take their defaults.
     *
     * @throws dev.outpost.wire.config.InvalidConfigException if both listeners would bind the same port
     */
    public GatewayConfig {
        est = est == null ? EstConfig.defaults() : est;
        ingest = ingest == null ? IngestConfig.defaults() : ingest;
        ca = ca == null ? CaConfig.defaults() : ca;
        serverCert = serverCert == null ? ServerCertConfig.defaults() : serverCert;
        tokens = tokens == null ? TokensConfig.defaults() : tokens;
        sink = sink == null ? SinkConfig.defaults() : sink;
        state = state == null ? StateConfig.defaults() : state;
        log = log == null ? LogConfig.defaults() : log;
        tls = tls == null ? TlsConfig.defaults() : tls;
        if (clash(est.listen(), ingest.listen())) {
            Violations v = new Violations();
            v.add("ingest.listen", "\"" + ListenAddresses.format(ingest.listen()) + "\" uses the same port as est.listen "
                    + "(\"" + ListenAddresses.format(est.listen()) + "\"); give the two listeners different ports");
            v.throwIfAny();
        }
    }

    /** Every setting at its default. */
    public static GatewayConfig defaults() {
        return new GatewayConfig(null, null, null, null, null, null, null, null, null);
    }

    /**
     * The defaults with overrides from {@code env}, for a gateway directory without a config file.
     *
     * @throws ConfigException naming each bad variable
     */
    public static GatewayConfig defaults(Map<String, String> env) throws ConfigException {
        return loader().loadWithoutFile(env);
    }

    /**
     * Reads {@code file} (normally {@code DIR/gateway.yaml}) with overrides from {@code env}.
     *
     * @throws ConfigException listing every problem, each with its file line or variable; exit with
     *     {@link ConfigLoader#EX_CONFIG}
     */
    public static GatewayConfig load(Path file, Map<String, String> env) throws ConfigException {
        return loader().load(file, env);
    }

    /** The loader for gateway.yaml, e.g. to list its environment variables. */
    public static ConfigLoader<GatewayConfig> loader() {
        return new ConfigLoader<>(GatewayConfig.class, ENV_PREFIX, "run `outpost-gateway init`, or copy "
                + "config/gateway.yaml (the commented example shipped with Outpost) there",
                List.of(ValueParser.of(InetSocketAddress.class, ListenAddresses::parse),
                        ValueParser.of(KeyType.class, KeyType::parse)));
    }

    /** Two fixed, equal ports on the same address or where either listens on every address. */
    private static boolean clash(InetSocketAddress a, InetSocketAddress b) {
        return a.getPort() != 0 && a.getPort() == b.getPort()
                && (a.getAddress().equals(b.getAddress()) || a.getAddress().isAnyLocalAddress()
                        || b.getAddress().isAnyLocalAddress());
    }
}
