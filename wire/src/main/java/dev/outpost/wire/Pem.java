package dev.outpost.wire;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * Reads and writes certificates and private keys as PEM, the format operators can inspect with openssl. It writes
 * what Bouncy Castle's PEM writer wrote, byte for byte (64-character Base64 lines, the system's line separator),
 * with the JDK alone, and reads that plain form (CERTIFICATE blocks; one PKCS#8 EC PRIVATE KEY block; a PRIVATE KEY
 * and a PUBLIC KEY block) with the JDK alone too, so that a running agent, renewals included, never loads Bouncy
 * Castle for it; any other text is read by Bouncy Castle's PEM parser ({@link PemBc}), with the same results and
 * errors as before.
 */
public final class Pem {
    private Pem() {
    }

    /** PEM text of one or more certificates, in order. */
    public static String certificates(List<X509Certificate> certs) {
        StringBuilder out = new StringBuilder(1024 * certs.size());
        for (X509Certificate cert : certs) {
            try {
                block(out, "CERTIFICATE", cert.getEncoded());
            } catch (CertificateEncodingException e) {
                throw new IllegalStateException("PEM encoding failed", e);
            }
        }
        return out.toString();
    }

    /** PEM text of a private key (PKCS#8). */
    public static String privateKey(PrivateKey key) {
        byte[] der = "PKCS#8".equals(key.getFormat()) ? key.getEncoded() : null;
        return der != null ? block(new StringBuilder(320), "PRIVATE KEY", der).toString() : PemBc.privateKey(key);
    }

    /** PEM text of a public key (its X.509 SubjectPublicKeyInfo). */
    public static String publicKey(PublicKey key) {
        byte[] der = "X.509".equals(key.getFormat()) ? key.getEncoded() : null;
        return der != null ? block(new StringBuilder(256), "PUBLIC KEY", der).toString() : PemBc.write(key);
    }

    /**
     * The EC key pair of a text of one PRIVATE KEY (PKCS#8) and one PUBLIC KEY block, in either order, as
     * {@link #privateKey} and {@link #publicKey} write them, read by the JDK; null for any other text (which Bouncy
     * Castle's parser may still read). Whether the two keys belong together is the caller's to check.
     */
    public static KeyPair plainKeyPair(String pem) {
        List<String> types = new ArrayList<>(2);
        List<byte[]> blocks = plainBlocks(pem, types, "PRIVATE KEY", "PUBLIC KEY");
        if (blocks == null || blocks.size() != 2 || types.get(0).equals(types.get(1))) {
            return null;
        }
        int k = types.get(0).equals("PRIVATE KEY") ? 0 : 1;
        if (!Der.ecPrivateKeyInfo(blocks.get(k))) {
            return null;
        }
        try {
            KeyFactory ec = KeyFactory.getInstance("EC");
            PublicKey pub = ec.generatePublic(new X509EncodedKeySpec(blocks.get(1 - k)));
            if (!Arrays.equals(pub.getEncoded(), blocks.get(1 - k))) {
                return null;
            }
            return new KeyPair(pub, ec.generatePrivate(new PKCS8EncodedKeySpec(blocks.get(k))));
        } catch (GeneralSecurityException | RuntimeException e) {
            return null;
        }
    }

    /** Appends one PEM block as Bouncy Castle's PemWriter writes it. */
    private static StringBuilder block(StringBuilder out, String type, byte[] der) {
        String nl = System.lineSeparator();
        out.append("-----BEGIN ").append(type).append("-----").append(nl);
        String base64 = Base64.getEncoder().encodeToString(der);
        for (int i = 0; i < base64.length(); i += 64) {
            out.append(base64, i, Math.min(base64.length(), i + 64)).append(nl);
        }
        return out.append("-----END ").append(type).append("-----").append(nl);
    }

