package dev.outpost.gateway;

import dev.outpost.gateway.ca.Authorities;
import dev.outpost.gateway.ca.CaSnapshot;
import dev.outpost.gateway.ca.CaStore;
import dev.outpost.gateway.ca.CertificateAuthority;
import dev.outpost.gateway.ca.MasterKey;
import dev.outpost.gateway.store.AuditEvent;
import dev.outpost.gateway.store.Rollover;
import dev.outpost.gateway.store.RolloverRecord;
import dev.outpost.wire.CaPin;
import java.io.IOException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out a CA rollover's steps as they fall due, and says which CAs issue, are trusted and are published at
 * each point (see {@link Authorities}). Stage: the next CA is generated and sealed beside the current one, with the
 * two link certificates. Switch (when the operator says, or {@code switch_after} after staging, by default one agent
 * certificate lifetime): the next CA issues, the current one is kept as the previous. Retire (when the operator says,
 * or once every certificate the previous CA issued is past its expiry plus the renewal grace): the previous CA and
 * the links go. Each step commits in the database with its audit entry; the CA material changes with it
 * ({@link CaStore}): in the same transaction when it is in the shared database, so that of several gateways exactly
 * one takes each step and every one picks it up at its next {@link #authorities()}; in files (one gateway) by
 * idempotent steps around the commit, redone at the next run after a crash. Only gateways run these steps (they hold
 * the master key); the CLI records intents.
 */
public final class CaRollover {
    private static final Logger LOG = LoggerFactory.getLogger("outpost.gateway.ca");
    /**
     * How often a postponed retirement is said again while it stays postponed (the steps are tried every second, on
     * every gateway): once when it is first postponed, then at most once per this interval, with the count then.
     */
    public static final Duration POSTPONED_REMINDER = Duration.ofHours(1);
    private final CaStore store;
    private final MasterKey master;
    private final RolloverRecord record;
    private final Clock clock;
    private final SecureRandom random;
    private final Duration validity;
    private final Duration grace;
    /** The previous CA whose planned retirement was last said to be postponed, and when. */
    private String postponedPin;
    private Instant postponedSaid;

    /** {@code validity}, {@code grace}: {@code ca.agent_cert_validity} and {@code ca.renewal_grace}. */
    public CaRollover(CaStore store, MasterKey master, RolloverRecord record, Duration validity, Duration grace,
            Clock clock, SecureRandom random) {
        this.store = Objects.requireNonNull(store, "store");
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
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS); // as stored: the log says what the record holds
        switch (r.phase()) {
            case REQUESTED -> {
                CertificateAuthority next = CaStore.newNext(clock, random);
                String pin = CaPin.of(next.certificate()).toString();
                Instant switchAt = now.plus(r.switchAfter());
                if (!store.stage(load(), next, master, change -> record.staged(pin, now, "next CA " + pin + " \""
                        + next.certificate().getSubjectX500Principal() + "\" staged, valid until "
                        + next.certificate().getNotAfter().toInstant() + "; published in cacerts beside the current one; "
                        + "switch planned at " + switchAt, change))) {
                    return false;
                }
                LOG.info("CA rollover: next CA {} staged and published in cacerts; switch planned at {}", pin, switchAt);
                return true;
            }
            case STAGED -> {
                if (!r.switchDue(now)) {
                    return false;
                }
                X509Certificate previous = store.snapshot().issuing();
                Instant retireAt = retireAt(now);
                String source = r.switchBy() == null ? AuditEvent.GATEWAY : AuditEvent.CLI;
                if (!store.switchToNext(change -> record.switched(retireAt, CaPin.of(previous).toString(), source,
                        "switched to CA " + r.nextPin() + ": it issues agent and server certificates from now on; "
                                + "previous CA " + CaPin.of(previous) + " still trusted until its retirement, planned at "
                                + retireAt, change))) {
                    return false;
                }
                LOG.info("CA rollover: switched to CA {}; the previous CA {} is trusted until {}", r.nextPin(),
                        CaPin.of(previous), retireAt);
                return true;
            }
            default -> {
                store.finishSwitch(); // a switch cut short by a crash; nothing to do otherwise
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
            if (!r.previousPin().equals(postponedPin) || !now.isBefore(postponedSaid.plus(POSTPONED_REMINDER))) {
                LOG.warn("CA rollover: retirement of CA {} postponed: {} agent certificates it issued are still valid "
                        + "or within the renewal grace ({} after the switch); said again hourly while it waits",
                        r.previousPin(), left, r.switchedAt());
                postponedPin = r.previousPin();
                postponedSaid = now;
            }
            return false;
        }
        String detail = "previous CA " + r.previousPin() + " retired: no longer trusted or published; rollover to "
                + CaPin.of(store.snapshot().issuing()) + " complete"
                + (left > 0 ? "; " + left + " agents still held a certificate from it" : "");
        if (!store.retirePrevious(change -> record.retired(planned ? AuditEvent.GATEWAY : AuditEvent.CLI, detail,
                change))) {
            return false;
        }
        LOG.info("CA rollover: previous CA {} retired; the rollover is complete", r.previousPin());
        return true;
    }

    /** The CAs as they stand now: which issues, which are trusted, published, and follow the server certificate. */
    public synchronized Authorities authorities() throws IOException, SQLException {
        Optional<Rollover> r = record.read();
        if (r.isEmpty() || r.get().phase() == Rollover.Phase.REQUESTED) {
            store.dropLeftovers();
        } else if (r.get().phase() == Rollover.Phase.SWITCHED) {
            store.finishSwitch();
        }
        CaSnapshot now = store.snapshot();
        return now.authorities(now.issuer(master, clock, random));
    }

    private CertificateAuthority load() throws IOException {
        return store.load(master, clock, random);
    }
}
