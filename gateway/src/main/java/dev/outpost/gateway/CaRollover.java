package dev.outpost.gateway;

import dev.outpost.gateway.ca.Authorities;
import dev.outpost.gateway.ca.CaFiles;
import dev.outpost.gateway.ca.CertificateAuthority;
import dev.outpost.gateway.ca.MasterKey;
import dev.outpost.gateway.store.AuditEvent;
import dev.outpost.gateway.store.Rollover;
import dev.outpost.gateway.store.RolloverRecord;
import dev.outpost.wire.CaPin;
import dev.outpost.wire.Pem;
import dev.outpost.wire.SecureFiles;
import java.io.IOException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out a CA rollover's steps as they fall due, and says which CAs issue, are trusted and are published at
 * each point (see {@link Authorities}). Stage: the next CA is generated and sealed beside the current one, with the
 * two link certificates. Switch (when the operator says, or {@code switch_after} after staging, by default one agent
 * certificate lifetime): the previous CA's certificate is kept, then the rollover record commits, then the next CA's
 * files replace the current ones. Retire (when the operator says, or once every certificate the previous CA issued
 * is past its expiry plus the renewal grace): the record is deleted, then the previous CA's files. Each step commits
 * in the database with its audit entry; the file steps around it are idempotent and redone at the next run after a
 * crash. Only the gateway itself runs these steps (it holds the master key); the CLI records intents.
 */
public final class CaRollover {
    private static final Logger LOG = LoggerFactory.getLogger("outpost.gateway.ca");
    private final CaFiles files;
    private final MasterKey master;
    private final RolloverRecord record;
    private final Clock clock;
    private final SecureRandom random;
    private final Duration validity;
    private final Duration grace;

    /** {@code validity}, {@code grace}: {@code ca.agent_cert_validity} and {@code ca.renewal_grace}. */
    public CaRollover(CaFiles files, MasterKey master, RolloverRecord record, Duration validity, Duration grace,
            Clock clock, SecureRandom random) {
        this.files = Objects.requireNonNull(files, "files");
        this.master = Objects.requireNonNull(master, "master");
        this.record = Objects.requireNonNull(record, "record");
        this.validity = Objects.requireNonNull(validity, "validity");
        this.grace = Objects.requireNonNull(grace, "grace");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
    }

    /** Takes every step that is due (at most one of each); returns whether it took any. */
    public synchronized boolean advance() throws IOException, SQLException {
        boolean stepped = false;
        for (int i = 0; i < 3; i++) {
            Optional<Rollover> r = record.read();
            if (r.isEmpty() || !step(r.get())) {
                break;
            }
            stepped = true;
        }
        return stepped;
    }

    private boolean step(Rollover r) throws IOException, SQLException {
        Instant now = clock.instant();
        switch (r.phase()) {
            case REQUESTED -> {
                CertificateAuthority next = files.stageNext(load(), master, clock, random);
                String pin = CaPin.of(next.certificate()).toString();
                Instant switchAt = now.plus(r.switchAfter());
                if (!record.staged(pin, "next CA " + pin + " \"" + next.certificate().getSubjectX500Principal()
                        + "\" staged, valid until " + next.certificate().getNotAfter().toInstant() + "; published in "
                        + "cacerts beside the current one; switch planned at " + switchAt)) {
                    files.clean(false);
                    return false;
                }
                LOG.info("CA rollover: next CA {} staged and published in cacerts; switch planned at {}", pin, switchAt);
                return true;
            }
            case STAGED -> {
                if (!r.switchDue(now)) {
                    return false;
                }
                X509Certificate previous = Pem.readCertificates(files.certificateFile()).get(0);
                SecureFiles.write(files.previousCertificateFile(), Pem.certificates(List.of(previous)), SecureFiles.PUBLIC);
                Instant retireAt = retireAt(now);
                String source = r.switchBy() == null ? AuditEvent.GATEWAY : AuditEvent.CLI;
                if (!record.switched(retireAt, CaPin.of(previous).toString(), source, "switched to CA " + r.nextPin()
                        + ": it issues agent and server certificates from now on; previous CA " + CaPin.of(previous)
                        + " still trusted until its retirement, planned at " + retireAt)) {
                    return false;
                }
                files.promoteNext();
                LOG.info("CA rollover: switched to CA {}; the previous CA {} is trusted until {}", r.nextPin(),
                        CaPin.of(previous), retireAt);
                return true;
            }
            default -> {
                files.promoteNext(); // finishes a switch cut short by a crash; nothing to do otherwise
                return r.retireDue(now) && retire(r, now);
            }
        }
    }

    /** One agent certificate lifetime after the switch, or the latest agent certificate's expiry; then the grace. */
    private Instant retireAt(Instant switchedAt) throws SQLException {
        Instant last = switchedAt.plus(validity);
        Instant latest = record.latestAgentExpiry();
        return (latest != null && latest.isAfter(last) ? latest : last).plus(grace);
    }

    private boolean retire(Rollover r, Instant now) throws IOException, SQLException {
        boolean planned = r.retireBy() == null;
        int left = record.agentsIssuedBefore(r.switchedAt(), now.minus(grace));
        if (planned && left > 0) {
            LOG.warn("CA rollover: retirement of CA {} postponed: {} agent certificates it issued are still valid or "
                    + "within the renewal grace ({} after the switch)", r.previousPin(), left, r.switchedAt());
            return false;
        }
        if (!record.retired(planned ? AuditEvent.GATEWAY : AuditEvent.CLI, "previous CA " + r.previousPin()
                + " retired: no longer trusted or published; rollover to " + CaPin.of(load().certificate())
                + " complete" + (left > 0 ? "; " + left + " agents still held a certificate from it" : ""))) {
            return false;
        }
        files.clean(false);
        LOG.info("CA rollover: previous CA {} retired; the rollover is complete", r.previousPin());
        return true;
    }

    /** The CAs as they stand now: which issues, which are trusted, published, and follow the server certificate. */
    public synchronized Authorities authorities() throws IOException, SQLException {
        Optional<Rollover> r = record.read();
        CertificateAuthority issuer = load();
        if (r.isEmpty() || r.get().phase() == Rollover.Phase.REQUESTED) {
            if (r.isEmpty()) {
                files.clean(false);
            }
            return Authorities.single(issuer);
        }
        List<X509Certificate> links = Pem.readCertificates(files.linksFile());
        X509Certificate current = issuer.certificate();
        if (r.get().phase() == Rollover.Phase.STAGED) {
            X509Certificate next = Pem.readCertificates(files.nextCertificateFile()).get(0);
            return new Authorities(issuer, List.of(current, next), List.of(current, next, links.get(0), links.get(1)),
                    List.of(current));
        }
        X509Certificate previous = Pem.readCertificates(files.previousCertificateFile()).get(0);
        X509Certificate newWithOld = links.get(0);
        return new Authorities(issuer, List.of(current, previous), List.of(current, previous, newWithOld, links.get(1)),
                List.of(newWithOld, previous));
    }

    private CertificateAuthority load() throws IOException {
        return files.load(master, clock, random);
    }
}
