package dev.outpost.wire;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An enrollment token {@code opt_<id>_<secret>}: a public id (12 hex digits) that names the token in logs and
 * lists, and a 192-bit secret. {@link #toString()} never shows the secret.
 */
public final class EnrollmentToken {
    private static final Pattern FORMAT = Pattern.compile("opt_([0-9a-f]{12})_([0-9a-f]{48})");
    private static final Pattern ID = Pattern.compile("[0-9a-f]{12}");
    private final String id;
    private final String secret;

    private EnrollmentToken(String id, String secret) {
        this.id = id;
        this.secret = secret;
    }

    /** A fresh random token. */
    public static EnrollmentToken generate(SecureRandom random) {
        byte[] id = new byte[6];
        byte[] secret = new byte[24];
        random.nextBytes(id);
        random.nextBytes(secret);
        return new EnrollmentToken(HexFormat.of().formatHex(id), HexFormat.of().formatHex(secret));
    }

    /** Parses the token text; the error message never repeats the text (it may be a mistyped secret). */
    public static EnrollmentToken parse(String text) {
        Matcher m = FORMAT.matcher(text == null ? "" : text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("not an Outpost enrollment token: expected opt_<12 hex>_<48 hex> "
                    + "as printed by `outpost-gateway token create`");
        }
        return new EnrollmentToken(m.group(1), m.group(2));
    }

    /** Builds a token from the id and secret sent as HTTP Basic user and password. */
    public static EnrollmentToken of(String id, String secret) {
        return parse(prefixed(id) + "_" + secret);
    }

    private static String prefixed(String id) {
        return WireNames.TOKEN_PREFIX + (id == null ? "" : id);
    }

    /** Whether {@code id} has the form of a token id (safe to log). */
    public static boolean isId(String id) {
        return id != null && ID.matcher(id).matches();
    }

    public String id() {
        return id;
    }

    public String secret() {
        return secret;
    }

    /** The whole token, secret included: to be shown once, never logged. */
    public String reveal() {
        return WireNames.TOKEN_PREFIX + id + "_" + secret;
    }

    /** The token with its secret elided, safe for logs: {@code opt_3f9a0c1b2d4e_…}. */
    @Override
    public String toString() {
        return WireNames.TOKEN_PREFIX + id + "_…";
    }
}
