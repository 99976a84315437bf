package dev.outpost.wire;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * Reads and writes certificates and private keys as PEM, the format operators can inspect with openssl. The plain
 * form Outpost writes (CERTIFICATE blocks; one PKCS#8 EC PRIVATE KEY block) is read with the JDK alone, so that a
 * running agent never loads Bouncy Castle for it; any other text is read by Bouncy Castle's PEM parser
 * ({@link PemBc}), with the same results and errors as before. Writing is Bouncy Castle's.
 */
public final class Pem {
    private Pem() {
    }

    /** PEM text of one or more certificates, in order. */
    public static String certificates(List<X509Certificate> certs) {
        return PemBc.write(certs.toArray());
    }

    /** PEM text of a private key (PKCS#8). */
    public static String privateKey(PrivateKey key) {
        return PemBc.privateKey(key);
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
        List<byte[]> blocks = plainBlocks(pem, "CERTIFICATE");
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
        List<byte[]> blocks = plainBlocks(pem, "PRIVATE KEY");
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
     * The decoded contents of the blocks of {@code type} of a text made of such blocks alone (lines of standard
     * Base64 between the BEGIN and END lines, no headers) and blank lines; null for any other text.
     */
    private static List<byte[]> plainBlocks(String pem, String type) {
        String begin = "-----BEGIN " + type + "-----";
        String end = "-----END " + type + "-----";
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
                if (line.equals(begin)) {
                    base64 = new StringBuilder(1024);
                } else if (!line.isEmpty()) {
                    return null;
                }
            } else if (line.equals(end)) {
                try {
                    blocks.add(Base64.getDecoder().decode(base64.toString()));
                } catch (IllegalArgumentException e) {
                    return null;
                }
                base64 = null;
            } else {
                base64.append(line);
            }
        }
        return base64 == null ? blocks : null;
    }
}
