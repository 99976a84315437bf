package dev.outpost.agent.enroll;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.agent.WithoutBouncyCastle;
import dev.outpost.agent.tls.TestCa;
import dev.outpost.wire.EcKeys;
import java.io.StringWriter;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.time.Instant;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The renewal's request is the one Bouncy Castle's builder made (same request info and algorithm, a valid signature),
 * and a renewal's key file and request are made without Bouncy Castle, which would otherwise stay in the daemon.
 */
class CertificateRequestsTest {
    private static final Instant T0 = Instant.parse("2026-11-22T00:00:00Z");
    @TempDir
    Path dir;

    @Test
    void theRequestIsWhatBouncyCastlesBuilderMade() throws Exception {
        KeyPair kp = EcKeys.generate(new SecureRandom());
        X500Name short1 = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "acme").addRDN(BCStyle.CN, "a-1")
                .build();
        X500Name long1 = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "o".repeat(200))
                .addRDN(BCStyle.CN, "a-0123456789abcdef").build();
        for (X500Name subject : new X500Name[] {short1, long1}) {
            PKCS10CertificationRequest ours = new PKCS10CertificationRequest(
                    CertificateRequests.csr(kp, subject.getEncoded()));
            PKCS10CertificationRequest bc = new JcaPKCS10CertificationRequestBuilder(subject, kp.getPublic())
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate()));
            assertArrayEquals(bc.toASN1Structure().getCertificationRequestInfo().getEncoded(),
                    ours.toASN1Structure().getCertificationRequestInfo().getEncoded());
            assertEquals(bc.getSignatureAlgorithm(), ours.getSignatureAlgorithm());
            assertEquals(subject, ours.getSubject());
            assertTrue(ours.isSignatureValid(new JcaContentVerifierProviderBuilder().build(kp.getPublic())));
        }
    }

    @Test
    void aRenewalKeyFileWrittenByBouncyCastleIsTheSameFileAndStillRead() throws Exception {
        KeyPair kp = new RenewalKey(dir, new SecureRandom()).next(null);
        StringWriter bc = new StringWriter();
        bc.write(dev.outpost.wire.Pem.privateKey(kp.getPrivate()));
        try (JcaPEMWriter w = new JcaPEMWriter(bc)) {
            w.writeObject(kp.getPublic());
        }
        assertEquals(bc.toString(), Files.readString(dir.resolve(RenewalKey.FILE)));
        // The public key first, then the private one: not the plain order, still read (by Bouncy Castle's parser).
        String text = Files.readString(dir.resolve(RenewalKey.FILE));
        int split = text.indexOf("-----BEGIN PUBLIC KEY-----");
        Files.writeString(dir.resolve(RenewalKey.FILE), "\n" + text.substring(split) + text.substring(0, split));
        assertEquals(kp.getPublic(), new RenewalKey(dir, new SecureRandom()).next(null).getPublic());
        Files.writeString(dir.resolve(RenewalKey.FILE), "# a comment\n" + text);
        assertEquals(kp.getPublic(), new RenewalKey(dir, new SecureRandom()).next(null).getPublic());
    }

    @Test
    void aRenewalsKeyAndRequestNeedNoBouncyCastle() throws Exception {
        TestCa ca = new TestCa();
        var current = ca.credentials("a-00000000000000ff", "acme", T0, T0.plusSeconds(86400));
        ClassLoader noBc = new WithoutBouncyCastle(getClass().getClassLoader());
        Class<?> keys = Class.forName(RenewalKey.class.getName(), true, noBc);
        Constructor<?> make = keys.getDeclaredConstructor(Path.class, SecureRandom.class);
        make.setAccessible(true);
        Method next = keys.getDeclaredMethod("next", PublicKey.class);
        next.setAccessible(true);
        KeyPair kp = (KeyPair) next.invoke(make.newInstance(dir, new SecureRandom()), current.certificate()
                .getPublicKey());
        // Read back (a retry after a lost answer) without Bouncy Castle too: the same key.
        KeyPair again = (KeyPair) next.invoke(make.newInstance(dir, new SecureRandom()),
                current.certificate().getPublicKey());
        assertEquals(kp.getPublic(), again.getPublic());
        assertEquals(kp.getPrivate(), again.getPrivate());
        Method csr = Class.forName(CertificateRequests.class.getName(), true, noBc)
                .getDeclaredMethod("csr", KeyPair.class, byte[].class);
        csr.setAccessible(true);
        byte[] request = (byte[]) csr.invoke(null, kp, current.certificate().getSubjectX500Principal().getEncoded());
        PKCS10CertificationRequest parsed = new PKCS10CertificationRequest(request);
        assertEquals(X500Name.getInstance(current.certificate().getSubjectX500Principal().getEncoded()),
                parsed.getSubject());
        assertTrue(parsed.isSignatureValid(new JcaContentVerifierProviderBuilder().build(kp.getPublic())));
    }
}
