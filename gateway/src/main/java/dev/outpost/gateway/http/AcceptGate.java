package dev.outpost.gateway.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * When a listener accepts: not while {@code maxHandshakes} TLS handshakes are in progress on it, and not for a second
 * after an accept failed ({@link AcceptErrors}). A handshake costs far more CPU than a request on an established
 * connection (a signature, the client's certificate path and signature checked), and a fleet reconnects in storms
 * (a gateway restart, a network cut, a wave of refusals): past the bound, new connections wait in the kernel's
 * accept queue and then in the clients' SYN retries, costing nothing, instead of each starting a handshake that
 * would starve the agents already sending batches and time out half done. Accepting resumes as handshakes end.
 * Which thread does the handshakes' work is {@link HttpsListener.Settings#handshakeTasks()}.
 */
final class AcceptGate {
    private final int maxHandshakes;
    private final AtomicInteger handshakes = new AtomicInteger();
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

    /** Handshakes in progress now. */
    int handshakes() {
        return handshakes.get();
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

    /** A handler that counts its connection's handshake from the connection's start to its end; after the TLS one. */
    ChannelInboundHandlerAdapter tracker() {
        return new Tracker();
    }

    private void started() {
        if (handshakes.incrementAndGet() >= maxHandshakes) {
            update();
        }
    }

    private void ended() {
        if (handshakes.getAndDecrement() >= maxHandshakes) {
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
        boolean accept = !errorPause && handshakes.get() < maxHandshakes;
        if (listening.config().isAutoRead() != accept) {
            listening.config().setAutoRead(accept);
        }
    }

    private final class Tracker extends ChannelInboundHandlerAdapter {
        private boolean counted;

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            counted = true;
            started();
            super.channelActive(ctx);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            super.userEventTriggered(ctx, evt);
            if (evt instanceof SslHandshakeCompletionEvent) {
                end();
                ctx.pipeline().remove(this);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            end();
            super.channelInactive(ctx);
        }

        private void end() {
            if (counted) {
                counted = false;
                ended();
            }
        }
    }
}
