package dev.outpost.gateway;

import dev.outpost.gateway.ca.CaFiles;
import dev.outpost.gateway.ca.MasterKey;
import dev.outpost.gateway.config.GatewayConfig;
import dev.outpost.gateway.config.SameKeyRenewal;
import dev.outpost.gateway.est.EstHandler;
import dev.outpost.gateway.est.Issuance;
import dev.outpost.gateway.est.Reenroll;
import dev.outpost.gateway.http.GraceTrustManager;
import dev.outpost.gateway.est.FailedAuthLimiter;
import dev.outpost.gateway.ingest.AgentGate;
import dev.outpost.gateway.ingest.CachedDenyList;
import dev.outpost.gateway.ingest.IngestConnections;
import dev.outpost.gateway.store.AgentRegistry;
import dev.outpost.gateway.http.HttpsListener;
import dev.outpost.gateway.http.Responses;
import dev.outpost.gateway.http.ServerTls;
import dev.outpost.gateway.ingest.BatchCommitter;
import dev.outpost.gateway.ingest.IngestHandler;
import dev.outpost.gateway.ingest.Maintenance;
import dev.outpost.gateway.sink.FileSink;
import dev.outpost.gateway.sink.MetricSink;
import dev.outpost.gateway.store.Database;
import dev.outpost.gateway.store.Enrollments;
import dev.outpost.gateway.store.Renewals;
import dev.outpost.gateway.store.RolloverRecord;
import dev.outpost.gateway.store.TokenHasher;
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
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final EventExecutorGroup blocking;
    private final Database db;
    private final MetricSink sink;
    private final BatchCommitter committer;
    private final HttpsListener est;
    private final HttpsListener ingest;
    private final ServerCertificateRenewer serverCertificate;
    private final LiveAuthorities authorities;

    private GatewayRuntime(EventLoopGroup boss, EventLoopGroup workers, EventExecutorGroup blocking, Database db,
            MetricSink sink, BatchCommitter committer, HttpsListener est, HttpsListener ingest,
            ServerCertificateRenewer serverCertificate, LiveAuthorities authorities) {
        this.boss = boss;
        this.workers = workers;
        this.blocking = blocking;
        this.db = db;
        this.sink = sink;
        this.committer = committer;
        this.est = est;
        this.ingest = ingest;
        this.serverCertificate = serverCertificate;
        this.authorities = authorities;
    }

    /** Starts serving; on failure everything already opened is closed again. */
    public static GatewayRuntime start(GatewayDir dir, GatewayConfig config, Map<String, String> env, Clock clock)
            throws IOException, InterruptedException {
        SecureRandom random = new SecureRandom();
        MasterKey master = MasterKey.load(MasterKey.location(dir.root(), env), random);
        Database db = Database.open(dir.database());
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("gw-accept"),
                NioIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(0, new DefaultThreadFactory("gw-io"),
                NioIoHandler.newFactory());
        EventExecutorGroup blocking = new DefaultEventExecutorGroup(4, new DefaultThreadFactory("gw-work"));
        MetricSink sink = null;
        HttpsListener est = null;
        try {
            RolloverRecord rollover = new RolloverRecord(db, clock);
            LiveAuthorities cas = LiveAuthorities.load(new CaRollover(new CaFiles(dir.root()), master, rollover,
                    config.ca().agentCertValidity(), config.ca().renewalGrace(), clock, random), rollover);
            ServerCertificate.Material server = ServerCertificate.loadOrIssue(dir, cas.get(),
                    config.serverCert().hostnames(), clock, random);
            Enrollments enrollments = new Enrollments(db, TokenHasher.loadOrCreate(dir.pepper(), random), clock, random);
            sink = new FileSink(dir.root().resolve(config.sink().file().dir()), config.sink().file().maxFileBytes(),
                    config.sink().file().maxFiles(), clock);
            BatchCommitter committer = new BatchCommitter(sink, new Watermarks(db, clock));
            committer.recover();
            Maintenance maintenance = new Maintenance(dir.maintenance());
            Responses responses = new Responses(clock);
            ServerTls estTls = new ServerTls(ClientAuth.OPTIONAL, server.key(), server.chain(), cas.get().trusted(),
                    new GraceTrustManager(() -> cas.get().trusted(), clock));
            ServerTls ingestTls = new ServerTls(ClientAuth.REQUIRE, server.key(), server.chain(), cas.get().trusted());
            ServerCertificateRenewer renewer = new ServerCertificateRenewer(dir, cas, config.serverCert().hostnames(),
                    server, List.of(estTls, ingestTls), clock, random);
            cas.onChange(renewer::check);
            Issuance issuance = new Issuance(cas, config.ca());
            Reenroll reenroll = new Reenroll(issuance, new Renewals(db, clock,
                    config.ca().sameKeyRenewal() == SameKeyRenewal.ALLOW), responses, clock);
            FailedAuthLimiter limiter = new FailedAuthLimiter(config.est().failedAuthBurst(),
                    config.est().failedAuthRefill(), clock);
            est = HttpsListener.bind("EST", config.est().listen(), boss, workers, estTls, 16 * 1024, blocking,
                    () -> new EstHandler(issuance, enrollments, responses, limiter, reenroll), LOG);
            AgentGate gate = new CachedDenyList(new AgentRegistry(db, clock)::denied, clock, DENY_LIST_MAX_AGE);
            IngestConnections connections = new IngestConnections(gate, clock);
            HttpsListener ing = HttpsListener.bind("ingest", config.ingest().listen(), boss, workers, ingestTls,
                    config.ingest().maxBodyBytes(), blocking,
                    () -> new IngestHandler(committer, maintenance, responses, config.ingest().maxDecodedBytes(), gate,
                            connections), LOG);
            // On the blocking group: the sweep may reload the deny list from the database.
            blocking.scheduleAtFixedRate(connections::sweep, 1, 1, java.util.concurrent.TimeUnit.SECONDS);
            // On the blocking group: a renewal writes the new key and certificate to disk.
            long renewalMinutes = ServerCertificateRenewer.CHECK_INTERVAL.toMinutes();
            blocking.scheduleAtFixedRate(renewer::check, renewalMinutes, renewalMinutes,
                    java.util.concurrent.TimeUnit.MINUTES);
            // On the blocking group: a rollover step writes CA files and the database.
            long refresh = LiveAuthorities.REFRESH.toMillis();
            blocking.scheduleAtFixedRate(cas::refresh, refresh, refresh, java.util.concurrent.TimeUnit.MILLISECONDS);
            LOG.info("EST listening on https://{}{}", hostPort(est.address()), dev.outpost.wire.WireNames.EST_BASE);
            LOG.info("ingest listening on https://{}{}", hostPort(ing.address()),
                    dev.outpost.wire.WireNames.OTLP_METRICS_PATH);
            LOG.info("CA pin {}; server certificate for {} valid until {}, to be renewed at {}",
                    dev.outpost.wire.CaPin.of(cas.get().issuer().certificate()), config.serverCert().hostnames(),
                    server.notAfter(), ServerCertificate.renewAt(server));
            return new GatewayRuntime(boss, workers, blocking, db, sink, committer, est, ing, renewer, cas);
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (est != null) {
                est.close();
            }
            shutdown(boss, workers, blocking);
            if (sink != null) {
                sink.close();
            }
            closeQuietly(db);
            throw e;
        }
    }

    public InetSocketAddress estAddress() {
        return est.address();
    }

    public InetSocketAddress ingestAddress() {
        return ingest.address();
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

    private static void shutdown(EventLoopGroup boss, EventLoopGroup workers, EventExecutorGroup blocking) {
        for (var g : List.of(boss, workers, blocking)) {
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

    /** Stops accepting, lets in-flight requests finish (bounded), and closes the store and the sink. */
    @Override
    public void close() {
        est.close();
        ingest.close();
        shutdown(boss, workers, blocking);
        if (committer.duplicates() > 0) {
            LOG.info("ingest: {} retried batches were recognised as already stored and not stored again",
                    committer.duplicates());
        }
        try {
            sink.close();
        } catch (IOException e) {
            LOG.warn("closing the sink failed: {}", e.getMessage());
        }
        closeQuietly(db);
        LOG.info("gateway stopped");
    }
}
