package dev.outpost.gateway.store;

import dev.outpost.gateway.ca.CaSnapshot;
import dev.outpost.gateway.ca.CaStore;
import dev.outpost.gateway.ca.CertificateAuthority;
import dev.outpost.gateway.ca.MasterKey;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The CA material in the state database (table {@code ca_material}), shared by every gateway of one PostgreSQL
 * database: certificates by role, and the issuing and next CAs' private keys sealed with the master key exactly as
 * {@code ca.key.enc} is (the master key never enters the database). Every rollover step changes the rows in the
 * rollover record's transaction, under the state lock, so one gateway takes it and every gateway reads it at its
 * next refresh; a snapshot is one statement, so it never mixes two steps.
 */
public final class SharedCa implements CaStore {
    static final String ISSUING = "issuing";
    static final String NEXT = "next";
    static final String PREVIOUS = "previous";
    static final String NEW_WITH_OLD = "link_new_with_old";
    static final String OLD_WITH_NEW = "link_old_with_new";
    private final Database db;
    private final Clock clock;

    public SharedCa(Database db, Clock clock) {
        this.db = Objects.requireNonNull(db, "db");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public String where() {
        return "the state database " + db.where();
    }

    @Override
    public boolean exists() throws IOException {
        try {
            return db.read(c -> rows(c).containsKey(ISSUING));
        } catch (SQLException e) {
            throw new IOException(where() + ": cannot read the CA: " + e.getMessage(), e);
        }
    }

    @Override
    public CertificateAuthority create(MasterKey master, Clock clock, SecureRandom random) throws IOException {
        CertificateAuthority ca = CaStore.newFirst(clock, random);
        if (!adopt(ca.certificate(), CaSnapshot.seal(master, ca))) {
            throw new FileAlreadyExistsException(where(), null, "it holds a CA already; refusing to replace it");
        }
        return ca;
    }

    /**
     * Stores {@code certificate} and its {@code sealedKey} as the issuing CA, unless there is one already (two first
     * gateways racing: one wins). Used to create the first CA, and to move a gateway's CA files into the database.
     */
    public boolean adopt(X509Certificate certificate, byte[] sealedKey) throws IOException {
        try {
            return db.inTransaction(c -> {
                if (!rows(c).isEmpty()) {
                    return false;
                }
                insert(c, ISSUING, certificate, sealedKey);
                return true;
            });
        } catch (SQLException e) {
            throw new IOException(where() + ": cannot store the CA: " + e.getMessage(), e);
        }
    }

    @Override
    public CaSnapshot snapshot() throws IOException {
        Map<String, Row> rows;
        try {
            rows = db.read(SharedCa::rows);
        } catch (SQLException e) {
            throw new IOException(where() + ": cannot read the CA: " + e.getMessage(), e);
        }
        if (rows.isEmpty()) {
            throw new IOException(where() + " holds no CA; create it with `outpost-gateway init --dir DIR` on the "
                    + "first gateway (with state.type: postgresql in its gateway.yaml); the others then only start");
        }
        String problem = problem(rows);
        if (problem != null) {
            throw new CaSnapshot.InconsistentException("the CA material in " + where() + " (table ca_material) is "
                    + "inconsistent: " + problem);
        }
        Row issuing = rows.get(ISSUING);
        List<X509Certificate> links = rows.containsKey(NEW_WITH_OLD)
                ? List.of(rows.get(NEW_WITH_OLD).certificate, rows.get(OLD_WITH_NEW).certificate) : List.of();
        Row next = rows.get(NEXT);
        Row previous = rows.get(PREVIOUS);
        return new CaSnapshot(issuing.certificate, issuing.sealedKey, next == null ? null : next.certificate,
                previous == null ? null : previous.certificate, links, "the CA key in " + where());
    }

    @Override
    public boolean stage(CertificateAuthority current, CertificateAuthority next, MasterKey master, StepCommit commit)
            throws SQLException {
        byte[] sealed = CaSnapshot.seal(master, next);
        List<X509Certificate> links = CaStore.links(current, next);
        return commit.commit(c -> {
            delete(c, NEXT, NEW_WITH_OLD, OLD_WITH_NEW);
            insert(c, NEXT, next.certificate(), sealed);
            insert(c, NEW_WITH_OLD, links.get(0), null);
            insert(c, OLD_WITH_NEW, links.get(1), null);
        });
    }

    /** The issuing row becomes the previous (its key is dropped: it issues nothing more), the next one issues. */
    @Override
    public boolean switchToNext(StepCommit commit) throws SQLException {
        return commit.commit(c -> {
            delete(c, PREVIOUS);
            update(c, "UPDATE ca_material SET role = 'previous', sealed_key = NULL WHERE role = 'issuing'");
            if (update(c, "UPDATE ca_material SET role = 'issuing' WHERE role = 'next'") != 1) {
                throw new SQLException("no staged CA in " + where() + " to switch to; `outpost-gateway ca abort` "
                        + "and start the rollover again");
            }
        });
    }

    @Override
    public boolean retirePrevious(StepCommit commit) throws SQLException {
        return commit.commit(c -> delete(c, PREVIOUS, NEW_WITH_OLD, OLD_WITH_NEW));
    }

    @Override
    public Alongside discardNext() {
        return c -> delete(c, NEXT, NEW_WITH_OLD, OLD_WITH_NEW);
    }

    private record Row(X509Certificate certificate, byte[] sealedKey) {
    }

    private static final String RESTORE = "restore the table ca_material from a backup of this database";

    /**
     * What is wrong with a set of rows no rollover step leaves (it was edited or restored in part), and what to do;
     * null if nothing. A rollover step writes the next or previous CA together with its two links, whose keys are
     * those of the CAs they join.
     */
    static String problem(Map<String, Row> rows) {
        Row issuing = rows.get(ISSUING);
        Row next = rows.get(NEXT);
        Row previous = rows.get(PREVIOUS);
        Row newWithOld = rows.get(NEW_WITH_OLD);
        Row oldWithNew = rows.get(OLD_WITH_NEW);
        if (issuing == null) {
            return "it has " + rows.keySet().stream().sorted().toList() + " but no issuing CA; " + RESTORE;
        }
        if (issuing.sealedKey == null) {
            return "the issuing CA has no sealed key; " + RESTORE;
        }
        if (next != null && previous != null) {
            return "it has both a staged (next) and a previous CA, which no rollover step leaves; " + RESTORE;
        }
        String abort = "discard the staged CA with `outpost-gateway ca abort` (with this gateway's --dir and --config; "
                + "`ca rollover` then starts again), or " + RESTORE;
        String retire = RESTORE + ", or give the previous CA up at once (agents holding a certificate from it must "
                + "enroll again): DELETE FROM ca_material WHERE role IN ('previous', '" + NEW_WITH_OLD + "', '"
                + OLD_WITH_NEW + "')";
        if (next != null && next.sealedKey == null) {
            return "the staged (next) CA has no sealed key; " + abort;
        }
        String ca = next != null ? "the staged (next) CA" : previous != null ? "the previous CA" : null;
        String fix = next != null ? abort : retire;
        if (ca == null) {
            return newWithOld == null && oldWithNew == null ? null : "it has link certificates ("
                    + (newWithOld == null ? "" : NEW_WITH_OLD + (oldWithNew == null ? "" : ", "))
                    + (oldWithNew == null ? "" : OLD_WITH_NEW) + ") but no staged or previous CA they link; delete "
                    + "them: DELETE FROM ca_material WHERE role IN ('" + NEW_WITH_OLD + "', '" + OLD_WITH_NEW + "')";
        }
        if (newWithOld == null || oldWithNew == null) {
            return ca + " lacks its link certificate" + (newWithOld == null && oldWithNew == null ? "s "
                    + NEW_WITH_OLD + " and " + OLD_WITH_NEW : " " + (newWithOld == null ? NEW_WITH_OLD : OLD_WITH_NEW))
                    + "; " + fix;
        }
        X509Certificate newer = next != null ? next.certificate : issuing.certificate;
        X509Certificate older = next != null ? issuing.certificate : previous.certificate;
        if (!newWithOld.certificate.getPublicKey().equals(newer.getPublicKey())
                || !oldWithNew.certificate.getPublicKey().equals(older.getPublicKey())) {
            return "its link certificates do not join the issuing CA and " + ca + "; " + fix;
        }
        return null;
    }

    private static Map<String, Row> rows(Connection c) throws SQLException {
        Map<String, Row> out = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT role, certificate, sealed_key FROM ca_material");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.put(rs.getString(1), new Row(certificate(rs.getBytes(2)), rs.getBytes(3)));
            }
        }
        return out;
    }

    private static X509Certificate certificate(byte[] der) throws SQLException {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException e) {
            throw new SQLException("a CA certificate in ca_material is not a certificate: " + e.getMessage(), e);
        }
    }

    private void insert(Connection c, String role, X509Certificate cert, byte[] sealedKey) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO ca_material(role, certificate, sealed_key, "
                + "created_at) VALUES (?, ?, ?, ?)")) {
            ps.setString(1, role);
            ps.setBytes(2, cert.getEncoded());
            if (sealedKey == null) {
                ps.setNull(3, java.sql.Types.BINARY);
            } else {
                ps.setBytes(3, sealedKey);
            }
            ps.setLong(4, clock.millis());
            ps.executeUpdate();
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new SQLException("cannot encode the " + role + " CA certificate", e);
        }
    }

    private static void delete(Connection c, String... roles) throws SQLException {
        List<String> marks = new ArrayList<>();
        for (String r : roles) {
            marks.add("?");
        }
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM ca_material WHERE role IN (" + String.join(", ",
                marks) + ")")) {
            Database.bind(ps, (Object[]) roles);
            ps.executeUpdate();
        }
    }

    private static int update(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            return ps.executeUpdate();
        }
    }
}
