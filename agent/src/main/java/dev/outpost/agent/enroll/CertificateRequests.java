package dev.outpost.agent.enroll;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/** PKCS#10 requests the agent sends (enrollment and renewal) and the checks of what comes back. */
final class CertificateRequests {
    private CertificateRequests() {
    }

    /** A DER PKCS#10 request for {@code kp}'s public key, signed with its private key. */
    static byte[] csr(KeyPair kp, X500Name subject) throws IOException {
        try {
            return new JcaPKCS10CertificationRequestBuilder(subject, kp.getPublic())
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())).getEncoded();
        } catch (OperatorCreationException e) {
            throw new IOException("cannot sign the CSR", e);
        }
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
