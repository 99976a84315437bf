package dev.outpost.gateway;

import dev.outpost.gateway.ca.CaSnapshot;
import dev.outpost.gateway.ca.CaStore;
import dev.outpost.gateway.ca.MasterKey;
import dev.outpost.gateway.config.EstRateLimitsConfig;
import dev.outpost.gateway.config.GatewayConfig;
import dev.outpost.gateway.config.SameKeyRenewal;
import dev.outpost.gateway.est.EstHandler;
import dev.outpost.gateway.est.Issuance;
import dev.outpost.gateway.est.Reenroll;
import dev.outpost.gateway.http.GraceTrustManager;
import dev.outpost.gateway.est.EstRateLimiter;
import dev.outpost.gateway.est.FailedAuthLimiter;
import dev.outpost.gateway.ingest.AgentGate;
import dev.outpost.gateway.ingest.CachedDenyList;
import dev.outpost.gateway.ingest.IngestConnections;
import dev.outpost.gateway.store.AgentRegistry;
import dev.outpost.gateway.http.HttpsListener;
import dev.outpost.gateway.http.Responses;
import dev.outpost.gateway.http.ServerTls;
import dev.outpost.gateway.http.TlsProviders;
import dev.outpost.gateway.http.MemoryBudget;
import dev.outpost.gateway.ingest.IngestHandler;
import dev.outpost.gateway.ingest.IngestPipeline;
import dev.outpost.gateway.ingest.IngestServices;
import dev.outpost.gateway.ingest.IngestStats;
import dev.outpost.gateway.ingest.Maintenance;
import dev.outpost.gateway.ingest.LogLimiter;
import dev.outpost.gateway.ingest.RateLimiter;
import dev.outpost.gateway.sink.MetricSink;
import dev.outpost.gateway.sink.Sinks;
import dev.outpost.gateway.view.GatewayHealth;
import dev.outpost.gateway.view.LiveFeed;
import dev.outpost.gateway.store.Database;
import dev.outpost.gateway.store.Enrollments;
import dev.outpost.gateway.store.Renewals;
import dev.outpost.gateway.store.RolloverRecord;
import dev.outpost.gateway.store.SharedCa;
import dev.outpost.wire.config.ConfigException;
import dev.outpost.gateway.store.Watermarks;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.ssl.ClientAuth;
import io.netty.util.concurrent.DefaultEventExecutorGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutorGroup;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's composition root: loads the CA, the state store and the sink from one gateway directory and
 * serves the two listeners, EST and mTLS ingest. Nothing else listens.
 */
