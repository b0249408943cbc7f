package org.neox.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neox.config.NeoXArgs;
import org.neox.util.UserError;

/**
 * {@code pos-emb: alibi} trains the tiny char-level model on the embedded corpus (loss finite and
 * falling over 8 iterations, and not the loss of {@code pos-emb: none}: the bias is applied);
 * {@code rpe} stays a one-line config error.
 */
class AlibiTrainTest {
    @TempDir
    Path dir;

    private NeoXArgs config(String posEmb) throws IOException {
        Path prefix = TinyRuns.corpus(dir);
        String yml = """
                {
                  "num-layers": 1, "hidden-size": 32, "num-attention-heads": 4,
                  "seq-length": 16, "max-position-embeddings": 16, "pos-emb": "%s",
                  "no-weight-tying": true, "tokenizer-type": "CharLevelTokenizer",
                  "data-path": "%s", "split": "949,50,1",
                  "train_micro_batch_size_per_gpu": 4, "gradient_accumulation_steps": 1,
                  "optimizer": {"type": "Adam", "params": {"lr": 1.0e-2}},
                  "train-iters": 8, "hidden-dropout": 0.0, "attention-dropout": 0.0,
                  "eval-interval": 100, "eval-iters": 1, "log-interval": 1,
                  "log-dir": "%s"
                }
                """.formatted(posEmb, prefix, dir.resolve("logs-" + posEmb));
        Files.writeString(dir.resolve(posEmb + ".yml"), yml);
        return TinyRuns.load(dir, posEmb + ".yml", Map.of());
    }

    @Test
    void alibiTrainsWithFallingLoss() throws IOException {
        List<Double> losses = TinyRuns.train(config("alibi")).losses();
        assertEquals(8, losses.size());
        assertTrue(losses.stream().allMatch(Double::isFinite), losses.toString());
        assertTrue(losses.get(7) < losses.get(0) - 0.3, "loss should fall: " + losses);
        List<Double> none = TinyRuns.train(config("none")).losses();
        assertNotEquals(none.get(1), losses.get(1), "alibi must change the model's output");
    }

    @Test
    void rpeIsOneConfigErrorLine() throws IOException {
        UserError e = assertThrows(UserError.class, () -> TinyRuns.train(config("rpe")));
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        assertTrue(e.getMessage().contains("pos_emb") && e.getMessage().contains("rpe"), e.getMessage());
    }
}
