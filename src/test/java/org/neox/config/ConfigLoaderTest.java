package org.neox.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neox.config.ModelArgs.PosEmb;
import org.neox.config.ModelArgs.Precision;
import org.neox.config.OptimizerArgs.OptimizerType;
import org.neox.util.UserError;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    private UserError error(String extra) {
        return assertThrows(UserError.class, () -> Yamls.model(dir, extra));
    }

    @Test
    void hasAll208Keys() {
        assertEquals(208, KeyRegistry.ALL.size());
        assertEquals(208, Yamls.model(dir, "train_batch_size: 1\n").toMap().size());
    }

    @Test
    void defaultsAndDerivedValues() {
        NeoXArgs a = Yamls.model(dir, "train_micro_batch_size_per_gpu: 8\npos_emb: ROTARY\n");
        assertEquals(PosEmb.ROTARY, a.model().posEmb());
        assertEquals(1, a.worldSize());
        assertEquals(8, a.deepspeedConfig().trainBatchSize());
        assertEquals(8, a.training().batchSize());
        assertEquals(Precision.FP32, a.model().precision());
        assertEquals(0, a.optimizer().zeroStage());
        assertEquals(Derivation.ZERO_DEFAULTS, a.deepspeedConfig().zeroOptimization());
        assertEquals(OptimizerType.ADAM, a.optimizer().optimizerType());
        assertEquals(0.001, a.optimizer().lr());
        assertEquals(List.of("global", "global"), a.model().attentionConfig());
        assertEquals(512, a.tokenizer().paddedVocabSize());
        assertEquals("unconditional", a.textgen().textGenType());
        assertEquals(true, a.training().dynamicLossScale());
        assertEquals(Map.of(), a.model().sparsityConfig());
        assertEquals(List.of(), a.other().saveIters());
        assertEquals(0.1, a.training().hiddenDropout());
    }

    @Test
    void unknownKeyNamesFileKeyAndClosestKnownKey() {
        UserError e = error("num-layer: 3\n");
        assertEquals("m.yml: unknown key 'num_layer' (did you mean 'num_layers'?)", e.getMessage());
    }

    @Test
    void typeErrorsNameKeyValueAndExpectedType() {
        assertEquals("m.yml: key 'train_iters' has value \"many\" but expects an integer",
                error("train_iters: many\n").getMessage());
        assertTrue(error("no_weight_tying: 1\n").getMessage().contains("expects a boolean"));
        assertTrue(error("pos_emb: spiral\n").getMessage().contains("one of [learned, rotary"));
        assertTrue(error("train_iters: 2.5\n").getMessage().contains("expects an integer"));
    }

    @Test
    void intAcceptedForFloatAndScientificStringToo() {
        NeoXArgs a = Yamls.model(dir, "train_micro_batch_size_per_gpu: 1\nweight_decay: 0\nmin_lr: 1e-5\n");
        assertEquals(0.0, a.training().weightDecay());
        assertEquals(1.0e-5, a.lrScheduler().minLr());
    }

    @Test
    void batchArithmeticCases() {
        assertEquals(new BatchSizes(32, 4, 8), BatchSizes.derive(32, 4, null, 1));
        assertEquals(new BatchSizes(32, 4, 2), BatchSizes.derive(32, null, 2, 4));
        assertEquals(new BatchSizes(64, 4, 2), BatchSizes.derive(null, 4, 2, 8));
        assertEquals(new BatchSizes(32, 8, 1), BatchSizes.derive(32, null, null, 4));
        assertEquals(new BatchSizes(16, 4, 1), BatchSizes.derive(null, 4, null, 4));
        assertThrows(UserError.class, () -> BatchSizes.derive(null, null, 1, 1));
        UserError e = assertThrows(UserError.class, () -> BatchSizes.derive(32, 4, 1, 1));
        assertTrue(e.getMessage().endsWith("32 != 4 * 1 * 1"), e.getMessage());
    }

    @Test
    void gradientAccumulationDefaultOneKeepsBatchAndMicroBatch() {
        UserError e = error("train_batch_size: 32\ntrain_micro_batch_size_per_gpu: 4\n");
        assertTrue(e.getMessage().contains("32 != 4 * 1 * 1"), e.getMessage());
        NeoXArgs a = Yamls.model(dir, "train_batch_size: 32\ntrain_micro_batch_size_per_gpu: 4\n"
                + "gradient_accumulation_steps: null\n");
        assertEquals(8, a.deepspeedConfig().gradientAccumulationSteps());
        assertEquals(8, a.training().gas());
    }

    @Test
    void saveIterations() {
        assertEquals(List.of(20, 40, 60, 80), SaveIters.derive(20, null, false, 100));
        assertEquals(List.of(2, 4, 8, 16, 32, 64), SaveIters.derive(2, null, true, 100));
        assertEquals(List.of(5, 20, 40, 60, 80), SaveIters.derive(20, List.of(5), false, 100));
        assertEquals(List.of(7), SaveIters.derive(null, List.of(7), false, 100));
        assertEquals(List.of(), SaveIters.derive(null, null, false, 100));
        assertThrows(UserError.class, () -> SaveIters.derive(1, null, true, 100));
        assertThrows(UserError.class, () -> SaveIters.derive(0, null, false, 100));
        NeoXArgs a = Yamls.model(dir, "train_micro_batch_size_per_gpu: 1\ntrain_iters: 100\n"
                + "checkpoint_factor: 2\ncheckpoint_scale: log\nsave: ck\n");
        assertEquals(List.of(2, 4, 8, 16, 32, 64), a.other().saveIters());
    }

    @Test
    void attentionConfigExpansion() {
        assertEquals(List.of("local", "global", "local", "global"),
                AttentionConfig.expand(List.of(List.of(List.of("local", "global"), "all")), 4));
        assertEquals(List.of("flash", "flash", "global"), AttentionConfig.expand(
                List.of(List.of(List.of("flash"), 2), List.of(List.of("global"), 1)), 3));
        assertEquals(List.of("global", "local"), AttentionConfig.expand(List.of("global", "local"), 2));
        assertTrue(assertThrows(UserError.class, () -> AttentionConfig.expand(
                List.of(List.of(List.of("global"), 1)), 2)).getMessage().contains("num_layers is 2"));
        assertTrue(assertThrows(UserError.class, () -> AttentionConfig.expand(
                List.of("global", "fancy"), 2)).getMessage().contains("'fancy' not recognized"));
    }

    @Test
    void vocabularyFromTheGpt2VocabFileOrTheCallersSize() {
        Path vocab = org.neox.SharedAssets.require("tokenizer/gpt2-vocab.json");
        NeoXArgs a = new ConfigLoader(List.of(dir)).load(new ConfigLoader.Request(Path.of("configs"),
                List.of("small"), ResourceOptions.NONE, java.util.OptionalInt.of(7),
                Map.of("vocab_file", vocab.toString())));
        assertEquals(50304, a.tokenizer().paddedVocabSize());
        NeoXArgs b = new ConfigLoader(List.of(dir)).load(new ConfigLoader.Request(Path.of("configs"),
                List.of("small"), ResourceOptions.NONE, java.util.OptionalInt.of(50257), Map.of()));
        assertEquals(50304, b.tokenizer().paddedVocabSize());
        NeoXArgs c = new ConfigLoader(List.of(dir)).load(new ConfigLoader.Request(Path.of("configs"),
                List.of("small"), ResourceOptions.NONE, java.util.OptionalInt.empty(), Map.of()));
        assertNull(c.tokenizer().paddedVocabSize());
    }

    @Test
    void paddedVocabulary() {
        assertEquals(50304, VocabSize.padded(50257, 128, 1));
        assertEquals(50304, VocabSize.padded(50277, 128, 1));
        assertEquals(50432, VocabSize.padded(50277, 128, 2));
        assertEquals(512, VocabSize.padded(512, 128, 4));
    }

    @Test
    void precisionFromTheFp16Dict() {
        assertEquals(Precision.FP16, Derivation.precision(Map.of("enabled", true)));
        assertEquals(Precision.BFLOAT16, Derivation.precision(Map.of("enabled", true, "type", "bfloat16")));
        assertEquals(Precision.FP32, Derivation.precision(Map.of("enabled", false)));
    }

    private UserError errorIn(String yaml) {
        Yamls.write(dir, "c.yml", yaml);
        return assertThrows(UserError.class, () -> Yamls.resolve(dir, "c.yml"));
    }

    @Test
    void validationErrorsQuoteTheValues() {
        String mb = "train_micro_batch_size_per_gpu: 1\n";
        assertTrue(error(mb + "model_parallel_size: 3\n").getMessage().contains("world size 1"));
        assertEquals("hidden_size 64 is not divisible by num_attention_heads 5",
                errorIn(Yamls.MODEL.replace("heads: 4", "heads: 5") + mb).getMessage());
        assertEquals("num_attention_heads 4 is not divisible by model_parallel_size 3",
                errorIn(Yamls.MODEL.replace("heads: 4", "heads: 4\nglobal_num_gpus: 3\n"
                        + "model_parallel_size: 3") + mb).getMessage());
        assertEquals("num_layers 2 is less than pipe_parallel_size 4 (every stage needs a layer)",
                errorIn(Yamls.MODEL + mb + "global_num_gpus: 4\npipe_parallel_size: 4\n").getMessage());
        assertEquals("seq_length 64 is greater than max_position_embeddings 32",
                errorIn(Yamls.MODEL.replace("embeddings: 64", "embeddings: 32") + mb).getMessage());
        assertEquals("hidden_size is 0 (expected a positive integer)",
                errorIn(Yamls.MODEL.replace("hidden_size: 64", "hidden_size: 0") + mb).getMessage());
        assertTrue(error(mb + "min_lr: 0.5\n").getMessage().contains("min_lr 0.5 is greater than lr 0.001"));
        assertTrue(error(mb + "save: ck\n").getMessage().contains("neither checkpoint_factor"));
        assertTrue(error(mb + "fp16_lm_cross_entropy: true\n").getMessage().contains("fp16"));
        assertTrue(error(mb + "train_data_paths: [a]\n").getMessage().contains("together"));
        assertEquals("padded_vocab_size 1000 is not a positive multiple of make_vocab_size_divisible_by"
                + " * model_parallel_size = 128", errorIn(Yamls.MODEL.replace("CharLevelTokenizer",
                "GPT2BPETokenizer") + mb + "padded_vocab_size: 1000\n").getMessage());
        assertTrue(error(mb + "seed: 0\n").getMessage().contains("seed is 0"));
        assertTrue(errorIn(Yamls.MODEL.replace("type: Adam", "type: AdamW") + mb).getMessage()
                .contains("optimizer.type"));
    }

    @Test
    void jsonRoundTripIsEqual() {
        NeoXArgs a = Yamls.model(dir, "train_micro_batch_size_per_gpu: 4\nfp16: {enabled: true}\n"
                + "attention_config: [[[local, global], all]]\ntrain_iters: 50\ncheckpoint_factor: 10\n"
                + "save: ck\nextra_save_iters: [3]\nmin_lr: 1e-5\n");
        String json = ConfigJson.toJson(a);
        assertEquals(a, ConfigJson.fromJson(json));
        assertTrue(json.contains("\"train_micro_batch_size_per_gpu\" : 4"), json);
        assertTrue(json.contains("\"precision\" : \"fp16\""));
        assertTrue(ConfigJson.toYaml(a).contains("pos_emb: learned"));
    }

    @Test
    void worldSizeFromHostfileAndFilters() {
        Yamls.write(dir, "hosts", "a slots=4\nb slots=4\n");
        String mb = "train_micro_batch_size_per_gpu: 1\n";
        Yamls.write(dir, "m.yml", Yamls.MODEL + mb);
        Path h = dir.resolve("hosts");
        assertEquals(8, Yamls.resolve(dir, new ResourceOptions(h, null, null, null, null), "m.yml").worldSize());
        assertEquals(3, Yamls.resolve(dir, new ResourceOptions(h, "a:0,1@b:3", null, null, null), "m.yml").worldSize());
        assertEquals(4, Yamls.resolve(dir, new ResourceOptions(h, null, null, 1, null), "m.yml").worldSize());
        assertEquals(4, Yamls.resolve(dir, new ResourceOptions(h, null, null, null, 2), "m.yml").worldSize());
        // deepy.py drops num_gpus when include is given
        assertEquals(1, Yamls.resolve(dir, new ResourceOptions(h, "b:2", null, null, 2), "m.yml").worldSize());
        // no hostfile: num_gpus ranks on this machine (v2.0 ignores num_gpus here, #757)
        assertEquals(3, Yamls.resolve(dir, new ResourceOptions(null, null, null, null, 3), "m.yml").worldSize());
        assertThrows(UserError.class, () -> Yamls.resolve(dir,
                new ResourceOptions(dir.resolve("missing"), null, null, null, null), "m.yml"));
    }
}
