package dev.outpost.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

class EnrollmentTokenTest {
    @Test
    void roundTripsAndNeverPrintsTheSecret() {
        EnrollmentToken t = EnrollmentToken.generate(new SecureRandom());
        assertTrue(t.reveal().matches("opt_[0-9a-f]{12}_[0-9a-f]{48}"), t.reveal());
        EnrollmentToken back = EnrollmentToken.parse(" " + t.reveal() + "\n");
        assertEquals(t.id(), back.id());
        assertEquals(t.secret(), back.secret());
        assertEquals("opt_" + t.id() + "_…", t.toString());
        assertFalse(t.toString().contains(t.secret()));
        assertEquals(t.secret(), EnrollmentToken.of(t.id(), t.secret()).secret());
    }

    @Test
    void malformedTokenErrorDoesNotEchoIt() {
        String bad = "opt_3f9a0c1b2d4e_notasecretatall";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EnrollmentToken.parse(bad));
        assertFalse(e.getMessage().contains("notasecret"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> EnrollmentToken.parse(null));
    }
}
