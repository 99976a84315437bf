package dev.outpost.gateway.cli;

import dev.outpost.wire.config.ConfigException;
import dev.outpost.gateway.store.AuditEvent;
import dev.outpost.gateway.store.AuditLog;
import dev.outpost.gateway.store.AuditVerifier;
import dev.outpost.gateway.store.Database;
import dev.outpost.wire.Durations;
import dev.outpost.wire.cli.Args;
import dev.outpost.wire.cli.ExitCodes;
import java.io.IOException;
import java.io.PrintStream;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** {@code outpost-gateway audit verify|list}: checks the hash chain of the audit log, or prints entries filtered. */
final class AuditCommand {
    static final String USAGE = "usage: outpost-gateway audit verify [--head HASH] "
            + "| audit list [--org ORG] [--agent ID] [--kind KIND] [--since TIME] [--until TIME]   "
            + "(each with [--dir DIR] [--config FILE])";
    private final PrintStream out;
    private final Map<String, String> env;
    private final Clock clock;

    AuditCommand(PrintStream out, Map<String, String> env, Clock clock) {
        this.out = out;
        this.env = env;
        this.clock = clock;
    }

    int run(List<String> argv) throws Args.UsageException, IOException, SQLException, ConfigException {
        String sub = argv.isEmpty() ? "" : argv.get(0);
        List<String> rest = argv.isEmpty() ? argv : argv.subList(1, argv.size());
        return switch (sub) {
            case "verify" -> verify(Args.parse(rest, StateDb.options("head"), Set.of()));
            case "list" -> list(Args.parse(rest, StateDb.options("org", "agent", "kind", "since", "until"), Set.of()));
            default -> throw new Args.UsageException(USAGE);
        };
    }

    private int verify(Args a) throws IOException, SQLException, ConfigException {
        try (Database db = open(a)) {
            AuditVerifier verifier = new AuditVerifier((after, hash) -> AuditLog.seqOfLaterHash(db, after, hash));
            Optional<String> problem = a.get("head", null) == null ? Optional.empty()
                    : verifier.expectHead(a.get("head", null));
            if (problem.isEmpty()) {
                AuditLog.scan(db, verifier::accept);
                problem = verifier.finish();
            }
            if (problem.isPresent()) {
                out.println(problem.get());
                return ExitCodes.FAILURE;
            }
            long n = verifier.count();
            out.println("audit log intact: " + n + (n == 1 ? " entry" : " entries")
                    + (n == 0 ? "" : ", head " + verifier.last().hashHex()));
            return ExitCodes.OK;
        }
    }

    private int list(Args a) throws Args.UsageException, IOException, SQLException, ConfigException {
        String org = a.get("org", null);
        String agent = a.get("agent", null);
        String kind = a.get("kind", null);
        if (kind != null && !AuditEvent.KINDS.contains(kind)) {
            throw new Args.UsageException("--kind \"" + kind + "\" is not an audit entry kind; use one of "
                    + String.join(", ", AuditEvent.KINDS));
        }
        Instant since = time(a, "since");
        Instant until = time(a, "until");
        try (Database db = open(a)) {
            AuditLog.scan(db, e -> {
                if ((org == null || org.equals(e.event().org())) && (agent == null || agent.equals(e.event().agent()))
                        && (kind == null || kind.equals(e.event().kind()))
                        && (since == null || !e.time().isBefore(since)) && (until == null || e.time().isBefore(until))) {
                    out.println(e.format());
                }
                return true;
            });
        }
        return ExitCodes.OK;
    }

    private Database open(Args a) throws IOException, SQLException, ConfigException {
        return StateDb.open(StateDb.Target.of(a, env));
    }

    /** An ISO-8601 instant ({@code 2026-11-22T10:00:00Z}) or a duration meaning that long ago ({@code 1h}). */
    private Instant time(Args a, String name) throws Args.UsageException {
        String v = a.get(name, null);
        if (v == null) {
            return null;
        }
        try {
            return Instant.parse(v);
        } catch (DateTimeParseException e) {
            try {
                return clock.instant().minus(Durations.parse(v));
            } catch (IllegalArgumentException e2) {
                throw new Args.UsageException("--" + name + " \"" + v + "\" is neither a time like "
                        + "2026-11-22T10:00:00Z nor a duration ago like 1h");
            }
        }
    }
}
