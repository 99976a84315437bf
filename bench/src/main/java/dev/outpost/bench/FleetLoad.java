package dev.outpost.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One open-loop run against one server: every agent holds one keep-alive mTLS connection (its own certificate),
 * all on one Netty event loop; batch n of the run is due at {@code start + n / rate} and goes to agent
 * {@code n mod K}, so each agent sends once per {@code K / rate} seconds. Latency is measured from the time a batch
 * was due, not from when it could be sent, so a server that falls behind shows it (no coordinated omission).
 * Requests on one connection are pipelined when the previous answer is late, as an agent with batches in flight.
 * As an agent does, a batch answered 503 or 429 is sent again (same key) after the answer's {@code Retry-After}, a
 * batch sent on a connection that was lost is sent again on the next one, and a lost connection is made again after
 * a jittered backoff (1 s, doubling to 16 s), as often as it takes: each such event counts as an error, and the
 * batch's latency, once it is stored, still counts from when it was first due.
 */
final class FleetLoad {
    /** What one run measured. */
    record Result(String target, int connected, double connectSeconds, long offered, long stored, double seconds,
            long[] latenciesNanos, Map<String, Long> errors, double cpuMs, long rssKib, boolean serverAlive) {
        double achieved() {
            return stored / seconds;
        }

        double percentileMs(double p) {
            if (latenciesNanos.length == 0) {
                return Double.NaN;
            }
            int i = (int) Math.ceil(p * latenciesNanos.length) - 1;
            return latenciesNanos[Math.max(0, Math.min(latenciesNanos.length - 1, i))] / 1e6;
        }

        long errorCount() {
            return errors.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private final class Conn {
        final int agent;
        final String keyPrefix;
        /** Sent and not answered yet: {due, seq}. */
        final ArrayDeque<long[]> waiting = new ArrayDeque<>();
        /** Due but not sent yet (no connection, or a Retry-After to wait out), oldest first: {due, seq}. */
        final ArrayDeque<long[]> backlog = new ArrayDeque<>();
        Channel channel;
        boolean ready;
        boolean reconnecting;
        int failures;
        long pausedUntil;
        long seq;

        Conn(int agent, long firstSeq) {
            this.agent = agent;
            this.keyPrefix = agents.get(agent).id() + ":";
            this.seq = firstSeq;
        }
    }

    private final String target;
    private final InetSocketAddress address;
    private final String path;
    private final List<FleetAgents.Agent> agents;
    private final ByteBuf body;
    private final EventLoop loop;
    private final AgentTls agentTls;
    private final Conn[] conns;
    private final Map<String, Long> errors = new TreeMap<>();
    private long[] latencies = new long[1024];
    private int latencyCount;
    private long stored;
    private long offered;
    private long windowStart = Long.MAX_VALUE;
    private long windowEnd = Long.MAX_VALUE;
    private int connecting;
    private int connectedCount;
    private boolean stopping;

    FleetLoad(String target, InetSocketAddress address, String path, List<FleetAgents.Agent> agents,
            List<X509Certificate> trust, byte[] gzipBody, EventLoop loop, long firstSeq) throws Exception {
        this.target = target;
        this.address = address;
        this.path = path;
        this.agents = agents;
        this.body = Unpooled.unreleasableBuffer(Unpooled.directBuffer(gzipBody.length).writeBytes(gzipBody));
        this.loop = loop;
        this.agentTls = new AgentTls(agents, trust);
        this.conns = new Conn[agents.size()];
        for (int i = 0; i < conns.length; i++) {
            conns[i] = new Conn(i, firstSeq);
        }
    }

    /**
     * Connects every agent (at most {@code parallel} handshakes at once), runs {@code warmupSeconds} unmeasured and
     * {@code seconds} measured at {@code rate} batches per second, waits up to {@code drainSeconds} for the answers
     * still due, and closes. {@code probe} reads the server's CPU and memory at the window's edges.
     */
    Result run(double rate, double warmupSeconds, double seconds, double drainSeconds, int parallel,
            ServerProbe probe) throws Exception {
        long c0 = System.nanoTime();
        CountDownLatch connected = new CountDownLatch(1);
        loop.execute(() -> {
            this.parallel = parallel;
            this.connectedLatch = connected;
            connectMore();
        });
        long connectLimit = 60 + agents.size() / 20;
        if (!connected.await(connectLimit, TimeUnit.SECONDS)) {
            count("connect: not done within " + connectLimit + " s");
        }
        double connectSeconds = (System.nanoTime() - c0) / 1e9;
        int open = onLoop(() -> connectedCount);
        System.out.printf("  %s: %d of %d connections open after %.1f s (%.0f handshakes/s)%n", target, open,
                agents.size(), connectSeconds, open / connectSeconds);

        long start = System.nanoTime() + 50_000_000L;
        long wStart = start + (long) (warmupSeconds * 1e9);
        long wEnd = wStart + (long) (seconds * 1e9);
        double[] cpu = new double[2];
        long[] rss = new long[1];
        onLoop(() -> {
            windowStart = wStart;
            windowEnd = wEnd;
            return null;
        });
        double nanosPerBatch = 1e9 / rate;
        long[] next = {0};
        var progress = loop.scheduleAtFixedRate(() -> System.out.printf(
                "  %s: %.0f s: %d sent, %d stored in the window, %d awaiting an answer, %d errors%n", target,
                (System.nanoTime() - start) / 1e9, offered, stored, awaiting(), errors.values().stream()
                        .mapToLong(Long::longValue).sum()), 5, 5, TimeUnit.SECONDS);
        var tick = loop.scheduleAtFixedRate(() -> {
            long now = System.nanoTime();
            while (true) {
                long due = start + (long) (next[0] * nanosPerBatch);
                if (due > now || due >= wEnd) {
                    break;
                }
                send(conns[(int) (next[0] % conns.length)], due);
                next[0]++;
            }
        }, 0, 1, TimeUnit.MILLISECONDS);
        sleepUntil(wStart);
        cpu[0] = probe.cpuMillis();
        sleepUntil(wEnd);
        cpu[1] = probe.cpuMillis();
        rss[0] = probe.rssKib();
        tick.cancel(false);
        progress.cancel(false);
        long drainUntil = System.nanoTime() + (long) (drainSeconds * 1e9);
        while (System.nanoTime() < drainUntil && onLoop(this::waitingInWindow) > 0) {
            Thread.sleep(20);
        }
        boolean alive = probe.alive();
        return onLoop(() -> {
            stopping = true;
            for (Conn c : conns) {
                for (long[] w : c.waiting) {
                    if (w[0] >= windowStart) {
                        count("no answer within " + (long) drainSeconds + " s after the window");
                    }
                }
                for (long[] w : c.backlog) {
                    if (w[0] >= windowStart) {
                        count("not sent again within " + (long) drainSeconds + " s after the window");
                    }
                }
                c.waiting.clear();
                c.backlog.clear();
                if (c.channel != null) {
                    c.channel.close();
                }
            }
            long[] l = Arrays.copyOf(latencies, latencyCount);
            Arrays.sort(l);
            return new Result(target, open, connectSeconds, offered, stored, seconds, l, new TreeMap<>(errors),
                    cpu[1] - cpu[0], rss[0], alive);
        });
    }

    private int awaiting() {
        int n = 0;
        for (Conn c : conns) {
            n += c.waiting.size() + c.backlog.size();
        }
        return n;
    }

    private int waitingInWindow() {
        int n = 0;
        for (Conn c : conns) {
            for (long[] w : c.waiting) {
                if (w[0] >= windowStart) {
                    n++;
                }
            }
            for (long[] w : c.backlog) {
                if (w[0] >= windowStart) {
                    n++;
                }
            }
        }
        return n;
    }

    private int nextToConnect;
    private int parallel;
    private CountDownLatch connectedLatch;

    /** Starts connections until {@code parallel} are in progress; counts {@code done} down once all are through. */
    private void connectMore() {
        while (connecting < parallel && nextToConnect < conns.length) {
            connect(conns[nextToConnect++], 1);
        }
        if (connecting == 0 && nextToConnect >= conns.length) {
            connectedLatch.countDown();
        }
    }

    /** Connects {@code c}: attempt 1 to 3 at the start (counted in {@code connecting}), 0 for a reconnection. */
    private void connect(Conn c, int attempt) {
        if (attempt > 0) {
            connecting++;
        }
        SslHandler tls = agentTls.handler(c.agent, 60_000);
        new Bootstrap().group(loop).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 30_000)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(tls, new HttpClientCodec(), new HttpObjectAggregator(1 << 20),
                                new Answers(c));
                    }
                })
                .connect(address).addListener(f -> {
                    if (!f.isSuccess()) {
                        agentTls.done(tls);
                        connected(c, attempt, "connect: " + rootMessage(f.cause()));
                        return;
                    }
                    Channel ch = ((io.netty.channel.ChannelFuture) f).channel();
                    tls.handshakeFuture().addListener(h -> {
                        agentTls.done(tls);
                        if (h.isSuccess()) {
                            c.channel = ch;
                            c.ready = true;
                            connectedCount++;
                            connected(c, attempt, null);
                        } else {
                            ch.close();
                            connected(c, attempt, "handshake: " + rootMessage(h.cause()));
                        }
                    });
                });
    }

    /**
     * One connection attempt is over. At the start a failed one is tried again (3 attempts in all) and then the next
     * ones start; a reconnection (attempt 0) that failed backs off and tries again.
     */
    private void connected(Conn c, int attempt, String failure) {
        if (attempt > 0) {
            connecting--;
        }
        if (failure != null) {
            count(failure);
            if (attempt == 0) {
                reconnect(c);
            } else if (attempt < 3 && !stopping) {
                connecting++;
                loop.schedule(() -> {
                    connecting--;
                    connect(c, attempt + 1);
                }, 500, TimeUnit.MILLISECONDS);
            }
        } else {
            flush(c);
        }
        if (connectedLatch != null && attempt > 0) {
            connectMore();
        }
    }

    private void send(Conn c, long due) {
        offered++;
        c.backlog.add(new long[] {due, c.seq++});
        flush(c);
    }

    /** Sends what is due on {@code c} if it is connected and not waiting out a Retry-After. */
    private void flush(Conn c) {
        if (!c.ready || c.backlog.isEmpty() || System.nanoTime() < c.pausedUntil) {
            return;
        }
        for (long[] b = c.backlog.poll(); b != null; b = c.backlog.poll()) {
            FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, path,
                    body.retainedDuplicate());
            req.headers().set(HttpHeaderNames.HOST, address.getHostString() + ":" + address.getPort());
            req.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/x-protobuf");
            req.headers().set(HttpHeaderNames.CONTENT_ENCODING, "gzip");
            req.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
            req.headers().set("Idempotency-Key", c.keyPrefix + b[1]);
            c.waiting.add(b);
            c.channel.write(req);
        }
        c.channel.flush();
    }

    /** Makes {@code c}'s connection again after a jittered backoff: 1 s doubling to 16 s, for as long as it takes. */
    private void reconnect(Conn c) {
        if (c.reconnecting || stopping) {
            return;
        }
        c.reconnecting = true;
        long base = 1000L << Math.min(c.failures++, 4);
        loop.schedule(() -> {
            c.reconnecting = false;
            if (!stopping && !c.ready) {
                connect(c, 0);
            }
        }, base + java.util.concurrent.ThreadLocalRandom.current().nextLong(base), TimeUnit.MILLISECONDS);
    }

    private static long parseSeconds(String header) {
        try {
            return header == null ? 1 : Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    private final class Answers extends SimpleChannelInboundHandler<FullHttpResponse> {
        private final Conn conn;

        Answers(Conn conn) {
            super(true);
            this.conn = conn;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse res) {
            long now = System.nanoTime();
            long[] w = conn.waiting.poll();
            if (w == null) {
                count("answer without a request");
                return;
            }
            boolean inWindow = w[0] >= windowStart && w[0] < windowEnd;
            int status = res.status().code();
            if (status == 200) {
                conn.failures = 0;
                if (now >= windowStart && now < windowEnd) {
                    stored++;
                }
                if (inWindow) {
                    if (latencyCount == latencies.length) {
                        latencies = Arrays.copyOf(latencies, latencyCount * 2);
                    }
                    latencies[latencyCount++] = now - w[0];
                }
                return;
            }
            if (inWindow) {
                count("HTTP " + status);
            }
            if (status == 503 || status == 429) {
                // Kept and sent again after Retry-After, as the agent does; the answers behind it come back too.
                long retryAfter = Math.max(1, Math.min(60, parseSeconds(res.headers().get("Retry-After"))));
                conn.backlog.addFirst(w);
                conn.pausedUntil = Math.max(conn.pausedUntil, now + retryAfter * 1_000_000_000L);
                loop.schedule(() -> flush(conn), retryAfter * 1000 + 1, TimeUnit.MILLISECONDS);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (conn.channel == ctx.channel()) {
                conn.ready = false;
                conn.channel = null;
                if (!stopping) {
                    count("connection closed by the server");
                    for (long[] w : conn.waiting) {
                        if (w[0] >= windowStart) {
                            count("request lost with its connection (sent again)");
                        }
                    }
                    // Sent again on the next connection, oldest first, as the agent's queue does.
                    while (!conn.waiting.isEmpty()) {
                        conn.backlog.addFirst(conn.waiting.pollLast());
                    }
                    connectedCount--;
                    reconnect(conn);
                }
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!stopping) {
                count("connection error: " + rootMessage(cause));
            }
            ctx.close();
        }
    }

    private void count(String kind) {
        errors.merge(kind, 1L, Long::sum);
    }

    static String rootMessage(Throwable t) {
        while (t.getCause() != null) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : " (" + (m.length() > 60 ? m.substring(0, 60) : m)
                + ")");
    }

    private <T> T onLoop(java.util.concurrent.Callable<T> task) throws Exception {
        return loop.submit(task).get(60, TimeUnit.SECONDS);
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long left;
        while ((left = nanoTime - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(Math.min(left, 100_000_000L));
        }
    }

    /** The server's CPU and memory, read from /proc for its process and all its descendants. */
    interface ServerProbe {
        double cpuMillis();

        long rssKib();

        boolean alive();
    }
}
