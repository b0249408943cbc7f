package org.neox.kernel;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.neox.util.UserError;

/** Backend selection: explicit names, the neox.kernels override, and the auto fallback chain. */
class KernelsFactoryTest {

    /** These tests are about the choice itself: a whole-suite override (NEOX_KERNELS, e.g. CI's checked pass) makes them moot. */
    @BeforeEach
    void noSuiteWideOverride() {
        assumeTrue(System.getenv(KernelsFactory.OVERRIDE_ENV) == null,
                "NEOX_KERNELS overrides every choice in this run, skipping");
    }

    @AfterEach
    void clearOverride() {
        System.clearProperty(KernelsFactory.OVERRIDE_PROPERTY);
    }

    @Test
    void explicitNames() {
        assertInstanceOf(CpuKernels.class, KernelsFactory.create("java", 1));
        assertInstanceOf(CpuKernels.class, KernelsFactory.create("cpu", 1));
        assertInstanceOf(ReferenceKernels.class, KernelsFactory.create("reference", 1));
        UserError e = assertThrows(UserError.class, () -> KernelsFactory.create("tpu", 1));
        assertTrue(e.getMessage().startsWith("unknown kernels 'tpu', expected one of: auto"), e.getMessage());
    }

    /** Each rank asks for the GPU of its local rank; without that GPU the error names it. */
    @Test
    void cudaChoicesNameTheGpuTheyCouldNotOpen() {
        assumeTrue(NativeKernels.unavailableReason() == null, "native library not built");
        for (String impl : new String[] {"cuda", "cuda-resident"}) {
            try {
                KernelsFactory.create(impl, 1, 57);
            } catch (UserError e) {
                assertTrue(e.getMessage().startsWith("kernels '" + impl + "' are not available here: GPU 57: "),
                        e.getMessage());
                continue;
            }
            throw new AssertionError(impl + " opened a GPU 57");
        }
    }

    @Test
    void overridePropertyWins() {
        System.setProperty(KernelsFactory.OVERRIDE_PROPERTY, "reference");
        assertInstanceOf(ReferenceKernels.class, KernelsFactory.create("java", 1));
    }

    @Test
    void autoPicksTheBestLoadableBackend() {
        Kernels k = KernelsFactory.create(null, 2);
        if (NativeKernels.unavailableReason() == null) {
            assertInstanceOf(NativeKernels.class, k); // CUDA when a GPU is present, else native CPU
        } else {
            assertInstanceOf(CpuKernels.class, k);
        }
        assertTrue(!k.name().isEmpty());
    }
}
