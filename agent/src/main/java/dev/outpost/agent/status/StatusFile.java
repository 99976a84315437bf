package dev.outpost.agent.status;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outpost.wire.SecureFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * {@code status.json} in the state directory: what the daemon last knew, rewritten atomically so that
 * {@code outpost-agent status} can read it while the daemon runs or after it stopped, without any port.
 * The daemon writes it by hand, so that Jackson's serializers (some hundred classes, kept in metaspace for the
 * process's life) are never loaded by the daemon; {@code status} reads it with Jackson.
 */
public final class StatusFile {
    public static final String NAME = "status.json";
    private final Path file;

    public StatusFile(Path stateDir) {
        this.file = stateDir.resolve(NAME);
    }

    public Path path() {
        return file;
    }

    public void write(AgentStatus status) throws IOException {
        // Rewritten after every push and at start: atomic, not forced to disk (see SecureFiles.replace).
        SecureFiles.replace(file, toJson(status).getBytes(StandardCharsets.UTF_8), SecureFiles.PUBLIC);
    }

    public AgentStatus read() throws IOException {
        return new ObjectMapper().readValue(file.toFile(), AgentStatus.class);
    }

    /** {@code status} as a JSON object, one member per line, members named and ordered as the record's components. */
    static String toJson(AgentStatus s) {
        Json j = new Json();
        j.str("agentId", s.agentId()).str("org", s.org()).str("server", s.server()).str("ingestUrl", s.ingestUrl())
                .str("certificateNotAfter", s.certificateNotAfter()).str("state", s.state())
                .str("stateReason", s.stateReason()).num("pid", s.pid()).str("updated", s.updated())
                .str("lastPushAttempt", s.lastPushAttempt()).str("lastPushResult", s.lastPushResult())
                .str("lastSuccess", s.lastSuccess()).num("batchesSent", s.batchesSent()).num("retries", s.retries())
                .num("queueBatches", s.queueBatches()).num("queueBytes", s.queueBytes())
                .num("oldestBatchAgeSeconds", s.oldestBatchAgeSeconds()).num("droppedQueueFull", s.droppedQueueFull())
                .num("droppedDiskFull", s.droppedDiskFull()).num("droppedCorrupt", s.droppedCorrupt())
                .num("droppedRejected", s.droppedRejected()).num("nextSequence", s.nextSequence())
                .str("nextRenewal", s.nextRenewal()).num("renewalFailures", s.renewalFailures())
                .num("queueHeldInMemory", s.queueHeldInMemory()).str("diskProblem", s.diskProblem())
                .num("batchKeyOffset", s.batchKeyOffset());
        return j.end();
    }

    /** A flat JSON object of strings and numbers, written member by member. */
    private static final class Json {
        private static final char[] HEX = "0123456789abcdef".toCharArray();
        private final StringBuilder out = new StringBuilder(1024).append('{');
        private boolean first = true;

        private StringBuilder name(String name) {
            out.append(first ? "\n  \"" : ",\n  \"").append(name).append("\" : ");
            first = false;
            return out;
        }

        Json num(String name, long value) {
            name(name).append(value);
            return this;
        }

        Json str(String name, String value) {
            StringBuilder b = name(name);
            if (value == null) {
                b.append("null");
                return this;
            }
            b.append('"');
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                switch (c) {
                    case '"' -> b.append("\\\"");
                    case '\\' -> b.append("\\\\");
                    case '\n' -> b.append("\\n");
                    case '\r' -> b.append("\\r");
                    case '\t' -> b.append("\\t");
                    default -> {
                        if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                            b.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 15]).append(HEX[(c >> 4) & 15])
                                    .append(HEX[c & 15]);
                        } else {
                            b.append(c);
                        }
                    }
                }
            }
            b.append('"');
            return this;
        }

        String end() {
            return out.append("\n}\n").toString();
        }
    }
}
