package org.neox.ckpt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL of a process that saves checkpoints back to back (keep_last_n = 2): whenever it
 * dies, {@code latest} names a complete checkpoint whose every shard passes its checksum and
 * holds the values of that iteration.
 */
@Tag("integration")
class KillDuringSaveTest {
    static final Topology GRID = new Topology(1, 2, 2);
    static final int FLOATS = 1 << 20;

    @TempDir
    Path root;

    /** Child process: saves iteration 1, 2, 3, ... until killed. */
    public static void main(String[] args) {
        CheckpointStore store = new CheckpointStore(Path.of(args[0]), 2);
        float[] flat = new float[FLOATS];
        for (long it = 1; ; it++) {
            java.util.Arrays.fill(flat, it);
            PendingCheckpoint p = store.begin(it, GRID);
            for (int model = 0; model < 2; model++) {
                p.writeModelShard(0, model, List.of(NamedTensor.of("w", new long[] {FLOATS}, flat)));
                for (int data = 0; data < 2; data++) {
                    p.writeOptimizerShard(0, model, data, List.of(NamedTensor.of("exp_avg", new long[] {FLOATS}, flat)));
                }
            }
            p.commit(new CheckpointMeta(it, it, GRID, null, null, null, null, null, null));
        }
    }

    @Test
    void latestAlwaysNamesACompleteCheckpoint() throws Exception {
        for (int round = 0; round < 3; round++) {
            Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), KillDuringSaveTest.class.getName(), root.toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            CheckpointStore store = new CheckpointStore(root, 2);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            long start = store.latestStep().orElse(0L);
            while (store.latestStep().orElse(0L) < start + 2 + round && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            Thread.sleep(7L * round); // land at different points of the next save
            child.destroyForcibly(); // SIGKILL
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            LoadedCheckpoint c = store.openLatest().orElseThrow();
            assertTrue(c.iteration() >= start + 2);
            float[] w = new float[FLOATS];
            for (int model = 0; model < 2; model++) {
                c.readModelShard(0, model, List.of(NamedTensor.of("w", new long[] {FLOATS}, w)));
                assertEquals((float) c.iteration(), w[FLOATS - 1]);
                for (int data = 0; data < 2; data++) {
                    c.readOptimizerShard(0, model, data, List.of(NamedTensor.of("exp_avg", new long[] {FLOATS}, w)));
                    assertEquals((float) c.iteration(), w[0]);
                }
            }
            assertTrue(store.availableSteps().size() <= 3, store.availableSteps().toString());
            assertTrue(Files.exists(root.resolve("latest")));
        }
    }
}
