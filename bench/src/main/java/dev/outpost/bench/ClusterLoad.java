package dev.outpost.bench;

import dev.outpost.agent.config.PushConfig;
import dev.outpost.agent.transport.Backoff;
import dev.outpost.wire.WireNames;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
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
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Simulated agents that push as the real agent's push loop does, all on one Netty event loop: each keeps the batches
 * not yet answered 200 in order (its queue; unbounded here), sends a window of up to {@code inFlight} of them
 * pipelined on one keep-alive mTLS connection and waits for every answer before the next window. A connection
 * closed while idle is opened again at the next push, at once. A failure (no answer: the connection was cut, refused
 * or timed out; or an answer other than 200) closes the connection and waits the agent's real {@link Backoff} with
 * the given push settings, so the first wait after a lost connection is spread over {@code push.reconnect_spread};
 * then the window is sent again with the same keys. Batches are made either back to back (closed loop: the next as
 * soon as the previous is answered) or one per agent every {@code interval}, each agent at its own phase.
 */
final class ClusterLoad {
    private final InetSocketAddress address;
    private final List<FleetAgents.Agent> agents;
    private final AgentTls tls;
    private final ByteBuf body;
    private final EventLoop loop;
    private final PushConfig push;
    private final int inFlight;
    private final long intervalNanos;
    private final Agent[] all;
    private final Map<String, Long> errors = new TreeMap<>();
    private final SplittableRandom random = new SplittableRandom();
    private boolean producing = true;
    private long windowStart = Long.MAX_VALUE;
    private long windowEnd = Long.MAX_VALUE;
    private long stored;
    private long duplicates;
    private long[] latencies = new long[4096];
    private int latencyCount;
    private long mark;
    /** Handshakes completed in each second after {@link #mark()}. */
    private final int[] handshakesAfterMark = new int[600];

    /** One simulated agent. */
    private final class Agent {
        final int index;
        final String keyPrefix;
        final Backoff backoff;
        final ArrayDeque<Long> queue = new ArrayDeque<>();
        final long firstSeq;
        long nextSeq;
        Channel channel;
        boolean connecting;
        boolean backingOff;
        int sent;
        long sentAt;
        long window;
        ScheduledFuture<?> timeout;
        long lastStored = Long.MIN_VALUE;
        long lastStoredBeforeMark = Long.MIN_VALUE;
        long firstStoredAfterMark = Long.MIN_VALUE;
        /** When the first batch after the mark was due: the mark if one was waiting then, else when it was made. */
        long firstDueAfterMark = Long.MIN_VALUE;
        boolean cutAfterMark;
        boolean spreadAfterMark;

        Agent(int index, long firstSeq) {
            this.index = index;
            this.keyPrefix = agents.get(index).id() + ":";
            this.firstSeq = firstSeq;
            this.nextSeq = firstSeq;
            this.backoff = new Backoff(push.backoffInitial(), push.backoffMax(), push.retryAfterMax(),
                    push.reconnectSpread(), random.split(), Clock.systemUTC());
        }
    }

    /** What the agents saw: per agent the gap around the mark, counts, latencies. */
    record Result(long stored, double seconds, long[] latenciesNanos, long duplicatesAnswered,
            Map<String, Long> errors, long[] gapNanos, long[] outageNanos, long[] delayNanos, long[] cutDelayNanos,
            int cutAgents, int spreadAgents,
            int[] handshakesPerSecond, Map<String, long[]> sequences, List<String> perAgent) {
        double achieved() {
            return stored / seconds;
        }

        static double percentileMs(long[] sorted, double p) {
            if (sorted.length == 0) {
                return Double.NaN;
            }
            int i = (int) Math.ceil(p * sorted.length) - 1;
            return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
        }
    }

    /**
     * {@code intervalSeconds} 0: closed loop. Sequences start at {@code firstSeq} (milliseconds since the epoch, as
     * an agent's queue does).
     */
    ClusterLoad(InetSocketAddress address, List<FleetAgents.Agent> agents, List<X509Certificate> trust,
            byte[] gzipBody, EventLoop loop, PushConfig push, int inFlight, double intervalSeconds, long firstSeq)
            throws Exception {
        this.address = address;
        this.agents = agents;
        this.tls = new AgentTls(agents, trust);
        this.body = Unpooled.unreleasableBuffer(Unpooled.directBuffer(gzipBody.length).writeBytes(gzipBody));
        this.loop = loop;
        this.push = push;
        this.inFlight = inFlight;
        this.intervalNanos = (long) (intervalSeconds * 1e9);
        this.all = new Agent[agents.size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = new Agent(i, firstSeq);
        }
    }

