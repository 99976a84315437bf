package dev.outpost.agent.cli;

import dev.outpost.agent.config.AgentConfig;
import dev.outpost.wire.cli.Args;
import dev.outpost.wire.cli.CommandRunner;
import dev.outpost.wire.cli.ExitCodes;
import dev.outpost.wire.config.ConfigException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@code outpost-agent} command line: dispatches to the commands and maps failures to sysexits codes. */
public final class AgentCli {
    public static final Path DEFAULT_CONFIG = Path.of("/etc/outpost/agent.yaml");
    static final String USAGE = """
            usage: outpost-agent COMMAND [options]        (--config defaults to /etc/outpost/agent.yaml)
              enroll --server URL --ca-sha256 PIN --token-file FILE [--state-dir DIR] [--config FILE] [--force]
                                           enroll this host with a gateway (key generated here, never sent)
              run [--config FILE]          collect and push until stopped (SIGTERM)
              check-config [--config FILE] validate the configuration and exit (78 if invalid)
              status [--config FILE] [--json]
                                           show identity, certificate, last push and queue from the state file
              version                      print the version""";
    private static final Logger LOG = LoggerFactory.getLogger("outpost.agent");
    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> env;
    private final Clock clock;

    public AgentCli(PrintStream out, PrintStream err, Map<String, String> env, Clock clock) {
        this.out = out;
        this.err = err;
        this.env = env;
        this.clock = clock;
    }

    /** Runs one command and returns its exit code; never throws. */
    public int run(String... args) {
        return new CommandRunner("outpost-agent", USAGE, version(), out, err).run(args, (command, rest) -> switch (command) {
            case "enroll" -> new EnrollCommand(out, err, env, clock).run(rest);
            case "run" -> new RunCommand(err, env, clock).run(rest);
            case "check-config" -> checkConfig(rest);
            case "status" -> new StatusCommand(out, env, clock).run(rest);
            default -> throw CommandRunner.unknown(command);
        });
    }

    private int checkConfig(List<String> argv) throws Args.UsageException, ConfigException {
        Args a = Args.parse(argv, java.util.Set.of("config"), java.util.Set.of());
        Path file = configPath(a);
        AgentConfig.load(file, env);
        out.println(file + ": configuration is valid");
        return ExitCodes.OK;
    }

    static Path configPath(Args a) {
        return Path.of(a.get("config", DEFAULT_CONFIG.toString()));
    }

    static String version() {
        String v = AgentCli.class.getPackage().getImplementationVersion();
        return v == null ? "development build" : v;
    }
}
