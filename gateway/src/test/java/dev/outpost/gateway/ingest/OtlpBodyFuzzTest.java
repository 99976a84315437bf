package dev.outpost.gateway.ingest;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of the OTLP body path (see {@link OtlpBodyHarness}). Without {@code JAZZER_FUZZ} it runs the
 * corpus in {@code src/test/resources/.../OtlpBodyFuzzTestInputs/body} (real agent batches, gzipped and not, and
 * every input a fuzzing run found that broke an invariant) as regression tests.
 */
class OtlpBodyFuzzTest {
    @FuzzTest(maxDuration = "5s")
    void body(byte[] data) throws Exception {
        OtlpBodyHarness.run(data);
    }
}
