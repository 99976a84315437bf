package dev.outpost.gateway.config;

/** Where the gateway keeps its state (tokens, agents, lineage, watermarks, the audit log); {@code state.type}. */
public enum StateType {
    /** An embedded SQLite file in the gateway directory: one gateway, nothing to run. */
    SQLITE,
    /** A PostgreSQL database shared by several gateways behind a TCP load balancer. */
    POSTGRESQL
}
