package org.neox.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neox.config.NeoXArgs;
import org.neox.kernel.KernelsFactory;
import org.neox.model.GPTNeoXModel;
import org.neox.util.Clock;

/** {@code neox bench}'s measurement on a tiny config: the fields, and the FLOP count it divides by. */
class BenchmarkTest {
    @TempDir
    Path dir;

    @Test
    void reportsThroughputAndMatmulFlops() throws IOException {
        Files.writeString(dir.resolve("b.yml"), """
                {"num-layers": 2, "hidden-size": 32, "num-attention-heads": 4, "seq-length": 16,
                 "max-position-embeddings": 16, "no-weight-tying": true, "train_micro_batch_size_per_gpu": 2,
                 "optimizer": {"type": "Adam", "params": {"lr": 1.0e-3}}, "train-iters": 10}
                """);
        NeoXArgs args = TinyRuns.load(dir, "b.yml", Map.of("padded_vocab_size", "128"));
        Map<String, Object> r = new Benchmark(args, KernelsFactory.create("cpu", 2), Clock.SYSTEM).run(0, 2);
        for (String k : List.of("kernels", "parameters", "tokens_per_sec", "step_ms_median", "tflops", "model_gflops",
                "gemm_peak_gflops", "fraction_of_gemm_peak")) {
            assertTrue(r.containsKey(k), "missing " + k + " in " + r);
        }
        assertEquals(32L, r.get("tokens_per_step"));
        assertTrue((double) r.get("tokens_per_sec") > 0);
        long params = (long) r.get("parameters");
        // untied: the word embedding [128, 32] is a lookup; learned positions [16, 32] too (default pos_emb)
        double expected = 6.0 * (params - 128 * 32 - 16 * 32) + 12.0 * 2 * 32 * 16;
        GPTNeoXModel model = new GPTNeoXModel(ModelSpecs.from(args), KernelsFactory.create("reference", 1),
                RankContext.single().tensorGroup(), 1);
        assertEquals(expected, Benchmark.modelFlopsPerToken(model), 1e-6);
    }
}
