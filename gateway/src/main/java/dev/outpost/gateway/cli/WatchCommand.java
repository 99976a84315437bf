package dev.outpost.gateway.cli;

import dev.outpost.gateway.GatewayDir;
import dev.outpost.gateway.view.LiveFeed;
import dev.outpost.gateway.view.LiveView;
import dev.outpost.wire.Durations;
import dev.outpost.wire.SecureFiles;
import dev.outpost.wire.cli.Args;
import dev.outpost.wire.cli.ExitCodes;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code outpost-gateway watch}: a live view of the gateway's health and a table per host, whatever the sink. It
 * asks the running gateway for a feed by keeping a file {@code DIR/live/watch-<pid>} fresh (the gateway writes
 * {@code DIR/live/view.ndjson} every second while one exists: no network port), and removes it when it ends.
 * Ends with Ctrl-C within a fraction of a second.
 */
final class WatchCommand {
    /** How long {@code --once} waits for the gateway's first feed. */
    static final Duration ONCE_WAIT = Duration.ofSeconds(5);
    private final PrintStream out;
    private final Map<String, String> env;
    private final Clock clock;

    WatchCommand(PrintStream out, Map<String, String> env, Clock clock) {
        this.out = out;
        this.env = env;
        this.clock = clock;
    }

    int run(List<String> argv) throws Args.UsageException, InterruptedException, IOException {
        Args a = Args.parse(argv, Set.of("dir", "refresh"), Set.of("once", "redraw"));
        GatewayDir dir = GatewayDir.resolve(a.get("dir", null), env);
        Duration refresh;
        try {
            refresh = Durations.parse(a.get("refresh", "2s"));
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException("--refresh: " + e.getMessage());
        }
        if (refresh.toMillis() < 100) {
            throw new Args.UsageException("--refresh must be at least 100ms");
        }
        Path live = SecureFiles.directory(dir.root().resolve(LiveFeed.DIR), SecureFiles.PRIVATE_DIR);
        Path feed = live.resolve(LiveFeed.FEED);
        Path watcher = live.resolve(LiveFeed.WATCHER_PREFIX + ProcessHandle.current().pid());
        AtomicBoolean stop = new AtomicBoolean();
        Thread main = Thread.currentThread();
        Thread hook = new Thread(() -> {
            stop.set(true);
            try {
                main.join(1_000);
                Files.deleteIfExists(watcher);
            } catch (InterruptedException | IOException e) {
                // Ending anyway; the gateway forgets a watcher file that is no longer touched.
            }
        }, "watch-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            heartbeat(watcher);
            if (a.flag("once")) {
                awaitFeed(feed, ONCE_WAIT);
                new LiveView(feed, out, clock, false).renderOnce();
            } else {
                boolean redraw = a.flag("redraw") || System.console() != null;
                new LiveView(feed, out, clock, redraw).run(refresh, stop::get, () -> heartbeat(watcher));
            }
        } finally {
            Files.deleteIfExists(watcher);
            if (!stop.get()) {
                Runtime.getRuntime().removeShutdownHook(hook);
            }
        }
        return ExitCodes.OK;
    }

    /** Touches the watcher file, so the gateway keeps feeding this view. */
    private void heartbeat(Path watcher) {
        try {
            if (!Files.exists(watcher)) {
                SecureFiles.write(watcher, new byte[0], SecureFiles.OWNER_ONLY);
            }
            Files.setLastModifiedTime(watcher, FileTime.from(clock.instant()));
        } catch (IOException e) {
            out.println("watch: cannot write " + watcher + ": " + e.getMessage());
        }
    }

    /** Waits (bounded) until the feed was written after now, so that --once shows current figures. */
    private void awaitFeed(Path feed, Duration timeout) throws InterruptedException {
        long start = clock.millis();
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            try {
                if (Files.getLastModifiedTime(feed).toMillis() >= start) {
                    return;
                }
            } catch (IOException e) {
                // not written yet
            }
            Thread.sleep(100);
        }
    }
}
