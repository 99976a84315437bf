package dev.outpost.gateway.store;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server for tests and benchmarks, started once per JVM from the binaries of Debian's
 * {@code postgresql} package (test.sh installs it): a cluster in a temporary directory, listening on loopback only,
 * password (SCRAM) authentication over TCP, run as {@code nobody} when we are root (PostgreSQL refuses root),
 * stopped by its PID when the JVM exits. Each caller gets a database of its own. Null when PostgreSQL is not
 * installed (tests skip through {@link TestPostgres}). Shared with the e2e tests and the benchmarks through the
 * gateway's test jar.
 */
public final class LocalPostgres {
    public static final String ADMIN = "outpost_admin";
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static LocalPostgres instance;
    private static String unavailable;
    private final Path root;
    private final int port;
    private final String password;
    private final long pid;

    private LocalPostgres(Path root, int port, String password, long pid) {
        this.root = root;
        this.port = port;
        this.password = password;
        this.pid = pid;
    }

    /** The server, started at the first call; null (see {@link #unavailable()}) if PostgreSQL is not installed. */
    public static synchronized LocalPostgres get() {
        if (instance == null && unavailable == null) {
            Path bin = binaries();
            if (bin == null) {
                unavailable = "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb); "
                        + "install it with `apt-get install postgresql` (test.sh does)";
            } else {
                try {
                    instance = start(bin);
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException("cannot start the test PostgreSQL from " + bin + ": "
                            + e.getMessage(), e);
                }
            }
        }
        return instance;
    }

    static Path binaries() {
        Path base = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(base)) {
            return null;
        }
        try (Stream<Path> versions = Files.list(base)) {
            return versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb")))
                    .max(Comparator.comparing(Path::toString)).orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    private static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** The command, run as nobody when we are root. */
    private static List<String> as(List<String> command) {
        List<String> out = new ArrayList<>();
        if (root()) {
            out.addAll(List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"));
        }
        out.addAll(command);
        return out;
    }

    private static LocalPostgres start(Path bin) throws IOException, InterruptedException {
        Path root = Files.createTempDirectory("outpost-pg-");
        Path data = root.resolve("data");
        Path pwfile = root.resolve("pwfile");
        String password = "pw-" + Long.toHexString(new java.security.SecureRandom().nextLong());
        Files.writeString(pwfile, password + "\n");
        if (root()) {
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
            run(List.of("chown", "-R", "nobody:nogroup", root.toString()), root, Duration.ofSeconds(10));
        }
        run(as(List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", ADMIN, "--pwfile=" + pwfile,
                "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")),
                root, Duration.ofSeconds(120));
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        run(as(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", root.resolve("log").toString(),
                "-w", "-t", "60", "-o", "-p " + port + " -c listen_addresses=127.0.0.1 -c unix_socket_directories="
                        + root + " -c max_connections=200 -c fsync=on", "start")), root, Duration.ofSeconds(90));
        long pid = Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).strip());
        LocalPostgres pg = new LocalPostgres(root, port, password, pid);
        Runtime.getRuntime().addShutdownHook(new Thread(pg::stop, "test-postgres-stop"));
        return pg;
    }

    private static void run(List<String> command, Path dir, Duration timeout) throws IOException, InterruptedException {
        Path log = Files.createTempFile("outpost-pg-cmd", ".log");
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not finish within " + timeout);
        }
        String output = Files.readString(log);
        Files.deleteIfExists(log);
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " exited " + p.exitValue() + ": " + output);
        }
    }

    /** Stops the server by its PID (fast shutdown), bounded, and deletes its directory. */
    private void stop() {
        ProcessHandle.of(pid).ifPresent(h -> {
            try {
                new ProcessBuilder("kill", "-INT", Long.toString(pid)).start().waitFor(5, TimeUnit.SECONDS);
                h.onExit().get(20, TimeUnit.SECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
            }
        });
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory
        }
    }

    /** Why {@link #get()} returned null. */
    public static String unavailable() {
        return unavailable;
    }

    public int port() {
        return port;
    }

    /** The postmaster's PID (the benchmarks read its and its backends' CPU from /proc). */
    public long pid() {
        return pid;
    }

    /** The administrator's password (a test secret). */
    public String password() {
        return password;
    }

    public String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /** A connection as the administrator to {@code database}. */
    public Connection admin(String database) throws SQLException {
        return DriverManager.getConnection(url(database), ADMIN, password);
    }

    /** Creates an empty database of its own for one test; returns its name. */
    public String newDatabase() throws SQLException {
        String name = "t" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
        try (Connection c = admin("postgres"); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        return name;
    }

    /** A gateway's view of {@code database}: a store of its own (its own pool), as a second gateway would have. */
    public Database open(String database) throws IOException {
        return Database.open(new Database.PostgresqlTarget(url(database), ADMIN, password, 8, Duration.ofSeconds(10)));
    }

    /** {@code gateways} stores (each its own pool, as that many gateways have) on one new database. */
    public java.util.List<Database> gateways(int gateways) throws IOException, SQLException {
        String database = newDatabase();
        java.util.List<Database> stores = new java.util.ArrayList<>();
        for (int g = 0; g < gateways; g++) {
            stores.add(open(database));
        }
        return stores;
    }

    /** Writes the administrator's password to a 0600 file, as a gateway's password_file. */
    public Path passwordFile(Path dir) throws IOException {
        Path f = dir.resolve("pg-password");
        Files.writeString(f, password + "\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        return f;
    }
}
