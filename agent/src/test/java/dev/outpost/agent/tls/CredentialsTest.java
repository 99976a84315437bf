package dev.outpost.agent.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.outpost.agent.WithoutBouncyCastle;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Instant;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A running agent loads its key, certificate and CA bundle, and reads its id and org from the certificate, without
 * Bouncy Castle (which would otherwise stay loaded in the daemon for its whole life), with the same results as
 * Bouncy Castle's reading.
 */
class CredentialsTest {
    private static final Instant T0 = Instant.parse("2026-11-22T00:00:00Z");
    @TempDir
    Path dir;

    @Test
    void idOrgAndExpiryAreTheCertificateSubjectsAsBouncyCastleReadsThem() throws Exception {
        TestCa ca = new TestCa();
        ca.credentials("a-0123456789abcdef", "acme Ünïcødé", T0, T0.plusSeconds(86400)).store(dir);

        Credentials c = Credentials.load(dir);

        X500Name subject = X500Name.getInstance(c.certificate().getSubjectX500Principal().getEncoded());
        assertEquals("a-0123456789abcdef", c.agentId());
        assertEquals(subject.getRDNs(BCStyle.CN)[0].getFirst().getValue().toString(), c.agentId());
        assertEquals("acme Ünïcødé", c.org());
        assertEquals(subject.getRDNs(BCStyle.O)[0].getFirst().getValue().toString(), c.org());
        assertEquals(T0.plusSeconds(86400), c.notAfter());
        assertEquals("Credentials[a-0123456789abcdef, org acme Ünïcødé, until 2026-11-23T00:00:00Z]", c.toString());
        assertEquals(c, Credentials.load(dir));
        assertEquals(c.hashCode(), Credentials.load(dir).hashCode());
    }

    @Test
    void theRunPathLoadsCredentialsWithoutBouncyCastle() throws Exception {
        TestCa ca = new TestCa();
        Credentials enrolled = ca.credentials("a-00000000000000ff", "org-without-bc", T0, T0.plusSeconds(86400));
        enrolled.store(dir);
        ClassLoader noBc = new WithoutBouncyCastle(getClass().getClassLoader());

        Class<?> identity = Class.forName(Identity.class.getName(), true, noBc);
        assertNotSame(Identity.class, identity);
        Object id = identity.getMethod("load", Path.class).invoke(null, dir);
        Object current = identity.getMethod("current").invoke(id);
        Method agentId = current.getClass().getMethod("agentId");
        assertEquals("a-00000000000000ff", agentId.invoke(current));
        assertEquals("org-without-bc", current.getClass().getMethod("org").invoke(current));
        assertEquals(T0.plusSeconds(86400), current.getClass().getMethod("notAfter").invoke(current));
        assertArrayEquals(enrolled.key().getEncoded(),
                ((PrivateKey) current.getClass().getMethod("key").invoke(current)).getEncoded());
        assertEquals(enrolled.certificate(), current.getClass().getMethod("certificate").invoke(current));
        assertEquals(enrolled.trustBundle(), current.getClass().getMethod("trustBundle").invoke(current));
        // The loader does refuse Bouncy Castle: the test would fail if the path above used it.
        assertThrows(ClassNotFoundException.class, () -> Class.forName(X500Name.class.getName(), true, noBc));
    }
}
