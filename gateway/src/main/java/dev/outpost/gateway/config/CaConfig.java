package dev.outpost.gateway.config;

import dev.outpost.gateway.ca.KeyType;
import dev.outpost.wire.config.Violations;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code ca} section: the SPIFFE trust domain in agent certificates' URI SANs, how long an agent
 * certificate is valid (short lifetimes are the revocation mechanism, so the range stops at 30 days), how long after
 * expiry a certificate may still renew itself (0 turns that off), which key types it certifies (EC P-256 always, as
 * Outpost's agent uses it) and whether a renewal may keep its key.
 */
public record CaConfig(String trustDomain, Duration agentCertValidity, Duration renewalGrace, List<KeyType> keyTypes,
        SameKeyRenewal sameKeyRenewal) {
    public static final String DEFAULT_TRUST_DOMAIN = "outpost.local";
    public static final Duration DEFAULT_AGENT_CERT_VALIDITY = Duration.ofHours(24);
    public static final Duration MIN_AGENT_CERT_VALIDITY = Duration.ofSeconds(10);
    public static final Duration MAX_AGENT_CERT_VALIDITY = Duration.ofDays(30);
    public static final Duration DEFAULT_RENEWAL_GRACE = Duration.ofDays(7);
    public static final Duration MAX_RENEWAL_GRACE = Duration.ofDays(90);
    public static final List<KeyType> DEFAULT_KEY_TYPES = List.of(KeyType.EC_P256, KeyType.EC_P384);
    /** The characters a SPIFFE trust domain name may use. */
    private static final Pattern TRUST_DOMAIN = Pattern.compile("[a-z0-9._-]{1,255}");

    /**
     * @throws dev.outpost.wire.config.InvalidConfigException naming each bad value
     */
    public CaConfig {
        trustDomain = trustDomain == null ? DEFAULT_TRUST_DOMAIN : trustDomain;
        agentCertValidity = agentCertValidity == null ? DEFAULT_AGENT_CERT_VALIDITY : agentCertValidity;
        renewalGrace = renewalGrace == null ? DEFAULT_RENEWAL_GRACE : renewalGrace;
        keyTypes = keyTypes == null ? DEFAULT_KEY_TYPES : List.copyOf(keyTypes.stream().distinct().toList());
        sameKeyRenewal = sameKeyRenewal == null ? SameKeyRenewal.REFUSE : sameKeyRenewal;
        Violations v = new Violations();
        if (!keyTypes.contains(KeyType.EC_P256)) {
            v.add("key_types", keyTypes.stream().map(KeyType::configName).toList() + " leaves out ec-p256, the key "
                    + "type of Outpost's own agent; list it, e.g. [ec-p256, ec-p384]");
        }
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
        return new CaConfig(null, null, null, null, null);
    }

    /** The key types as a set, for {@link dev.outpost.gateway.ca.CsrCheck}. */
    public Set<KeyType> acceptedKeys() {
        return EnumSet.copyOf(keyTypes);
    }
}
