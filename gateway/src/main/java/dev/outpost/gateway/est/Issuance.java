package dev.outpost.gateway.est;

import dev.outpost.gateway.ca.AgentIdentity;
import dev.outpost.gateway.ca.Authorities;
import dev.outpost.gateway.ca.KeyType;
import dev.outpost.gateway.config.CaConfig;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * What the EST endpoints issue and publish: agent certificates from the CA that issues at this moment of a
 * rollover, with the profile and key policy of the {@code ca} section, and the CA bundle {@code cacerts} returns.
 */
public final class Issuance {
    private final Supplier<Authorities> authorities;
    private final CaConfig policy;
    private final Set<KeyType> keyTypes;
    /** The {@code cacerts} body of the last bundle answered: encoded again only when the bundle changes. */
    private volatile Encoded encodedCacerts = new Encoded(null, null);

    private record Encoded(List<X509Certificate> bundle, byte[] base64) {
    }

    /** @param authorities read at every request, so a CA rollover step takes effect without a restart */
    public Issuance(Supplier<Authorities> authorities, CaConfig policy) {
        this.authorities = Objects.requireNonNull(authorities, "authorities");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.keyTypes = policy.acceptedKeys();
    }

    /** An agent certificate for {@code key} and {@code id} from the current issuing CA. */
    public X509Certificate issueAgent(PublicKey key, AgentIdentity id) {
        return authorities.get().issuer().issueAgent(key, id, policy.trustDomain(), policy.agentCertValidity());
    }

    /** The CA bundle of {@code cacerts}: every trusted CA and, during a rollover, the link certificates. */
    public List<X509Certificate> cacerts() {
        return authorities.get().published();
    }

    /**
     * The {@code cacerts} response body (base64 PKCS#7 certs-only) of {@link #cacerts()}, built once per bundle (a
     * rollover step publishes a new one) instead of at every request: each enrollment asks for it. Never modify it.
     */
    public byte[] cacertsBody() {
        List<X509Certificate> bundle = cacerts();
        Encoded e = encodedCacerts;
        if (e.bundle() != bundle && !bundle.equals(e.bundle())) {
            e = new Encoded(bundle, Pkcs7.certsOnlyBase64(bundle));
            encodedCacerts = e;
        }
        return e.base64();
    }

    /** The key types a CSR may carry. */
    public Set<KeyType> keyTypes() {
        return keyTypes;
    }

    /** The {@code ca} section: validity, grace, same-key renewal. */
    public CaConfig policy() {
        return policy;
    }
}
