package dev.outpost.wire;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The few DER (X.690) structures Outpost reads with the JDK alone, so that a running agent need not load Bouncy
 * Castle to read its key and the names in its certificate. It reads only the plain forms Outpost writes; for
 * anything else it answers "unknown" (null, false), and the caller hands the input to Bouncy Castle as before.
 */
public final class Der {
    /** id-ecPublicKey (1.2.840.10045.2.1), the algorithm of an EC key's PKCS#8 encoding. */
    private static final byte[] EC_PUBLIC_KEY = {0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};
    /** commonName (2.5.4.3). */
    public static final byte[] COMMON_NAME = {0x55, 0x04, 0x03};
    /** organizationName (2.5.4.10). */
    public static final byte[] ORGANIZATION = {0x55, 0x04, 0x0a};

    private Der() {
    }

    /** Whether {@code der} is exactly one PKCS#8 PrivateKeyInfo of an EC key (its algorithm id-ecPublicKey). */
    public static boolean ecPrivateKeyInfo(byte[] der) {
        int[] info = element(der, 0, der.length);
        if (info == null || info[0] != 0x30 || info[2] != der.length) {
            return false;
        }
        int[] version = element(der, info[1], info[2]);
        int[] algorithm = version == null || version[0] != 0x02 ? null : element(der, version[2], info[2]);
        int[] oid = algorithm == null || algorithm[0] != 0x30 ? null : element(der, algorithm[1], algorithm[2]);
        return oid != null && oid[0] == 0x06
                && Arrays.equals(der, oid[1], oid[2], EC_PUBLIC_KEY, 0, EC_PUBLIC_KEY.length);
    }

    /**
     * The value of the attribute {@code type} (an OID's content bytes, e.g. {@link #COMMON_NAME}) in the first
     * relative distinguished name of the DER X.500 {@code name} that has one, as Bouncy Castle's
     * {@code X500Name.getRDNs(type)[0].getFirst().getValue().toString()} gives it; "" when no RDN has it; null when
     * the name is in a form this reader leaves to Bouncy Castle (a multi-valued RDN with that type, a string type
     * other than UTF8String, PrintableString, IA5String, VisibleString, NumericString, TeletexString and BMPString,
     * invalid UTF-8, anything not plain DER).
     */
    public static String nameAttribute(byte[] name, byte[] type) {
        int[] seq = element(name, 0, name.length);
        if (seq == null || seq[0] != 0x30 || seq[2] != name.length) {
            return null;
        }
        for (int pos = seq[1]; pos < seq[2]; ) {
            int[] rdn = element(name, pos, seq[2]);
            if (rdn == null || rdn[0] != 0x31) {
                return null;
            }
            pos = rdn[2];
            int values = 0;
            int[] found = null;
            for (int at = rdn[1]; at < rdn[2]; values++) {
                int[] ava = element(name, at, rdn[2]);
                int[] oid = ava == null || ava[0] != 0x30 ? null : element(name, ava[1], ava[2]);
                int[] value = oid == null || oid[0] != 0x06 ? null : element(name, oid[2], ava[2]);
                if (value == null || value[2] != ava[2]) {
                    return null;
                }
                if (found == null && Arrays.equals(name, oid[1], oid[2], type, 0, type.length)) {
                    found = value;
                }
                at = ava[2];
            }
            if (found != null) {
                return values == 1 ? string(name, found) : null;
            }
        }
        return "";
    }

    /** The text of a DER string element as Bouncy Castle's {@code getString()} gives it; null for other types. */
    private static String string(byte[] d, int[] e) {
        switch (e[0]) {
            case 0x0c: // UTF8String
                try {
                    return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT)
                            .decode(ByteBuffer.wrap(d, e[1], e[2] - e[1])).toString();
                } catch (CharacterCodingException x) {
                    return null;
                }
            case 0x12: // NumericString
            case 0x13: // PrintableString
            case 0x14: // TeletexString
            case 0x16: // IA5String
            case 0x1a: // VisibleString
                return new String(d, e[1], e[2] - e[1], StandardCharsets.ISO_8859_1);
            case 0x1e: // BMPString
                if ((e[2] - e[1]) % 2 != 0) {
                    return null;
                }
                char[] chars = new char[(e[2] - e[1]) / 2];
                for (int i = 0; i < chars.length; i++) {
                    chars[i] = (char) ((d[e[1] + 2 * i] & 0xff) << 8 | d[e[1] + 2 * i + 1] & 0xff);
                }
                return new String(chars);
            default:
                return null;
        }
    }

    /**
     * The element at {@code pos} (before {@code limit}) as {tag, first content byte, end}; null unless it has a
     * one-byte tag and a definite length that fits.
     */
    private static int[] element(byte[] d, int pos, int limit) {
        if (pos + 2 > limit) {
            return null;
        }
        int tag = d[pos] & 0xff;
        if ((tag & 0x1f) == 0x1f) {
            return null;
        }
        int length = d[pos + 1] & 0xff;
        int start = pos + 2;
        if (length == 0x80 || length > 0x83) {
            return null;
        }
        if (length > 0x80) {
            int bytes = length & 0x7f;
            if (start + bytes > limit) {
                return null;
            }
            length = 0;
            for (int i = 0; i < bytes; i++) {
                length = length << 8 | d[start + i] & 0xff;
            }
            start += bytes;
        }
        return length > limit - start ? null : new int[] {tag, start, start + length};
    }
}