    /**
     * Starts the agents: closed loop, each at a random instant of the first 2 s; paced, each makes its first batch
     * at a random phase of the interval (and opens its connection then).
     */
    void start() throws Exception {
        onLoop(() -> {
            for (Agent a : all) {
                if (intervalNanos == 0) {
                    // Started over 2 s, not all in the same millisecond: a connection storm is not what this measures.
                    loop.schedule(() -> pump(a), random.nextLong(2_000_000_000L), TimeUnit.NANOSECONDS);
                } else {
                    loop.scheduleAtFixedRate(() -> produce(a), random.nextLong(intervalNanos), intervalNanos,
                            TimeUnit.NANOSECONDS);
                }
            }
            return null;
        });
    }

    /** Counts stored batches and latencies from now for {@code seconds}. */
    void window(long startNanos, long endNanos) throws Exception {
        onLoop(() -> {
            windowStart = startNanos;
            windowEnd = endNanos;
            return null;
        });
    }

    /** Marks the instant of the failure (the kill): gaps and reconnects are measured around it. */
    void mark() throws Exception {
        onLoop(() -> {
            mark = System.nanoTime();
            for (Agent a : all) {
                a.lastStoredBeforeMark = a.lastStored;
                if (!a.queue.isEmpty()) {
                    a.firstDueAfterMark = mark;
                }
            }
            return null;
        });
    }

    /** Agents with at least one batch made and not yet answered 200. */
    int pending() throws Exception {
        return onLoop(() -> {
            int n = 0;
            for (Agent a : all) {
                n += a.queue.isEmpty() ? 0 : 1;
            }
            return n;
        });
    }

    /** Agents that have had at least one batch answered 200. */
    int storedOnce() throws Exception {
        return onLoop(() -> {
            int n = 0;
            for (Agent a : all) {
                n += a.lastStored != Long.MIN_VALUE ? 1 : 0;
            }
            return n;
        });
    }

    /** Connections open now. */
    int open() throws Exception {
        return onLoop(() -> {
            int n = 0;
            for (Agent a : all) {
                n += a.channel != null && a.channel.isActive() ? 1 : 0;
            }
            return n;
        });
    }

