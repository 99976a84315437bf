package dev.outpost.gateway.cli;

import dev.outpost.gateway.config.GatewayConfig;
import dev.outpost.gateway.store.Database;
import dev.outpost.gateway.store.Enrollments;
import dev.outpost.gateway.store.TokenAdmin;
import dev.outpost.wire.CaPin;
import dev.outpost.wire.Durations;
import dev.outpost.wire.EnrollmentToken;
import dev.outpost.wire.WireNames;
import dev.outpost.wire.cli.Args;
import dev.outpost.wire.cli.ExitCodes;
import dev.outpost.wire.config.ConfigException;
import java.io.IOException;
import java.io.PrintStream;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code outpost-gateway token create|list|revoke}: prints a new token once, with the exact enroll command line;
 * lists tokens (never their secret); revokes one or all of an org's.
 */
final class TokenCommand {
    static final String USAGE = "usage: outpost-gateway token create --org ORG [--uses N] [--expires DURATION] "
            + "| token list | token revoke ID | token revoke --org ORG --all   (each with [--dir DIR] [--config FILE])";
    static final String FORMAT = "%-16s  %-16s  %9s  %-24s  %-24s  %s%n";
    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> env;
    private final Clock clock;

    TokenCommand(PrintStream out, PrintStream err, Map<String, String> env, Clock clock) {
        this.out = out;
        this.err = err;
        this.env = env;
        this.clock = clock;
    }

    int run(List<String> argv) throws Args.UsageException, IOException, SQLException, ConfigException {
        String sub = argv.isEmpty() ? "" : argv.get(0);
        List<String> rest = argv.isEmpty() ? argv : argv.subList(1, argv.size());
        return switch (sub) {
            case "create" -> create(rest);
            case "list" -> list(Args.parse(rest, StateDb.OPTIONS, Set.of()));
            case "revoke" -> revoke(Args.parse(rest, StateDb.options("org"), Set.of("all")));
            default -> throw new Args.UsageException(USAGE);
        };
    }

    private int list(Args a) throws IOException, SQLException, ConfigException {
        try (Database db = StateDb.open(StateDb.Target.of(a, env))) {
            out.printf(FORMAT, "TOKEN", "ORG", "USES LEFT", "EXPIRES", "LAST USED", "REVOKED");
            for (TokenAdmin.Row r : new TokenAdmin(db, clock).list()) {
                out.printf(FORMAT, "opt_" + r.id(), r.org(), r.usesLeft() + "/" + r.maxUses(), r.expiresAt(),
                        StateDb.cell(r.lastUsedAt()), StateDb.cell(r.revokedAt()));
            }
        }
        return ExitCodes.OK;
    }

    private int revoke(Args a) throws Args.UsageException, IOException, SQLException, ConfigException {
        boolean byOrg = RevokeCommand.byOrg(a, USAGE);
        String id = byOrg ? null : tokenId(a.positional().get(0));
        try (Database db = StateDb.open(StateDb.Target.of(a, env))) {
            return RevokeCommand.run(a, byOrg, new TokenAdmin(db, clock), "token", id, "opt_" + id,
                    "it can enroll no more hosts", out, err);
        }
    }

    /** The id from {@code ID}, {@code opt_ID} or a whole token (whose secret is then ignored, never echoed). */
    private static String tokenId(String arg) throws Args.UsageException {
        String s = arg.startsWith("opt_") ? arg.substring(4) : arg;
        s = s.length() > 12 && s.charAt(12) == '_' ? s.substring(0, 12) : s;
        if (!EnrollmentToken.isId(s)) {
            throw new Args.UsageException("a token id is 12 hex digits, e.g. opt_3f9a0c1b2d4e; see "
                    + "`outpost-gateway token list`");
        }
        return s;
    }

    private int create(List<String> argv) throws Args.UsageException, IOException, SQLException, ConfigException {
        Args a = Args.parse(argv, StateDb.options("org", "uses", "expires"), Set.of());
        StateDb.Target target = StateDb.Target.of(a, env);
        GatewayConfig config = target.config();
        String org = a.require("org");
        int uses = a.intValue("uses", config.tokens().defaultUses(), 1, Enrollments.MAX_USES);
        Duration expires = config.tokens().defaultExpiry();
        if (a.get("expires", null) != null) {
            try {
                expires = Durations.parse(a.get("expires", null));
            } catch (IllegalArgumentException e) {
                throw new Args.UsageException("--expires: " + e.getMessage());
            }
        }
        EnrollmentToken token;
        java.security.cert.X509Certificate caCert;
        try (Database db = StateDb.open(target)) {
            caCert = StateDb.ca(target, db, clock).snapshot().issuing();
            Enrollments enrollments = new Enrollments(db, StateDb.pepper(target, env, db, clock), clock,
                    new SecureRandom());
            try {
                token = enrollments.createToken(org, uses, expires);
            } catch (IllegalArgumentException e) {
                throw new Args.UsageException(e.getMessage());
            }
        }
        String pin = CaPin.of(caCert).toString();
        String server = "https://" + config.serverCert().hostnames().get(0) + ":" + estPort(config);
        out.println("Created enrollment token " + token + " for org \"" + org + "\": " + uses
                + (uses == 1 ? " use" : " uses") + ", expires " + clock.instant().plus(expires) + ".");
        out.println("The secret is shown only now; the gateway keeps an HMAC of it.");
        out.println();
        out.println("token: " + token.reveal());
        out.println("ca pin: " + pin);
        out.println("server: " + server);
        out.println();
        out.println("Enroll a host (the token file must be readable by the agent only):");
        out.println("  install -m 600 /dev/null /etc/outpost/enrollment-token");
        out.println("  echo '" + token.reveal() + "' > /etc/outpost/enrollment-token");
        out.println("  outpost-agent enroll --server " + server + " --ca-sha256 " + pin
                + " --token-file /etc/outpost/enrollment-token");
        out.println();
        out.println("Other EST clients (RFC 7030): " + server + WireNames.EST_BASE + " with HTTP Basic user "
                + WireNames.TOKEN_PREFIX + token.id() + " (or " + token.id() + ") and password " + token.secret()
                + "; check the CA of cacerts against the pin.");
        return ExitCodes.OK;
    }

    private static int estPort(GatewayConfig config) {
        int port = config.est().listen().getPort();
        return port == 0 ? WireNames.EST_PORT : port;
    }
}
