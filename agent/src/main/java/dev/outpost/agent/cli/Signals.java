package dev.outpost.agent.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Runs actions on Unix signals: SIGTERM and SIGINT stop the daemon cleanly (exit 0 rather than the JVM's 143),
 * SIGHUP reloads its configuration, as systemd's {@code ExecReload=kill -HUP $MAINPID} expects. Uses
 * {@code sun.misc.Signal} from jdk.unsupported: the JDK has no supported API for it.
 *
 * <p>A signal that was ignored when the JVM started (an agent started under {@code nohup}, or by a parent that
 * ignores it) stays ignored: the JVM will not take it over. That is said once, at start, rather than leaving a
 * {@code kill -HUP} to do nothing without a word.
 */
final class Signals {
    private static final Logger LOG = LoggerFactory.getLogger("agent");

    private Signals() {
    }

    /**
     * Returns false when the signal is ignored in this process and {@code action} will not run; logs that unless
     * {@code whatItDoes} is null (SIGINT: a shell ignores it for every background job).
     */
    static boolean on(String name, Runnable action, String whatItDoes) {
        SignalHandler before = Signal.handle(new Signal(name), signal -> action.run());
        if (before == SignalHandler.SIG_IGN && whatItDoes != null) {
            LOG.warn("SIG{} is ignored in this process (it was started with the signal ignored, as nohup does): "
                    + "it will not {}; start the agent without ignoring it (systemd does not)", name, whatItDoes);
        }
        return before != SignalHandler.SIG_IGN;
    }
}
