package dev.outpost.agent.tls;

import dev.outpost.agent.status.Timestamps;
import dev.outpost.agent.transport.HttpsClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's live identity: which key and certificate new connections present. A renewed certificate is
 * <em>staged</em> ({@code agent.key.next}, {@code agent.crt.next}) and presented by every new connection at once;
 * the previous one stays on disk and in memory until a gateway has answered on a connection made with the new
 * one, and only then is replaced. If the gateway refuses the new one at the TLS level, the previous one is used
 * again. Nothing restarts: connections made with the old certificate are closed once idle.
 */
public final class Identity implements HttpsClient.TlsEvents {
    private static final Logger LOG = LoggerFactory.getLogger("outpost.agent.tls");
    private final Path stateDir;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private volatile Live active;
    private volatile Live staged;

    private record Live(Credentials credentials, ClientTls context) {
        static Live of(Credentials c) throws IOException {
            return new Live(c, TlsSettings.client(c.key(), List.of(c.certificate()), c.trustBundle()));
        }
    }

    private Identity(Path stateDir, Live active, Live staged) {
        this.stateDir = stateDir;
        this.active = active;
        this.staged = staged;
    }

    /**
     * Loads the credentials in {@code stateDir}, recovering from a crash during a renewal: a complete staged pair
     * stays staged (the gateway already counts it as current), a half-written one is deleted, and a staged pair
     * whose promotion was cut short is finished.
     */
    public static Identity load(Path stateDir) throws IOException {
        Credentials current = Credentials.load(stateDir);
        Credentials next = null;
        Path key = stateDir.resolve(Credentials.KEY_FILE + Credentials.STAGED);
        Path cert = stateDir.resolve(Credentials.CERT_FILE + Credentials.STAGED);
        if (Files.exists(key) && Files.exists(cert)) {
            next = Credentials.loadPair(stateDir, Credentials.KEY_FILE + Credentials.STAGED,
                    Credentials.CERT_FILE + Credentials.STAGED, current.trustBundle());
            if (!next.consistent()) {
                LOG.warn("discarding a renewed certificate whose key was not written completely ({})", next);
                next = null;
                Credentials.discardStaged(stateDir);
            }
        } else if (Files.exists(key) || Files.exists(cert)) {
            LOG.warn("discarding a half-written renewed key or certificate in {}", stateDir);
            Credentials.discardStaged(stateDir);
        }
        if (!current.consistent()) {
            if (next == null) {
                throw new IOException(stateDir.resolve(Credentials.KEY_FILE) + " does not belong to "
                        + stateDir.resolve(Credentials.CERT_FILE) + "; enroll again with a new token: "
                        + "outpost-agent enroll --force --server URL --ca-sha256 PIN --token-file FILE");
            }
            next.store(stateDir);
            return new Identity(stateDir, Live.of(next), null);
        }
        return new Identity(stateDir, Live.of(current), next == null ? null : Live.of(next));
    }

    /** The credentials new connections present: the staged ones if any, else the active ones. */
    public Credentials current() {
        Live s = staged;
        return s != null ? s.credentials() : active.credentials();
    }

    /** The TLS context new connections use; a new object after every change. */
    public ClientTls context() {
        Live s = staged;
        return s != null ? s.context() : active.context();
    }

    /** Whether a renewed certificate waits for its first answered connection. */
    public boolean hasStaged() {
        return staged != null;
    }

    /** The state directory the credentials live in. */
    public Path stateDir() {
        return stateDir;
    }

    /**
     * Trusts {@code bundle} from now on (a CA rollover: see {@link TrustBundle}): written to {@code ca.crt} first,
     * atomically, then used by every new connection. Nothing changes if it holds the CAs trusted already.
     *
     * @return whether the bundle changed
     */
    public boolean trust(List<java.security.cert.X509Certificate> bundle) throws IOException {
        synchronized (this) {
            if (TrustBundle.sameCas(bundle, active.credentials().trustBundle())) {
                return false;
            }
            Live a = Live.of(active.credentials().withTrust(bundle));
            Live s = staged == null ? null : Live.of(staged.credentials().withTrust(bundle));
            Credentials.storeTrustBundle(stateDir, bundle);
            active = a;
            staged = s;
        }
        LOG.info("trusting the CAs {} from now on (the gateway's CA bundle changed: a CA rollover)",
                TrustBundle.pins(bundle));
        return true;
    }

    /** Runs {@code listener} after every change of {@link #current()} (to close connections made before it). */
    public void onChange(Runnable listener) {
        listeners.add(listener);
    }

    /** Stages renewed credentials: written to disk first, then presented by every new connection. */
    public void stage(Credentials next) throws IOException {
        Live live = Live.of(next);
        synchronized (this) {
            next.storeStaged(stateDir);
            staged = live;
        }
        listeners.forEach(Runnable::run);
    }

    /** The staged credentials if {@code context} is theirs and they are still staged; null otherwise. */
    private Live stagedWith(ClientTls context) {
        Live s = staged;
        return s != null && s.context() == context ? s : null;
    }

    @Override
    public void answered(ClientTls context) {
        Live s = stagedWith(context);
        if (s == null) {
            return;
        }
        synchronized (this) {
            if (staged != s) {
                return;
            }
            try {
                s.credentials().store(stateDir);
            } catch (IOException e) {
                LOG.warn("cannot replace the certificate in {} with the renewed one ({}); keeping both until the "
                        + "next answer", stateDir, e.getMessage());
                return;
            }
            active = s;
            staged = null;
        }
        LOG.info("renewed certificate serial {} is in use (valid until {}); the previous one is deleted",
                s.credentials().serial(), Timestamps.iso(s.credentials().notAfter()));
    }

    @Override
    public void tlsRefused(ClientTls context, IOException failure) {
        Live s = stagedWith(context);
        if (s == null) {
            return;
        }
        synchronized (this) {
            if (staged != s) {
                return;
            }
            staged = null;
            try {
                Credentials.discardStaged(stateDir);
            } catch (IOException e) {
                LOG.warn("cannot delete the refused certificate in {}: {}", stateDir, e.getMessage());
            }
        }
        LOG.warn("the renewed certificate serial {} did not work ({}); back to serial {}, valid until {}",
                s.credentials().serial(), failure.getMessage(), active.credentials().serial(),
                Timestamps.iso(active.credentials().notAfter()));
        listeners.forEach(Runnable::run);
    }
}
