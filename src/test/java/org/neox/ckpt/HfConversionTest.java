package org.neox.ckpt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neox.util.UserError;

class HfConversionTest {
    @TempDir
    Path dir;

    private Path export(ObjectNode cfg, Map<String, NamedTensor> full, Topology t, String out, DType dtype) {
        CheckpointStore store = TinyCheckpoints.save(dir.resolve("ckpt-" + out), cfg, full, t, 3);
        HfExporter.export(store.openLatest().orElseThrow(), dir.resolve(out), dtype, OptionalInt.empty());
        return dir.resolve(out);
    }

    @Test
    void toHfMergesPipelineAndTensorShardsOfASequentialResidualModel() throws IOException {
        ObjectNode cfg = TinyCheckpoints.config(3, 8, 12, false, true);
        Map<String, NamedTensor> full = TinyCheckpoints.randomFull(cfg, 1);
        Path out = export(cfg, full, new Topology(2, 2, 1), "hf", DType.F32);
        NeoxModelConfig c = NeoxModelConfig.fromResolved(cfg, "test");
        try (SafetensorsFile f = SafetensorsFile.open(out.resolve("model.safetensors"))) {
            assertEquals("pt", f.metadata().get("format"));
            assertEquals(full.size(), f.names().size());
            for (NamedTensor t : full.values()) {
                String hf = HfNames.toHf(t.name(), c);
                assertArrayEquals(t.shape(), f.info(hf).shape(), hf);
                // row-parallel biases: ONE copy (GPT-NeoX #1072 fix), not the sum of 2
                assertArrayEquals(t.toArray(), f.read(hf), hf);
            }
            assertTrue(f.contains("gpt_neox.layers.2.attention.query_key_value.weight"));
            assertArrayEquals(new long[] {24, 8}, f.info("gpt_neox.layers.0.attention.query_key_value.weight").shape());
            assertArrayEquals(new long[] {8, 32}, f.info("gpt_neox.layers.1.mlp.dense_4h_to_h.weight").shape());
            assertArrayEquals(new long[] {12, 8}, f.info("embed_out.weight").shape());
            assertTrue(f.contains("gpt_neox.final_layer_norm.bias"));
        }
        JsonNode hfc = HfConfig.JSON.readTree(out.resolve("config.json").toFile());
        assertEquals("gpt_neox", hfc.get("model_type").asText());
        assertEquals("GPTNeoXForCausalLM", hfc.get("architectures").get(0).asText());
        assertEquals(12, hfc.get("vocab_size").asInt());
        assertEquals(3, hfc.get("num_hidden_layers").asInt());
        assertEquals(32, hfc.get("intermediate_size").asInt());
        assertEquals(0.5, hfc.get("rotary_pct").asDouble());
        assertEquals(10000, hfc.get("rotary_emb_base").asInt());
        assertEquals(1e-5, hfc.get("layer_norm_eps").asDouble());
        assertEquals(50256, hfc.get("eos_token_id").asInt());
        assertEquals(50256, hfc.get("bos_token_id").asInt());
        assertFalse(hfc.get("tie_word_embeddings").asBoolean());
        assertFalse(hfc.get("use_parallel_residual").asBoolean());
        assertEquals("gelu", hfc.get("hidden_act").asText());
        assertEquals("float32", hfc.get("torch_dtype").asText());
        assertEquals(0.02, hfc.get("initializer_range").asDouble());
        assertTrue(hfc.get("use_cache").asBoolean());
        assertFalse(Files.exists(dir.resolve(".hf.tmp")));
    }

