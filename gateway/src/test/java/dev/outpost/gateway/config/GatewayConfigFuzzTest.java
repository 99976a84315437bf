package dev.outpost.gateway.config;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of the gateway config loader (see {@link GatewayConfigHarness}). The corpus in
 * {@code src/test/resources/.../GatewayConfigFuzzTestInputs/yaml} holds the shipped {@code config/gateway.yaml},
 * real variations of it and every input a fuzzing run found that broke an invariant.
 */
class GatewayConfigFuzzTest {
    @FuzzTest(maxDuration = "5s")
    void yaml(byte[] data) throws Exception {
        GatewayConfigHarness.run(data);
    }
}
