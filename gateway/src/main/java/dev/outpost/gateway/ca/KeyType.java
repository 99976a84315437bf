package dev.outpost.gateway.ca;

import java.math.BigInteger;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import java.util.Collection;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A kind of public key the CA may certify ({@code ca.key_types}). Outpost's agent generates EC P-256; P-384 is the
 * same algorithm with a larger curve; RSA (3072 to 8192 bits) is an allowance for EST clients that can do nothing
 * else, off by default.
 */
public enum KeyType {
    EC_P256("ec-p256", "EC P-256"),
    EC_P384("ec-p384", "EC P-384"),
    RSA("rsa", "RSA of " + KeyType.MIN_RSA_BITS + " to " + KeyType.MAX_RSA_BITS + " bits");

    /** Below 3072 bits RSA is weaker than P-256 (NIST SP 800-57: 128-bit security needs 3072). */
    public static final int MIN_RSA_BITS = 3072;
    /** Larger keys add nothing but verification cost. */
    public static final int MAX_RSA_BITS = 8192;
    private static final BigInteger P256_ORDER = new BigInteger(
            "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16);
    private static final BigInteger P384_ORDER = new BigInteger("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81"
            + "F4372DDF581A0DB248B0A77AECEC196ACCC52973", 16);
    private final String configName;
    private final String description;

    KeyType(String configName, String description) {
        this.configName = configName;
        this.description = description;
    }

    /** The spelling in gateway.yaml: {@code ec-p256}, {@code ec-p384}, {@code rsa}. */
    public String configName() {
        return configName;
    }

    /** For messages: "EC P-256", "RSA of 3072 to 8192 bits". */
    public String description() {
        return description;
    }

    /** Reads the gateway.yaml spelling, in any case. */
    public static KeyType parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        for (KeyType k : values()) {
            if (k.configName.equals(t)) {
                return k;
            }
        }
        throw new IllegalArgumentException("\"" + text + "\" is not a key type; use "
                + Arrays.stream(values()).map(KeyType::configName).collect(Collectors.joining(", ")));
    }

    /** The type of {@code key} if it is one of these, else null (another curve, algorithm or RSA size). */
    public static KeyType of(PublicKey key) {
        if (key instanceof ECPublicKey ec) {
            BigInteger order = ec.getParams().getOrder();
            return order.equals(P256_ORDER) ? EC_P256 : order.equals(P384_ORDER) ? EC_P384 : null;
        }
        if (key instanceof RSAPublicKey rsa) {
            int bits = rsa.getModulus().bitLength();
            return bits >= MIN_RSA_BITS && bits <= MAX_RSA_BITS ? RSA : null;
        }
        return null;
    }

    /** What a key is, for a refusal: "RSA of 2048 bits", "EC on another curve than P-256 and P-384". */
    public static String describe(PublicKey key) {
        if (key instanceof RSAPublicKey rsa) {
            return "RSA of " + rsa.getModulus().bitLength() + " bits";
        }
        KeyType t = of(key);
        if (t != null) {
            return t.description;
        }
        return key instanceof ECPublicKey ? "EC on another curve than P-256 and P-384" : key.getAlgorithm();
    }

    /** "EC P-256 or EC P-384": the accepted types, for messages. */
    public static String list(Collection<KeyType> types) {
        String[] d = types.stream().sorted().map(KeyType::description).toArray(String[]::new);
        return d.length == 1 ? d[0] : String.join(", ", Arrays.copyOf(d, d.length - 1)) + " or " + d[d.length - 1];
    }
}