    /** Stops making batches, waits up to {@code drainSeconds} for every queue to empty, closes and reports. */
    Result finish(double seconds, double drainSeconds) throws Exception {
        onLoop(() -> {
            producing = false;
            return null;
        });
        long until = System.nanoTime() + (long) (drainSeconds * 1e9);
        while (System.nanoTime() < until && pending() > 0) {
            Thread.sleep(50);
        }
        return onLoop(() -> {
            int left = 0;
            for (Agent a : all) {
                left += a.queue.size();
            }
            if (left > 0) {
                count("not stored within " + (long) drainSeconds + " s of the end (" + left + " batches)");
            }
            producing = false;
            long[] gaps = new long[all.length];
            long[] outages = new long[all.length];
            long[] delays = new long[all.length];
            long[] cutDelays = new long[all.length];
            int dl = 0;
            int cd = 0;
            int g = 0;
            int o = 0;
            int cut = 0;
            int spread = 0;
            Map<String, long[]> sequences = new TreeMap<>();
            List<String> perAgent = new ArrayList<>();
            perAgent.add("agent,last_200_before_ms,first_due_after_ms,first_200_after_ms,gap_ms,connection_cut,"
                    + "waited_spread,batches");
            for (Agent a : all) {
                if (mark != 0) {
                    perAgent.add(String.format("%s,%s,%s,%s,%s,%b,%b,%d", agents.get(a.index).id(),
                            relative(a.lastStoredBeforeMark), relative(a.firstDueAfterMark),
                            relative(a.firstStoredAfterMark),
                            a.lastStoredBeforeMark == Long.MIN_VALUE || a.firstStoredAfterMark == Long.MIN_VALUE ? ""
                                    : Long.toString((a.firstStoredAfterMark - a.lastStoredBeforeMark) / 1_000_000),
                            a.cutAfterMark, a.spreadAfterMark, a.nextSeq - a.firstSeq));
                }
                if (a.channel != null) {
                    Channel c = a.channel;
                    a.channel = null;
                    c.close();
                }
                if (a.timeout != null) {
                    a.timeout.cancel(false);
                }
                sequences.put(agents.get(a.index).id(), new long[] {a.firstSeq, a.nextSeq});
                if (mark != 0 && a.firstStoredAfterMark != Long.MIN_VALUE && a.lastStoredBeforeMark != Long.MIN_VALUE) {
                    gaps[g++] = a.firstStoredAfterMark - a.lastStoredBeforeMark;
                    if (a.cutAfterMark) {
                        outages[o++] = a.firstStoredAfterMark - mark;
                    }
                    if (a.firstDueAfterMark != Long.MIN_VALUE) {
                        delays[dl++] = a.firstStoredAfterMark - a.firstDueAfterMark;
                        if (a.cutAfterMark) {
                            cutDelays[cd++] = a.firstStoredAfterMark - a.firstDueAfterMark;
                        }
                    }
                }
                cut += a.cutAfterMark ? 1 : 0;
                spread += a.spreadAfterMark ? 1 : 0;
            }
            long[] l = Arrays.copyOf(latencies, latencyCount);
            Arrays.sort(l);
            long[] gs = Arrays.copyOf(gaps, g);
            Arrays.sort(gs);
            long[] os = Arrays.copyOf(outages, o);
            Arrays.sort(os);
            long[] ds = Arrays.copyOf(delays, dl);
            Arrays.sort(ds);
            long[] cds = Arrays.copyOf(cutDelays, cd);
            Arrays.sort(cds);
            int last = handshakesAfterMark.length;
            while (last > 0 && handshakesAfterMark[last - 1] == 0) {
                last--;
            }
            return new Result(stored, seconds, l, duplicates, new TreeMap<>(errors), gs, os, ds, cds, cut, spread,
                    Arrays.copyOf(handshakesAfterMark, last), sequences, perAgent);
        });
    }

    /** Milliseconds from the mark, or empty for never. */
    private String relative(long nanos) {
        return nanos == Long.MIN_VALUE ? "" : Long.toString((nanos - mark) / 1_000_000);
    }

    private void produce(Agent a) {
        if (producing) {
            if (mark != 0 && a.firstDueAfterMark == Long.MIN_VALUE) {
                a.firstDueAfterMark = System.nanoTime();
            }
            a.queue.add(a.nextSeq++);
            pump(a);
        }
    }

