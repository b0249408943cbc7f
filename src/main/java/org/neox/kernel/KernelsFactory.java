package org.neox.kernel;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Chooses the kernel implementation once per process role and logs the choice. */
public final class KernelsFactory {
    private static final Logger LOG = LoggerFactory.getLogger(KernelsFactory.class);

    private KernelsFactory() {
    }

    /**
     * @param impl "cpu" (default), or "reference" (the double-precision oracle, for debugging)
     * @param threads element-wise threads for the CPU kernels
     */
    public static Kernels create(String impl, int threads) {
        Kernels k = switch (impl == null ? "cpu" : impl) {
            case "cpu" -> new CpuKernels(threads);
            case "reference" -> new ReferenceKernels();
            default -> throw new IllegalArgumentException("unknown kernels '" + impl + "', expected cpu or reference");
        };
        LOG.info("kernels: {}", k.name());
        return k;
    }
}