    @Test
    void parallelResidualRowBiasesAreSummedOverTensorRanks() {
        ObjectNode cfg = TinyCheckpoints.config(2, 8, 12, true, false);
        Map<String, NamedTensor> full = TinyCheckpoints.randomFull(cfg, 2);
        Path out = export(cfg, full, new Topology(1, 2, 1), "hf", DType.F32);
        try (SafetensorsFile f = SafetensorsFile.open(out.resolve("model.safetensors"))) {
            float[] want = full.get("sequential.3.mlp.dense_4h_to_h.bias").toArray();
            float[] got = f.read("gpt_neox.layers.1.mlp.dense_4h_to_h.bias");
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], got[i], 1e-6); // shards hold bias/2 each
            }
            // tied: embed_out is the embedding
            assertArrayEquals(f.read("gpt_neox.embed_in.weight"), f.read("embed_out.weight"));
            assertArrayEquals(full.get("sequential.0.word_embeddings.weight").toArray(), f.read("embed_out.weight"));
        }
    }

    @Test
    void fromHfThenToHfIsByteIdenticalInF32AndF16() throws IOException {
        for (DType dtype : new DType[] {DType.F32, DType.F16}) {
            for (boolean tied : new boolean[] {true, false}) {
                String tag = dtype + "-" + tied;
                ObjectNode cfg = TinyCheckpoints.config(2, 8, 12, !tied, !tied);
                Path hf = export(cfg, TinyCheckpoints.randomFull(cfg, 3), Topology.SINGLE, "hf-" + tag, dtype);
                Path imported = dir.resolve("imported-" + tag);
                HfImporter.importTo(hf, null, imported);
                LoadedCheckpoint c = new CheckpointStore(imported, 0).openLatest().orElseThrow();
                assertEquals(0, c.iteration());
                assertFalse(c.hasOptimizerState());
                HfExporter.export(c, dir.resolve("again-" + tag), dtype, OptionalInt.empty());
                assertArrayEquals(Files.readAllBytes(hf.resolve("model.safetensors")),
                        Files.readAllBytes(dir.resolve("again-" + tag).resolve("model.safetensors")), tag);
                assertEquals(HfConfig.JSON.readTree(hf.resolve("config.json").toFile()),
                        HfConfig.JSON.readTree(dir.resolve("again-" + tag).resolve("config.json").toFile()), tag);
            }
        }
    }

    @Test
    void fromHfSkipsHfBuffersAndReadsShardedIndexes() throws IOException {
        ObjectNode cfg = TinyCheckpoints.config(2, 8, 12, true, true);
        Path hf = export(cfg, TinyCheckpoints.randomFull(cfg, 4), Topology.SINGLE, "hf", DType.F32);
        // re-shard into two files with an index, plus the buffers older transformers saved
        List<NamedTensor> a = new ArrayList<>();
        List<NamedTensor> b = new ArrayList<>();
        ObjectNode weightMap = HfConfig.JSON.createObjectNode();
        try (SafetensorsFile f = SafetensorsFile.open(hf.resolve("model.safetensors"))) {
            for (String n : f.names()) {
                boolean first = n.startsWith("gpt_neox.embed") || n.contains("layers.0.");
                (first ? a : b).add(f.readTensor(n));
                weightMap.put(n, first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
            }
        }
        a.add(NamedTensor.of("gpt_neox.layers.0.attention.rotary_emb.inv_freq", new long[] {1}, new float[] {1}));
        a.add(NamedTensor.of("gpt_neox.layers.0.attention.masked_bias", new long[] {}, new float[] {-1e9f}));
        Path sharded = dir.resolve("sharded");
        Files.createDirectories(sharded);
        Files.copy(hf.resolve("config.json"), sharded.resolve("config.json"));
        SafetensorsWriter.write(sharded.resolve("model-00001-of-00002.safetensors"), a, Map.of("format", "pt"), DType.F16);
        SafetensorsWriter.write(sharded.resolve("model-00002-of-00002.safetensors"), b, Map.of("format", "pt"), DType.F32);
        Files.writeString(sharded.resolve("model.safetensors.index.json"),
                HfConfig.JSON.createObjectNode().set("weight_map", weightMap).toString());
        HfImporter.importTo(sharded, null, dir.resolve("imp"));
        LoadedCheckpoint c = new CheckpointStore(dir.resolve("imp"), 0).open(0);
        try (SafetensorsFile f = c.openModelShard(0, 0)) {
            assertEquals(NeoxModelConfig.fromResolved(cfg, "t").fullShapes().keySet(), Map.copyOf(f.tensors()).keySet());
        }
        assertTrue(c.configText("hf_config.json").contains("gpt_neox"));
    }

    @Test
    void fromHfChecksTheConfigAndShapes() throws IOException {
        ObjectNode cfg = TinyCheckpoints.config(2, 8, 12, false, true);
        Path hf = export(cfg, TinyCheckpoints.randomFull(cfg, 5), Topology.SINGLE, "hf", DType.F32);
        ObjectNode mine = cfg.deepCopy().put("hidden_size", 16);
        Path mineFile = dir.resolve("resolved.json");
        Files.writeString(mineFile, mine.toString());
        UserError e = assertThrows(UserError.class, () -> HfImporter.importTo(hf, mineFile, dir.resolve("x")));
        assertTrue(e.getMessage().contains("hidden_size = 16") && e.getMessage().contains("hidden_size = 8"), e.getMessage());

        Files.writeString(mineFile, cfg.toString()); // agreeing config: accepted and stored
        HfImporter.importTo(hf, mineFile, dir.resolve("ok"));
        assertEquals(cfg, new CheckpointStore(dir.resolve("ok"), 0).open(0).meta().config());
        UserError again = assertThrows(UserError.class, () -> HfImporter.importTo(hf, null, dir.resolve("ok")));
        assertTrue(again.getMessage().contains("already holds a checkpoint"), again.getMessage());

        Path bad = dir.resolve("bad");
        Files.createDirectories(bad);
        Files.copy(hf.resolve("config.json"), bad.resolve("config.json"));
        List<NamedTensor> ts = new ArrayList<>();
        try (SafetensorsFile f = SafetensorsFile.open(hf.resolve("model.safetensors"))) {
            for (String n : f.names()) {
                ts.add(n.equals("gpt_neox.layers.1.mlp.dense_h_to_4h.bias")
                        ? NamedTensor.of(n, new long[] {31}, new float[31]) : f.readTensor(n));
            }
        }
        SafetensorsWriter.write(bad.resolve("model.safetensors"), ts, null, DType.F32);
        UserError s = assertThrows(UserError.class, () -> HfImporter.importTo(bad, null, dir.resolve("y")));
        assertTrue(s.getMessage().contains("gpt_neox.layers.1.mlp.dense_h_to_4h.bias")
                && s.getMessage().contains("[31]") && s.getMessage().contains("[32]"), s.getMessage());
    }

    @Test
    void toHfRefusesWhatHfCannotExpressAndNonEmptyOutputs() throws IOException {
        ObjectNode cfg = TinyCheckpoints.config(1, 8, 12, false, true).put("pos_emb", "learned");
        CheckpointStore store = TinyCheckpoints.save(dir.resolve("c"), cfg, TinyCheckpoints.randomFull(cfg, 6),
                Topology.SINGLE, 1);
        UserError e = assertThrows(UserError.class, () -> HfExporter.export(store.open(1), dir.resolve("o"),
                DType.F32, OptionalInt.empty()));
        assertTrue(e.getMessage().contains("pos_emb is learned"), e.getMessage());
        // HF GPTNeoX has no ALiBi: one line naming the key and the value
        ObjectNode alibi = TinyCheckpoints.config(1, 8, 12, false, true).put("pos_emb", "alibi");
        CheckpointStore alibiStore = TinyCheckpoints.save(dir.resolve("a"), alibi,
                TinyCheckpoints.randomFull(alibi, 6), Topology.SINGLE, 1);
        UserError a = assertThrows(UserError.class, () -> HfExporter.export(alibiStore.open(1), dir.resolve("oa"),
                DType.F32, OptionalInt.empty()));
        assertEquals("config key pos_emb is alibi; HF GPTNeoX supports rotary only", a.getMessage());
        assertFalse(Files.exists(dir.resolve("oa")), "nothing written");
        // nor the T5 relative position bias
        ObjectNode rpe = TinyCheckpoints.config(1, 8, 12, false, true).put("pos_emb", "rpe").put("rpe_num_buckets", 4);
        CheckpointStore rpeStore = TinyCheckpoints.save(dir.resolve("r"), rpe, TinyCheckpoints.randomFull(rpe, 6),
                Topology.SINGLE, 1);
        UserError r = assertThrows(UserError.class, () -> HfExporter.export(rpeStore.open(1), dir.resolve("or"),
                DType.F32, OptionalInt.empty()));
        assertEquals("config key pos_emb is rpe; HF GPTNeoX has no T5 relative position bias (it supports rotary only)",
                r.getMessage());
        assertFalse(Files.exists(dir.resolve("or")), "nothing written");
        // nor block-sparse layers (a flash layer is dense attention and converts)
        ObjectNode sparse = TinyCheckpoints.config(1, 8, 12, false, true);
        sparse.putArray("attention_config").add("local");
        CheckpointStore sparseStore = TinyCheckpoints.save(dir.resolve("s"), sparse,
                TinyCheckpoints.randomFull(sparse, 6), Topology.SINGLE, 1);
        UserError sp = assertThrows(UserError.class, () -> HfExporter.export(sparseStore.open(1), dir.resolve("os"),
                DType.F32, OptionalInt.empty()));
        assertEquals("config key attention_config makes layer 0 local (block-sparse); HF GPTNeoX has dense causal"
                + " attention only", sp.getMessage());
        assertFalse(Files.exists(dir.resolve("os")), "nothing written");
        Files.createDirectories(dir.resolve("full"));
        Files.writeString(dir.resolve("full").resolve("x"), "x");
        UserError o = assertThrows(UserError.class, () -> HfExporter.export(store.open(1), dir.resolve("full"),
                DType.F32, OptionalInt.empty()));
        assertTrue(o.getMessage().contains("not empty"), o.getMessage());
    }

    @Test
    void weightsLoadIntoAnotherTensorAndPipelineLayout() {
        for (boolean parallel : new boolean[] {false, true}) {
            ObjectNode cfg = TinyCheckpoints.config(3, 8, 12, parallel, parallel);
            Map<String, NamedTensor> full = TinyCheckpoints.randomFull(cfg, 9);
            LoadedCheckpoint wide = TinyCheckpoints.save(dir.resolve("wide" + parallel), cfg, full,
                    new Topology(2, 2, 1), 1).open(1);
            LoadedCheckpoint narrow = TinyCheckpoints.save(dir.resolve("narrow" + parallel), cfg, full,
                    Topology.SINGLE, 1).open(1);
            // mp 2 x pp 2 -> one rank: the full tensors (row biases of a parallel model: sum of halves)
            List<NamedTensor> into = new ArrayList<>();
            full.values().forEach(t -> into.add(NamedTensor.of(t.name(), t.shape(), new float[t.numel()])));
            wide.readModelResharded(0, 1, into);
            for (NamedTensor t : into) {
                float[] want = full.get(t.name()).toArray();
                float[] got = t.toArray();
                for (int i = 0; i < want.length; i++) {
                    assertEquals(want[i], got[i], parallel ? 1e-6 : 0, t.name());
                }
            }
            // one rank -> tensor rank 1 of 2: exactly what a 2-way save holds
            for (NamedTensor f : full.values()) {
                NamedTensor want = TinyCheckpoints.shard(f, 1, 2, parallel);
                NamedTensor got = NamedTensor.of(f.name(), want.shape(), new float[want.numel()]);
                narrow.readModelResharded(1, 2, List.of(got));
                assertArrayEquals(want.toArray(), got.toArray(), f.name());
            }
            UserError e = assertThrows(UserError.class, () -> narrow.readModelResharded(0, 2,
                    List.of(NamedTensor.of("sequential.2.mlp.dense_h_to_4h.bias", new long[] {32}, new float[32]))));
            assertTrue(e.getMessage().contains("[16]") && e.getMessage().contains("[32]"), e.getMessage());
        }
    }
}