public final class GatewayRuntime implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("outpost.gateway");
    /** How stale the list of revoked agents that ingest checks on every request may be. */
    static final java.time.Duration DENY_LIST_MAX_AGE = java.time.Duration.ofSeconds(1);
    /** Watermarks of agents that stored nothing for this long are forgotten (longer than any grace + lifetime). */
    static final java.time.Duration WATERMARK_RETENTION = java.time.Duration.ofDays(120);
    /**
     * Threads for TLS handshakes' CPU work: as many as cores, beside twice as many I/O threads. The I/O threads mostly
     * wait and the handshake threads never do, so the scheduler runs the requests of established connections first.
     */
    static final int HANDSHAKE_THREADS = Runtime.getRuntime().availableProcessors();
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final EventExecutorGroup blocking;
    private final EventExecutorGroup handshakes;
    private final Database db;
    private final MetricSink sink;
    private final IngestPipeline pipeline;
    private final IngestStats stats;
    private final HttpsListener est;
    private final HttpsListener ingest;
    private final ServerCertificateRenewer serverCertificate;
    private final LiveAuthorities authorities;

    private GatewayRuntime(EventLoopGroup boss, EventLoopGroup workers, EventExecutorGroup blocking,
            EventExecutorGroup handshakes, Database db, MetricSink sink, IngestPipeline pipeline, IngestStats stats,
            HttpsListener est, HttpsListener ingest,
            ServerCertificateRenewer serverCertificate, LiveAuthorities authorities) {
        this.boss = boss;
        this.workers = workers;
        this.blocking = blocking;
        this.handshakes = handshakes;
        this.db = db;
        this.sink = sink;
        this.pipeline = pipeline;
        this.stats = stats;
        this.est = est;
        this.ingest = ingest;
        this.serverCertificate = serverCertificate;
        this.authorities = authorities;
    }

    /** Starts serving; on failure everything already opened is closed again. */
    public static GatewayRuntime start(GatewayDir dir, GatewayConfig config, Map<String, String> env, Clock clock)
            throws IOException, InterruptedException, ConfigException {
        SecureRandom random = new SecureRandom();
        java.nio.file.Path masterFile = MasterKey.location(dir.root(), env);
        MasterKey master = MasterKey.load(masterFile, random);
        Database db = StateStores.open(dir, config.state(), true);
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("gw-accept"),
                NioIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(0, new DefaultThreadFactory("gw-io"),
                NioIoHandler.newFactory());
        EventExecutorGroup blocking = new DefaultEventExecutorGroup(4, new DefaultThreadFactory("gw-work"));
        // TLS handshakes' CPU work, for both listeners, off the I/O threads: the requests of established connections
        // are not queued behind handshakes however many agents reconnect at once.
        EventExecutorGroup handshakes = new DefaultEventExecutorGroup(HANDSHAKE_THREADS,
                new DefaultThreadFactory("gw-handshake"));
        MetricSink sink = null;
        IngestPipeline pipeline = null;
        HttpsListener est = null;
        try {
            RolloverRecord rollover = new RolloverRecord(db, clock);
            CaStore caStore = StateStores.ca(dir, config.state(), db, clock);
            if (caStore instanceof SharedCa shared) {
                StateStores.adoptLocalCa(dir, shared, master, clock, random);
            }
            LiveAuthorities cas = LiveAuthorities.load(new CaRollover(caStore, master, rollover,
                    config.ca().agentCertValidity(), config.ca().renewalGrace(), clock, random), rollover);
            ServerCertificate.Material server = ServerCertificate.loadOrIssue(dir, cas.get(),
                    config.serverCert().hostnames(), clock, random);
            Enrollments enrollments = new Enrollments(db, StateStores.pepper(dir, config.state(), db, master, clock,
                    random), clock, random);
            sink = Sinks.create(config.sink(), dir.root(), clock, version());
            IngestStats stats = new IngestStats();
            Watermarks watermarks = db.dialect() == Database.Dialect.SQLITE ? new Watermarks(db, clock)
                    : new Watermarks(db, clock, dir.instanceId(random));
            var queue = config.ingest().queue();
            pipeline = new IngestPipeline(sink, watermarks, clock, new IngestPipeline.Limits(queue.maxBatches(),
                    queue.maxBytes(), queue.maxGroupBatches(), MAX_GROUP_POINTS), stats, random);
            pipeline.start();
            IngestPipeline feeding = pipeline;
            HttpsListener[] ingestListener = new HttpsListener[1];
            LiveFeed feed = new LiveFeed(dir.root().resolve(LiveFeed.DIR), clock, () -> health(stats, feeding,
                    ingestListener[0], clock));
            pipeline.onStored(feed::stored);
            Maintenance maintenance = new Maintenance(dir.maintenance());
            Responses responses = new Responses(clock);
            TlsProviders.Choice tls = TlsProviders.choose(config.tls().provider(),
                    dir.root().resolve(dev.outpost.gateway.config.GatewayConfig.FILE_NAME));
            LOG.info("TLS: {} for both listeners", tls.description());
            ServerTls estTls = new ServerTls(tls.provider(), ClientAuth.OPTIONAL, server.key(), server.chain(),
                    cas.get().trusted(), new GraceTrustManager(() -> cas.get().trusted(), clock));
            ServerTls ingestTls = new ServerTls(tls.provider(), ClientAuth.REQUIRE, server.key(), server.chain(),
                    cas.get().trusted(), null);
            ServerCertificateRenewer renewer = new ServerCertificateRenewer(dir, cas, config.serverCert().hostnames(),
                    server, List.of(estTls, ingestTls), clock, random);
            cas.onChange(renewer::check);
            Issuance issuance = new Issuance(cas, config.ca());
            Reenroll reenroll = new Reenroll(issuance, new Renewals(db, clock,
                    config.ca().sameKeyRenewal() == SameKeyRenewal.ALLOW), responses, clock);
            FailedAuthLimiter limiter = new FailedAuthLimiter(config.est().failedAuthBurst(),
                    config.est().failedAuthRefill(), clock);
            EstHandler.Limits estLimits = new EstHandler.Limits(new EstRateLimiter(config.est().rateLimits(), clock),
                    stats, new LogLimiter(clock, java.time.Duration.ofMinutes(1), 10_000));
            est = HttpsListener.bind("EST", config.est().listen(), boss, workers, estTls,
                    new HttpsListener.Settings(config.est().connections(), EstRateLimitsConfig.MAX_BODY_BYTES, null,
                            handshakes),
                    blocking, held -> new EstHandler(issuance, enrollments, responses, limiter, reenroll, estLimits),
                    LOG, clock);
            AgentGate gate = new CachedDenyList(new AgentRegistry(db, clock)::denied, clock, DENY_LIST_MAX_AGE);
            IngestConnections connections = new IngestConnections(gate, clock,
                    config.ingest().limits().maxConnectionsPerAgent());
            IngestServices services = new IngestServices(pipeline, maintenance, responses, gate, connections,
                    new RateLimiter(config.ingest().rateLimits(), clock), stats, config.ingest().limits(),
                    config.ingest().maxDecodedBytes(), clock);
            HttpsListener ing = HttpsListener.bind("ingest", config.ingest().listen(), boss, workers, ingestTls,
                    new HttpsListener.Settings(config.ingest().connections(), config.ingest().maxBodyBytes(),
                            new MemoryBudget(config.ingest().maxInflightBytes()), handshakes), null,
                    held -> new IngestHandler(services, held), LOG, clock);
            ingestListener[0] = ing;
            // On the blocking group: notices live views and writes their feed.
            blocking.scheduleAtFixedRate(feed::tick, 1, 1, java.util.concurrent.TimeUnit.SECONDS);
            // On the blocking group: the sweep may reload the deny list from the database.
            blocking.scheduleAtFixedRate(connections::sweep, 1, 1, java.util.concurrent.TimeUnit.SECONDS);
            // On the blocking group: a renewal writes the new key and certificate to disk.
            long renewalMinutes = ServerCertificateRenewer.CHECK_INTERVAL.toMinutes();
            blocking.scheduleAtFixedRate(renewer::check, renewalMinutes, renewalMinutes,
                    java.util.concurrent.TimeUnit.MINUTES);
            // On the blocking group: a rollover step writes CA files and the database.
            long refresh = LiveAuthorities.REFRESH.toMillis();
            blocking.scheduleAtFixedRate(cas::refresh, refresh, refresh, java.util.concurrent.TimeUnit.MILLISECONDS);
            blocking.scheduleAtFixedRate(() -> pruneWatermarks(watermarks, clock), 1, 24 * 60,
                    java.util.concurrent.TimeUnit.MINUTES);
            LOG.info("EST listening on https://{}{}", hostPort(est.address()), dev.outpost.wire.WireNames.EST_BASE);
            LOG.info("ingest listening on https://{}{}", hostPort(ing.address()),
                    dev.outpost.wire.WireNames.OTLP_METRICS_PATH);
            LOG.info("CA pin {}; server certificate for {} valid until {}, to be renewed at {}",
                    dev.outpost.wire.CaPin.of(cas.get().issuer().certificate()), config.serverCert().hostnames(),
                    server.notAfter(), ServerCertificate.renewAt(server));
            LOG.info("sink: {}", describe(config));
            LOG.info("state: {}", StateStores.describe(dir, config.state()));
            MetricSink probed = sink;
            blocking.execute(() -> probed.probe().ifPresent(problem -> LOG.warn("sink: the {} store {}; serving "
                    + "anyway: agents are answered 503 with Retry-After and keep their batches until it can be "
                    + "reached", probed.name(), problem)));
            return new GatewayRuntime(boss, workers, blocking, handshakes, db, sink, pipeline, stats, est, ing, renewer,
                    cas);
        } catch (IOException | InterruptedException | ConfigException | RuntimeException e) {
            if (est != null) {
                est.close();
            }
            shutdown(boss, workers, blocking, handshakes);
            if (pipeline != null) {
                pipeline.close();
            }
            if (sink != null) {
                sink.close();
            }
            closeQuietly(db);
            if (e instanceof CaSnapshot.UnsealException u) {
                throw new ConfigException(List.of(u.getMessage() + ": the master key read from " + masterFile
                        + " is not the one it was sealed with. Every gateway that shares the CA needs the same master "
                        + "key: copy the first gateway's (its /etc/outpost/gateway-master.key, or DIR/master.key) to "
                        + masterFile));
            }
            throw e;
        }
    }

    /** Data points one delivery may hold: bounds the memory of a group's rendering or requests. */
    static final int MAX_GROUP_POINTS = 200_000;

    private static String describe(GatewayConfig config) {
        return switch (config.sink().type()) {
            case FILE -> "NDJSON files in " + config.sink().file().dir() + " (" + config.sink().file().compression()
                    .name().toLowerCase(java.util.Locale.ROOT) + ")";
            case PROMETHEUS_REMOTE_WRITE -> "Prometheus remote write to " + config.sink().prometheusRemoteWrite().url()
                    + (config.sink().prometheusRemoteWrite().tenantHeader().isEmpty() ? ""
                            : " (tenant header " + config.sink().prometheusRemoteWrite().tenantHeader() + ")");
            case OTLP -> "OTLP/HTTP to " + config.sink().otlp().url()
                    + (config.sink().otlp().tenantHeader().isEmpty() ? ""
                            : " (tenant header " + config.sink().otlp().tenantHeader() + ")");
        };
    }

    private static GatewayHealth health(IngestStats s, IngestPipeline pipeline, HttpsListener ingest, Clock clock) {
        return new GatewayHealth(clock.millis(), pipeline.sink().name(), s.batchesIn.sum(), s.batchesStored.sum(),
                s.pointsStored.sum(), s.duplicates.sum(), s.unavailable.sum(), s.overloaded.sum(), pipeline.queued(),
                s.groups.sum(), s.lastDeliveryNanos() / 1e6, s.meanDeliveryNanos() / 1e6, s.maxDeliveryNanos() / 1e6,
                ingest == null ? 0 : ingest.openConnections(), s.sinkFailures(), s.refusedPoints(),
                s.refusedRequests(), s.limitedByOrg());
    }

    private static void pruneWatermarks(Watermarks watermarks, Clock clock) {
        try {
            int n = watermarks.prune(clock.instant().minus(WATERMARK_RETENTION));
            if (n > 0) {
                LOG.info("ingest: forgot the watermarks of {} agents that sent nothing for {} days", n,
                        WATERMARK_RETENTION.toDays());
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("ingest: pruning watermarks failed: {}", e.getMessage());
        }
    }

    /** The gateway's version, as packaged. */
    public static String version() {
        String v = GatewayRuntime.class.getPackage().getImplementationVersion();
        return v == null ? "development build" : v;
    }

    public InetSocketAddress estAddress() {
        return est.address();
    }

    public InetSocketAddress ingestAddress() {
        return ingest.address();
    }

    /** The gateway's own ingest counters. */
    public IngestStats stats() {
        return stats;
    }

    /** The renewal of the server certificate that runs every {@link ServerCertificateRenewer#CHECK_INTERVAL}. */
    ServerCertificateRenewer serverCertificate() {
        return serverCertificate;
    }

    /** The CAs in use, refreshed every {@link LiveAuthorities#REFRESH}. */
    LiveAuthorities authorities() {
        return authorities;
    }

    private static String hostPort(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    private static void shutdown(EventExecutorGroup... groups) {
        for (var g : groups) {
            g.shutdownGracefully(0, 5, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static void closeQuietly(Database db) {
        try {
            db.close();
        } catch (java.sql.SQLException e) {
            LOG.warn("closing the state database failed: {}", e.getMessage());
        }
    }

    /** Stops accepting, lets queued batches be stored (bounded), and closes the store and the sink. */
    @Override
    public void close() {
        est.close();
        ingest.close();
        pipeline.close();
        shutdown(boss, workers, blocking, handshakes);
        LOG.info("ingest: {} batches stored ({} data points), {} retried batches recognised as stored already, "
                + "{} answered 503 (sink unavailable), {} answered 503 (queue full)", stats.batchesStored.sum(),
                stats.pointsStored.sum(), stats.duplicates.sum(), stats.unavailable.sum(), stats.overloaded.sum());
        try {
            sink.close();
        } catch (IOException e) {
            LOG.warn("closing the sink failed: {}", e.getMessage());
        }
        closeQuietly(db);
        LOG.info("gateway stopped");
    }
}
