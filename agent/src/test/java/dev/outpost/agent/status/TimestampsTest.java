package dev.outpost.agent.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** status.json's times are written exactly as Instant.toString() writes them. */
class TimestampsTest {

    @Test
    void sameTextAsInstantToStringAtTheEdgesOfDaysYearsAndTheRange() {
        for (String t : new String[] {"1970-01-01T00:00:00Z", "1969-12-31T23:59:59.999999999Z",
            "2000-02-29T12:00:00.100Z", "1900-02-28T23:59:59Z", "2100-03-01T00:00:00.000001Z",
            "2026-12-03T13:27:49.123456789Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z",
            "2024-12-31T23:59:59.010Z", "2025-01-01T00:00:00.000000010Z", "-0001-12-31T23:59:59Z",
            "+10000-01-01T00:00:00Z"}) {
            Instant instant = Instant.parse(t);
            assertEquals(instant.toString(), Timestamps.iso(instant), t);
        }
        assertEquals(Instant.MIN.toString(), Timestamps.iso(Instant.MIN));
        assertEquals(Instant.MAX.toString(), Timestamps.iso(Instant.MAX));
        assertNull(Timestamps.iso(null));
    }

    @Test
    void sameTextAsInstantToStringForRandomTimesAndFractions() {
        SplittableRandom random = new SplittableRandom(12);
        for (int i = 0; i < 200_000; i++) {
            long seconds = random.nextLong(-62_167_219_200L - 1000, 253_402_300_800L + 1000);
            int nano = switch (i % 4) {
                case 0 -> 0;
                case 1 -> random.nextInt(1000) * 1_000_000;
                case 2 -> random.nextInt(1_000_000) * 1000;
                default -> random.nextInt(1_000_000_000);
            };
            Instant instant = Instant.ofEpochSecond(seconds, nano);
            assertEquals(instant.toString(), Timestamps.iso(instant));
        }
    }
}
