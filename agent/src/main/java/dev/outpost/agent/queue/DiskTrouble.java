package dev.outpost.agent.queue;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says plainly, once, when the disk queue cannot write (what is wrong and what to free or check), once when it can
 * again, and at most once a minute what was lost meanwhile: a full or failing disk is a condition to report, not an
 * error per batch with a stack trace.
 */
final class DiskTrouble {
    private static final Logger LOG = LoggerFactory.getLogger("outpost.agent.queue");
    private static final long MIB = 1 << 20;
    private final Path dir;
    private final Clock clock;
    private volatile String problem;
    /** The kind of the problem: a change of kind is logged, new figures are not. */
    private String kind;
    private Instant nextLossLog = Instant.MIN;
    private long lossesLogged;

    DiskTrouble(Path dir, Clock clock) {
        this.dir = dir;
        this.clock = clock;
    }

    /** A write failed with {@code e}; batches are held in memory up to {@code holdBytes}. Logged if it is news. */
    void failed(IOException e, long holdBytes) {
        Problem p = describe(e);
        String was = kind;
        problem = p.text();
        kind = p.kind();
        if (kind.equals(was)) {
            return; // the same condition, maybe with other figures: said already
        }
        String what = p.text();
        LOG.warn("the disk queue in {} cannot take batches: {}. Until it can, batches are held in memory (up to {}) "
                + "and sent from there; they are lost if the gateway stays unreachable until that is full, or if the "
                + "agent stops", dir, what, holdBytes % MIB == 0 ? holdBytes / MIB + " MiB" : holdBytes / 1024 + " KiB");
    }

    /** Writes work; {@code written} held batches went to disk, {@code lost} were lost while they did not. */
    void recovered(int written, long lost) {
        if (problem == null) {
            return;
        }
        problem = null;
        kind = null;
        LOG.info("the disk queue in {} takes batches again: {} batches held in memory were written to it, {} lost "
                + "since start", dir, written, lost);
    }

    /** {@code total} batches were lost so far; logged at most once a minute. */
    void lost(long total) {
        Instant now = clock.instant();
        if (total <= lossesLogged || now.isBefore(nextLossLog)) {
            return;
        }
        LOG.warn("{} batches lost ({} since start): the disk queue cannot take them and the memory hold is full (the "
                + "gateway is unreachable)", total - lossesLogged, total);
        lossesLogged = total;
        nextLossLog = now.plusSeconds(60);
    }

    /** What keeps the queue from writing, in one sentence; null while it writes. */
    String problem() {
        return problem;
    }

    private record Problem(String kind, String text) {
    }

    private Problem describe(IOException e) {
        if (e instanceof QueueLimits.LowSpaceException low) {
            return new Problem("low", String.format(Locale.ROOT, "its file system has %.1f MiB free, less than the "
                    + "%.1f MiB that queue.min_free_bytes keeps free; free at least %.1f MiB there (`df -h %s`), or "
                    + "lower queue.min_free_bytes", low.free() / (double) MIB, low.minFree() / (double) MIB,
                    Math.max(0.1, (low.minFree() - low.free()) / (double) MIB), dir));
        }
        String reason = e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : e.getMessage();
        if (reason == null) {
            reason = e.getClass().getSimpleName();
        }
        if (reason.contains("No space left") || reason.contains("quota")) {
            return new Problem("full", "its file system is full (" + reason + "); free space there (`df -h " + dir
                    + "`)");
        }
        if (reason.contains("Read-only file system")) {
            return new Problem("read-only", "its file system is read-only (" + reason + "), as after disk errors; "
                    + "check `dmesg` and `mount`");
        }
        return new Problem(reason, "writing failed (" + reason + "); check the disk (`dmesg`)");
    }
}
