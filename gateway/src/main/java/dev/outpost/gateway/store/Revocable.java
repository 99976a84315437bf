package dev.outpost.gateway.store;

import java.sql.SQLException;

/** Something an operator can revoke one at a time or for a whole org: tokens, agents. Each revocation is audited. */
public interface Revocable {
    /** Revokes {@code id}; false if there is no such one that is not revoked already. */
    boolean revoke(String id) throws SQLException;

    /** Revokes every one of {@code org} not revoked yet; returns how many. */
    int revokeOrg(String org) throws SQLException;
}
