package dev.outpost.agent.status;

import dev.outpost.agent.tls.Credentials;

/**
 * What {@code status.json} says of the agent's certificate (agent id, org, expiry), read once per certificate:
 * the status file is rewritten after every push, and reading the subject's names parses the certificate's X.500
 * name each time (a third of a status write's CPU, mostly in the interpreter). A new {@link Credentials} (a renewal,
 * a rollover to a staged pair) is read again. Not thread-safe: the caller holds its own lock.
 */
public final class CertificateText {
    private Credentials source;
    private String agentId;
    private String org;
    private String notAfter;

    /** Reads {@code current} if it is not the credentials read last; returns this. */
    public CertificateText of(Credentials current) {
        if (current != source) {
            agentId = current.agentId();
            org = current.org();
            notAfter = Timestamps.iso(current.notAfter());
            source = current;
        }
        return this;
    }

    public String agentId() {
        return agentId;
    }

    public String org() {
        return org;
    }

    /** The certificate's notAfter as {@link Timestamps#iso} writes it. */
    public String notAfter() {
        return notAfter;
    }
}
