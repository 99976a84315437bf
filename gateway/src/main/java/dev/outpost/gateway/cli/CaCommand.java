package dev.outpost.gateway.cli;

import dev.outpost.gateway.ca.CaSnapshot;
import dev.outpost.gateway.ca.CaStore;
import dev.outpost.gateway.config.GatewayConfig;
import dev.outpost.gateway.store.Database;
import dev.outpost.gateway.store.Rollover;
import dev.outpost.gateway.store.RolloverRecord;
import dev.outpost.wire.CaPin;
import dev.outpost.wire.Durations;
import dev.outpost.wire.cli.Args;
import dev.outpost.wire.cli.ExitCodes;
import dev.outpost.wire.config.ConfigException;
import java.io.IOException;
import java.io.PrintStream;
import java.security.cert.X509Certificate;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * {@code outpost-gateway ca status|rollover|switch|retire|abort}: where a CA rollover stands, and the operator's
 * intents. The command records the intent in the state database; the running gateway, which holds the master key,
 * carries it out within a second, and the command waits for that ({@code --wait}, 15 s by default) and says so.
 */
final class CaCommand {
    static final String USAGE = "usage: outpost-gateway ca status | ca rollover [--switch-after DURATION] | ca switch "
            + "| ca retire | ca abort   (each with [--dir DIR] [--config FILE] [--wait DURATION])";
    static final Duration DEFAULT_WAIT = Duration.ofSeconds(15);
    private static final Duration POLL = Duration.ofMillis(200);
    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> env;
    private final Clock clock;

    CaCommand(PrintStream out, PrintStream err, Map<String, String> env, Clock clock) {
        this.out = out;
        this.err = err;
        this.env = env;
        this.clock = clock;
    }

    int run(List<String> argv) throws Args.UsageException, IOException, SQLException, ConfigException,
            InterruptedException {
        String sub = argv.isEmpty() ? "" : argv.get(0);
        if (argv.contains("--help") || argv.contains("-h")) {
            out.println(USAGE);
            return ExitCodes.OK;
        }
        if (!Set.of("status", "rollover", "switch", "retire", "abort").contains(sub)) {
            throw new Args.UsageException(USAGE);
        }
        Args a = Args.parse(argv.subList(1, argv.size()), StateDb.options("wait", "switch-after"), Set.of());
        if (!a.positional().isEmpty() || (a.get("switch-after", null) != null && !sub.equals("rollover"))) {
            throw new Args.UsageException(USAGE);
        }
        StateDb.Target target = StateDb.Target.of(a, env);
        GatewayConfig config = target.config();
        Duration wait = duration(a, "wait", DEFAULT_WAIT, Duration.ofHours(1));
        try (Database db = StateDb.open(target)) {
            RolloverRecord record = new RolloverRecord(db, clock);
            CaStore store = StateDb.ca(target, db, clock);
            return switch (sub) {
                case "status" -> status(store, config, record);
                case "rollover" -> rollover(a, store, config, record, wait);
                case "switch" -> record.switchNow()
                        ? awaitStep(store, config, record, wait, r -> r.isPresent() && r.get().phase() == Rollover.Phase.SWITCHED,
                                "switch requested")
                        : refuse("nothing to switch: no CA rollover is requested or staged (see `outpost-gateway ca status`)");
                case "retire" -> record.retireNow()
                        ? awaitStep(store, config, record, wait, Optional::isEmpty, "retirement of the previous CA requested")
                        : refuse("nothing to retire: no CA rollover has switched (see `outpost-gateway ca status`)");
                default -> abort(record, store);
            };
        }
    }

    private int rollover(Args a, CaStore store, GatewayConfig config, RolloverRecord record, Duration wait)
            throws Args.UsageException, IOException, SQLException, InterruptedException {
        Duration after = duration(a, "switch-after", config.ca().agentCertValidity(), Duration.ofDays(365));
        if (!record.request(after)) {
            return refuse("a CA rollover is already under way (phase " + record.read().map(r -> r.phase().text())
                    .orElse("?") + "); see `outpost-gateway ca status`, or `ca abort` before it switches");
        }
        out.println("CA rollover requested: the gateway stages a next CA (a new key, sealed like the current one) and "
                + "publishes it in cacerts beside the current one; agents fetch it at their next renewal. It switches "
                + Durations.format(after) + " after staging (`ca switch` to switch earlier) and retires the current CA "
                + "once every certificate it issued has expired and the renewal grace (" + Durations.format(
                config.ca().renewalGrace()) + ") has passed (`ca retire` to retire earlier).");
        return awaitStep(store, config, record, wait, r -> r.isPresent() && r.get().phase() != Rollover.Phase.REQUESTED,
                "rollover requested");
    }