    /** Every certificate in a PEM file; fails naming the file if there is none or one is malformed. */
    public static List<X509Certificate> readCertificates(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        try {
            List<X509Certificate> certs = parseCertificates(text);
            if (certs.isEmpty()) {
                throw new IOException(file + ": no PEM certificate found");
            }
            return certs;
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + ": not a valid PEM certificate file (" + e.getMessage() + ")", e);
        }
    }

    /** Every certificate in a PEM string. */
    public static List<X509Certificate> parseCertificates(String pem) throws IOException {
        List<X509Certificate> plain = plainCertificates(pem);
        return plain != null ? plain : PemBc.parseCertificates(pem);
    }

    /** The private key in a PEM file. The message of a failure names the file, never the key material. */
    public static PrivateKey readPrivateKey(Path file) throws IOException {
        try {
            return parsePrivateKey(Files.readString(file, StandardCharsets.US_ASCII));
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + ": not a valid PEM private key", null);
        }
    }

    static PrivateKey parsePrivateKey(String pem) throws IOException {
        PrivateKey plain = plainPrivateKey(pem);
        return plain != null ? plain : PemBc.parsePrivateKey(new StringReader(pem));
    }

    /**
     * The certificates of a text of CERTIFICATE blocks only (blank lines around them allowed), each exactly one
     * DER certificate, read by the JDK's X.509 factory (Bouncy Castle's parser hands it the same bytes); null for
     * any other text.
     */
    static List<X509Certificate> plainCertificates(String pem) {
        List<byte[]> blocks = plainBlocks(pem, null, "CERTIFICATE");
        if (blocks == null) {
            return null;
        }
        List<X509Certificate> certs = new ArrayList<>(blocks.size());
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (byte[] der : blocks) {
                X509Certificate cert = (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der));
                if (!Arrays.equals(cert.getEncoded(), der)) {
                    return null;
                }
                certs.add(cert);
            }
        } catch (GeneralSecurityException | RuntimeException e) {
            return null;
        }
        return certs;
    }

    /** The key of a text of one PRIVATE KEY block (PKCS#8) of an EC key, read by the JDK; null for anything else. */
    static PrivateKey plainPrivateKey(String pem) {
        List<byte[]> blocks = plainBlocks(pem, null, "PRIVATE KEY");
        if (blocks == null || blocks.size() != 1 || !Der.ecPrivateKeyInfo(blocks.get(0))) {
            return null;
        }
        try {
            return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(blocks.get(0)));
        } catch (GeneralSecurityException | RuntimeException e) {
            return null;
        }
    }

    /**
     * The decoded contents of the blocks of a text made of blocks of the {@code types} alone (lines of standard
     * Base64 between the BEGIN and END lines, no headers) and blank lines, their types added to {@code typesOut} if
     * not null; null for any other text.
     */
    private static List<byte[]> plainBlocks(String pem, List<String> typesOut, String... types) {
        String end = null;
        List<byte[]> blocks = new ArrayList<>(2);
        StringBuilder base64 = null;
        for (int pos = 0, n = pem.length(); pos < n; ) {
            int eol = pem.indexOf('\n', pos);
            if (eol < 0) {
                eol = n;
            }
            String line = pem.substring(pos, eol).strip();
            pos = eol + 1;
            if (base64 == null) {
                if (line.isEmpty()) {
                    continue;
                }
                for (String type : types) {
                    if (line.equals("-----BEGIN " + type + "-----")) {
                        end = "-----END " + type + "-----";
                        if (typesOut != null) {
                            typesOut.add(type);
                        }
                    }
                }
                if (end == null) {
                    return null;
                }
                base64 = new StringBuilder(1024);
            } else if (line.equals(end)) {
                try {
                    blocks.add(Base64.getDecoder().decode(base64.toString()));
                } catch (IllegalArgumentException e) {
                    return null;
                }
                base64 = null;
                end = null;
            } else {
                base64.append(line);
            }
        }
        return base64 == null ? blocks : null;
    }
}
