package dev.outpost.gateway;

import dev.outpost.gateway.ca.Authorities;
import dev.outpost.gateway.ca.CaSnapshot;
import dev.outpost.gateway.store.Rollover;
import dev.outpost.gateway.store.RolloverRecord;
import dev.outpost.wire.config.ConfigException;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CAs the running gateway uses at this moment. Every {@link #REFRESH} it takes the rollover steps that fell due
 * and reads the rollover record (which {@code outpost-gateway ca ...} changes); when either changed, it loads the
 * CAs anew and tells its listeners (the server certificate, the listeners' trust). Requests read {@link #get()}, so
 * a step takes effect for the next request without a restart.
 */
public final class LiveAuthorities implements Supplier<Authorities> {
    /** How often the rollover record is read; an operator's {@code ca} command takes effect within it. */
    public static final Duration REFRESH = Duration.ofSeconds(1);
    private static final Logger LOG = LoggerFactory.getLogger("outpost.gateway.ca");
    private final CaRollover rollover;
    private final RolloverRecord record;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private volatile Authorities current;
    private Optional<Rollover> seen;
    private boolean failing;

    private LiveAuthorities(CaRollover rollover, RolloverRecord record, Authorities current, Optional<Rollover> seen) {
        this.rollover = rollover;
        this.record = record;
        this.current = current;
        this.seen = seen;
    }

    /**
     * Takes the due steps and loads the CAs; a failure here stops the start (no CA to serve with).
     *
     * @throws ConfigException if the stored CA material is inconsistent: what is missing, and what to do
     */
    public static LiveAuthorities load(CaRollover rollover, RolloverRecord record) throws IOException,
            ConfigException {
        Objects.requireNonNull(rollover, "rollover");
        try {
            rollover.advance();
            Optional<Rollover> seen = record.read();
            return new LiveAuthorities(rollover, Objects.requireNonNull(record, "record"), rollover.authorities(), seen);
        } catch (CaSnapshot.InconsistentException e) {
            throw new ConfigException(List.of(e.getMessage()));
        } catch (SQLException e) {
            throw new IOException("cannot read the CA rollover from the state database: " + e.getMessage(), e);
        }
    }

    @Override
    public Authorities get() {
        return current;
    }

    /** Runs {@code listener} after every change of {@link #get()}. */
    public void onChange(Runnable listener) {
        listeners.add(listener);
    }

    /**
     * Takes due steps and picks up changes. Never throws, so that it can run on a schedule: a failure is logged (once
     * until it recovers) and the CAs in use stay as they were.
     *
     * @return whether the CAs in use changed
     */
    public synchronized boolean refresh() {
        try {
            boolean stepped = rollover.advance();
            Optional<Rollover> now = record.read();
            if (failing) {
                LOG.info("CA rollover: the state can be read again");
                failing = false;
            }
            if (!stepped && now.equals(seen)) {
                return false;
            }
            current = rollover.authorities();
            seen = now;
        } catch (IOException | SQLException | RuntimeException e) {
            if (!failing) {
                LOG.error("CA rollover: cannot take the next step or read the CAs ({}); serving with the CAs in use "
                        + "and retrying every {} s", e.getMessage(), REFRESH.toSeconds(),
                        e instanceof CaSnapshot.InconsistentException ? null : e);
                failing = true;
            }
            return false;
        }
        listeners.forEach(Runnable::run);
        return true;
    }
}
