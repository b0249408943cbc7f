package org.neox.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neox.kernel.KernelsFactory;
import org.neox.kernel.NativeKernels;

/**
 * {@code neox check-kernels}: the device-resident path on the CPU "device" agrees with the heap
 * kernels (exit 0, PASS), two genuinely different implementations (native C vs pure Java GEMMs)
 * fail a zero tolerance (exit 1, FAIL), and bad options are one error line.
 */
class CheckKernelsCommandTest {
    @TempDir
    Path dir;

    private final CliRun cli = new CliRun();
    private final StringWriter out = cli.out;
    private final StringWriter err = cli.err;

    @BeforeEach
    void config() throws IOException {
        Files.writeString(dir.resolve("k.yml"), """
                {
                  "num-layers": 2, "hidden-size": 32, "num-attention-heads": 4,
                  "seq-length": 32, "max-position-embeddings": 32, "padded-vocab-size": 128,
                  "hidden-dropout": 0.1, "attention-dropout": 0.1, "gradient_clipping": 1.0,
                  "train_micro_batch_size_per_gpu": 2, "gradient_accumulation_steps": 2,
                  "optimizer": {"type": "Adam", "params": {"lr": 1.0e-3}}, "train-iters": 3
                }
                """);
    }

    @Test
    void residentKernelsAgreeWithTheHeapKernels() {
        String why = NativeKernels.unavailableReason();
        assumeTrue(why == null, "native kernels not loadable, skipping: " + why);
        assertEquals(0, cli.run("check-kernels", "-d", dir.toString(), "k.yml", "--kernels", "native-resident-checked",
                "--baseline", "native", "--steps", "3", "--tolerance", "0"), out + "\n" + err);
        assertTrue(out.toString().contains("PASS: gradients and losses agree"), out.toString());
        assertEquals(3 + 5, out.toString().lines().filter(l -> !l.isBlank()).count() - 1, out.toString());
    }

    @Test
    void differentImplementationsFailAZeroTolerance() {
        String why = NativeKernels.unavailableReason();
        assumeTrue(why == null, "native kernels not loadable, skipping: " + why);
        assumeTrue(System.getenv(KernelsFactory.OVERRIDE_ENV) == null, "NEOX_KERNELS makes both sides the same kernels");
        assertEquals(1, cli.run("check-kernels", "-d", dir.toString(), "k.yml", "--kernels", "java", "--baseline", "native",
                "--steps", "2", "--tolerance", "0"), out + "\n" + err);
        assertTrue(out.toString().contains("FAIL: gradients and losses do not agree"), out.toString());
    }

    @Test
    void badStepsAreOneErrorLine() {
        assertEquals(2, cli.run("check-kernels", "-d", dir.toString(), "k.yml", "--steps", "0"));
        assertEquals(1, err.toString().lines().count(), err.toString());
        assertTrue(err.toString().contains("--steps must be >= 1"), err.toString());
    }
}
