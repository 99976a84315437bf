package dev.outpost.gateway.store;

import java.sql.SQLException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Checks an audit chain from its first entry and names the first one that was edited, deleted, inserted or
 * reordered. Entries removed from the end cannot be seen from the chain alone: compare the head it reports with
 * one recorded elsewhere ({@link #expectHead}). Entries are fed one at a time ({@link #accept}), with one entry of
 * look-ahead, so the memory it needs does not grow with the log.
 */
public final class AuditVerifier {
    /** Finds a later entry by its hash (to tell a reordering from an edit); -1 if there is none. */
    public interface LaterHash {
        long seqOf(long after, byte[] hash) throws SQLException;
    }

    private final LaterHash later;
    private byte[] prev = AuditHash.GENESIS;
    private byte[] beforePrev;
    private long expected = 1;
    private AuditEntry pending;
    private String problem;
    private String head;
    private boolean headFound;
    private long count;
    private AuditEntry last;

    public AuditVerifier(LaterHash later) {
        this.later = later;
    }

    /** The first problem in {@code entries} (in seq order), or empty if the chain is intact. */
    public static Optional<String> firstProblem(List<AuditEntry> entries) {
        AuditVerifier v = new AuditVerifier((after, hash) -> entries.stream()
                .filter(e -> e.seq() > after && Arrays.equals(e.hash(), hash)).mapToLong(AuditEntry::seq)
                .findFirst().orElse(-1));
        try {
            for (AuditEntry e : entries) {
                if (!v.accept(e)) {
                    break;
                }
            }
            return v.finish();
        } catch (SQLException e) {
            throw new IllegalStateException("a list lookup threw", e);
        }
    }

    /**
     * Also checks a head recorded earlier (the whole 256-bit hash as {@code audit verify} prints it, 64 hex digits):
     * it must still be in the chain, else entries were removed from its end or the chain was rebuilt. A prefix is
     * refused: whoever rebuilds the chain could search for an entry whose hash starts with it.
     *
     * @return a usage problem with {@code recordedHead}, or empty
     */
    public Optional<String> expectHead(String recordedHead) {
        String hex = recordedHead.strip().toLowerCase(Locale.ROOT);
        if (!hex.matches("[0-9a-f]{64}")) {
            return Optional.of("--head \"" + recordedHead + "\" is not a SHA-256 hash of 64 hex digits; use the whole "
                    + "head that `audit verify` printed");
        }
        head = hex;
        return Optional.empty();
    }

    /** Feeds the next entry in seq order; false once a problem was found (later entries change nothing). */
    public boolean accept(AuditEntry next) throws SQLException {
        if (pending != null) {
            problem = check(pending, next);
        }
        pending = next;
        return problem == null;
    }

    /** After the last entry: the first problem, or empty if the chain (and the recorded head) hold. */
    public Optional<String> finish() throws SQLException {
        if (problem == null && pending != null) {
            problem = check(pending, null);
            pending = null;
        }
        if (problem == null && head != null && !headFound) {
            problem = "the recorded head " + head + " is not in the audit log: entries were removed from its end "
                    + "or the log was rebuilt";
        }
        return Optional.ofNullable(problem);
    }

    /** Entries checked and found intact. */
    public long count() {
        return count;
    }

    /** The last entry checked, or null. */
    public AuditEntry last() {
        return last;
    }

    private String check(AuditEntry e, AuditEntry next) throws SQLException {
        if (e.seq() != expected) {
            return expected == 1
                    ? "audit entry 1 is missing: the log starts at entry " + e.seq()
                    : "audit entry " + expected + " is missing: entry " + e.seq() + " follows " + (expected - 1);
        }
        if (!Arrays.equals(e.prevHash(), prev)) {
            long later = this.later.seqOf(e.seq(), e.prevHash());
            if (later >= 0) {
                return "audit entry " + e.seq() + " was reordered: it links to entry " + later
                        + ", which comes after it";
            }
            if (next != null && Arrays.equals(next.prevHash(), prev)) {
                return "audit entry " + e.seq() + " was inserted: entry " + next.seq() + " links to "
                        + (expected == 1 ? "the start of the log" : "entry " + (e.seq() - 1));
            }
            if (beforePrev != null && Arrays.equals(e.prevHash(), beforePrev)) {
                return "audit entry " + (e.seq() - 1) + " was inserted: entry " + e.seq() + " links to entry "
                        + (e.seq() - 2);
            }
            return expected == 1
                    ? "audit entry 1 was edited: it does not link to the start of the log"
                    : "audit entry " + (e.seq() - 1) + " was edited: entry " + e.seq() + " does not link to its hash";
        }
        if (!Arrays.equals(AuditHash.of(e.seq(), e.time(), e.event(), e.prevHash()), e.hash())) {
            return "audit entry " + e.seq() + " was edited: its hash does not match its content";
        }
        if (head != null && HexFormat.of().formatHex(e.hash()).equals(head)) {
            headFound = true;
        }
        beforePrev = expected >= 2 ? prev : null;
        prev = e.hash();
        expected++;
        count++;
        last = e;
        return null;
    }
}
