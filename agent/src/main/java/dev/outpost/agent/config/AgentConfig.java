package dev.outpost.agent.config;

import dev.outpost.wire.WireNames;
import dev.outpost.wire.config.ConfigException;
import dev.outpost.wire.config.ConfigLoader;
import dev.outpost.wire.config.LogConfig;
import dev.outpost.wire.config.Violations;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The agent's settings, from {@code /etc/outpost/agent.yaml} and {@code OUTPOST_AGENT_*} variables: where the
 * gateway is, where the agent keeps its key and state, how often it collects, and what it adds to every batch.
 * Immutable and valid once built; every key but {@code server} has a default.
 */
public record AgentConfig(URI server, URI ingestUrl, Path stateDir, Duration interval, Map<String, String> labels,
        CollectConfig collect, QueueConfig queue, PushConfig push, LogConfig log, List<URI> fallbackServers) {
    public static final Path DEFAULT_PATH = Path.of("/etc/outpost/agent.yaml");
    public static final String ENV_PREFIX = "OUTPOST_AGENT_";
    public static final Path DEFAULT_STATE_DIR = Path.of("/var/lib/outpost-agent");
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);
    public static final Duration MIN_INTERVAL = Duration.ofSeconds(1);
    public static final Duration MAX_INTERVAL = Duration.ofHours(1);
    static final String EXAMPLE_SERVER = "https://gateway.example.com:8443";
    /** What to do when the config file does not exist. */
    public static final String MISSING_FILE_HINT =
            "copy config/agent.yaml (the commented example shipped with Outpost) there and set server";
    public static final int MAX_FALLBACK_SERVERS = 16;

    /**
     * {@code null} takes the default; a missing {@code ingestUrl} is derived from {@code server}
     * (see {@link #defaultIngestUrl}).
     *
     * @throws dev.outpost.wire.config.InvalidConfigException naming each bad value
     */
    public AgentConfig {
        stateDir = stateDir == null ? DEFAULT_STATE_DIR : stateDir;
        interval = interval == null ? DEFAULT_INTERVAL : interval;
        labels = labels == null ? Map.of() : labels;
        fallbackServers = fallbackServers == null ? List.of() : List.copyOf(fallbackServers);
        Violations v = new Violations();
        v.httpsUrl("server", server, EXAMPLE_SERVER);
        for (URI fallback : fallbackServers) {
            v.httpsUrl("fallback_servers", fallback, "https://gateway-2.example.com:8443");
        }
        if (fallbackServers.size() > MAX_FALLBACK_SERVERS) {
            v.add("fallback_servers", fallbackServers.size() + " URLs; list at most " + MAX_FALLBACK_SERVERS
                    + " (or put the gateways behind one load-balanced name)");
        }
        if (ingestUrl != null) {
            v.httpsUrl("ingest_url", ingestUrl, "https://gateway.example.com:4318/v1/metrics");
        }
        v.absolutePath("state_dir", stateDir, DEFAULT_STATE_DIR.toString());
        v.durationBetween("interval", interval, MIN_INTERVAL, MAX_INTERVAL, DEFAULT_INTERVAL);
        Labels.check(v, labels);
        v.throwIfAny();
        ingestUrl = ingestUrl == null ? defaultIngestUrl(server) : ingestUrl;
        labels = Labels.copy(labels);
        collect = collect == null ? CollectConfig.defaults() : collect;
        queue = queue == null ? QueueConfig.defaults() : queue;
        push = push == null ? PushConfig.defaults() : push;
        log = log == null ? LogConfig.defaults() : log;
    }

    /** Without fallback servers. */
    public AgentConfig(URI server, URI ingestUrl, Path stateDir, Duration interval, Map<String, String> labels,
            CollectConfig collect, QueueConfig queue, PushConfig push, LogConfig log) {
        this(server, ingestUrl, stateDir, interval, labels, collect, queue, push, log, null);
    }

    /** Every setting at its default, with the one that has none. */
    public static AgentConfig defaults(URI server) {
        return new AgentConfig(server, null, null, null, null, null, null, null, null, null);
    }

    /** The EST base URLs in the order they are tried: {@code server}, then {@code fallback_servers}. */
    public List<URI> servers() {
        List<URI> out = new java.util.ArrayList<>(List.of(server));
        out.addAll(fallbackServers);
        return out;
    }

    /** The ingest URLs in the order they are tried: {@code ingest_url}, then each fallback server's (port 4318). */
    public List<URI> ingestUrls() {
        List<URI> out = new java.util.ArrayList<>(List.of(ingestUrl));
        for (URI fallback : fallbackServers) {
            out.add(defaultIngestUrl(fallback));
        }
        return out;
    }

    /**
     * Reads {@code file} (normally {@link #DEFAULT_PATH}) with overrides from {@code env}.
     *
     * @throws ConfigException listing every problem, each with its file line or variable; exit with
     *     {@link ConfigLoader#EX_CONFIG}
     */
    public static AgentConfig load(Path file, Map<String, String> env) throws ConfigException {
        return loader().load(file, env);
    }

    /**
     * As {@link #load}, through a class loader of its own that is dropped afterwards, for the daemon (see {@link
     * IsolatedConfigLoad}): what only reading the config needs does not stay in its memory. Slower (the reader's
     * classes are loaded anew each time), so for start and reload only.
     */
    public static AgentConfig loadIsolated(Path file, Map<String, String> env) throws ConfigException {
        return IsolatedConfigLoad.load(file, env);
    }

    /** The loader for agent.yaml, e.g. to list its environment variables. */
    public static ConfigLoader<AgentConfig> loader() {
        return new ConfigLoader<>(AgentConfig.class, ENV_PREFIX, MISSING_FILE_HINT, List.of());
    }

    /** The gateway's OTLP endpoint when not configured: the server's host, port 4318, path /v1/metrics. */
    public static URI defaultIngestUrl(URI server) {
        try {
            return new URI("https", null, server.getHost(), WireNames.INGEST_PORT, WireNames.OTLP_METRICS_PATH,
                    null, null);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("cannot derive the ingest URL from server \"" + server + "\"", e);
        }
    }
}
