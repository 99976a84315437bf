package dev.outpost.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** The batches of one agent in the file sink, by sequence number, with a check that none was stored twice. */
final class SinkBatches {
    final TreeSet<Long> sequences = new TreeSet<>();
    final List<String> duplicates = new ArrayList<>();

    static SinkBatches of(Gateway gateway, String agentId) throws Exception {
        SinkBatches b = new SinkBatches();
        ObjectMapper json = new ObjectMapper();
        Map<Long, Set<String>> series = new HashMap<>();
        for (String line : gateway.sinkLines(false)) {
            JsonNode n = json.readTree(line);
            if (!n.path("agent").asText().equals(agentId)) {
                continue;
            }
            String batch = n.path("batch").asText();
            long seq = Long.parseLong(batch.substring(batch.indexOf(':') + 1));
            b.sequences.add(seq);
            String key = n.path("metric").asText() + n.path("attributes").toString();
            if (!series.computeIfAbsent(seq, k -> new HashSet<>()).add(key)) {
                b.duplicates.add(batch + " " + key);
            }
        }
        return b;
    }

    /** Sequence numbers in [first, last] that are not in the sink. */
    List<Long> missing(long first, long last) {
        List<Long> out = new ArrayList<>();
        for (long s = first; s <= last; s++) {
            if (!sequences.contains(s)) {
                out.add(s);
            }
        }
        return out;
    }
}