    private int abort(RolloverRecord record, CaStore store) throws SQLException {
        Optional<Rollover> aborted = record.abort(store.discardNext());
        if (aborted.isEmpty()) {
            return refuse("nothing to abort: no CA rollover is requested or staged (after the switch a rollover is "
                    + "finished with `ca retire`, not undone)");
        }
        out.println("CA rollover aborted" + (aborted.get().nextPin() == null ? "" : ": the next CA "
                + aborted.get().nextPin() + " is no longer published, and agents drop it at their next renewal"));
        return ExitCodes.OK;
    }

    /** Waits (bounded by {@code wait}) until the gateway has taken the step, then prints the status. */
    private int awaitStep(CaStore store, GatewayConfig config, RolloverRecord record, Duration wait,
            Predicate<Optional<Rollover>> done, String what) throws IOException, SQLException, InterruptedException {
        long end = System.nanoTime() + wait.toNanos();
        boolean reached = done.test(record.read());
        while (!reached && System.nanoTime() < end) {
            Thread.sleep(POLL.toMillis());
            reached = done.test(record.read());
        }
        if (!reached) {
            out.println(what + "; the gateway has not carried it out yet" + (wait.isZero() ? "" : " (within "
                    + Durations.format(wait) + "; is it running?)") + ": it does within a second of running; "
                    + "`outpost-gateway ca status` shows when");
        }
        return status(store, config, record);
    }

    private int status(CaStore store, GatewayConfig config, RolloverRecord record) throws IOException, SQLException {
        Optional<Rollover> r = record.read();
        CaSnapshot cas = store.snapshot();
        boolean promoting = r.isPresent() && r.get().phase() == Rollover.Phase.SWITCHED && cas.next() != null;
        out.println("issuing CA:  " + describe(promoting ? cas.next() : cas.issuing()));
        if (r.isEmpty()) {
            out.println("rollover:    none (`outpost-gateway ca rollover` starts one)");
            return ExitCodes.OK;
        }
        Rollover x = r.get();
        switch (x.phase()) {
            case REQUESTED -> out.println("rollover:    requested at " + x.requestedAt() + "; the running gateway "
                    + "stages the next CA within a second, then switches " + Durations.format(x.switchAfter()) + " later");
            case STAGED -> {
                out.println("next CA:     " + (cas.next() != null ? describe(cas.next()) : x.nextPin()));
                out.println("rollover:    staged at " + x.stagedAt() + ": cacerts holds both CAs and agents fetch them "
                        + "at their renewal; switch " + (x.switchBy() == null ? "planned" : "requested") + " at "
                        + x.switchAt() + " (`ca switch` to switch now, `ca abort` to discard the next CA)");
            }
            default -> {
                out.println("previous CA: " + (cas.previous() != null ? describe(cas.previous()) : x.previousPin()));
                int left = record.agentsIssuedBefore(x.switchedAt(), clock.instant().minus(config.ca().renewalGrace()));
                out.println("rollover:    switched at " + x.switchedAt() + ": new agent and server certificates come "
                        + "from the issuing CA; the previous one is still trusted; " + left + " active "
                        + (left == 1 ? "agent holds" : "agents hold") + " a certificate from it (valid or within the "
                        + "renewal grace); retirement " + (x.retireBy() == null ? "planned" : "requested") + " at "
                        + x.retireAt() + " (`ca retire` to retire now)");
            }
        }
        return ExitCodes.OK;
    }

    private static String describe(X509Certificate c) {
        return CaPin.of(c) + " \"" + c.getSubjectX500Principal().getName() + "\" valid until "
                + c.getNotAfter().toInstant();
    }

    private int refuse(String message) {
        err.println("outpost-gateway: " + message);
        return ExitCodes.FAILURE;
    }

    private static Duration duration(Args a, String name, Duration fallback, Duration max) throws Args.UsageException {
        String v = a.get(name, null);
        if (v == null) {
            return fallback;
        }
        try {
            Duration d = Durations.parse(v);
            if (d.isNegative() || d.compareTo(max) > 0) {
                throw new IllegalArgumentException("\"" + v + "\" is out of range; use 0 to " + Durations.format(max));
            }
            return d;
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException("--" + name + ": " + e.getMessage());
        }
    }
}
