package org.neox.ckpt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neox.util.UserError;

class CheckpointStoreTest {
    private static final Topology GRID = new Topology(2, 2, 2);

    @TempDir
    Path root;

    /** One rank's flat parameter buffer with two views; values depend on (iteration, pipe, model). */
    private static float[] params(long iteration, int pipe, int model) {
        float[] flat = new float[10];
        for (int i = 0; i < flat.length; i++) {
            flat[i] = iteration * 1000 + pipe * 100 + model * 10 + i;
        }
        return flat;
    }

    private static List<NamedTensor> views(float[] flat, int pipe) {
        return List.of(new NamedTensor("sequential." + (2 + pipe) + ".attention.dense.weight", new long[] {2, 3}, flat, 0),
                new NamedTensor("sequential." + (2 + pipe) + ".attention.dense.bias", new long[] {4}, flat, 6));
    }

    private static CheckpointMeta meta(long iteration) {
        ObjectNode cfg = TinyCheckpoints.JSON.createObjectNode().put("num_layers", 2).put("seed", 1234);
        ObjectNode rng = TinyCheckpoints.JSON.createObjectNode().put("data_rng", "abc");
        ObjectNode scaler = TinyCheckpoints.JSON.createObjectNode().put("scale", 65536.0).put("hysteresis", 2);
        ObjectNode lr = TinyCheckpoints.JSON.createObjectNode().put("num_iters", iteration);
        ObjectNode opt = TinyCheckpoints.JSON.createObjectNode().put("step", iteration);
        return new CheckpointMeta(iteration, iteration * 32, GRID, cfg, rng, scaler, lr, opt,
                new Fingerprint(new int[] {0, 1, 2}, new float[] {0.1f, -3.5f, Float.MIN_VALUE}));
    }

    private CheckpointStore saveFull(int keep, long iteration) {
        CheckpointStore store = new CheckpointStore(root, keep);
        PendingCheckpoint p = store.begin(iteration, GRID);
        for (int pipe = 0; pipe < 2; pipe++) {
            for (int model = 0; model < 2; model++) {
                p.writeModelShard(pipe, model, views(params(iteration, pipe, model), pipe));
                for (int data = 0; data < 2; data++) {
                    float[] moments = new float[6];
                    java.util.Arrays.fill(moments, iteration + data);
                    p.writeOptimizerShard(pipe, model, data, List.of(
                            new NamedTensor("exp_avg", new long[] {3}, moments, 0),
                            new NamedTensor("exp_avg_sq", new long[] {3}, moments, 3)));
                }
            }
        }
        p.writeConfigText("small.yml", "num_layers: 2\n");
        p.commit(meta(iteration));
        return store;
    }

    @Test
    void savesAndLoadsEveryShardAndTheManifest() throws IOException {
        CheckpointStore store = saveFull(0, 7);
        assertEquals("global_step7", Files.readString(root.resolve("latest")));
        LoadedCheckpoint c = store.openLatest().orElseThrow();
        assertEquals(7, c.iteration());
        assertEquals(meta(7).config(), c.meta().config());
        assertEquals(meta(7).lossScaler(), c.meta().lossScaler());
        assertEquals(224, c.meta().consumedSamples());
        assertArrayEquals(new float[] {0.1f, -3.5f, Float.MIN_VALUE}, c.meta().fingerprint().logits());
        assertEquals(4, c.manifest().modelFiles().size());
        assertEquals(8, c.manifest().optimizerFiles().size());
        assertTrue(Files.exists(c.directory().resolve("mp_rank_03_model_states.safetensors")));
        assertTrue(Files.exists(c.directory().resolve("zero_pp_rank_1_mp_rank_02_optim_states.safetensors")));
        assertEquals("num_layers: 2\n", c.configText("small.yml"));
        for (int pipe = 0; pipe < 2; pipe++) {
            for (int model = 0; model < 2; model++) {
                float[] into = new float[12];
                List<NamedTensor> dst = List.of(
                        new NamedTensor(views(into, pipe).get(0).name(), new long[] {2, 3}, into, 2),
                        new NamedTensor(views(into, pipe).get(1).name(), new long[] {4}, into, 8));
                c.readModelShard(pipe, model, dst);
                float[] want = params(7, pipe, model);
                assertArrayEquals(want, java.util.Arrays.copyOfRange(into, 2, 12));
                float[] m = new float[6];
                c.readOptimizerShard(pipe, model, 1, List.of(new NamedTensor("exp_avg", new long[] {3}, m, 0),
                        new NamedTensor("exp_avg_sq", new long[] {3}, m, 3)));
                assertArrayEquals(new float[] {8, 8, 8, 8, 8, 8}, m);
            }
        }
    }

