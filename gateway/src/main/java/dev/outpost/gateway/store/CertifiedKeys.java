package dev.outpost.gateway.store;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HexFormat;

/**
 * Which agent a public key is certified for. The {@code agents} table keeps the SHA-256 of the key of each agent's
 * current and previous certificate; a key may belong to one agent only, so that one key pair never stands for two
 * identities (a copied key enrolled again under a second token would otherwise escape the lineage lock).
 */
final class CertifiedKeys {
    private CertifiedKeys() {
    }

    /** SHA-256 of the key's SubjectPublicKeyInfo, in hex. */
    static String fingerprint(PublicKey key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getEncoded()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }

    /**
     * The id of an agent other than {@code except} (null: any) that is not revoked and whose current or previous
     * certificate is for the key with {@code fingerprint}; null if there is none. A revoked agent's certificates are
     * refused everywhere, so its key may be enrolled again.
     */
    static String holder(Connection c, String fingerprint, String except) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT id FROM agents WHERE (key_sha256 = ? OR "
                + "prev_key_sha256 = ?) AND status <> 'revoked' AND id <> ? ORDER BY enrolled_at LIMIT 1")) {
            ps.setString(1, fingerprint);
            ps.setString(2, fingerprint);
            ps.setString(3, except == null ? "" : except);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /**
     * The certificate of an active agent that token {@code tokenId} enrolled with the key {@code fingerprint} and
     * that has not renewed since: the answer to an earlier try of the same enrollment. Null if there is none.
     */
    static X509Certificate enrolledWith(Connection c, String tokenId, String fingerprint) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT cert FROM agents WHERE key_sha256 = ? AND token_id = ? "
                + "AND status = 'active' AND prev_serial IS NULL")) {
            ps.setString(1, fingerprint);
            ps.setString(2, tokenId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? parse(rs.getBytes(1)) : null;
            }
        }
    }

    /** The stored DER of a certificate, parsed; null if none was stored (agents enrolled before it was kept). */
    static X509Certificate parse(byte[] der) {
        if (der == null) {
            return null;
        }
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new java.io.ByteArrayInputStream(der));
        } catch (CertificateException e) {
            return null;
        }
    }

    /** The DER of {@code cert} for storing. */
    static byte[] encoded(X509Certificate cert) {
        try {
            return cert.getEncoded();
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException("a certificate just issued cannot be encoded", e);
        }
    }
}
