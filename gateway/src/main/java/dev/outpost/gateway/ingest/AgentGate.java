package dev.outpost.gateway.ingest;

import java.util.Optional;

/** Decides whether an agent may still be served: empty if so, else why not ("revoked", "locked"). */
@FunctionalInterface
public interface AgentGate {
    /** Lets every agent through: for listeners without a state store, and tests of other concerns. */
    AgentGate OPEN = agentId -> Optional.empty();

    Optional<String> refusal(String agentId);
}
