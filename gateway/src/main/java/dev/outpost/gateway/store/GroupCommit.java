package dev.outpost.gateway.store;

import dev.outpost.gateway.store.Database.Durability;
import dev.outpost.gateway.store.Database.Work;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Group commit of state changes, as databases do it: callers queue their work; one thread ({@code gw-state-commit})
 * runs whatever is queued, up to {@link #MAX_GROUP}, in one transaction with one fsync, each work in a savepoint of
 * its own (a work that throws takes back only its own changes). Every caller is answered after that commit, so an
 * enrollment is durable before its certificate leaves. While one group commits the next gathers: the busier the
 * gateway, the more each fsync carries. Bounded: at most {@link #MAX_WAITING} waiting works, beyond which callers
 * are refused at once.
 */
final class GroupCommit implements AutoCloseable {
    /** State changes committed together at most. */
    static final int MAX_GROUP = 256;
    /** State changes waiting at most; a caller beyond is refused (the EST handler answers 503). */
    static final int MAX_WAITING = 4096;
    private final Database db;
    private final BlockingQueue<Job<?>> queue = new ArrayBlockingQueue<>(MAX_WAITING);
    private final Thread thread;
    private volatile boolean closed;

    private record Job<T>(Work<T, ?> work, CompletableFuture<T> result) {
    }

    GroupCommit(Database db) {
        this.db = db;
        this.thread = new Thread(this::loop, "gw-state-commit");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Runs {@code work} in the next group; returns once that group committed (or throws what the work threw). */
    @SuppressWarnings("unchecked")
    <T, E extends Exception> T run(Work<T, E> work) throws SQLException, E {
        if (Thread.currentThread() == thread) {
            throw new IllegalStateException("a state change may not start another from inside its transaction");
        }
        if (closed) {
            throw new SQLException("the state database is closed");
        }
        Job<T> job = new Job<>(work, new CompletableFuture<>());
        if (!queue.offer(job)) {
            throw new SQLException("the state database has " + MAX_WAITING + " changes waiting; try again shortly");
        }
        if (closed && !thread.isAlive() && queue.remove(job)) {
            throw new SQLException("the state database is closed"); // queued after close() drained the queue
        }
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return job.result().get();
                } catch (InterruptedException e) {
                    interrupted = true; // the change may commit: wait for its outcome, then keep the interrupt
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof SQLException s) {
                        throw s;
                    }
                    if (cause instanceof RuntimeException r) {
                        throw r;
                    }
                    if (cause instanceof Error err) {
                        throw err;
                    }
                    throw (E) cause;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void loop() {
        List<Job<?>> group = new ArrayList<>(MAX_GROUP);
        while (!closed || !queue.isEmpty()) {
            try {
                Job<?> first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                group.add(first);
                queue.drainTo(group, MAX_GROUP - 1);
                commit(group);
            } catch (InterruptedException e) {
                // close(): drain what is queued, then stop
            } catch (RuntimeException | Error e) {
                for (Job<?> j : group) {
                    j.result().completeExceptionally(e);
                }
            } finally {
                group.clear();
            }
        }
    }

    private void commit(List<Job<?>> group) {
        Object[] results = new Object[group.size()];
        Throwable[] failures = new Throwable[group.size()];
        try {
            db.transaction(Durability.POWER_LOSS, true, c -> {
                if (group.size() == 1) {
                    // Alone in its group: no savepoint needed, a failure rolls back the whole transaction.
                    try {
                        results[0] = group.get(0).work().run(c);
                    } catch (Exception | Error e) {
                        failures[0] = e;
                        throw new Abandoned();
                    }
                    return null;
                }
                for (int i = 0; i < group.size(); i++) {
                    execute(c, "SAVEPOINT change");
                    try {
                        results[i] = group.get(i).work().run(c);
                        execute(c, "RELEASE SAVEPOINT change");
                    } catch (Exception | Error e) {
                        failures[i] = e;
                        execute(c, "ROLLBACK TO SAVEPOINT change");
                        execute(c, "RELEASE SAVEPOINT change");
                    }
                }
                return null;
            });
        } catch (Abandoned e) {
            complete(group.get(0), null, failures[0]);
            return;
        } catch (SQLException | RuntimeException e) {
            for (Job<?> j : group) {
                j.result().completeExceptionally(e);
            }
            return;
        }
        for (int i = 0; i < group.size(); i++) {
            complete(group.get(i), results[i], failures[i]);
        }
    }

    /** The one work of a group failed: roll the transaction back and answer with its own failure. */
    private static final class Abandoned extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Abandoned() {
            super(null, null, false, false);
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> void complete(Job<T> job, Object result, Throwable failure) {
        if (failure != null) {
            job.result().completeExceptionally(failure);
        } else {
            job.result().complete((T) result);
        }
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** Commits what is queued, then stops the thread (bounded by 10 s). */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Job<?> left;
        while ((left = queue.poll()) != null) {
            left.result().completeExceptionally(new SQLException("the state database was closed"));
        }
    }
}
