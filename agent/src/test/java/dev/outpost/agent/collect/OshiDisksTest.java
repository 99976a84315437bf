package dev.outpost.agent.collect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import oshi.SystemInfo;
import oshi.hardware.HardwareAbstractionLayer;

/** OSHI's disk list is made again only when the devices /proc/diskstats lists change, not every cycle. */
class OshiDisksTest {
    @TempDir
    Path dir;

    private static String line(int minor, String name, long reads) {
        return "   8       " + minor + " " + name + " " + reads + " 0 " + (reads * 8) + " 10 5 0 40 3 0 0 13 0 0 0 0\n";
    }

    @Test
    void theDiskListIsRebuiltWhenADeviceComesOrGoesAndOnlyThen() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/diskstats")), "needs Linux /proc");
        HardwareAbstractionLayer real = new SystemInfo().getHardware();
        AtomicInteger listings = new AtomicInteger();
        HardwareAbstractionLayer counting = (HardwareAbstractionLayer) Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {HardwareAbstractionLayer.class}, (p, m, args) -> {
                    if (m.getName().equals("getDiskStores")) {
                        listings.incrementAndGet();
                    }
                    try {
                        return m.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        Path stats = Files.writeString(dir.resolve("diskstats"), line(0, "sda", 100) + line(1, "sda1", 90));
        OshiDisks disks = new OshiDisks(counting, stats);

        disks.read();
        assertEquals(1, listings.get(), "made at the first read");
        Files.writeString(stats, line(0, "sda", 150) + line(1, "sda1", 140));
        disks.read();
        disks.read();
        assertEquals(1, listings.get(), "counters changing is not a device change");

        Files.writeString(stats, line(0, "sda", 150) + line(1, "sda1", 140) + line(16, "sdb", 1));
        disks.read();
        assertEquals(2, listings.get(), "a device added");
        disks.read();
        assertEquals(2, listings.get());
        Files.writeString(stats, line(0, "sda", 150) + line(16, "sdb", 1));
        disks.read();
        assertEquals(3, listings.get(), "a device removed");
        Files.writeString(stats, line(0, "sda", 150) + line(16, "sdc", 1));
        disks.read();
        assertEquals(4, listings.get(), "a device renamed");
    }
}
