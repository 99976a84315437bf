package dev.outpost.gateway.ca;

import java.io.IOException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;

/**
 * Where the CA material is kept: the CA that issues (its certificate, and its private key sealed with the
 * {@link MasterKey}), and during a rollover the next CA (sealed alike), the two link certificates and, after the
 * switch, the previous CA's certificate. Files in the gateway directory ({@link CaFiles}: one gateway, SQLite state),
 * or the shared state database (several gateways on PostgreSQL). A rollover step changes the material together with
 * the rollover record ({@link StepCommit}): in the same transaction when the material is in the database, so that of
 * several gateways one takes the step and all see it; before or after the record's commit, idempotently, for files.
 */
public interface CaStore {
    /** Where the material is, for messages. */
    String where();

    /** Whether a CA is there: {@code init} refuses to make another. */
    boolean exists() throws IOException;

    /**
     * Generates and stores the first CA.
     *
     * @throws java.nio.file.FileAlreadyExistsException if there is one already
     */
    CertificateAuthority create(MasterKey master, Clock clock, SecureRandom random) throws IOException;

    /** The material as it stands, read at one moment; fails if there is no CA. */
    CaSnapshot snapshot() throws IOException;

    /** The CA that issues, its key unsealed with {@code master}. */
    default CertificateAuthority load(MasterKey master, Clock clock, SecureRandom random) throws IOException {
        return snapshot().issuer(master, clock, random);
    }

    /**
     * Stores {@code next} (its key sealed with {@code master}) and the two link certificates between it and
     * {@code current}, if {@code commit} takes the stage step; false (nothing kept) if it does not.
     */
    boolean stage(CertificateAuthority current, CertificateAuthority next, MasterKey master, StepCommit commit)
            throws IOException, SQLException;

    /** Makes the staged CA the issuing one and keeps the issuing one's certificate as the previous, with the switch. */
    boolean switchToNext(StepCommit commit) throws IOException, SQLException;

    /** Drops the previous CA and the links, with the retirement. */
    boolean retirePrevious(StepCommit commit) throws IOException, SQLException;

    /** What an abort changes in the rollover record's transaction: the staged CA and the links go. */
    Alongside discardNext();

    /** Finishes a switch a crash cut short (files); nothing to do where steps are transactions. */
    default void finishSwitch() throws IOException {
    }

    /** Removes what an aborted or cut-short step left outside a transaction (files); nothing to do otherwise. */
    default void dropLeftovers() throws IOException {
    }

    /** A change made in the rollover record's transaction, only if the step is taken. */
    @FunctionalInterface
    interface Alongside {
        Alongside NOTHING = c -> {
        };

        void apply(Connection c) throws SQLException;
    }

    /** Commits a rollover step's record change with {@code alongside}; false if another actor took the step first. */
    @FunctionalInterface
    interface StepCommit {
        boolean commit(Alongside alongside) throws SQLException;
    }

    /** Root validity: 10 years. */
    java.time.Duration CA_VALIDITY = java.time.Duration.ofDays(3650);

    /** A new CA, the first of a gateway or a fleet. */
    static CertificateAuthority newFirst(Clock clock, SecureRandom random) {
        return CertificateAuthority.generate("Outpost CA " + clock.instant().toString().substring(0, 10), CA_VALIDITY,
                clock, random);
    }

    /** A new CA to stage: its name made unique by a random suffix, so that clients never confuse two CAs of one day. */
    static CertificateAuthority newNext(Clock clock, SecureRandom random) {
        byte[] suffix = new byte[4];
        random.nextBytes(suffix);
        return CertificateAuthority.generate("Outpost CA " + clock.instant().toString().substring(0, 10) + " "
                + java.util.HexFormat.of().formatHex(suffix), CA_VALIDITY, clock, random);
    }

    /** The two link certificates between {@code current} and {@code next}: NewWithOld, then OldWithNew. */
    static java.util.List<X509Certificate> links(CertificateAuthority current, CertificateAuthority next) {
        return java.util.List.of(current.certifyCa(next.certificate()), next.certifyCa(current.certificate()));
    }
}
