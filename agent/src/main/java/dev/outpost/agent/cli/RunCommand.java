package dev.outpost.agent.cli;

import dev.outpost.agent.AgentRuntime;
import dev.outpost.agent.StateLock;
import dev.outpost.agent.StatePermissions;
import dev.outpost.agent.config.AgentConfig;
import dev.outpost.agent.tls.Identity;
import dev.outpost.wire.PrivateFiles;
import dev.outpost.wire.cli.Args;
import dev.outpost.wire.cli.ExitCodes;
import dev.outpost.wire.config.ConfigException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code outpost-agent run}: the daemon. SIGTERM or SIGINT stops it cleanly with exit 0; SIGHUP reloads its config. */
final class RunCommand {
    private static final Logger LOG = LoggerFactory.getLogger("outpost.agent");
    private final PrintStream err;
    private final Map<String, String> env;
    private final Clock clock;

    RunCommand(PrintStream err, Map<String, String> env, Clock clock) {
        this.err = err;
        this.env = env;
        this.clock = clock;
    }

    int run(List<String> argv) throws Args.UsageException, ConfigException, InterruptedException {
        Args a = Args.parse(argv, Set.of("config"), Set.of());
        AgentConfig config = AgentConfig.loadIsolated(AgentCli.configPath(a), env);
        Logging.setLevel(config.log().level());
        if (!Files.isDirectory(config.stateDir())) {
            err.println("outpost-agent: not enrolled: " + config.stateDir() + " does not exist; run `outpost-agent "
                    + "enroll --server URL --ca-sha256 PIN --token-file FILE` first");
            return ExitCodes.CONFIG;
        }
        try {
            new StatePermissions(PrivateFiles.forThisProcess()).check(config.stateDir());
        } catch (IOException e) {
            err.println("outpost-agent: refusing to run: " + e.getMessage());
            return ExitCodes.CONFIG;
        }
        StateLock lock;
        try {
            lock = StateLock.acquire(config.stateDir());
        } catch (StateLock.HeldException e) {
            err.println("outpost-agent: " + e.getMessage());
            return ExitCodes.TEMPFAIL;
        } catch (AccessDeniedException e) {
            err.println("outpost-agent: cannot open " + e.getFile() + ": permission denied; the state directory must "
                    + "belong to the user the agent runs as (`chown -R " + System.getProperty("user.name") + ": "
                    + config.stateDir() + "`)");
            return ExitCodes.CONFIG;
        } catch (IOException e) {
            // A failing or read-only disk, not a setting: exit so that systemd tries again (it does not on 78).
            err.println("outpost-agent: cannot lock the state directory " + config.stateDir() + ": " + e.getMessage()
                    + "; check its file system (`df -h " + config.stateDir() + "`, `dmesg`)");
            return ExitCodes.TEMPFAIL;
        }
        try (lock) {
            Identity identity = Identity.load(config.stateDir());
            return run(a, config, identity);
        } catch (IOException e) {
            err.println("outpost-agent: " + e.getMessage());
            return ExitCodes.CONFIG;
        }
    }

    private int run(Args a, AgentConfig config, Identity identity) throws InterruptedException {
        AgentRuntime runtime;
        try {
            runtime = new AgentRuntime(config, identity, AgentCli.version(), clock);
        } catch (IOException e) {
            // The disk queue could not be read: a failing disk; systemd starts the agent again (75 is not 78).
            err.println("outpost-agent: cannot start: " + e.getMessage());
            return ExitCodes.TEMPFAIL;
        }
        CountDownLatch stop = new CountDownLatch(1);
        Signals.on("TERM", () -> {
            LOG.info("stopping (SIGTERM)");
            stop.countDown();
        }, "stop the agent cleanly");
        Signals.on("INT", () -> {
            LOG.info("stopping (SIGINT)");
            stop.countDown();
        }, null);
        Signals.on("HUP", () -> reload(runtime, AgentCli.configPath(a)), "reload the configuration");
        // The push loop ends by itself only when the gateway refuses this agent; a signal ends it too.
        runtime.start(stop::countDown);
        releaseConfigReader();
        stop.await();
        runtime.close();
        if (runtime.deniedReason() != null) {
            err.println("outpost-agent: the gateway refused this agent: " + runtime.deniedReason()
                    + "; collected data is kept on disk. If it was revoked, enroll again with a new token: `outpost-agent "
                    + "enroll --force ...`, or `install.sh --reenroll ...` where it was installed from a package.");
            return ExitCodes.CONFIG;
        }
        return ExitCodes.OK;
    }

    /**
     * One full GC, once the config is read: it unloads the config reader's throwaway class loader with Jackson and
     * SnakeYAML (see {@code IsolatedConfigLoad}); the small heap's GC would otherwise not unload them for hours.
     */
    private static void releaseConfigReader() {
        System.gc();
    }

    /** SIGHUP: a valid new configuration is applied; an invalid one is refused, logged, and the old one kept. */
    private void reload(AgentRuntime runtime, java.nio.file.Path file) {
        try {
            AgentConfig next = AgentConfig.loadIsolated(file, env);
            Logging.setLevel(next.log().level());
            runtime.reload(next);
            releaseConfigReader();
        } catch (ConfigException e) {
            LOG.error("configuration reload refused; the running configuration is kept:\n{}", e.getMessage());
        } catch (RuntimeException | LinkageError e) {
            // Runs on the signal's own thread: whatever escapes here would end it without a word in the log.
            LOG.error("configuration reload failed; the running configuration is kept", e);
        }
    }
}
