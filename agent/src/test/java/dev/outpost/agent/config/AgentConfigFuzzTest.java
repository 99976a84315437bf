package dev.outpost.agent.config;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of the agent config loader (see {@link AgentConfigHarness}). The corpus in
 * {@code src/test/resources/.../AgentConfigFuzzTestInputs/yaml} holds the shipped {@code config/agent.yaml},
 * real variations of it and every input a fuzzing run found that broke an invariant.
 */
class AgentConfigFuzzTest {
    @FuzzTest(maxDuration = "5s")
    void yaml(byte[] data) throws Exception {
        AgentConfigHarness.run(data);
    }
}
