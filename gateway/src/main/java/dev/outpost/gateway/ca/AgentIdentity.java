package dev.outpost.gateway.ca;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Who an agent is: its gateway-assigned id ({@code a-<16 hex>}) and its org. The gateway assigns the id, so
 * no agent can claim another's name in its CSR.
 */
public record AgentIdentity(String org, String agentId) {
    /** Org names: lowercase letters, digits, '-', '_', '.', 1 to 63 characters, starting alphanumeric. */
    public static final Pattern ORG = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");
    private static final Pattern AGENT_ID = Pattern.compile("a-[0-9a-f]{16}");

    public AgentIdentity {
        if (org == null || !ORG.matcher(org).matches()) {
            throw new IllegalArgumentException("org \"" + org + "\" is not valid; use 1-63 lowercase letters, "
                    + "digits, '.', '-' or '_', starting with a letter or digit");
        }
        if (agentId == null || !AGENT_ID.matcher(agentId).matches()) {
            throw new IllegalArgumentException("agent id \"" + agentId + "\" is not of the form a-<16 hex digits>");
        }
    }

    /** A fresh identity in {@code org}. */
    public static AgentIdentity generate(String org, SecureRandom random) {
        byte[] b = new byte[8];
        random.nextBytes(b);
        return new AgentIdentity(org, "a-" + HexFormat.of().formatHex(b));
    }

    /** {@code spiffe://<trust-domain>/org/<org>/agent/<agent-id>}. */
    public String spiffeId(String trustDomain) {
        return "spiffe://" + trustDomain + "/org/" + org + "/agent/" + agentId;
    }
}
