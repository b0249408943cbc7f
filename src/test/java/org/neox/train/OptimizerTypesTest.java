package org.neox.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neox.config.NeoXArgs;
import org.neox.util.UserError;

/**
 * {@code optimizer.type}: CPU_Adam (DeepSpeedCPUAdam, GPT-NeoX's choice for both CPU types) is
 * FusedAdam's update, so it trains the same losses bit for bit; types neox lacks and AMSGrad are
 * one config error line.
 */
class OptimizerTypesTest {
    @TempDir
    Path dir;

    /** The quick config with its optimizer block's type and params replaced. */
    private NeoXArgs withOptimizer(String name, String optimizer) throws IOException {
        TinyRuns.quickConfig(dir, "base", Map.of());
        String yml = Files.readString(dir.resolve("base.yml"))
                .replace("\"optimizer\": {\"type\": \"Adam\", \"params\": {\"lr\": 1.0e-2}}", optimizer)
                .replace("logs-base", "logs-" + name);
        Files.writeString(dir.resolve(name + ".yml"), yml);
        return TinyRuns.load(dir, name + ".yml", Map.of());
    }

    @Test
    void cpuAdamTrainsTheLossesOfAdam() throws IOException {
        var adam = TinyRuns.train(withOptimizer("adam", "\"optimizer\": {\"type\": \"Adam\", \"params\": {\"lr\": 1.0e-2}}"));
        for (String type : new String[] {"CPU_Adam", "cpu_torch_adam"}) {
            var cpu = TinyRuns.train(withOptimizer(type.toLowerCase(),
                    "\"optimizer\": {\"type\": \"" + type + "\", \"params\": {\"lr\": 1.0e-2}}"));
            assertEquals(adam.losses(), cpu.losses(), type);
        }
    }

    @Test
    void otherTypesAndAmsgradAreOneErrorLine() throws IOException {
        UserError sm3 = assertThrows(UserError.class, () -> TinyRuns.train(
                withOptimizer("sm3", "\"optimizer\": {\"type\": \"SM3\", \"params\": {\"lr\": 0.1}}")));
        assertEquals("optimizer.type 'sm3' is not implemented by neox; expected Adam or CPU_Adam", sm3.getMessage());
        UserError ams = assertThrows(UserError.class, () -> TinyRuns.train(withOptimizer("ams",
                "\"optimizer\": {\"type\": \"Adam\", \"params\": {\"lr\": 1.0e-2, \"amsgrad\": true}}")));
        assertEquals("optimizer.params.amsgrad = true; FusedAdam and DeepSpeedCPUAdam have no AMSGrad, expected false",
                ams.getMessage());
    }
}
