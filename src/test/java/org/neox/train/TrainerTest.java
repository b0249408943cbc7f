package org.neox.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neox.config.NeoXArgs;

/** The single-rank trainer on the embedded corpus: loss falls, metrics are written, resume is exact. */
class TrainerTest {
    @TempDir
    Path dir;

    private NeoXArgs config(Map<String, String> extra) throws IOException {
        Path prefix = TinyRuns.corpus(dir);
        String yml = """
                {
                  "num-layers": 2, "hidden-size": 32, "num-attention-heads": 4,
                  "seq-length": 32, "max-position-embeddings": 32, "pos-emb": "rotary",
                  "no-weight-tying": true, "tokenizer-type": "CharLevelTokenizer",
                  "data-path": "%s", "split": "949,50,1",
                  "train_micro_batch_size_per_gpu": 4, "gradient_accumulation_steps": 2,
                  "optimizer": {"type": "Adam", "params": {"lr": 3.0e-3, "betas": [0.9, 0.95], "eps": 1.0e-8}},
                  "lr-decay-style": "cosine", "warmup": 0.1, "train-iters": 40,
                  "hidden-dropout": 0.1, "attention-dropout": 0.1, "gradient_clipping": 1.0,
                  "eval-interval": 20, "eval-iters": 2, "log-interval": 5,
                  "log-dir": "%s", "save": "%s", "checkpoint-factor": 20,
                }
                """.formatted(prefix, dir.resolve("logs"), dir.resolve("ckpt"));
        Files.writeString(dir.resolve("t.yml"), yml);
        return TinyRuns.load(dir, "t.yml", extra);
    }

    @Test
    void lossFallsAndMetricsAreWritten() throws IOException {
        TrainResult r = TinyRuns.train(config(Map.of()));
        assertEquals(40, r.losses().size());
        double first = r.losses().get(0);
        double last = r.losses().subList(35, 40).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        assertTrue(last < first - 1.5, "loss should fall well below its start: " + first + " -> " + last);
        List<String> lines = Files.readAllLines(dir.resolve("logs").resolve(MetricsLog.FILE_NAME));
        ObjectMapper json = new ObjectMapper();
        JsonNode train = json.readTree(lines.get(0));
        for (String f : List.of("iteration", "lm_loss", "lr", "grad_norm", "loss_scale", "tokens_per_sec",
                "samples_per_sec", "tflops", "step_ms", "memory_mb")) {
            assertTrue(train.has(f), "metrics.jsonl lacks " + f + ": " + lines.get(0));
        }
        assertEquals(5, train.get("iteration").asInt());
        assertTrue(lines.stream().anyMatch(l -> l.contains("\"split\":\"validation\"")));
        assertTrue(lines.stream().anyMatch(l -> l.contains("\"split\":\"test\"")));
        assertTrue(Files.isRegularFile(dir.resolve("ckpt/global_step20/manifest.json")));
        assertEquals("global_step40", Files.readString(dir.resolve("ckpt/latest")).trim());
    }

    @Test
    void resumeFromCheckpointGivesBitwiseTheSameLosses() throws IOException {
        TrainResult whole = TinyRuns.train(config(Map.of("save", "'" + dir.resolve("whole") + "'")));
        // the interrupted run stops at iteration 20 (exit_interval) right after saving it
        TinyRuns.train(config(Map.of("exit_interval", "20")));
        TrainResult resumed = TinyRuns.train(config(Map.of("load", "'" + dir.resolve("ckpt") + "'")));
        assertEquals(20, resumed.startIteration());
        assertEquals(whole.losses().subList(20, 40), resumed.losses());
    }

    @Test
    void finetuneLoadsWeightsAndStartsAtZero() throws IOException {
        TinyRuns.train(config(Map.of("exit_interval", "20")));
        TrainResult ft = TinyRuns.train(config(Map.of("load", "'" + dir.resolve("ckpt") + "'", "finetune", "true",
                "save", "'" + dir.resolve("ft") + "'", "train_iters", "5")));
        assertEquals(0, ft.startIteration());
        TrainResult fresh = TinyRuns.train(config(Map.of("save", "'" + dir.resolve("fresh") + "'", "train_iters", "5")));
        assertTrue(ft.losses().get(0) < fresh.losses().get(0) - 0.5,
                "finetuned start loss " + ft.losses().get(0) + " should beat fresh " + fresh.losses().get(0));
    }
}
