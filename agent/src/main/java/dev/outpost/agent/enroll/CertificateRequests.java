package dev.outpost.agent.enroll;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.List;

/** PKCS#10 requests the agent sends (enrollment and renewal) and the checks of what comes back. */
final class CertificateRequests {
    private CertificateRequests() {
    }

    /** ecdsa-with-SHA256 (1.2.840.10045.4.3.2), without parameters (RFC 5758 section 3.2). */
    private static final byte[] ECDSA_WITH_SHA256 = {0x30, 0x0a, 0x06, 0x08, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d,
        0x04, 0x03, 0x02};

    /**
     * A DER PKCS#10 request (RFC 2986) for {@code kp}'s EC public key, for the DER X.500 name {@code subject}, with no
     * attributes, signed SHA256withECDSA with its private key: the bytes Bouncy Castle's request builder made, built
     * with the JDK alone so that a renewal does not load Bouncy Castle into the daemon for good.
     */
    static byte[] csr(KeyPair kp, byte[] subject) throws IOException {
        byte[] info = tlv(0x30, new byte[] {0x02, 0x01, 0x00}, subject, kp.getPublic().getEncoded(),
                new byte[] {(byte) 0xa0, 0x00});
        byte[] signature;
        try {
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initSign(kp.getPrivate());
            s.update(info);
            signature = s.sign();
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot sign the CSR", e);
        }
        return tlv(0x30, info, ECDSA_WITH_SHA256, tlv(0x03, new byte[] {0}, signature));
    }

    /** A DER element: {@code tag}, the definite length, then the {@code parts} one after the other. */
    private static byte[] tlv(int tag, byte[]... parts) {
        int length = 0;
        for (byte[] p : parts) {
            length += p.length;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(length + 6);
        out.write(tag);
        if (length < 0x80) {
            out.write(length);
        } else if (length < 0x100) {
            out.write(0x81);
            out.write(length);
        } else if (length < 0x10000) {
            out.write(0x82);
            out.write(length >> 8);
            out.write(length);
        } else {
            out.write(0x83);
            out.write(length >> 16);
            out.write(length >> 8);
            out.write(length);
        }
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** Refuses a certificate that is not for {@code key} or was not issued by one of {@code cas}. */
    static void checkIssued(X509Certificate cert, PublicKey key, List<X509Certificate> cas) throws IOException {
        if (!cert.getPublicKey().equals(key)) {
            throw new IOException("the gateway returned a certificate for another key; refusing it");
        }
        for (X509Certificate ca : cas) {
            try {
                cert.verify(ca.getPublicKey());
                return;
            } catch (GeneralSecurityException e) {
                // not this CA; try the next one of the bundle
            }
        }
        throw new IOException("the returned certificate was not issued by the pinned CA; refusing it");
    }
}
