package dev.outpost.agent.cli;

import dev.outpost.agent.StateLock;
import dev.outpost.agent.config.AgentConfig;
import dev.outpost.agent.enroll.Enroller;
import dev.outpost.agent.enroll.EstClient;
import dev.outpost.agent.tls.Credentials;
import dev.outpost.agent.tls.HostnameMismatchException;
import dev.outpost.wire.CaPin;
import dev.outpost.wire.EnrollmentToken;
import dev.outpost.wire.cli.Args;
import dev.outpost.wire.cli.ExitCodes;
import dev.outpost.wire.config.ConfigException;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code outpost-agent enroll}: first contact with a gateway. Idempotent: a host that is enrolled says so and
 * exits 0 unless {@code --force}.
 */
final class EnrollCommand {
    /** The systemd credential name of the token ({@code LoadCredential=enrollment-token:...}). */
    static final String TOKEN_CREDENTIAL = "enrollment-token";
    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> env;
    private final Clock clock;

    EnrollCommand(PrintStream out, PrintStream err, Map<String, String> env, Clock clock) {
        this.out = out;
        this.err = err;
        this.env = env;
        this.clock = clock;
    }

    int run(List<String> argv) throws Args.UsageException, ConfigException, IOException {
        Args a = Args.parse(argv, Set.of("server", "ca-sha256", "token-file", "state-dir", "config"), Set.of("force"));
        Path configFile = AgentCli.configPath(a);
        AgentConfig config = Files.exists(configFile) || a.get("config", null) != null
                ? AgentConfig.load(configFile, env) : null;
        Path stateDir = Path.of(a.get("state-dir", config != null ? config.stateDir().toString()
                : AgentConfig.DEFAULT_STATE_DIR.toString()));
        if (Credentials.present(stateDir) && !a.flag("force")) {
            Credentials c = Credentials.load(stateDir);
            String when = c.notAfter().isAfter(clock.instant()) ? "valid until " : "EXPIRED at ";
            out.println("already enrolled as " + c.agentId() + " (org " + c.org() + "), certificate " + when
                    + c.notAfter() + "; nothing to do (use --force to enroll again with a new key)");
            return ExitCodes.OK;
        }
        String serverText = a.get("server", config != null ? config.server().toString() : null);
        if (serverText == null) {
            throw new Args.UsageException("option --server is required (or set server: in " + configFile + ")");
        }
        URI server = parseServer(serverText);
        CaPin pin;
        try {
            pin = CaPin.parse(a.require("ca-sha256"));
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException("--ca-sha256: " + e.getMessage());
        }
        EnrollmentToken token = readToken(a);
        try (StateLock lock = Files.isDirectory(stateDir) ? StateLock.acquire(stateDir) : null) {
            return enroll(server, pin, token, stateDir);
        } catch (StateLock.HeldException e) {
            err.println("outpost-agent: cannot enroll now: " + e.getMessage());
            return ExitCodes.TEMPFAIL;
        }
    }

    private int enroll(URI server, CaPin pin, EnrollmentToken token, Path stateDir) {
        try {
            Credentials c = new Enroller(new SecureRandom(), Duration.ofSeconds(15))
                    .enroll(server, pin, token, hostname());
            c.store(stateDir);
            out.println("enrolled as " + c.agentId() + " (org " + c.org() + "); certificate valid until "
                    + c.notAfter() + "; key, certificate and CA bundle in " + stateDir);
            return ExitCodes.OK;
        } catch (EstClient.RefusedException e) {
            err.println("outpost-agent: enrollment refused: " + e.getMessage());
            return e.status() == 401 || e.status() == 403 ? ExitCodes.NOPERM : ExitCodes.UNAVAILABLE;
        } catch (IOException e) {
            if (wrongName(e)) {
                err.println("outpost-agent: enrollment refused: " + e.getMessage());
                return ExitCodes.NOPERM;
            }
            err.println("outpost-agent: enrollment failed: " + e.getMessage());
            return e.getMessage() != null && e.getMessage().contains("pin") ? ExitCodes.NOPERM : ExitCodes.UNAVAILABLE;
        }
    }

    /** Whether the gateway's certificate was for other names: retrying cannot help, so it is a refusal (77). */
    private static boolean wrongName(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof HostnameMismatchException) {
                return true;
            }
        }
        return false;
    }

    private EnrollmentToken readToken(Args a) throws Args.UsageException, IOException {
        String option = a.get("token-file", null);
        Path file;
        if (option != null) {
            file = Path.of(option);
        } else if (env.get("CREDENTIALS_DIRECTORY") != null) {
            file = Path.of(env.get("CREDENTIALS_DIRECTORY"), TOKEN_CREDENTIAL);
        } else {
            throw new Args.UsageException("option --token-file is required (or run under systemd with "
                    + "LoadCredential=" + TOKEN_CREDENTIAL + ":FILE)");
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IOException("token file " + file + " does not exist; write the token printed by "
                    + "`outpost-gateway token create` into it (mode 0600)", null);
        }
        try {
            return EnrollmentToken.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IOException("token file " + file + ": " + e.getMessage(), null);
        }
    }

    private static URI parseServer(String text) throws Args.UsageException {
        try {
            URI u = new URI(text.strip());
            if (!"https".equals(u.getScheme()) || u.getHost() == null) {
                throw new Args.UsageException("--server \"" + text + "\" must be an https:// URL, "
                        + "e.g. https://gateway.example.com:8443");
            }
            return u;
        } catch (java.net.URISyntaxException e) {
            throw new Args.UsageException("--server \"" + text + "\" is not a URL, e.g. https://gateway.example.com:8443");
        }
    }

    private static String hostname() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
