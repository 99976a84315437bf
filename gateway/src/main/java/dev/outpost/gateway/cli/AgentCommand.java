package dev.outpost.gateway.cli;

import dev.outpost.wire.config.ConfigException;
import dev.outpost.gateway.store.AgentRegistry;
import dev.outpost.gateway.store.Database;
import dev.outpost.wire.cli.Args;
import dev.outpost.wire.cli.ExitCodes;
import java.io.IOException;
import java.io.PrintStream;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code outpost-gateway agent list|revoke}: the enrolled agents, and taking one or a whole org's away. */
final class AgentCommand {
    static final String USAGE = "usage: outpost-gateway agent list | agent revoke AGENT | agent revoke --org ORG --all"
            + "   (each with [--dir DIR] [--config FILE])";
    static final String FORMAT = "%-18s  %-16s  %-20s  %-7s  %-34s  %-24s  %s%n";
    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> env;
    private final Clock clock;

    AgentCommand(PrintStream out, PrintStream err, Map<String, String> env, Clock clock) {
        this.out = out;
        this.err = err;
        this.env = env;
        this.clock = clock;
    }

    int run(List<String> argv) throws Args.UsageException, IOException, SQLException, ConfigException {
        String sub = argv.isEmpty() ? "" : argv.get(0);
        List<String> rest = argv.isEmpty() ? argv : argv.subList(1, argv.size());
        return switch (sub) {
            case "list" -> list(Args.parse(rest, StateDb.OPTIONS, Set.of()));
            case "revoke" -> revoke(Args.parse(rest, StateDb.options("org"), Set.of("all")));
            default -> throw new Args.UsageException(USAGE);
        };
    }

    private int list(Args a) throws IOException, SQLException, ConfigException {
        try (Database db = StateDb.open(StateDb.Target.of(a, env))) {
            out.printf(FORMAT, "AGENT", "ORG", "HOST", "STATUS", "SERIAL", "CERT EXPIRES", "ENROLLED");
            for (AgentRegistry.Row r : new AgentRegistry(db, clock).list()) {
                out.printf(FORMAT, r.id(), r.org(), r.hostname(), r.status(), r.serial(), r.notAfter(), r.enrolledAt());
            }
        }
        return ExitCodes.OK;
    }

    private int revoke(Args a) throws Args.UsageException, IOException, SQLException, ConfigException {
        boolean byOrg = RevokeCommand.byOrg(a, USAGE);
        String id = byOrg ? null : a.positional().get(0);
        try (Database db = StateDb.open(StateDb.Target.of(a, env))) {
            return RevokeCommand.run(a, byOrg, new AgentRegistry(db, clock), "agent", id, id,
                    "its next request is refused and its open connections close", out, err);
        }
    }
}
