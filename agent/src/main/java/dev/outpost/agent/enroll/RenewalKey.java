package dev.outpost.agent.enroll;

import dev.outpost.wire.EcKeys;
import dev.outpost.wire.Pem;
import dev.outpost.wire.SecureFiles;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The key pair of the renewal in progress, kept in {@code agent.key.request} (0600) from before its request is sent
 * until a later renewal, so that a request whose answer was lost is sent again with the same key, across restarts
 * too: the gateway answers that with the certificate it already issued, where a new key from the previous
 * certificate would, after its 10-minute overlap, lock the agent as a copy. A key that is already the key of the
 * agent's certificate (its renewal went through) is never used again.
 */
final class RenewalKey {
    static final String FILE = "agent.key.request";
    private static final Logger LOG = LoggerFactory.getLogger("outpost.agent.renew");
    private final Path file;
    private final SecureRandom random;

    RenewalKey(Path stateDir, SecureRandom random) {
        this.file = stateDir.resolve(FILE);
        this.random = random;
    }

    /** The pending key pair if there is one and it is not {@code inUse}, else a new one, written first. */
    KeyPair next(PublicKey inUse) throws IOException {
        KeyPair pending = read();
        if (pending != null && !pending.getPublic().equals(inUse)) {
            return pending;
        }
        KeyPair kp = EcKeys.generate(random);
        SecureFiles.write(file, Pem.privateKey(kp.getPrivate()) + Pem.publicKey(kp.getPublic()),
                SecureFiles.OWNER_ONLY);
        return kp;
    }

    /** Forgets the pending key (the gateway refused the request for its key: the next one brings a new key). */
    void discard() throws IOException {
        Files.deleteIfExists(file);
    }

    private KeyPair read() {
        if (!Files.exists(file)) {
            return null;
        }
        try {
            String text = Files.readString(file, StandardCharsets.US_ASCII);
            KeyPair kp = Pem.plainKeyPair(text);
            if (kp == null) {
                kp = Bc.read(text);
            }
            if (kp != null && EcKeys.matches(kp.getPrivate(), kp.getPublic())) {
                return kp;
            }
        } catch (IOException | RuntimeException e) {
            // unreadable: replaced below
        }
        LOG.warn("{} is not a whole key pair (cut short by a crash?); renewing with a new key", file);
        return null;
    }

    /**
     * A file that is not the plain form {@link Pem#plainKeyPair} reads (one written by an older version, or cut
     * short), read by Bouncy Castle's parser as before; a class of its own so that Bouncy Castle loads only then.
     */
    private static final class Bc {
        static KeyPair read(String text) throws IOException {
            try (var p = new org.bouncycastle.openssl.PEMParser(new StringReader(text))) {
                var converter = new org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter();
                PrivateKey key = null;
                PublicKey pub = null;
                for (Object o = p.readObject(); o != null; o = p.readObject()) {
                    if (o instanceof org.bouncycastle.asn1.pkcs.PrivateKeyInfo info) {
                        key = converter.getPrivateKey(info);
                    } else if (o instanceof org.bouncycastle.asn1.x509.SubjectPublicKeyInfo info) {
                        pub = converter.getPublicKey(info);
                    }
                }
                return key != null && pub != null ? new KeyPair(pub, key) : null;
            }
        }
    }
}
