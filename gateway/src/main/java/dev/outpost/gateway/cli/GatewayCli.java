package dev.outpost.gateway.cli;

import dev.outpost.gateway.GatewayDir;
import dev.outpost.gateway.GatewayRuntime;
import dev.outpost.gateway.config.GatewayConfig;
import dev.outpost.wire.CaPin;
import dev.outpost.wire.cli.Args;
import dev.outpost.wire.cli.CommandRunner;
import dev.outpost.wire.cli.ExitCodes;
import dev.outpost.wire.config.ConfigException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@code outpost-gateway} command line: dispatches to the commands and maps failures to exit codes. */
public final class GatewayCli {
    static final String USAGE = """
            usage: outpost-gateway COMMAND [options]      (--dir defaults to $OUTPOST_GATEWAY_DIR or /var/lib/outpost-gateway)
              Every command but version and watch also takes --config FILE (default DIR/gateway.yaml): the state
              store and the CA are where its state section says.
              init --dir DIR [--hostname NAME ...] [--config FILE]
                                                       create the CA, server certificate, state and gateway.yaml
                                                       (with state.type postgresql: the CA in the shared database)
              serve --dir DIR [--config FILE]          serve EST (8443) and mTLS ingest (4318)
              check-config --dir DIR [--config FILE]   validate the configuration and exit (78 if invalid)
              token create --dir DIR --org ORG [--uses N] [--expires DURATION]
                                                       create an enrollment token (shown once)
              token list --dir DIR                     list tokens: id, org, uses left, expiry, last use, revocation
              token revoke --dir DIR ID | --org ORG --all
                                                       revoke one token, or every token of an org
              agent list --dir DIR                     list agents: id, org, host, status, certificate serial and expiry
              agent revoke --dir DIR AGENT | --org ORG --all
                                                       revoke an agent (its next request gets 403) or a whole org
              audit verify --dir DIR [--head HASH]     check the audit log's hash chain (and that a head recorded
                                                       earlier, all 64 hex digits, is still in it); exit 1 naming
                                                       the first bad entry
              audit list --dir DIR [--org ORG] [--agent ID] [--kind KIND] [--since TIME] [--until TIME]
                                                       print audit entries (TIME: 2026-11-22T10:00:00Z or 1h ago)
              ca status --dir DIR                      the issuing CA and where a CA rollover stands
              ca rollover --dir DIR [--switch-after DURATION]
                                                       stage a next CA, published beside the current one; switch to
                                                       it after DURATION (default: one agent certificate lifetime)
              ca switch | ca retire | ca abort --dir DIR
                                                       switch now; retire the previous CA now; discard a staged one
              watch --dir DIR [--refresh DURATION] [--once] [--redraw]
                                                       live table of the hosts whose metrics arrive
              pin --dir DIR                            print the CA pin (sha256:...)
              version                                  print the version""";
    private static final Logger LOG = LoggerFactory.getLogger("outpost.gateway");
    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> env;
    private final Clock clock;

    public GatewayCli(PrintStream out, PrintStream err, Map<String, String> env, Clock clock) {
        this.out = out;
        this.err = err;
        this.env = env;
        this.clock = clock;
    }

    /** Runs one command and returns its exit code; never throws. */
    public int run(String... args) {
        return new CommandRunner("outpost-gateway", USAGE, version(), out, err).run(args, (command, rest) -> switch (command) {
            case "init" -> new InitCommand(out, err, env, clock).run(rest);
            case "serve" -> serve(rest);
            case "check-config" -> checkConfig(rest);
            case "token" -> new TokenCommand(out, err, env, clock).run(rest);
            case "agent" -> new AgentCommand(out, err, env, clock).run(rest);
            case "audit" -> new AuditCommand(out, env, clock).run(rest);
            case "ca" -> new CaCommand(out, err, env, clock).run(rest);
            case "watch" -> new WatchCommand(out, env, clock).run(rest);
            case "pin" -> pin(rest);
            default -> throw CommandRunner.unknown(command);
        });
    }

    private int serve(List<String> argv) throws Exception {
        Args a = Args.parse(argv, Set.of("dir", "config"), Set.of());
        GatewayDir dir = GatewayDir.resolve(a.get("dir", null), env);
        GatewayConfig config = loadConfig(dir, a.get("config", null), env);
        Logging.setLevel(config.log().level());
        CountDownLatch stopped = new CountDownLatch(1);
        GatewayRuntime runtime = GatewayRuntime.start(dir, config, env, clock);
        Thread hook = new Thread(() -> {
            LOG.info("stopping (signal)");
            runtime.close();
            stopped.countDown();
        }, "gw-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        stopped.await();
        return ExitCodes.OK;
    }

    private int checkConfig(List<String> argv) throws Args.UsageException, ConfigException {
        Args a = Args.parse(argv, Set.of("dir", "config"), Set.of());
        GatewayDir dir = GatewayDir.resolve(a.get("dir", null), env);
        String option = a.get("config", null);
        GatewayConfig config = loadConfig(dir, option, env);
        Path file = option != null ? Path.of(option) : dir.config();
        out.println((Files.exists(file) ? file.toString() : "defaults (no " + file + ")") + ": configuration is "
                + "valid; sink " + config.sink().type().name().toLowerCase(java.util.Locale.ROOT));
        return ExitCodes.OK;
    }

    private int pin(List<String> argv) throws Args.UsageException, IOException, ConfigException,
            java.sql.SQLException {
        out.println(CaPin.of(StateDb.issuing(StateDb.Target.of(Args.parse(argv, StateDb.OPTIONS, Set.of()), env),
                clock)));
        return ExitCodes.OK;
    }

    /** The config: {@code --config FILE} if given (must exist), else {@code DIR/gateway.yaml} if present, else defaults. */
    static GatewayConfig loadConfig(GatewayDir dir, String option, Map<String, String> env) throws ConfigException {
        Path file = option != null ? Path.of(option) : dir.config();
        if (option == null && !Files.exists(file)) {
            return GatewayConfig.defaults(env);
        }
        return GatewayConfig.load(file, env);
    }

    static String version() {
        return dev.outpost.gateway.GatewayRuntime.version();
    }
}
