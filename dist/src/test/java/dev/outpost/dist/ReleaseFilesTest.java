package dev.outpost.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SHA256SUMS beside the packages, and the CycloneDX SBOM each package ships. */
class ReleaseFilesTest {
    @TempDir
    Path tmp;

    @Test
    void sha256sumsCoversEveryPackageAndMatches() throws IOException {
        List<String> names = Files.readAllLines(Packages.DIR.resolve("SHA256SUMS")).stream()
                .map(l -> l.substring(l.indexOf("  ") + 2)).sorted().toList();
        List<String> expected = Packages.PROGRAMS.stream()
                .flatMap(p -> List.of(Packages.deb(p), Packages.rpm(p)).stream())
                .map(p -> p.getFileName().toString()).sorted().toList();
        assertEquals(expected, names);
        String out = Command.run(Packages.DIR, "sha256sum", "--check", "--strict", "SHA256SUMS").output();
        assertEquals(4, out.lines().filter(l -> l.endsWith(": OK")).count(), out);
    }

    @Test
    void eachDebShipsTheSbomOfWhatItsJarBundles() throws IOException {
        for (String program : Packages.PROGRAMS) {
            Path root = tmp.resolve(program);
            Command.ok("dpkg-deb", "--extract", Packages.deb(program).toString(), root.toString());
            String bom = Files.readString(root.resolve("usr/share/doc/" + program + "/" + program + ".cdx.json"));
            assertTrue(bom.contains("\"bomFormat\" : \"CycloneDX\""), bom.substring(0, Math.min(400, bom.length())));
            for (String component : List.of("pkg:maven/dev.outpost/" + program + "@",
                    "pkg:maven/org.bouncycastle/bcprov-jdk18on@1.86")) {
                assertTrue(bom.contains(component), program + " SBOM lacks " + component);
            }
            // Netty is the gateway's; the agent's HTTPS client is the JDK's SSLSocket.
            assertEquals(program.equals("outpost-gateway"), bom.contains("pkg:maven/io.netty/netty-handler@"),
                    program + " SBOM and Netty");
        }
    }
}
