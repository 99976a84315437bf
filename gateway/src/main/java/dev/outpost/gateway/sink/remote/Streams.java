package dev.outpost.gateway.sink.remote;

import dev.outpost.gateway.sink.SinkUnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The remote sinks' parallel streams: each stream (an org, or an org's shard) sends its requests one after the
 * other, the streams run at once on a small pool, and a delivery waits for all of them until its deadline. Any
 * stream that fails fails the delivery (its agents retry the whole group).
 */
public final class Streams implements AutoCloseable {
    private final ExecutorService pool;
    private final Duration timeout;

    /** @param threads streams sent at once; {@code timeout} the bound of one delivery */
    public Streams(int threads, Duration timeout) {
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "gw-sink-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.timeout = timeout;
    }

    /** The executor the HTTP client may use for its own work. */
    public ExecutorService executor() {
        return pool;
    }

    /** Runs every stream and returns their results in order, or the first failure. */
    public <T> List<T> run(List<Callable<T>> streams, long deadlineNanos) throws SinkUnavailableException {
        List<Future<T>> started = new ArrayList<>(streams.size());
        for (Callable<T> s : streams) {
            started.add(pool.submit(s));
        }
        List<T> results = new ArrayList<>(streams.size());
        SinkUnavailableException failure = null;
        for (Future<T> f : started) {
            try {
                long left = Math.max(1, deadlineNanos - System.nanoTime() + TimeUnit.SECONDS.toNanos(1));
                results.add(f.get(left, TimeUnit.NANOSECONDS));
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof SinkUnavailableException u ? u
                            : new SinkUnavailableException("error", String.valueOf(e.getCause()), null, e.getCause());
                }
            } catch (TimeoutException e) {
                f.cancel(true);
                if (failure == null) {
                    failure = new SinkUnavailableException("timeout", "the store did not answer within "
                            + timeout.toSeconds() + " s", null, null);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = new SinkUnavailableException("interrupted", "the gateway is stopping", null, null);
            }
        }
        if (failure != null) {
            throw failure;
        }
        return results;
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
