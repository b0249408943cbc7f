package org.neox.comm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shared-memory payload ring, with both ends mapped in this process. */
class ShmRingTest {
    private static final SecureRandom RANDOM = new SecureRandom();

    @TempDir
    Path dir;

    @Test
    void payloadsGoRoundTheSlotsAndASenderWaitsForTheReceiverWhenAllAreFull() throws IOException {
        byte[] nonce = ShmRing.newNonce(RANDOM);
        Path file = dir.resolve("ring");
        ShmRing tx = ShmRing.create(file, 3, 16, nonce);
        ShmRing rx = ShmRing.open(file, 3, 16, nonce);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        for (int round = 0; round < 4; round++) {
            for (int k = 0; k < 3; k++) {
                assertTrue(tx.hasFreeSlot(), "round " + round + " slot " + k);
                tx.nextSlot().putFloat(round * 10f + k).putFloat(-1f);
                tx.published();
            }
            assertFalse(tx.hasFreeSlot(), "three published, none consumed");
            for (int k = 0; k < 3; k++) {
                assertEquals(round * 10f + k, rx.takeSlot().getFloat(0));
                rx.consumed();
                assertTrue(tx.hasFreeSlot());
            }
        }
    }

    @Test
    void aFileWithAnotherNonceOrSizeIsNotTakenForThePeersRing() throws IOException {
        byte[] nonce = ShmRing.newNonce(RANDOM);
        Path file = dir.resolve("ring");
        ShmRing.create(file, 2, 64, nonce);
        IOException wrongNonce = assertThrows(IOException.class,
                () -> ShmRing.open(file, 2, 64, ShmRing.newNonce(RANDOM)));
        assertTrue(wrongNonce.getMessage().contains("nonce"), wrongNonce.getMessage());
        IOException wrongSize = assertThrows(IOException.class, () -> ShmRing.open(file, 2, 128, nonce));
        assertTrue(wrongSize.getMessage().contains("expected"), wrongSize.getMessage());
        assertThrows(IOException.class, () -> ShmRing.open(dir.resolve("absent"), 2, 64, nonce));
    }

    @Test
    void creatingOverAnExistingFileFailsAndLeavesItAlone() throws IOException {
        Path file = dir.resolve("ring");
        Files.writeString(file, "someone else's");
        assertThrows(IOException.class, () -> ShmRing.create(file, 2, 64, ShmRing.newNonce(RANDOM)));
        assertEquals("someone else's", Files.readString(file));
    }
}
