package org.neox.kernel;

import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.neox.util.UserError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Chooses the kernel implementation once per process role and logs the choice. */
public final class KernelsFactory {
    private static final Logger LOG = LoggerFactory.getLogger(KernelsFactory.class);
    /** System property / environment variable that overrides the requested implementation. */
    public static final String OVERRIDE_PROPERTY = "neox.kernels";
    public static final String OVERRIDE_ENV = "NEOX_KERNELS";
    /** The choices, for command-line help. */
    public static final String CHOICES = "auto (default: cuda, then native, then java), native, cuda, cuda-resident, "
            + "native-resident, native-resident-checked, java, reference";
    private static final AtomicBoolean LOGGED = new AtomicBoolean();
    /** The names {@link #CHOICES} describes (that one is a compile-time constant for command-line help). */
    private static final Set<String> KNOWN = Set.of("auto", "native", "cuda", "cuda-resident", "native-resident",
            "native-resident-checked", "cpu", "java", "reference");

    private KernelsFactory() {
    }

    /**
     * @param impl "auto" (null: CUDA, else native CPU, else pure Java), "native", "cuda" (host
     *     buffers staged per call), "cuda-resident" (buffers kept on the GPU between calls,
     *     {@link ResidentKernels}), "native-resident" (the same path with the CPU backend as the
     *     device), "native-resident-checked" (that, with host copies the device owns poisoned:
     *     a debugging mode that turns a missing hand-over into NaN), "cpu"/"java" (pure Java
     *     {@link CpuKernels}), or "reference" (the double-precision oracle);
     *     {@code -Dneox.kernels=...} or {@code NEOX_KERNELS=...} overrides it
     * @param threads element-wise threads for the CPU kernels
     */
    public static Kernels create(String impl, int threads) {
        return create(impl, threads, 0);
    }

    /**
     * {@link #create(String, int)} on GPU {@code gpu} for the CUDA choices: a rank takes the GPU of
     * its local rank, as GPT-NeoX's {@code torch.cuda.set_device(local_rank)}.
     */
    public static Kernels create(String impl, int threads, int gpu) {
        String forced = System.getProperty(OVERRIDE_PROPERTY, System.getenv(OVERRIDE_ENV));
        String choice = forced != null && !forced.isBlank() ? forced.trim() : impl == null ? "auto" : impl;
        requireKnown(choice);
        Kernels k;
        try {
            k = switch (choice) {
                case "auto" -> auto(threads, gpu);
                case "native" -> NativeKernels.cpu(threads);
                case "cuda" -> NativeKernels.cuda(gpu);
                case "cuda-resident" -> ResidentKernels.cuda(gpu);
                case "native-resident" -> ResidentKernels.cpu(threads, false);
                case "native-resident-checked" -> ResidentKernels.cpu(threads, true);
                case "cpu", "java" -> new CpuKernels(threads);
                default -> new ReferenceKernels();
            };
        } catch (IllegalStateException | UnsatisfiedLinkError e) {
            throw new UserError("kernels '" + choice + "' are not available here: " + e.getMessage());
        }
        if (LOGGED.compareAndSet(false, true)) {
            LOG.info("kernels: {}{}", k.name(), forced != null ? " (forced by " + OVERRIDE_PROPERTY + "/" + OVERRIDE_ENV + ")" : "");
        } else {
            LOG.debug("kernels: {}", k.name());
        }
        return k;
    }

    /** A one-line {@link UserError} unless {@code choice} is one of {@link #CHOICES}. */
    public static void requireKnown(String choice) {
        if (!KNOWN.contains(choice)) {
            throw new UserError("unknown kernels '" + choice + "', expected one of: " + CHOICES);
        }
    }

    /** Accelerator, then native CPU, then pure Java; each fallback says why in one log line. */
    private static Kernels auto(int threads, int gpu) {
        boolean log = !LOGGED.get();
        try {
            Kernels staged = NativeKernels.cuda(gpu);
            if (log) {
                LOG.info("kernels: a GPU is here; `--kernels cuda-resident` keeps the buffers on it between calls "
                        + "(the staged cuda path copies every operand per call)");
            }
            return staged;
        } catch (IllegalStateException | UnsatisfiedLinkError e) {
            if (log) {
                LOG.info("kernels: no CUDA backend ({}); trying native CPU", e.getMessage());
            }
        }
        try {
            return NativeKernels.cpu(threads);
        } catch (IllegalStateException | UnsatisfiedLinkError e) {
            if (log) {
                LOG.warn("kernels: native CPU kernels unavailable ({}); falling back to pure Java", e.getMessage());
            }
        }
        return new CpuKernels(threads);
    }
}
