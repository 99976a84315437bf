package dev.outpost.gateway;

import dev.outpost.gateway.ca.CertificateAuthority;
import dev.outpost.gateway.http.ServerTls;
import dev.outpost.wire.Durations;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renews the gateway's server certificate while it serves, so that a gateway running for months never presents an
 * expired certificate: once {@link ServerCertificate#renewAt} has passed, a new key and certificate are written and
 * handed to every listener. New handshakes present the new certificate; open connections keep their session.
 */
public final class ServerCertificateRenewer {
    /** How often the runtime calls {@link #check()}; a check that is not due only compares two instants. */
    public static final Duration CHECK_INTERVAL = Duration.ofHours(1);
    private static final Logger LOG = LoggerFactory.getLogger("outpost.gateway");
    private final GatewayDir dir;
    private final CertificateAuthority ca;
    private final List<String> hostnames;
    private final List<ServerTls> listeners;
    private final Clock clock;
    private final SecureRandom random;
    private ServerCertificate.Material current;

    /**
     * @param current   the key and chain the {@code listeners} serve now
     * @param listeners the TLS settings of every listener that presents the server certificate
     */
    public ServerCertificateRenewer(GatewayDir dir, CertificateAuthority ca, List<String> hostnames,
            ServerCertificate.Material current, List<ServerTls> listeners, Clock clock, SecureRandom random) {
        this.dir = Objects.requireNonNull(dir, "dir");
        this.ca = Objects.requireNonNull(ca, "ca");
        this.hostnames = List.copyOf(Objects.requireNonNull(hostnames, "hostnames"));
        this.current = Objects.requireNonNull(current, "current");
        this.listeners = List.copyOf(Objects.requireNonNull(listeners, "listeners"));
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
        if (this.hostnames.isEmpty()) {
            throw new IllegalArgumentException("hostnames: [] is empty; a server certificate needs at least one name");
        }
        if (this.listeners.isEmpty()) {
            throw new IllegalArgumentException("listeners: [] is empty; no listener would present the renewal");
        }
    }

    /**
     * Renews the certificate if it is due. Never throws, so that it can run on a schedule: a failure is logged and
     * the current certificate stays in use until a later check succeeds.
     *
     * @return whether a new certificate is now presented to new connections
     */
    public synchronized boolean check() {
        if (clock.instant().isBefore(ServerCertificate.renewAt(current))) {
            return false;
        }
        Instant until = current.notAfter();
        Instant caUntil = ca.certificate().getNotAfter().toInstant();
        if (!caUntil.isAfter(until)) {
            LOG.warn("server certificate for {} is due for renewal, but a new one would not outlast the current one "
                    + "(valid until {}): the CA expires at {}", hostnames, until, caUntil);
            return false;
        }
        ServerCertificate.Material next;
        try {
            next = ServerCertificate.issue(dir, ca, hostnames, random);
            for (ServerTls tls : listeners) {
                tls.update(next.key(), next.chain(), ca.certificate());
            }
        } catch (IOException | RuntimeException e) {
            // Not adopted: the next check issues another and updates every listener, one already updated too.
            LOG.warn("server certificate renewal for {} failed: {}; still serving the current one (valid until {}), "
                    + "retrying in {}", hostnames, reason(e), until, Durations.format(CHECK_INTERVAL));
            return false;
        }
        current = next;
        LOG.info("server certificate renewed for {}, valid until {} (was until {})", hostnames, next.notAfter(), until);
        return true;
    }

    /** The exception's type as well: a file system exception's message is often only the path. */
    private static String reason(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName()
                : e.getClass().getSimpleName() + ": " + e.getMessage();
    }
}
