package dev.outpost.gateway.view;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class HumanFormatTest {

    @Test
    void bytesUseBinaryUnitsWithOneDecimal() {
        assertEquals("0 B", HumanFormat.bytes(0));
        assertEquals("1023 B", HumanFormat.bytes(1023));
        assertEquals("1.0 KiB", HumanFormat.bytes(1024));
        assertEquals("1.5 MiB", HumanFormat.bytes(1.5 * 1024 * 1024));
        assertEquals("7.7 GiB", HumanFormat.bytes(7.7 * 1024 * 1024 * 1024));
        assertEquals("2.0 TiB", HumanFormat.bytes(2.0 * 1024 * 1024 * 1024 * 1024));
        assertEquals("12.0 KiB/s", HumanFormat.rate(12288));
    }

    @Test
    void durationsShowTheTwoOrThreeLargestUnits() {
        assertEquals("0s", HumanFormat.duration(-5));
        assertEquals("59s", HumanFormat.duration(59));
        assertEquals("1m 0s", HumanFormat.duration(60));
        assertEquals("2h 5m", HumanFormat.duration(2 * 3600 + 5 * 60 + 7));
        assertEquals("3d 3h 52m", HumanFormat.duration(273_120));
    }

    @Test
    void valuesFollowTheirOpenTelemetryUnit() {
        assertEquals("3", HumanFormat.withUnit(3, "1"));
        assertEquals("12.3 ms", HumanFormat.withUnit(0.0123, "s"));
        assertEquals("4.25 s", HumanFormat.withUnit(4.25, "seconds"));
        assertEquals("23h 55m", HumanFormat.withUnit(86_100, "s"));
        assertEquals("-2h 0m", HumanFormat.withUnit(-7_200, "s"));
        assertEquals("4.5 ms", HumanFormat.withUnit(4.5, "ms"));
        assertEquals("1.0 MiB", HumanFormat.withUnit(1024 * 1024, "By"));
        assertEquals("7", HumanFormat.withUnit(7, "{batch}"));
        assertEquals("0 s", HumanFormat.withUnit(0, "s"));
        assertEquals("3 widgets", HumanFormat.withUnit(3, "widgets"));
        assertEquals("12.5%", HumanFormat.percent(12.5));
    }
}
