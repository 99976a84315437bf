package dev.outpost.gateway.http;

import dev.outpost.gateway.ingest.LogLimiter;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;

/**
 * Caps the connections one listener holds, in all and per source address: a connection beyond either cap is
 * closed as soon as it is accepted, before the TLS handshake costs anything, and logged at most once a minute per
 * address. Shared by every connection of its listener; the per-address map holds only addresses with open
 * connections.
 */
@ChannelHandler.Sharable
public final class ConnectionLimits extends ChannelInboundHandlerAdapter {
    private final String listener;
    private final int max;
    private final int maxPerAddress;
    private final Logger log;
    private final LogLimiter logLimiter;
    private final AtomicInteger open = new AtomicInteger();
    private final Map<InetAddress, AtomicInteger> perAddress = new ConcurrentHashMap<>();

    public ConnectionLimits(String listener, int max, int maxPerAddress, Logger log, LogLimiter logLimiter) {
        if (max < 1 || maxPerAddress < 1) {
            throw new IllegalArgumentException("connection caps " + max + " and " + maxPerAddress
                    + " must be positive");
        }
        this.listener = listener;
        this.max = max;
        this.maxPerAddress = maxPerAddress;
        this.log = log;
        this.logLimiter = logLimiter;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        InetAddress address = ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
        int total = open.incrementAndGet();
        AtomicInteger mine = address == null ? null : perAddress.computeIfAbsent(address, k -> new AtomicInteger());
        int fromAddress = mine == null ? 0 : mine.incrementAndGet();
        ctx.channel().closeFuture().addListener(f -> release(address, mine));
        if (total > max || fromAddress > maxPerAddress) {
            String why = total > max ? "the listener holds its maximum of " + max + " connections"
                    : address.getHostAddress() + " holds its maximum of " + maxPerAddress + " connections";
            long suppressed = logLimiter.allow(listener + " cap " + (total > max ? "" : address.getHostAddress()));
            if (suppressed >= 0) {
                log.warn("{}: refused a connection from {}: {}{}", listener, address == null ? "?"
                        : address.getHostAddress(), why, suppressed > 0 ? " (" + suppressed
                                + " more refused in the last minute)" : "");
            }
            ctx.close();
            return;
        }
        super.channelActive(ctx);
    }

    private void release(InetAddress address, AtomicInteger mine) {
        open.decrementAndGet();
        if (mine != null && mine.decrementAndGet() <= 0) {
            perAddress.remove(address, mine);
        }
    }

    /** Connections open now. */
    public int open() {
        return open.get();
    }
}
