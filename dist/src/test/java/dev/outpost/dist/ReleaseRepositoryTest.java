package dev.outpost.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What scripts/release.sh publishes, released twice from the same build with a key made for this test: apt accepts the
 * apt repository through its signed-by key and downloads the .debs as built; the .rpms carry rpm's own signature over
 * the build's header and payload; dnf accepts the rpm repository with repo_gpgcheck=1 and refuses it tampered;
 * SHA256SUMS and its signature verify. Between the two runs only signatures and the Release date differ.
 */
class ReleaseRepositoryTest {
    @TempDir
    static Path tmp;
    private static ThrowawayGpg gpg;
    private static String fingerprint;
    private static Path first;
    private static Path second;

    @BeforeAll
    static void releaseTwice() throws IOException {
        gpg = new ThrowawayGpg(tmp);
        fingerprint = gpg.newKey("Outpost release test <release@outpost.invalid>", "");
        Path key = gpg.exportSecret(fingerprint, "", tmp.resolve("keys/release.key"));
        first = tmp.resolve("first");
        second = tmp.resolve("second");
        String out = ReleaseScript.ok(null, "--out", first.toString(), "--key-file", key.toString(), Packages.DIR.toString());
        assertTrue(out.endsWith("release: " + first + " is ready to serve; signing key " + fingerprint
                + " (Outpost release test <release@outpost.invalid>)\n"), out);
        ReleaseScript.ok(null, "--out", second.toString(), "--key-file", key.toString(), Packages.DIR.toString());
    }

    @AfterAll
    static void stopAgents() throws IOException {
        gpg.close();
        // dnf starts a gpg-agent of its own for each repository keyring it checks repomd.xml with.
        try (Stream<Path> walk = Files.walk(tmp)) {
            for (Path pubring : walk.filter(p -> p.getFileName().toString().equals("pubring")).toList()) {
                Command.run("gpgconf", "--homedir", pubring.toString(), "--kill", "gpg-agent");
            }
        }
    }

    @Test
    void aptAcceptsTheRepositoryWithItsSignedByKeyAndFetchesTheDebsAsBuilt() throws IOException {
        Path keyring = first.resolve("outpost-archive-keyring.gpg");
        Command.ok("gpgv", "--keyring", keyring.toString(), first.resolve("deb/dists/stable/InRelease").toString());
        Command.ok("gpgv", "--keyring", keyring.toString(), first.resolve("deb/dists/stable/Release.gpg").toString(),
                first.resolve("deb/dists/stable/Release").toString());
        String release = Files.readString(first.resolve("deb/dists/stable/Release"));
        for (String field : List.of("Origin: Outpost", "Suite: stable", "Architectures: all", "Components: main",
                "Acquire-By-Hash: yes", "Signed-By: " + fingerprint)) {
            assertTrue(release.contains("\n" + field + "\n") || release.startsWith(field + "\n"), release);
        }
        Path apt = Files.createDirectories(tmp.resolve("apt"));
        Files.createDirectories(apt.resolve("lists/partial"));
        Files.createDirectories(apt.resolve("cache/archives/partial"));
        Path sources = Files.writeString(apt.resolve("outpost.sources"), "Types: deb\nURIs: file:" + first.resolve("deb")
                + "\nSuites: stable\nComponents: main\nSigned-By: " + keyring + "\n");
        List<String> aptDirs = List.of("-o", "Dir::Etc::sourcelist=" + sources, "-o", "Dir::Etc::sourceparts=-",
                "-o", "Dir::State::Lists=" + apt.resolve("lists"), "-o", "Dir::Cache=" + apt.resolve("cache"));
        String update = apt(aptDirs, "apt-get", "update");
        assertTrue(update.contains("stable InRelease"), update);
        assertTrue(update.lines().noneMatch(l -> l.startsWith("E:") || l.startsWith("Err:")), update);
        for (String program : Packages.PROGRAMS) {
            String policy = apt(aptDirs, "apt-cache", "policy", program);
            assertTrue(policy.contains("Candidate: " + Packages.DEB_VERSION + "\n"), policy);
            // apt-get download checks the file against the signed index before it keeps it.
            apt(aptDirs, "apt-get", "download", program);
            Path fetched = apt.resolve(Packages.deb(program).getFileName().toString());
            assertArrayEquals(Files.readAllBytes(Packages.deb(program)), Files.readAllBytes(fetched), program);
        }
    }

