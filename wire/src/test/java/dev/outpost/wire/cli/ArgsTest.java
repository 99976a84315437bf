package dev.outpost.wire.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ArgsTest {
    @Test
    void parsesOptionsFlagsAndRepeats() throws Exception {
        Args a = Args.parse(List.of("init", "--dir", "/x", "--hostname=a", "--hostname", "b", "--force"),
                Set.of("dir", "hostname"), Set.of("force"));
        assertEquals("/x", a.require("dir"));
        assertEquals(List.of("a", "b"), a.all("hostname"));
        assertTrue(a.flag("force"));
        assertEquals(List.of("init"), a.positional());
    }

    @Test
    void unknownOptionNamesKnownOnes() {
        Args.UsageException e = assertThrows(Args.UsageException.class,
                () -> Args.parse(List.of("--dri", "x"), Set.of("dir"), Set.of("force")));
        assertEquals("unknown option --dri; known options: --dir, --force", e.getMessage());
    }

    @Test
    void missingValueAndRangeAreUsageErrors() throws Exception {
        assertEquals("option --dir needs a value", assertThrows(Args.UsageException.class,
                () -> Args.parse(List.of("--dir"), Set.of("dir"), Set.of())).getMessage());
        Args a = Args.parse(List.of("--uses", "0"), Set.of("uses"), Set.of());
        assertEquals("--uses \"0\" must be a whole number from 1 to 10", assertThrows(Args.UsageException.class,
                () -> a.intValue("uses", 1, 1, 10)).getMessage());
        assertEquals("option --org is required", assertThrows(Args.UsageException.class,
                () -> a.require("org")).getMessage());
    }
}
