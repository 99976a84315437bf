package dev.outpost.gateway.config;

/**
 * Whether {@code simplereenroll} may certify the key of the certificate it renews ({@code ca.same_key_renewal}).
 * RFC 7030 allows renewal with the same key as well as rekeying; Outpost's agent always rekeys, and refusing the
 * same key keeps a copied key from outliving the next renewal (see the README on the lineage lock).
 */
public enum SameKeyRenewal {
    /** A renewal must bring a new key pair (the default). */
    REFUSE,
    /** A renewal may keep its key: for EST clients that cannot rekey. */
    ALLOW
}
