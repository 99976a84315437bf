package dev.outpost.agent.cli;

import sun.misc.Signal;

/**
 * Runs actions on Unix signals: SIGTERM and SIGINT stop the daemon cleanly (exit 0 rather than the JVM's 143),
 * SIGHUP reloads its configuration, as systemd's {@code ExecReload=kill -HUP $MAINPID} expects. Uses
 * {@code sun.misc.Signal} from jdk.unsupported: the JDK has no supported API for it.
 */
final class Signals {
    private Signals() {
    }

    static void on(String name, Runnable action) {
        Signal.handle(new Signal(name), signal -> action.run());
    }
}