    /** Sends the next window if the agent is free to: connected (or connects first), not waiting, nothing in flight. */
    private void pump(Agent a) {
        if (a.sent > 0 || a.backingOff || a.connecting) {
            return;
        }
        if (intervalNanos == 0 && producing) {
            while (a.queue.size() < inFlight) {
                a.queue.add(a.nextSeq++);
            }
        }
        if (a.queue.isEmpty()) {
            return;
        }
        if (a.channel == null || !a.channel.isActive()) {
            connect(a);
            return;
        }
        int n = Math.min(a.queue.size(), inFlight);
        a.sent = n;
        a.sentAt = System.nanoTime();
        long window = ++a.window;
        int i = 0;
        for (long seq : a.queue) {
            if (i++ == n) {
                break;
            }
            FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/v1/metrics",
                    body.retainedDuplicate());
            req.headers().set(HttpHeaderNames.HOST, address.getHostString() + ":" + address.getPort());
            req.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/x-protobuf");
            req.headers().set(HttpHeaderNames.CONTENT_ENCODING, "gzip");
            req.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
            req.headers().set("Idempotency-Key", a.keyPrefix + seq);
            a.channel.write(req);
        }
        a.channel.flush();
        a.timeout = loop.schedule(() -> {
            if (a.window == window && a.sent > 0) {
                count("no answer within push.timeout " + push.timeout().toSeconds() + " s");
                failed(a, true, null);
            }
        }, push.timeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void connect(Agent a) {
        a.connecting = true;
        SslHandler handler = tls.handler(a.index, push.timeout().toMillis());
        new Bootstrap().group(loop).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) push.timeout().toMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(handler, new HttpClientCodec(), new HttpObjectAggregator(1 << 20),
                                new Answers(a));
                    }
                })
                .connect(address).addListener(f -> {
                    if (!f.isSuccess()) {
                        tls.done(handler);
                        a.connecting = false;
                        count("connect: " + FleetLoad.rootMessage(f.cause()));
                        failed(a, true, null);
                        return;
                    }
                    Channel ch = ((ChannelFuture) f).channel();
                    handler.handshakeFuture().addListener(h -> {
                        tls.done(handler);
                        a.connecting = false;
                        if (h.isSuccess() && ch.isActive()) {
                            a.channel = ch;
                            if (mark != 0) {
                                int s = (int) ((System.nanoTime() - mark) / 1_000_000_000L);
                                if (s >= 0 && s < handshakesAfterMark.length) {
                                    handshakesAfterMark[s]++;
                                }
                            }
                            pump(a);
                        } else {
                            ch.close();
                            count("handshake: " + FleetLoad.rootMessage(h.cause()));
                            failed(a, true, null);
                        }
                    });
                });
    }

    /**
     * A push failed: the rest of the window gets no answer; the connection is closed and the agent waits its
     * backoff ({@code connectionLost}: no answer at all, so the first wait is spread over reconnect_spread).
     */
    private void failed(Agent a, boolean connectionLost, String retryAfter) {
        a.sent = 0;
        a.window++;
        if (a.timeout != null) {
            a.timeout.cancel(false);
            a.timeout = null;
        }
        if (a.channel != null) {
            Channel c = a.channel;
            a.channel = null;
            c.close();
        }
        boolean first = a.backoff.failures() == 0;
        long delay = a.backoff.nextDelay(retryAfter, connectionLost).toNanos();
        if (mark != 0 && connectionLost && first) {
            a.spreadAfterMark = true;
        }
        a.backingOff = true;
        loop.schedule(() -> {
            a.backingOff = false;
            pump(a);
        }, delay, TimeUnit.NANOSECONDS);
    }

    private final class Answers extends SimpleChannelInboundHandler<FullHttpResponse> {
        private final Agent agent;

        Answers(Agent agent) {
            super(true);
            this.agent = agent;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse res) {
            Agent a = agent;
            if (ctx.channel() != a.channel || a.sent == 0) {
                return;
            }
            long now = System.nanoTime();
            int status = res.status().code();
            if (status != 200) {
                count("HTTP " + status);
                failed(a, false, res.headers().get(HttpHeaderNames.RETRY_AFTER));
                return;
            }
            a.queue.poll();
            a.sent--;
            a.lastStored = now;
            if (mark != 0 && a.firstStoredAfterMark == Long.MIN_VALUE) {
                a.firstStoredAfterMark = now;
            }
            if ("duplicate".equals(res.headers().get(WireNames.BATCH_RESULT_HEADER))) {
                duplicates++;
            }
            if (now >= windowStart && now < windowEnd) {
                stored++;
                if (latencyCount == latencies.length) {
                    latencies = Arrays.copyOf(latencies, latencyCount * 2);
                }
                latencies[latencyCount++] = now - a.sentAt;
            }
            if (a.sent == 0) {
                if (a.timeout != null) {
                    a.timeout.cancel(false);
                    a.timeout = null;
                }
                a.backoff.reset();
                pump(a);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            Agent a = agent;
            if (ctx.channel() != a.channel) {
                return;
            }
            if (mark != 0) {
                a.cutAfterMark = true;
            }
            if (a.sent > 0) {
                count("connection closed with batches in flight");
                failed(a, true, null);
            } else {
                a.channel = null;
                if (producing) {
                    count("idle connection closed");
                }
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (ctx.channel() == agent.channel && producing) {
                count("connection error: " + FleetLoad.rootMessage(cause));
            }
            ctx.close();
        }
    }

    private void count(String kind) {
        errors.merge(kind, 1L, Long::sum);
    }

    private <T> T onLoop(Callable<T> task) throws Exception {
        return loop.submit(task).get(60, TimeUnit.SECONDS);
    }
}
