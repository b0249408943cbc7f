package org.neox.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.stream.Stream;
import java.util.Collections;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.neox.SharedAssets;
import org.neox.config.ModelArgs.Precision;

/**
 * Every GPT-NeoX reference config resolves: a full model config alone, a partial one (no
 * model section) merged after 125M.yml, with the values GPT-NeoX derives on one device.
 */
class ReferenceConfigsTest {
    @TestFactory
    Stream<DynamicTest> everyReferenceConfigResolves() throws IOException {
        return ReferenceConfigs.each(ReferenceConfigsTest::check);
    }

    private static void check(String name, NeoXArgs a) {
        assertEquals(a.pipeParallelSize() * a.modelParallelSize() * a.dataParallelSize(), a.worldSize());
        assertEquals(a.deepspeedConfig().trainMicroBatchSizePerGpu()
                        * a.deepspeedConfig().gradientAccumulationSteps() * a.dataParallelSize(),
                (int) a.deepspeedConfig().trainBatchSize());
        assertEquals(a.model().numLayers(), a.model().attentionConfig().size());
        assertEquals(ConfigJson.fromJson(ConfigJson.toJson(a)), a);
        if (a.deepspeedConfig().fp16() == null) {
            assertEquals(Precision.FP32, a.model().precision());
        }
    }

    private static ConfigLoader.Request request(Path dir, List<String> names, Integer gpus) {
        return new ConfigLoader.Request(dir, names, ResourceOptions.NONE, OptionalInt.of(50257),
                gpus == null ? Map.of() : Map.of("global_num_gpus", gpus.toString()));
    }

    private static NeoXArgs resolve(int gpus, String... names) {
        Path dir = SharedAssets.require("reference/configs");
        return new ConfigLoader(List.of(dir)).load(request(dir, List.of(names), gpus));
    }

    @Test
    void derivedValuesOf20B() {
        NeoXArgs a = resolve(8, "20B.yml");
        assertEquals(1, a.dataParallelSize());
        assertEquals(new BatchSizes(128, 4, 32), new BatchSizes(a.deepspeedConfig().trainBatchSize(),
                a.deepspeedConfig().trainMicroBatchSizePerGpu(), a.deepspeedConfig().gradientAccumulationSteps()));
        assertEquals(Precision.FP16, a.model().precision());
        assertEquals(1, a.optimizer().zeroStage());
        assertEquals(1260000000, a.optimizer().zeroReduceBucketSize());
        assertEquals(true, a.optimizer().zeroContiguousGradients());
        assertEquals(0.97e-4, a.optimizer().lr());
        assertEquals(50432, a.tokenizer().paddedVocabSize());
        List<Integer> save = a.other().saveIters();
        assertEquals(299, save.size());
        assertEquals(List.of(500, 1000), save.subList(0, 2));
        assertEquals(149500, save.get(298));
        assertEquals(true, a.parallelism().isPipeParallel());
        assertEquals(1.0, a.training().clipGrad());
        assertEquals(true, a.training().dynamicLossScale());
        assertEquals(Collections.nCopies(44, "global"), a.model().attentionConfig());
        assertEquals(48, resolve(96, "20B.yml").deepspeedConfig().trainBatchSize() / 32);
    }

    @Test
    void derivedValuesOfSmallerConfigs() {
        NeoXArgs m = resolve(1, "125M.yml");
        assertEquals(4, m.deepspeedConfig().trainBatchSize());
        assertEquals(31, m.other().saveIters().size());
        assertEquals(50304, m.tokenizer().paddedVocabSize());
        assertEquals(32, resolve(4, "125M.yml").deepspeedConfig().trainBatchSize() * 2);
        assertEquals(Precision.BFLOAT16, resolve(1, "bf16_125M.yml").model().precision());
        assertEquals(Collections.nCopies(12, "gmlp"), resolve(1, "gmlp_small.yml").model().attentionConfig());
        List<String> sparse = resolve(1, "125M.yml", "sparse.yml").model().attentionConfig();
        assertEquals(List.of("local", "global", "local"), sparse.subList(0, 3));
        assertEquals(Map.of("block", 16, "num_local_blocks", 32),
                resolve(1, "125M.yml", "sparse.yml").model().sparsityConfig());
        NeoXArgs cluster = resolve(1, "125M.yml", "eleutherai_cluster.yml");
        assertEquals(List.of(1.0), cluster.training().trainDataWeights());
        assertEquals("unconditional", resolve(1, "125M.yml", "text_generation.yml").textgen().textGenType());
    }
}
