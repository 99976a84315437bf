package dev.outpost.gateway.est;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of EST request handling (see {@link EstRequestHarness}): raw HTTP requests, CSR bodies in
 * base64 with and without line breaks, PKCS#10 parsing and {@code CsrCheck}. The corpus in
 * {@code src/test/resources/.../EstRequestFuzzTestInputs/request} holds real requests (curl's and openssl's CSRs, the
 * agent's) and every input a fuzzing run found that broke an invariant.
 */
class EstRequestFuzzTest {
    @FuzzTest(maxDuration = "5s")
    void request(byte[] data) {
        EstRequestHarness.run(data);
    }
}
