package dev.outpost.gateway.est;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cms.CMSAbsentContent;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSSignedDataGenerator;

/** EST's certificate container: a degenerate ("certs-only") PKCS#7 SignedData, base64 per RFC 7030 / RFC 8951. */
public final class Pkcs7 {
    /** The media type of EST responses carrying certificates. */
    public static final String CERTS_ONLY = "application/pkcs7-mime; smime-type=certs-only";

    private Pkcs7() {
    }

    /** Base64 (76-column MIME lines) of the DER certs-only structure holding {@code certs}. */
    public static byte[] certsOnlyBase64(List<X509Certificate> certs) {
        try {
            CMSSignedDataGenerator gen = new CMSSignedDataGenerator();
            gen.addCertificates(new JcaCertStore(certs));
            byte[] der = gen.generate(new CMSAbsentContent()).getEncoded("DER");
            return (Base64.getMimeEncoder().encodeToString(der) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        } catch (CMSException | CertificateEncodingException | IOException e) {
            throw new IllegalStateException("could not encode a PKCS#7 certs-only response", e);
        }
    }
}