    @Test
    void rpmsCarryRpmsOwnSignatureOverTheBuildsHeaderAndPayload() throws IOException {
        Path db = Files.createDirectories(tmp.resolve("rpmdb"));
        Command.ok("rpmkeys", "--dbpath", db.toString(), "--import", first.resolve("outpost-archive-keyring.asc").toString());
        String keyId = fingerprint.substring(32).toLowerCase();
        for (String program : Packages.PROGRAMS) {
            Path signed = first.resolve("rpm").resolve(Packages.rpm(program).getFileName());
            String check = Command.ok("rpmkeys", "--dbpath", db.toString(), "--checksig", "-v", signed.toString());
            assertTrue(check.contains("Header V4 RSA/SHA512 Signature, key ID " + keyId + ": OK"), check);
            // Without its signature, the released .rpm is the build's, byte for byte past the lead.
            Path unsigned = Files.copy(signed, tmp.resolve(program + "-delsign.rpm"), StandardCopyOption.REPLACE_EXISTING);
            Command.ok("rpmsign", "--delsign", unsigned.toString());
            assertArrayEquals(ReleaseScript.afterLead(Packages.rpm(program)), ReleaseScript.afterLead(unsigned), program);
            // One byte changed in the payload, and the signature no longer holds.
            Path tampered = Files.copy(signed, tmp.resolve(program + "-tampered.rpm"), StandardCopyOption.REPLACE_EXISTING);
            byte[] bytes = Files.readAllBytes(tampered);
            bytes[bytes.length - 100] ^= 1;
            Files.write(tampered, bytes);
            Command.Result r = Command.run("rpmkeys", "--dbpath", db.toString(), "--checksig", tampered.toString());
            assertNotEquals(0, r.exit(), r.output());
            assertTrue(r.output().contains("DIGESTS SIGNATURES NOT OK") || r.output().contains("NOT OK"), r.output());
        }
    }

