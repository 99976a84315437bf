package dev.outpost.wire.cli;

/** Exit codes from {@code sysexits.h}, so that fleet tools and systemd can tell failures apart. */
public final class ExitCodes {
    public static final int OK = 0;
    public static final int FAILURE = 1;
    /** Wrong command line. */
    public static final int USAGE = 64;
    /** Input data was wrong (e.g. a malformed token file). */
    public static final int DATAERR = 65;
    /** A required input file does not exist. */
    public static final int NOINPUT = 66;
    /** The remote service is unavailable or refused (network, 5xx). */
    public static final int UNAVAILABLE = 69;
    /** Internal error. */
    public static final int SOFTWARE = 70;
    /** An output file cannot be created (or must not be overwritten). */
    public static final int CANTCREAT = 73;
    /** A temporary failure; trying again later may work. */
    public static final int TEMPFAIL = 75;
    /** Permission denied: bad token, revoked, pin mismatch. */
    public static final int NOPERM = 77;
    /** Configuration error: systemd units do not restart on it. */
    public static final int CONFIG = 78;

    private ExitCodes() {
    }
}
