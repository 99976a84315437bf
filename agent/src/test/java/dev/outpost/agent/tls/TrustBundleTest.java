package dev.outpost.agent.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.wire.CaPin;
import dev.outpost.wire.EcKeys;
import java.io.IOException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.junit.jupiter.api.Test;

/** Which CAs an agent trusts after fetching a CA bundle, at each step of a rollover and against forgeries. */
class TrustBundleTest {
    static final Instant NOW = Instant.parse("2026-06-02T00:00:00Z");
    final RolloverCas cas;

    TrustBundleTest() throws Exception {
        cas = new RolloverCas();
    }

    List<X509Certificate> published() {
        return List.of(cas.old, cas.fresh, cas.newWithOld, cas.oldWithNew);
    }

    @Test
    void aNewCaLinkedFromATrustedOneIsTrustedAndARetiredOneDropped() throws Exception {
        assertEquals(List.of(cas.old), TrustBundle.accept(List.of(cas.old), List.of(cas.old), NOW), "no rollover");
        assertEquals(List.of(cas.old, cas.fresh), TrustBundle.accept(List.of(cas.old), published(), NOW),
                "staged or switched: the next CA is linked from the old one");
        assertEquals(List.of(cas.fresh), TrustBundle.accept(List.of(cas.old, cas.fresh), List.of(cas.fresh), NOW),
                "retired: the old CA is no longer published");
        assertEquals(List.of(cas.old), TrustBundle.accept(List.of(cas.old, cas.fresh), List.of(cas.old), NOW),
                "aborted: the next CA is dropped again");
    }

    @Test
    void withoutALinkFromATrustedCaNothingNewIsTrusted() throws Exception {
        IOException e = assertThrows(IOException.class,
                () -> TrustBundle.accept(List.of(cas.old), List.of(cas.fresh), NOW));
        assertEquals("the gateway's CA bundle (" + CaPin.of(cas.fresh) + ") holds no CA this agent trusts ("
                + CaPin.of(cas.old) + ") and no link from one; if the gateway's CA was replaced, enroll this host "
                + "again with a new token and the gateway's current pin (`outpost-gateway pin`)", e.getMessage());

        KeyPair evilKey = EcKeys.generate(new SecureRandom());
        X500Name evilName = X500Name.getInstance(cas.fresh.getSubjectX500Principal().getEncoded());
        X509Certificate evil = cas.ca(evilName, evilKey, evilName, evilKey, RolloverCas.UNTIL);
        X509Certificate forgedLink = cas.ca(evilName, evilKey, X500Name.getInstance(
                cas.old.getSubjectX500Principal().getEncoded()), evilKey, RolloverCas.UNTIL);
        assertEquals(List.of(cas.old), TrustBundle.accept(List.of(cas.old), List.of(cas.old, evil, forgedLink,
                cas.newWithOld), NOW), "a CA with the new one's name but another key is not what the link certifies, "
                + "and a link naming the old CA as issuer must be signed by it");

        X509Certificate expiredLink = cas.ca(evilName, cas.newKey, X500Name.getInstance(
                cas.old.getSubjectX500Principal().getEncoded()), cas.oldKey, NOW.minusSeconds(1));
        assertEquals(List.of(cas.old), TrustBundle.accept(List.of(cas.old), List.of(cas.old, cas.fresh, expiredLink),
                NOW), "an expired link counts for nothing");
    }

    @Test
    void enrollmentTrustsThePinnedCaAndWhatItLinksTo() throws Exception {
        assertEquals(List.of(cas.old, cas.fresh), TrustBundle.pinned(CaPin.of(cas.old), published(), NOW));
        assertEquals(List.of(cas.fresh), TrustBundle.pinned(CaPin.of(cas.fresh), List.of(cas.fresh), NOW));
        IOException e = assertThrows(IOException.class,
                () -> TrustBundle.pinned(CaPin.of(cas.old), List.of(cas.fresh), NOW));
        assertTrue(e.getMessage().startsWith("the gateway's CA bundle does not contain the pinned CA " + CaPin.of(cas.old)),
                e.getMessage());
    }
}
