package dev.outpost.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.outpost.agent.collect.FixtureHostProbe;
import dev.outpost.agent.otlp.OtlpText;
import java.nio.file.Path;
import java.time.Instant;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's own meters read what the queue, the push loop, the renewer and the certificate say, as durations on
 * the agent's clock, and leave out what is not known yet.
 */
class SelfMetricsTest {
    private static final Instant NOW = Instant.parse("2026-11-22T05:20:00Z");
    @TempDir
    Path dir;

    @Test
    void beforeAnyPushTheLastSuccessAndTheSkewAreAbsent() throws Exception {
        try (AgentMetricsHarness agent = new AgentMetricsHarness(new FixtureHostProbe("basic"), dir, NOW)) {
            assertEquals("""
                    outpost.agent.batches.dropped{reason="corrupt"} counter {batch} int 0
                    outpost.agent.batches.dropped{reason="disk_full"} counter {batch} int 0
                    outpost.agent.batches.dropped{reason="queue_full"} counter {batch} int 0
                    outpost.agent.batches.dropped{reason="rejected"} counter {batch} int 0
                    outpost.agent.certificate.expires_in gauge s double 86400
                    outpost.agent.certificate.renewal.due_in gauge s double 49936.258
                    outpost.agent.certificate.renewal.failures counter {attempt} int 0
                    outpost.agent.certificate.renewals counter {certificate} int 0
                    outpost.agent.push.duration histogram s count=0 sum=0 buckets=0.005:0,0.01:0,0.025:0,0.05:0,0.1:0,0.25:0,0.5:0,1:0,2.5:0,10:0,+Inf:0
                    outpost.agent.push.failures counter {attempt} int 0
                    outpost.agent.queue.batches updowncounter {batch} int 0
                    outpost.agent.queue.bytes updowncounter By int 0
                    outpost.agent.queue.oldest_age gauge s double 0
                    """, own(agent));
        }
    }

    @Test
    void afterAPushAndARenewalEveryMeterSaysWhatHappenedAndWhen() throws Exception {
        try (AgentMetricsHarness agent = new AgentMetricsHarness(new FixtureHostProbe("basic"), dir, NOW)) {
            agent.pushTwoBatches();
            agent.renewCertificate();

            String own = own(agent).replaceAll("(push.duration histogram s count=1 sum=)[^ ]+ min=[^ ]+ max=[^ ]+"
                    + " buckets=[^\\n]+", "$1...");
            assertEquals("""
                    outpost.agent.batches.dropped{reason="corrupt"} counter {batch} int 0
                    outpost.agent.batches.dropped{reason="disk_full"} counter {batch} int 0
                    outpost.agent.batches.dropped{reason="queue_full"} counter {batch} int 0
                    outpost.agent.batches.dropped{reason="rejected"} counter {batch} int 1
                    outpost.agent.certificate.expires_in gauge s double 86390
                    outpost.agent.certificate.renewal.due_in gauge s double 43480.101
                    outpost.agent.certificate.renewal.failures counter {attempt} int 0
                    outpost.agent.certificate.renewals counter {certificate} int 1
                    outpost.agent.clock.skew gauge s double 3
                    outpost.agent.push.duration histogram s count=1 sum=...
                    outpost.agent.push.failures counter {attempt} int 0
                    outpost.agent.push.last_success.age gauge s double 60490
                    outpost.agent.queue.batches updowncounter {batch} int 0
                    outpost.agent.queue.bytes updowncounter By int 0
                    outpost.agent.queue.oldest_age gauge s double 0
                    """, own);
        }
    }

    /** The agent's own lines of the next batch, without the collection timings. */
    private static String own(AgentMetricsHarness agent) throws Exception {
        return OtlpText.render(agent.batch()).lines()
                .filter(l -> l.startsWith("outpost.agent.") && !l.startsWith("outpost.agent.collect"))
                .collect(Collectors.joining("\n", "", "\n"));
    }
}
