package dev.outpost.gateway.config;

import dev.outpost.wire.config.Violations;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * The {@code ca} section: the SPIFFE trust domain in agent certificates' URI SANs, how long an agent
 * certificate is valid (short lifetimes are the revocation mechanism, so the range stops at 30 days), and how
 * long after expiry a certificate may still renew itself (0 turns that off).
 */
public record CaConfig(String trustDomain, Duration agentCertValidity, Duration renewalGrace) {
    public static final String DEFAULT_TRUST_DOMAIN = "outpost.local";
    public static final Duration DEFAULT_AGENT_CERT_VALIDITY = Duration.ofHours(24);
    public static final Duration MIN_AGENT_CERT_VALIDITY = Duration.ofSeconds(10);
    public static final Duration MAX_AGENT_CERT_VALIDITY = Duration.ofDays(30);
    public static final Duration DEFAULT_RENEWAL_GRACE = Duration.ofDays(7);
    public static final Duration MAX_RENEWAL_GRACE = Duration.ofDays(90);
    /** The characters a SPIFFE trust domain name may use. */
    private static final Pattern TRUST_DOMAIN = Pattern.compile("[a-z0-9._-]{1,255}");

    /**
     * @throws dev.outpost.wire.config.InvalidConfigException naming each bad value
     */
    public CaConfig {
        trustDomain = trustDomain == null ? DEFAULT_TRUST_DOMAIN : trustDomain;
        agentCertValidity = agentCertValidity == null ? DEFAULT_AGENT_CERT_VALIDITY : agentCertValidity;
        renewalGrace = renewalGrace == null ? DEFAULT_RENEWAL_GRACE : renewalGrace;
        Violations v = new Violations();
        if (!TRUST_DOMAIN.matcher(trustDomain).matches()) {
            v.add("trust_domain", "\"" + trustDomain + "\" is not a valid trust domain; use lower-case letters, "
                    + "digits, \".\", \"-\" and \"_\", e.g. \"" + DEFAULT_TRUST_DOMAIN + "\"");
        }
        v.durationBetween("agent_cert_validity", agentCertValidity, MIN_AGENT_CERT_VALIDITY, MAX_AGENT_CERT_VALIDITY,
                DEFAULT_AGENT_CERT_VALIDITY);
        v.durationBetween("renewal_grace", renewalGrace, Duration.ZERO, MAX_RENEWAL_GRACE, DEFAULT_RENEWAL_GRACE);
        v.throwIfAny();
    }

    public static CaConfig defaults() {
        return new CaConfig(null, null, null);
    }
}