    @Test
    void missingIterationListsAvailableSteps() {
        saveFull(0, 3);
        saveFull(0, 10);
        CheckpointStore store = new CheckpointStore(root, 0);
        assertEquals(List.of(3L, 10L), store.availableSteps());
        assertEquals(3, store.open(3).iteration());
        UserError e = assertThrows(UserError.class, () -> store.open(5));
        assertTrue(e.getMessage().contains("global_step5") && e.getMessage().contains("[3, 10]"), e.getMessage());
        assertEquals(Optional.empty(), new CheckpointStore(root.resolve("none"), 0).openLatest());
    }

    @Test
    void keepLastNDeletesOldOnesOnlyAfterTheNewOneIsComplete() {
        for (long it : new long[] {1, 2, 3, 4}) {
            saveFull(2, it);
        }
        CheckpointStore store = new CheckpointStore(root, 2);
        assertEquals(List.of(3L, 4L), store.availableSteps());
        // a save that fails before commit deletes nothing
        PendingCheckpoint p = store.begin(5, GRID);
        p.writeModelShard(0, 0, views(params(5, 0, 0), 0));
        assertEquals(List.of(3L, 4L), store.availableSteps());
        assertEquals(4, store.openLatest().orElseThrow().iteration());
    }

    @Test
    void crashMidSaveLeavesThePreviousCheckpointLoadable() throws IOException {
        saveFull(1, 100);
        CheckpointStore store = new CheckpointStore(root, 1);
        PendingCheckpoint p = store.begin(200, GRID);
        p.writeModelShard(0, 0, views(params(200, 0, 0), 0));
        // the writer dies halfway through the second file: a partial file, no commit
        Path partial = p.directory().resolve("mp_rank_01_model_states.safetensors");
        Files.write(partial, new byte[] {42, 0, 0, 0, 0, 0, 0, 0, '{'});
        assertThrows(IllegalStateException.class, () -> p.commit(meta(200))); // shards missing: refused

        CheckpointStore restarted = new CheckpointStore(root, 1);
        assertEquals(List.of(100L), restarted.availableSteps());
        LoadedCheckpoint c = restarted.openLatest().orElseThrow();
        assertEquals(100, c.iteration());
        float[] into = new float[10];
        c.readModelShard(1, 1, views(into, 1));
        assertArrayEquals(params(100, 1, 1), into);
        // the next save cleans the stale temporary directory and completes
        saveFull(1, 200);
        try (Stream<Path> s = Files.list(root)) {
            assertEquals(List.of("global_step200", "latest"), s.map(x -> x.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void resavingAnIterationReplacesItWhole() {
        saveFull(0, 5);
        CheckpointStore store = saveFull(0, 5);
        assertEquals(List.of(5L), store.availableSteps());
        assertEquals(12, store.open(5).manifest().files().size());
    }

    @Test
    void corruptedAndTruncatedFilesAreDetectedByName() throws IOException {
        CheckpointStore store = saveFull(0, 1);
        Path dir = store.open(1).directory();
        Path f = dir.resolve("mp_rank_02_model_states.safetensors");
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.seek(raf.length() - 3);
            int b = raf.read();
            raf.seek(raf.length() - 3);
            raf.write(b ^ 0x10);
        }
        UserError e = assertThrows(UserError.class,
                () -> store.open(1).readModelShard(1, 0, views(new float[10], 1)));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("corrupted"), e.getMessage());

        Path g = dir.resolve("zero_pp_rank_0_mp_rank_00_optim_states.safetensors");
        byte[] bytes = Files.readAllBytes(g);
        Files.write(g, java.util.Arrays.copyOf(bytes, bytes.length - 4));
        UserError t = assertThrows(UserError.class, () -> store.open(1).readOptimizerShard(0, 0, 0,
                List.of(NamedTensor.of("exp_avg", new long[] {3}, new float[3]),
                        NamedTensor.of("exp_avg_sq", new long[] {3}, new float[3]))));
        assertTrue(t.getMessage().contains(g.toString()) && t.getMessage().contains("truncated"), t.getMessage());
    }

    @Test
    void shapeAndNameMismatchesNameTheTensor() {
        LoadedCheckpoint c = saveFull(0, 1).open(1);
        float[] flat = new float[10];
        UserError shape = assertThrows(UserError.class, () -> c.readModelShard(0, 0, List.of(
                new NamedTensor("sequential.2.attention.dense.weight", new long[] {3, 2}, flat, 0),
                new NamedTensor("sequential.2.attention.dense.bias", new long[] {4}, flat, 6))));
        assertTrue(shape.getMessage().contains("sequential.2.attention.dense.weight")
                && shape.getMessage().contains("[2, 3]") && shape.getMessage().contains("[3, 2]"), shape.getMessage());
        assertArrayEquals(new float[10], flat); // nothing was read
        UserError extra = assertThrows(UserError.class, () -> c.readModelShard(0, 0, List.of(
                new NamedTensor("sequential.2.attention.dense.weight", new long[] {2, 3}, flat, 0))));
        assertTrue(extra.getMessage().contains("sequential.2.attention.dense.bias"), extra.getMessage());
        UserError missing = assertThrows(UserError.class, () -> c.readModelShard(0, 0, List.of(
                new NamedTensor("sequential.2.attention.dense.weight", new long[] {2, 3}, flat, 0),
                new NamedTensor("sequential.2.attention.dense.bias", new long[] {4}, flat, 6),
                new NamedTensor("sequential.2.mlp.x", new long[] {0}, flat, 0))));
        assertTrue(missing.getMessage().contains("sequential.2.mlp.x"), missing.getMessage());
        UserError layout = assertThrows(UserError.class, () -> c.readModelShard(0, 2, views(flat, 0)));
        assertTrue(layout.getMessage().contains("mp=2"), layout.getMessage());
    }

    @Test
    void latestIsReplacedAtomicallyAndBadLatestIsAClearError() throws IOException {
        saveFull(0, 1);
        assertFalse(Files.exists(root.resolve("latest.tmp")));
        Files.writeString(root.resolve("latest"), "garbage");
        UserError e = assertThrows(UserError.class, () -> new CheckpointStore(root, 0).openLatest());
        assertTrue(e.getMessage().contains("garbage"), e.getMessage());
    }

    @Test
    void fingerprintCheckNamesTheDifferingLogit() {
        Fingerprint f = saveFull(0, 1).open(1).meta().fingerprint();
        f.check(new float[] {0.1f, -3.5f, 0f}, 1e-6, "c");
        UserError e = assertThrows(UserError.class, () -> f.check(new float[] {0.1f, -3.4f, 0f}, 1e-6, "c"));
        assertTrue(e.getMessage().contains("logit 1") && e.getMessage().contains("-3.5"), e.getMessage());
        assertThrows(UserError.class, () -> f.check(new float[] {0.1f, Float.NaN, 0f}, 1e-6, "c"));
    }

    @Test
    void shardsWrittenByOtherProcessesAreChecksummedAtCommit() {
        Topology t = new Topology(1, 2, 1);
        PendingCheckpoint rank0 = new CheckpointStore(root, 0).begin(4, t);
        PendingCheckpoint rank1 = new CheckpointStore(root, 0).join(4, t); // as another JVM would
        rank0.writeModelShard(0, 0, views(params(4, 0, 0), 0));
        ShardFile foreign = rank1.writeModelShard(0, 1, views(params(4, 0, 1), 0));
        rank1.writeOptimizerShard(0, 1, 0, List.of(NamedTensor.of("exp_avg", new long[] {1}, new float[] {3})));
        Manifest m = rank0.commit(new CheckpointMeta(4, 0, t, null, null, null, null, null, null));
        assertTrue(m.files().contains(foreign), m.files().toString());
        assertEquals(new ShardFile("zero_pp_rank_0_mp_rank_01_optim_states.safetensors", ShardFile.OPTIMIZER,
                0, 1, 0, m.optimizerFiles().get(0).bytes(), m.optimizerFiles().get(0).crc32c()), m.optimizerFiles().get(0));
        float[] into = new float[10];
        new CheckpointStore(root, 0).open(4).readModelShard(0, 1, views(into, 0));
        assertArrayEquals(params(4, 0, 1), into);
    }

    @Test
    void crashBetweenTheRenamesOfAReSaveIsRecovered() throws IOException {
        saveFull(0, 6);
        // state after "old copy moved aside" and before "new copy renamed in"
        Files.move(root.resolve("global_step6"), root.resolve("global_step6.replaced.tmp"));
        CheckpointStore store = new CheckpointStore(root, 0);
        assertEquals(6, store.openLatest().orElseThrow().iteration());
        assertEquals(List.of(6L), store.availableSteps());
    }

    @Test
    void changedFixedConfigKeysAreRefusedOnResume() {
        LoadedCheckpoint c = saveFull(0, 1).open(1);
        c.checkConfigCompatible(TinyCheckpoints.JSON.createObjectNode().put("num_layers", 2).put("lr", 1.0));
        UserError e = assertThrows(UserError.class,
                () -> c.checkConfigCompatible(TinyCheckpoints.JSON.createObjectNode().put("num_layers", 4)));
        assertTrue(e.getMessage().contains("num_layers value from checkpoint (2) is not equal to the currently set "
                + "argument value (4)"), e.getMessage());
    }
}
