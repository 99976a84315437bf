package dev.outpost.gateway.cli;

import dev.outpost.gateway.GatewayDir;
import dev.outpost.gateway.config.GatewayConfig;
import dev.outpost.gateway.view.LiveView;
import dev.outpost.wire.Durations;
import dev.outpost.wire.cli.Args;
import dev.outpost.wire.cli.ExitCodes;
import dev.outpost.wire.config.ConfigException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code outpost-gateway watch}: a live table per host, read from the file sink. Ends with Ctrl-C. */
final class WatchCommand {
    private final PrintStream out;
    private final Map<String, String> env;
    private final Clock clock;

    WatchCommand(PrintStream out, Map<String, String> env, Clock clock) {
        this.out = out;
        this.env = env;
        this.clock = clock;
    }

    int run(List<String> argv) throws Args.UsageException, ConfigException, InterruptedException {
        Args a = Args.parse(argv, Set.of("dir", "config", "refresh"), Set.of("once"));
        GatewayDir dir = GatewayDir.resolve(a.get("dir", null), env);
        GatewayConfig config = GatewayCli.loadConfig(dir, a.get("config", null), env);
        Duration refresh;
        try {
            refresh = Durations.parse(a.get("refresh", "2s"));
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException("--refresh: " + e.getMessage());
        }
        if (refresh.toMillis() < 100) {
            throw new Args.UsageException("--refresh must be at least 100ms");
        }
        Path metrics = dir.root().resolve(config.sink().file().dir());
        if (a.flag("once")) {
            new LiveView(metrics, out, clock, false).renderOnce();
        } else {
            new LiveView(metrics, out, clock, System.console() != null).run(refresh, () -> false);
        }
        return ExitCodes.OK;
    }
}
