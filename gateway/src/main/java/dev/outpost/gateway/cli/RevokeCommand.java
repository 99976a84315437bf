package dev.outpost.gateway.cli;

import dev.outpost.gateway.store.Revocable;
import dev.outpost.wire.cli.Args;
import dev.outpost.wire.cli.ExitCodes;
import java.io.PrintStream;
import java.sql.SQLException;

/**
 * The shared shape of {@code token revoke} and {@code agent revoke}: one by its id ({@code NAME ID}) or every one
 * of an org ({@code --org ORG --all}), with the same messages and exit codes.
 */
final class RevokeCommand {
    private RevokeCommand() {
    }

    /** Rejects a command line that is neither one id nor {@code --org ORG --all}. */
    static boolean byOrg(Args a, String usage) throws Args.UsageException {
        boolean byOrg = a.get("org", null) != null || a.flag("all");
        if (byOrg ? !(a.flag("all") && a.positional().isEmpty()) : a.positional().size() != 1) {
            throw new Args.UsageException(usage);
        }
        return byOrg;
    }

    /**
     * Revokes what {@code a} names. {@code noun} is "token" or "agent", {@code shown} the id as operators see it,
     * {@code effect} what revocation means, said after the id.
     */
    static int run(Args a, boolean byOrg, Revocable target, String noun, String id, String shown, String effect,
            PrintStream out, PrintStream err) throws Args.UsageException, SQLException {
        if (byOrg) {
            String org = a.require("org");
            int n = target.revokeOrg(org);
            out.println("revoked " + n + " " + noun + (n == 1 ? "" : "s") + " of org \"" + org + "\"");
            return ExitCodes.OK;
        }
        if (!target.revoke(id)) {
            err.println("outpost-gateway: no " + noun + " " + shown + " that is not already revoked; see "
                    + "`outpost-gateway " + noun + " list`");
            return ExitCodes.FAILURE;
        }
        out.println("revoked " + noun + " " + shown + "; " + effect);
        return ExitCodes.OK;
    }
}
