package org.neox.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neox.config.ConfigLoader;
import org.neox.config.NeoXArgs;
import org.neox.config.ResourceOptions;
import org.neox.util.UserError;

/**
 * Every GPT-NeoX MLP activation trains the tiny char-level model on the embedded corpus (loss
 * finite and falling over 8 iterations); a bad activation or a geglu width that tensor ranks
 * cannot halve is one config error line.
 */
class ActivationTrainTest {
    @TempDir
    Path dir;

    private NeoXArgs config(Map<String, String> overrides) throws IOException {
        return TinyRuns.quickConfig(dir, "a", overrides);
    }

    @Test
    void everyActivationTrains() throws IOException {
        for (String act : List.of("relu", "softsign", "swish", "mish", "geglu")) {
            List<Double> losses = TinyRuns.train(config(Map.of("activation", act))).losses();
            assertEquals(8, losses.size(), act);
            assertTrue(losses.stream().allMatch(l -> Double.isFinite(l)), act + ": " + losses);
            assertTrue(losses.get(7) < losses.get(0) - 0.3, act + " loss should fall: " + losses);
        }
    }

    @Test
    void unknownActivationIsOneLineNamingTheChoices() {
        UserError e = assertThrows(UserError.class, () -> config(Map.of("activation", "tanh")));
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        for (String s : List.of("activation", "tanh", "gelu", "geglu", "relu", "softsign", "swish", "mish")) {
            assertTrue(e.getMessage().contains(s), e.getMessage());
        }
    }

    @Test
    void gegluHalvesMustSplitOverTensorRanks() throws IOException {
        config(Map.of());
        UserError e = assertThrows(UserError.class, () -> ConfigLoader.standard().load(new ConfigLoader.Request(dir,
                List.of("a.yml"), new ResourceOptions(null, null, null, null, 2), OptionalInt.empty(),
                Map.of("activation", "geglu", "model_parallel_size", "2"))));
        assertEquals("activation geglu: int(8 * hidden_size / 3) = 85 (hidden_size 32) is not divisible by"
                + " model_parallel_size 2", e.getMessage());
    }
}
