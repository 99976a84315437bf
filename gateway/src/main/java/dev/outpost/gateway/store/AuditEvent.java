package dev.outpost.gateway.store;

import java.util.Objects;

/**
 * One security event to append to the audit log: what happened ({@code kind}), to whom (org, agent, token id —
 * never a secret), who or where it came from ({@code source}: "cli" or a peer address) and a readable detail.
 */
public record AuditEvent(String kind, String org, String agent, String token, String source, String detail) {
    public static final String TOKEN_CREATE = "token.create";
    public static final String TOKEN_REVOKE = "token.revoke";
    public static final String AGENT_ENROLL = "agent.enroll";
    public static final String AGENT_REVOKE = "agent.revoke";
    public static final String AGENT_RENEW = "agent.renew";
    public static final String AGENT_LOCK = "agent.lock";
    public static final String AUTH_BURST = "auth.burst";
    /** A CSR brought a key already certified for another agent: refused. */
    public static final String KEY_REUSE = "key.reuse";
    /** CA rollover: a next CA staged, switched to, the previous one retired, or a staged one discarded. */
    public static final String CA_STAGE = "ca.stage";
    public static final String CA_SWITCH = "ca.switch";
    public static final String CA_RETIRE = "ca.retire";
    public static final String CA_ABORT = "ca.abort";
    /** Every kind of entry, for filters that must reject a misspelt one. */
    public static final java.util.List<String> KINDS = java.util.List.of(TOKEN_CREATE, TOKEN_REVOKE, AGENT_ENROLL,
            AGENT_RENEW, AGENT_LOCK, AGENT_REVOKE, AUTH_BURST, KEY_REUSE, CA_STAGE, CA_SWITCH, CA_RETIRE, CA_ABORT);
    /** The source of events caused by an operator at the command line. */
    public static final String CLI = "cli";
    /** The source of events the gateway caused by itself (a rollover step that fell due). */
    public static final String GATEWAY = "gateway";

    public AuditEvent {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(detail, "detail");
    }
}
