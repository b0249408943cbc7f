package org.neox.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.neox.SharedAssets;
import org.neox.config.ModelArgs.Precision;

/**
 * Every GPT-NeoX reference config resolves: a full model config alone, a partial one (no
 * model section) merged after 125M.yml, with the values GPT-NeoX derives on one device.
 */
class ReferenceConfigsTest {
    private static final List<String> PARTIAL = List.of("local_setup.yml", "cpu_mock_config.yml",
            "eleutherai_cluster.yml", "slurm_local.yml", "sparse.yml", "text_generation.yml");

    @TestFactory
    Stream<DynamicTest> everyReferenceConfigResolves() throws IOException {
        Path dir = SharedAssets.require("reference/configs");
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".yml")).sorted().toList();
        }
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(),
                () -> check(dir, f.getFileName().toString())));
    }

    private static void check(Path dir, String name) {
        List<String> names = new ArrayList<>();
        if (PARTIAL.contains(name)) {
            names.add("125M.yml");
        }
        names.add(name);
        ConfigLoader loader = new ConfigLoader(List.of(dir));
        // pp·mp ranks so that each config's parallel layout fits (GPT-NeoX would need that many GPUs)
        Map<String, Object> raw = ConfigFiles.load(dir, names).values();
        int gpus = Math.max(1, (Integer) raw.getOrDefault("pipe_parallel_size", 1))
                * Math.max(1, (Integer) raw.getOrDefault("model_parallel_size", 1));
        NeoXArgs a = loader.load(request(dir, names, gpus));
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
}
