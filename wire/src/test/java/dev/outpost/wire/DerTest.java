package dev.outpost.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.KeyPairGenerator;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERBMPString;
import org.bouncycastle.asn1.DERIA5String;
import org.bouncycastle.asn1.DERPrintableString;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.DERUniversalString;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.junit.jupiter.api.Test;

/** The JDK-only reader of names and keys gives what Bouncy Castle gives, or leaves the input to it. */
class DerTest {
    /** What the agent read with Bouncy Castle before (Credentials.agentId / org). */
    private static String bc(X500Name name, ASN1ObjectIdentifier type) {
        RDN[] rdns = name.getRDNs(type);
        return rdns.length == 0 ? "" : rdns[0].getFirst().getValue().toString();
    }

    private static void sameAsBc(X500Name name) throws Exception {
        byte[] der = name.getEncoded();
        assertEquals(bc(name, BCStyle.CN), Der.nameAttribute(der, Der.COMMON_NAME), name.toString());
        assertEquals(bc(name, BCStyle.O), Der.nameAttribute(der, Der.ORGANIZATION), name.toString());
    }

    @Test
    void namesAsTheGatewayIssuesThemReadAsBouncyCastleReadsThem() throws Exception {
        sameAsBc(new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "acme").addRDN(BCStyle.CN, "a-0123456789abcdef")
                .build());
        sameAsBc(new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "Ünïcødé org €").addRDN(BCStyle.CN, "a-1")
                .build());
        sameAsBc(new X500Name("CN=only a name"));
        sameAsBc(new X500Name("C=DE,L=Berlin"));
        sameAsBc(new X500Name("O=first,O=second,CN=x,CN=y"));
        sameAsBc(new X500Name(new RDN[0]));
        sameAsBc(new X500Name(new RDN[] {new RDN(BCStyle.CN, new DERPrintableString("printable")),
                new RDN(BCStyle.O, new DERIA5String("ia5"))}));
        sameAsBc(new X500Name(new RDN[] {new RDN(BCStyle.CN, new DERBMPString("bmp \u20ac")),
                new RDN(BCStyle.O, new DERUTF8String(""))}));
        // A multi-valued RDN without the type is skipped, as Bouncy Castle skips it.
        sameAsBc(new X500Name(new RDN[] {multi(BCStyle.C, "DE", BCStyle.L, "Berlin"),
                new RDN(BCStyle.CN, new DERUTF8String("after"))}));
    }

    @Test
    void formsItDoesNotReadAreLeftToBouncyCastle() throws Exception {
        byte[] multi = new X500Name(new RDN[] {multi(BCStyle.CN, "a", BCStyle.O, "b")}).getEncoded();
        assertNull(Der.nameAttribute(multi, Der.COMMON_NAME));
        assertNull(Der.nameAttribute(multi, Der.ORGANIZATION));
        byte[] universal = new X500Name(new RDN[] {new RDN(BCStyle.CN, new DERUniversalString(new byte[4]))})
                .getEncoded();
        assertNull(Der.nameAttribute(universal, Der.COMMON_NAME));
        assertEquals("", Der.nameAttribute(universal, Der.ORGANIZATION));
        byte[] badUtf8 = {0x30, 0x0c, 0x31, 0x0a, 0x30, 0x08, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x01, (byte) 0xff};
        assertNull(Der.nameAttribute(badUtf8, Der.COMMON_NAME));
        byte[] cut = new X500Name("CN=x").getEncoded();
        assertNull(Der.nameAttribute(java.util.Arrays.copyOf(cut, cut.length - 1), Der.COMMON_NAME));
        assertNull(Der.nameAttribute(new byte[0], Der.COMMON_NAME));
    }

    @Test
    void ecKeysArePkcs8OfIdEcPublicKeyAndOthersAreNot() throws Exception {
        assertTrue(Der.ecPrivateKeyInfo(TestCerts.ecKeyPair().getPrivate().getEncoded()));
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(1024);
        assertFalse(Der.ecPrivateKeyInfo(rsa.generateKeyPair().getPrivate().getEncoded()));
        byte[] ec = TestCerts.ecKeyPair().getPrivate().getEncoded();
        assertFalse(Der.ecPrivateKeyInfo(java.util.Arrays.copyOf(ec, ec.length + 1)));
        assertFalse(Der.ecPrivateKeyInfo(new byte[] {0x30}));
    }

    private static RDN multi(ASN1ObjectIdentifier t1, String v1, ASN1ObjectIdentifier t2, String v2) {
        return new RDN(new AttributeTypeAndValue[] {new AttributeTypeAndValue(t1, (ASN1Encodable) new DERUTF8String(v1)),
                new AttributeTypeAndValue(t2, new DERUTF8String(v2))});
    }
}
