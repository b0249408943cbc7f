package org.neox.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.neox.SharedAssets;

/**
 * GPT-NeoX's reference configs for tests (skipped without ../shared): each resolved on the
 * pp·mp ranks its parallel layout needs (GPT-NeoX would need that many GPUs), a partial one
 * (no model section) merged after 125M.yml, with the GPT-2 vocabulary size.
 */
public final class ReferenceConfigs {
    private static final List<String> PARTIAL = List.of("local_setup.yml", "cpu_mock_config.yml",
            "eleutherai_cluster.yml", "slurm_local.yml", "sparse.yml", "text_generation.yml");

    private ReferenceConfigs() {
    }

    /** One dynamic test per reference config file, running {@code check(file name, resolved args)}. */
    public static Stream<DynamicTest> each(BiConsumer<String, NeoXArgs> check) throws IOException {
        Path dir = SharedAssets.require("reference/configs");
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".yml")).sorted().toList();
        }
        return files.stream().map(f -> f.getFileName().toString())
                .map(name -> DynamicTest.dynamicTest(name, () -> check.accept(name, resolve(dir, name))));
    }

    private static NeoXArgs resolve(Path dir, String name) {
        List<String> names = new ArrayList<>();
        if (PARTIAL.contains(name)) {
            names.add("125M.yml");
        }
        names.add(name);
        Map<String, Object> raw = ConfigFiles.load(dir, names).values();
        int gpus = Math.max(1, (Integer) raw.getOrDefault("pipe_parallel_size", 1))
                * Math.max(1, (Integer) raw.getOrDefault("model_parallel_size", 1));
        NeoXArgs a = new ConfigLoader(List.of(dir)).load(new ConfigLoader.Request(dir, names, ResourceOptions.NONE,
                OptionalInt.of(50257), Map.of("global_num_gpus", String.valueOf(gpus))));
        if (a.worldSize() != gpus) {
            throw new AssertionError(name + ": world size " + a.worldSize() + ", expected " + gpus);
        }
        return a;
    }
}
