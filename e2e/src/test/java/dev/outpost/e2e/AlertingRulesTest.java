package dev.outpost.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The shipped Prometheus rules (alerts/outpost.rules.yml) are valid and each alert fires when it should and stays
 * silent when it should not, by Prometheus' own rule tester (promtool, from Debian's prometheus package).
 */
class AlertingRulesTest {
    static final Path ALERTS = Proc.REPO.resolve("alerts");

    static String promtool(String... args) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/promtool")),
                "/usr/bin/promtool is not installed; ./test.sh installs it from apt (package prometheus)");
        ProcessBuilder pb = new ProcessBuilder(new java.util.ArrayList<>(List.of("/usr/bin/promtool")));
        pb.command().addAll(List.of(args));
        pb.directory(ALERTS.toFile());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "promtool did not finish in 60 s");
        assertEquals(0, p.exitValue(), "promtool " + String.join(" ", args) + ":\n" + out);
        return out;
    }

    @Test
    void theRulesAreValid() throws Exception {
        assertTrue(promtool("check", "rules", "outpost.rules.yml").contains("SUCCESS: 9 rules found"));
    }

    @Test
    void eachAlertFiresWhenItShouldAndOnlyThen() throws Exception {
        assertTrue(promtool("test", "rules", "outpost.rules.test.yml").contains("SUCCESS"));
    }
}
