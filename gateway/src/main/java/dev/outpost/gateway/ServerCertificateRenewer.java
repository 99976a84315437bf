package dev.outpost.gateway;

import dev.outpost.gateway.ca.Authorities;
import dev.outpost.gateway.http.ServerTls;
import dev.outpost.wire.Durations;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renews the gateway's server certificate while it serves, so that a gateway running for months never presents an
 * expired certificate: once {@link ServerCertificate#renewAt} has passed, or another CA issues (a rollover's switch),
 * a new key and certificate are written and handed to every listener, with the chain and client trust of the CAs in
 * use. New handshakes present the new certificate; open connections keep their session.
 */
public final class ServerCertificateRenewer {
    /** How often the runtime calls {@link #check()}; a check that is not due only compares two instants. */
    public static final Duration CHECK_INTERVAL = Duration.ofHours(1);
    private static final Logger LOG = LoggerFactory.getLogger("outpost.gateway");
    private final GatewayDir dir;
    private final Supplier<Authorities> cas;
    private final List<String> hostnames;
    private final List<ServerTls> listeners;
    private final Clock clock;
    private final SecureRandom random;
    private ServerCertificate.Material current;
    private List<java.security.cert.X509Certificate> trusted;

    /**
     * @param cas       the CAs in use, read at every check
     * @param current   the key and chain the {@code listeners} serve now
     * @param listeners the TLS settings of every listener that presents the server certificate
     */
    public ServerCertificateRenewer(GatewayDir dir, Supplier<Authorities> cas, List<String> hostnames,
            ServerCertificate.Material current, List<ServerTls> listeners, Clock clock, SecureRandom random) {
        this.dir = Objects.requireNonNull(dir, "dir");
        this.cas = Objects.requireNonNull(cas, "cas");
        this.hostnames = List.copyOf(Objects.requireNonNull(hostnames, "hostnames"));
        this.current = Objects.requireNonNull(current, "current");
        this.listeners = List.copyOf(Objects.requireNonNull(listeners, "listeners"));
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
        this.trusted = cas.get().trusted();
        if (this.hostnames.isEmpty()) {
            throw new IllegalArgumentException("hostnames: [] is empty; a server certificate needs at least one name");
        }
        if (this.listeners.isEmpty()) {
            throw new IllegalArgumentException("listeners: [] is empty; no listener would present the renewal");
        }
    }

    /**
     * Renews the certificate if it is due or another CA issues now, and gives the listeners the chain and trust of
     * the CAs in use if they changed. Never throws, so that it can run on a schedule: a failure is logged and the
     * current certificate stays in use until a later check succeeds.
     *
     * @return whether listeners got new TLS settings
     */
    public synchronized boolean check() {
        Authorities a = cas.get();
        boolean foreign = !a.issued(current.leaf());
        boolean due = !clock.instant().isBefore(ServerCertificate.renewAt(current));
        Instant until = current.notAfter();
        if (due && !foreign && !a.issuer().certificate().getNotAfter().toInstant().isAfter(until)) {
            LOG.warn("server certificate for {} is due for renewal, but a new one would not outlast the current one "
                    + "(valid until {}): the CA expires at {}", hostnames, until,
                    a.issuer().certificate().getNotAfter().toInstant());
            due = false;
        }
        ServerCertificate.Material next = current.chainedBy(a);
        if (!due && !foreign && next.chain().equals(current.chain()) && a.trusted().equals(trusted)) {
            return false;
        }
        try {
            if (due || foreign) {
                next = ServerCertificate.issue(dir, a, hostnames, random);
            }
            for (ServerTls tls : listeners) {
                tls.update(next.key(), next.chain(), a.trusted());
            }
        } catch (IOException | RuntimeException e) {
            // Not adopted: the next check issues another and updates every listener, one already updated too.
            LOG.warn("server certificate renewal for {} failed: {}; still serving the current one (valid until {}), "
                    + "retrying in {}", hostnames, reason(e), until, Durations.format(CHECK_INTERVAL));
            return false;
        }
        boolean renewed = next.leaf() != current.leaf();
        current = next;
        trusted = a.trusted();
        if (renewed) {
            LOG.info("server certificate renewed for {}, valid until {} (was until {}){}", hostnames, next.notAfter(),
                    until, foreign ? "; issued by the CA that issues now" : "");
        }
        return true;
    }

    /** The exception's type as well: a file system exception's message is often only the path. */
    private static String reason(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName()
                : e.getClass().getSimpleName() + ": " + e.getMessage();
    }
}
