package dev.outpost.gateway.store;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Checks an audit chain from its first entry and names the first one that was edited, deleted, inserted or
 * reordered. Entries removed from the end cannot be seen from the chain alone: compare the head it reports with
 * one recorded elsewhere.
 */
public final class AuditVerifier {
    private AuditVerifier() {
    }

    /** The first problem in {@code entries} (in seq order), or empty if the chain is intact. */
    public static Optional<String> firstProblem(List<AuditEntry> entries) {
        byte[] prev = AuditHash.GENESIS;
        long expected = 1;
        for (int i = 0; i < entries.size(); i++) {
            AuditEntry e = entries.get(i);
            if (e.seq() != expected) {
                return Optional.of(expected == 1
                        ? "audit entry 1 is missing: the log starts at entry " + e.seq()
                        : "audit entry " + expected + " is missing: entry " + e.seq() + " follows " + (expected - 1));
            }
            if (!Arrays.equals(e.prevHash(), prev)) {
                for (int j = i + 1; j < entries.size(); j++) {
                    if (Arrays.equals(e.prevHash(), entries.get(j).hash())) {
                        return Optional.of("audit entry " + e.seq() + " was reordered: it links to entry "
                                + entries.get(j).seq() + ", which comes after it");
                    }
                }
                if (i + 1 < entries.size() && Arrays.equals(entries.get(i + 1).prevHash(), prev)) {
                    return Optional.of("audit entry " + e.seq() + " was inserted: entry " + entries.get(i + 1).seq()
                            + " links to " + (i == 0 ? "the start of the log" : "entry " + (e.seq() - 1)));
                }
                if (i >= 2 && Arrays.equals(e.prevHash(), entries.get(i - 2).hash())) {
                    return Optional.of("audit entry " + (e.seq() - 1) + " was inserted: entry " + e.seq()
                            + " links to entry " + (e.seq() - 2));
                }
                return Optional.of(i == 0
                        ? "audit entry 1 was edited: it does not link to the start of the log"
                        : "audit entry " + (e.seq() - 1) + " was edited: entry " + e.seq()
                                + " does not link to its hash");
            }
            if (!Arrays.equals(AuditHash.of(e.seq(), e.time(), e.event(), e.prevHash()), e.hash())) {
                return Optional.of("audit entry " + e.seq() + " was edited: its hash does not match its content");
            }
            prev = e.hash();
            expected++;
        }
        return Optional.empty();
    }

    /**
     * Checks a head recorded earlier (a hash prefix as {@code audit verify} prints it, at least 8 hex digits): it
     * must still be in the chain, else entries were removed from the end or the chain was rebuilt.
     */
    public static Optional<String> missingHead(List<AuditEntry> entries, String recordedHead) {
        String prefix = recordedHead.toLowerCase(java.util.Locale.ROOT);
        if (!prefix.matches("[0-9a-f]{8,64}")) {
            return Optional.of("--head \"" + recordedHead + "\" is not a hash prefix of 8 to 64 hex digits; use the "
                    + "head that `audit verify` printed");
        }
        for (AuditEntry e : entries) {
            if (java.util.HexFormat.of().formatHex(e.hash()).startsWith(prefix)) {
                return Optional.empty();
            }
        }
        return Optional.of("the recorded head " + prefix + " is not in the audit log: entries were removed from its end "
                + "or the log was rebuilt");
    }
}
