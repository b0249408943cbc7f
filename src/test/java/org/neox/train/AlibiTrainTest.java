package org.neox.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neox.config.NeoXArgs;
import org.neox.util.UserError;

/**
 * {@code pos-emb: alibi} trains the tiny char-level model on the embedded corpus (loss finite and
 * falling over 8 iterations, and not the loss of {@code pos-emb: none}: the bias is applied).
 */
class AlibiTrainTest {
    @TempDir
    Path dir;

    private NeoXArgs config(String posEmb) throws IOException {
        return TinyRuns.quickConfig(dir, posEmb, Map.of("pos_emb", posEmb));
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
    void optPositionOffsetIsOneConfigErrorLine() throws IOException {
        NeoXArgs args = TinyRuns.quickConfig(dir, "opt", Map.of("pos_emb", "learned", "opt_pos_emb_offset", "2"));
        UserError e = assertThrows(UserError.class, () -> ModelSpecs.from(args));
        assertEquals("opt_pos_emb_offset: the OPT position offset is not implemented by neox; expected 0", e.getMessage());
    }
}
