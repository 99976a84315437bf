package dev.outpost.gateway.est;

import dev.outpost.gateway.ca.KeyType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Set;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;

/**
 * The body of EST {@code csrattrs} (RFC 7030 section 4.5.2): what a CSR should hold, so that a client generates an
 * accepted key. A {@code CsrAttrs} sequence of the signature algorithm to use ({@code ecdsa-with-SHA256}), an
 * {@code id-ecPublicKey} attribute whose values are the accepted curves, as in the RFC's example, and, when RSA is
 * allowed, an {@code rsaEncryption} attribute with the smallest accepted modulus size (as RFC 9908 writes it).
 */
final class CsrAttributes {
    /** The media type of the response. */
    static final String MEDIA_TYPE = "application/csrattrs";

    private CsrAttributes() {
    }

    /** Base64 (MIME lines) of the DER {@code CsrAttrs} for {@code accepted}. */
    static byte[] base64(Set<KeyType> accepted) {
        ASN1EncodableVector attrs = new ASN1EncodableVector();
        attrs.add(X9ObjectIdentifiers.ecdsa_with_SHA256);
        ASN1EncodableVector curves = new ASN1EncodableVector();
        if (accepted.contains(KeyType.EC_P256)) {
            curves.add(SECObjectIdentifiers.secp256r1);
        }
        if (accepted.contains(KeyType.EC_P384)) {
            curves.add(SECObjectIdentifiers.secp384r1);
        }
        if (curves.size() > 0) {
            attrs.add(new DERSequence(new ASN1Encodable[] {X9ObjectIdentifiers.id_ecPublicKey, new DERSet(curves)}));
        }
        if (accepted.contains(KeyType.RSA)) {
            attrs.add(new DERSequence(new ASN1Encodable[] {PKCSObjectIdentifiers.rsaEncryption,
                new DERSet(new ASN1Integer(KeyType.MIN_RSA_BITS))}));
        }
        try {
            byte[] der = new DERSequence(attrs).getEncoded();
            return (Base64.getMimeEncoder().encodeToString(der) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalStateException("could not encode the CSR attributes", e);
        }
    }
}
