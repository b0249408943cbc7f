package org.neox.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neox.util.UserError;

class HostfileTest {
    @TempDir
    Path dir;

    private static final List<HostSlots> POOL = List.of(
            new HostSlots("w1", List.of(0, 1, 2, 3)), new HostSlots("w2", List.of(0, 1, 2, 3)));

    @Test
    void parsesSlotsAndSlotCommentsAndBlankLines() {
        Path f = Yamls.write(dir, "hf", "# pool\n\nw1 slots=4\nw2 slot=2  # two\n");
        assertEquals(List.of(new HostSlots("w1", List.of(0, 1, 2, 3)), new HostSlots("w2", List.of(0, 1))),
                Hostfile.parse(f));
    }

    @Test
    void badLinesNameTheLine() {
        Path f = Yamls.write(dir, "hf", "w1 slots=4\nw2 gpus=4\n");
        assertEquals(f + ":2: bad hostfile line 'w2 gpus=4' (expected 'HOST slots=N')",
                assertThrows(UserError.class, () -> Hostfile.parse(f)).getMessage());
        Path g = Yamls.write(dir, "hg", "w1 slots=4\nw1 slots=2\n");
        assertTrue(assertThrows(UserError.class, () -> Hostfile.parse(g)).getMessage()
                .startsWith(g + ":2: host 'w1' is listed more than once"));
        Path e = Yamls.write(dir, "he", "# nothing\n");
        assertThrows(UserError.class, () -> Hostfile.parse(e));
        assertTrue(assertThrows(UserError.class, () -> Hostfile.parse(dir.resolve("none")))
                .getMessage().endsWith("hostfile not found"));
    }

    @Test
    void includeExcludeNodesAndGpus() {
        assertEquals(List.of(new HostSlots("w1", List.of(0, 2)), new HostSlots("w2", List.of(0, 1, 2, 3))),
                Hostfile.select(POOL, "w2@w1:2,0", null, -1, null));
        assertEquals(List.of(new HostSlots("w2", List.of(1, 2, 3))),
                Hostfile.select(POOL, null, "w1@w2:0", -1, null));
        assertEquals(List.of(new HostSlots("w1", List.of(0, 1, 2, 3))), Hostfile.select(POOL, "", "", 1, null));
        assertEquals(List.of(new HostSlots("w1", List.of(0, 1)), new HostSlots("w2", List.of(0, 1))),
                Hostfile.select(POOL, null, null, -1, 2));
    }

    @Test
    void selectionErrors() {
        assertTrue(assertThrows(UserError.class, () -> Hostfile.select(POOL, "w1", "w2", -1, null))
                .getMessage().contains("mutually exclusive"));
        assertThrows(UserError.class, () -> Hostfile.select(POOL, "w1", null, 1, null));
        assertThrows(UserError.class, () -> Hostfile.select(POOL, null, "w1", -1, 2));
        assertTrue(assertThrows(UserError.class, () -> Hostfile.select(POOL, "w3", null, -1, null))
                .getMessage().contains("'w3'"));
        assertTrue(assertThrows(UserError.class, () -> Hostfile.select(POOL, "w1:7", null, -1, null))
                .getMessage().contains("no slot 7"));
        assertThrows(UserError.class, () -> Hostfile.select(POOL, null, "w1@w2", -1, null));
    }
}
