package dev.outpost.gateway.http;

import io.netty.channel.Channel;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * When a listener accepts: not while {@code maxHandshakes} of its TLS handshakes have CPU work waiting or running on
 * the handshake threads, and not for a second after an accept failed ({@link AcceptErrors}). A handshake costs far
 * more CPU than a request on an established connection (a signature, the client's certificate path and signature
 * checked), and a fleet reconnects in storms (a gateway restart, a network cut, a wave of refusals): past the bound,
 * new connections wait in the kernel's accept queue and then in the clients' SYN retries, costing nothing, instead of
 * each adding work that the handshakes already queued would make time out half done. Accepting resumes as that work
 * is done. Only work counts, not connections: a client that connects and sends nothing, or stops half way through
 * its handshake, holds no place (its handshake deadline closes it), so a few silent sockets cannot stop accepting.
 */
final class AcceptGate {
    private final int maxHandshakes;
    private final AtomicInteger pending = new AtomicInteger();
    private volatile Channel server;
    /** Touched on the listening channel's event loop only. */
    private boolean errorPause;

    AcceptGate(int maxHandshakes) {
        if (maxHandshakes < 1) {
            throw new IllegalArgumentException("maxHandshakes " + maxHandshakes + " must be positive");
        }
        this.maxHandshakes = maxHandshakes;
    }

    /** The listening channel, once bound. */
    void bound(Channel listening) {
        this.server = listening;
        update();
    }

    /** Handshake tasks of this listener waiting or running now. */
    int handshakes() {
        return pending.get();
    }

    /** On the listening channel's event loop: an accept failed, pause for a second. */
    void acceptFailed(Channel listening) {
        if (!errorPause) {
            errorPause = true;
            apply(listening);
            listening.eventLoop().schedule(() -> {
                errorPause = false;
                apply(listening);
            }, 1, TimeUnit.SECONDS);
        }
    }

    /** {@code tasks}, counting this listener's handshake work while it waits or runs. */
    Executor counting(Executor tasks) {
        return task -> {
            started();
            try {
                tasks.execute(() -> {
                    try {
                        task.run();
                    } finally {
                        ended();
                    }
                });
            } catch (RuntimeException e) {
                ended();
                throw e;
            }
        };
    }

    private void started() {
        if (pending.incrementAndGet() >= maxHandshakes) {
            update();
        }
    }

    private void ended() {
        if (pending.getAndDecrement() >= maxHandshakes) {
            update();
        }
    }

    private void update() {
        Channel s = server;
        if (s != null) {
            s.eventLoop().execute(() -> apply(s));
        }
    }

    private void apply(Channel listening) {
        boolean accept = !errorPause && pending.get() < maxHandshakes;
        if (listening.config().isAutoRead() != accept) {
            listening.config().setAutoRead(accept);
        }
    }
}
