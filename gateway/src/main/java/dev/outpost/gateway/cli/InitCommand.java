package dev.outpost.gateway.cli;

import dev.outpost.gateway.GatewayDir;
import dev.outpost.gateway.ServerCertificate;
import dev.outpost.gateway.ca.CaFiles;
import dev.outpost.gateway.ca.CertificateAuthority;
import dev.outpost.gateway.ca.MasterKey;
import dev.outpost.gateway.StateStores;
import dev.outpost.gateway.config.GatewayConfig;
import dev.outpost.gateway.config.StateType;
import dev.outpost.gateway.store.Database;
import dev.outpost.gateway.store.SharedCa;
import dev.outpost.gateway.store.SharedPepper;
import dev.outpost.gateway.store.TokenHasher;
import dev.outpost.wire.config.ConfigException;
import java.nio.file.FileAlreadyExistsException;
import dev.outpost.wire.CaPin;
import dev.outpost.wire.SecureFiles;
import dev.outpost.wire.cli.Args;
import dev.outpost.wire.cli.ExitCodes;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code outpost-gateway init}: a new CA (key sealed with the master key), token pepper, server certificate, state and
 * config. With {@code state.type: postgresql} the CA and the pepper go into the shared database (sealed), which
 * must hold none yet: the first gateway of a fleet runs it, the others only start.
 */
final class InitCommand {
    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> env;
    private final Clock clock;

    InitCommand(PrintStream out, PrintStream err, Map<String, String> env, Clock clock) {
        this.out = out;
        this.err = err;
        this.env = env;
        this.clock = clock;
    }

    int run(List<String> argv) throws Args.UsageException, IOException, java.sql.SQLException, ConfigException {
        Args a = Args.parse(argv, Set.of("dir", "hostname", "config"), Set.of());
        GatewayDir dir = GatewayDir.resolve(a.get("dir", null), env);
        List<String> hostnames = a.all("hostname").isEmpty() ? List.of("localhost", "127.0.0.1") : a.all("hostname");
        for (String h : hostnames) {
            if (!h.matches("[A-Za-z0-9.:*-]{1,253}")) {
                throw new Args.UsageException("--hostname \"" + h + "\" is not a DNS name or IP address");
            }
        }
        GatewayConfig config = GatewayCli.loadConfig(dir, a.get("config", null), env);
        CaFiles caFiles = new CaFiles(dir.root());
        if (caFiles.exists()) {
            err.println("outpost-gateway: a CA already exists in " + dir.root().resolve("ca")
                    + "; refusing to overwrite it. Use another --dir, or move that directory away to start over.");
            return ExitCodes.CANTCREAT;
        }
        SecureRandom random = new SecureRandom();
        CertificateAuthority ca;
        String caWhere;
        Path masterFile = MasterKey.location(dir.root(), env);
        if (config.state().type() == StateType.SQLITE) {
            MasterKey master = masterKey(dir, masterFile, random);
            ca = caFiles.create(master, clock, random);
            TokenHasher.loadOrCreate(dir.pepper(), random);
            Database.open(dir.database()).close();
            caWhere = caFiles.certificateFile() + ", its key " + caFiles.encryptedKeyFile();
        } else {
            try (Database db = StateStores.open(dir, config.state(), false)) {
                SharedCa shared = new SharedCa(db, clock);
                if (shared.exists()) {
                    return refuseShared(shared, dir);
                }
                MasterKey master = masterKey(dir, masterFile, random);
                try {
                    ca = shared.create(master, clock, random);
                } catch (FileAlreadyExistsException e) {
                    return refuseShared(shared, dir); // another first gateway was quicker
                }
                new SharedPepper(db, clock).open(master, dir.pepper(), random);
                caWhere = shared.where() + ", its key sealed there";
            }
        }
        ServerCertificate.issue(dir, dev.outpost.gateway.ca.Authorities.single(ca), hostnames, random);
        if (a.get("config", null) == null && !Files.exists(dir.config())) {
            SecureFiles.write(dir.config(), configText(hostnames), SecureFiles.PUBLIC);
        }
        out.println("Initialised gateway in " + dir.root());
        out.println("  CA certificate: " + caWhere + " (valid until " + ca.certificate().getNotAfter().toInstant()
                + ")");
        out.println("  CA key:         AES-256-GCM, master key " + masterFile);
        out.println("  server names:   " + String.join(", ", hostnames));
        out.println("ca pin: " + CaPin.of(ca.certificate()));
        out.println("Next: outpost-gateway token create --dir " + dir.root() + " --org ORG");
        return ExitCodes.OK;
    }

    private static MasterKey masterKey(GatewayDir dir, Path masterFile, SecureRandom random) throws IOException {
        SecureFiles.directory(dir.root(), SecureFiles.PRIVATE_DIR);
        return Files.exists(masterFile) ? MasterKey.load(masterFile, random) : MasterKey.create(masterFile, random);
    }

    private int refuseShared(SharedCa shared, GatewayDir dir) throws IOException {
        err.println("outpost-gateway: " + shared.where() + " already holds a CA (" + CaPin.of(shared.snapshot()
                .issuing()) + "); refusing to create another. A gateway joins that fleet without init: give it the "
                + "first gateway's master key and its own gateway.yaml, and start it (`outpost-gateway serve --dir "
                + dir.root() + "`); it issues its own server certificate.");
        return ExitCodes.CANTCREAT;
    }

    private static String configText(List<String> hostnames) {
        StringBuilder b = new StringBuilder();
        b.append("# Written by `outpost-gateway init`. Every key and its default: config/gateway.yaml in the\n");
        b.append("# Outpost sources (/usr/share/doc/outpost-gateway/gateway.yaml in the packages).\n");
        b.append("server_cert:\n  hostnames:\n");
        for (String h : hostnames) {
            b.append("    - \"").append(h).append("\"\n");
        }
        return b.toString();
    }
}
