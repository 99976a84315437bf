package dev.outpost.agent.cli;

import sun.misc.Signal;

/**
 * Runs an action on SIGHUP (configuration reload), the Unix convention daemons and systemd's
 * {@code ExecReload=kill -HUP $MAINPID} follow. Uses {@code sun.misc.Signal} from jdk.unsupported: the JDK has
 * no supported API for it.
 */
final class HangupReload {
    private HangupReload() {
    }

    static void install(Runnable action) {
        Signal.handle(new Signal("HUP"), signal -> action.run());
    }
}