    @Test
    void dnfTrustsTheRpmRepositoryWithRepoGpgcheckAndRefusesATamperedOne() throws IOException {
        String query = dnf(first, "repoquery", "--qf", "%{name}-%{version}-%{release}.%{arch}");
        for (String program : Packages.PROGRAMS) {
            assertTrue(query.contains(program + "-" + Packages.RPM_VERSION + ".noarch"), query);
        }
        Path tampered = tmp.resolve("tampered");
        Command.ok("cp", "-a", first.toString(), tampered.toString());
        Path repomd = tampered.resolve("rpm/repodata/repomd.xml");
        Files.writeString(repomd, Files.readString(repomd).replace("<revision>", "<revision>1"));
        Command.Result r = dnfRun(tampered, "makecache");
        assertNotEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("repomd.xml GPG signature verification error: Bad GPG signature"), r.output());
    }

    @Test
    void sha256sumsCoversEveryPackageAndSbomAndIsSigned() throws IOException {
        Command.ok("gpgv", "--keyring", first.resolve("outpost-archive-keyring.gpg").toString(),
                first.resolve("SHA256SUMS.asc").toString(), first.resolve("SHA256SUMS").toString());
        Command.Result check = Command.run(first, "sha256sum", "--check", "--strict", "SHA256SUMS");
        assertEquals(0, check.exit(), check.output());
        List<String> expected = new ArrayList<>();
        for (String program : Packages.PROGRAMS) {
            expected.add("deb/pool/main/o/" + program + "/" + Packages.deb(program).getFileName() + ": OK");
            expected.add("rpm/" + Packages.rpm(program).getFileName() + ": OK");
            expected.add("sbom/" + program + "_" + Packages.DEB_VERSION + ".cdx.json: OK");
            // The published SBOM is the one the package ships.
            Path root = tmp.resolve("extract-" + program);
            Command.ok("dpkg-deb", "--extract", Packages.deb(program).toString(), root.toString());
            assertArrayEquals(Files.readAllBytes(root.resolve("usr/share/doc/" + program + "/" + program + ".cdx.json")),
                    Files.readAllBytes(first.resolve("sbom/" + program + "_" + Packages.DEB_VERSION + ".cdx.json")));
        }
        assertEquals(new TreeSet<>(expected), new TreeSet<>(check.output().lines().toList()));
    }

    /** The list README.md gives under "Reproducible": what may differ between two releases of one build. */
    @Test
    void twoReleasesOfOneBuildDifferOnlyInSignaturesAndTheReleaseDate() throws IOException {
        Map<String, String> a = withoutRepodata(ReleaseScript.files(first));
        Map<String, String> b = withoutRepodata(ReleaseScript.files(second));
        assertEquals(a.keySet(), b.keySet());
        Set<String> signedOrDated = Set.of("deb/dists/stable/Release", "deb/dists/stable/InRelease",
                "deb/dists/stable/Release.gpg", "SHA256SUMS", "SHA256SUMS.asc");
        for (String file : a.keySet()) {
            if (file.startsWith("rpm/")) {
                // The signature header may differ (its signatures hold their creation time); nothing after it.
                Path unsignedA = unsigned(first.resolve(file), "a");
                Path unsignedB = unsigned(second.resolve(file), "b");
                assertArrayEquals(Files.readAllBytes(unsignedA), Files.readAllBytes(unsignedB), file);
            } else if (!signedOrDated.contains(file)) {
                assertEquals(a.get(file), b.get(file), file + " differs between two releases of one build");
            }
        }
        assertEquals(withoutDate(first.resolve("deb/dists/stable/Release")), withoutDate(second.resolve("deb/dists/stable/Release")));
        assertEquals(sumsOtherThanRpms(first), sumsOtherThanRpms(second));
    }

    private static Map<String, String> withoutRepodata(Map<String, String> files) {
        // Named by their own checksums, which cover the signed .rpms.
        files.keySet().removeIf(f -> f.startsWith("rpm/repodata/"));
        return files;
    }

    private static Path unsigned(Path rpm, String tag) throws IOException {
        Path copy = Files.copy(rpm, tmp.resolve(tag + "-" + rpm.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        Command.ok("rpmsign", "--delsign", copy.toString());
        return copy;
    }

    private static List<String> withoutDate(Path release) throws IOException {
        return Files.readAllLines(release).stream().filter(l -> !l.startsWith("Date: ")).toList();
    }

    private static List<String> sumsOtherThanRpms(Path release) throws IOException {
        return Files.readAllLines(release.resolve("SHA256SUMS")).stream().filter(l -> !l.endsWith(".rpm")).toList();
    }

    private static String apt(List<String> dirs, String... command) {
        List<String> argv = new ArrayList<>(List.of(command[0]));
        argv.addAll(dirs);
        argv.addAll(List.of(command).subList(1, command.length));
        Command.Result r = Command.run(tmp.resolve("apt"), argv.toArray(String[]::new));
        assertEquals(0, r.exit(), String.join(" ", argv) + ":\n" + r.output());
        return r.output();
    }

    private static String dnf(Path release, String... args) {
        Command.Result r = dnfRun(release, args);
        assertEquals(0, r.exit(), "dnf " + String.join(" ", args) + ":\n" + r.output());
        return r.output();
    }

    /** dnf on a scratch root with the .repo file the README gives, pointing at a release directory. */
    private static Command.Result dnfRun(Path release, String... args) {
        try {
            Path dnf = tmp.resolve("dnf-" + release.getFileName());
            Path repos = Files.createDirectories(dnf.resolve("repos"));
            Files.writeString(repos.resolve("outpost.repo"), "[outpost]\nname=Outpost\nbaseurl=file://" + release.resolve("rpm")
                    + "\nenabled=1\ngpgcheck=1\nrepo_gpgcheck=1\ngpgkey=file://" + release.resolve("outpost-archive-keyring.asc")
                    + "\n");
            List<String> argv = new ArrayList<>(List.of("dnf", "-y", "--installroot=" + dnf.resolve("root"),
                    "--setopt=reposdir=" + repos, "--setopt=cachedir=" + dnf.resolve("cache"),
                    "--setopt=skip_if_unavailable=False", "--releasever=9", "--disableplugin=*"));
            argv.addAll(List.of(args));
            return Command.run(argv.toArray(String[]::new));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
