package dev.outpost.gateway.store;

import java.security.cert.X509Certificate;

/**
 * The certificate an enrollment or renewal answers with, and whether it was issued just now or earlier for the same
 * request (same token or certificate, same new key: a retry after a lost answer is answered, not refused or locked).
 */
public record Issued(X509Certificate certificate, boolean retried) {
}
