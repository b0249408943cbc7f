package org.neox.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.neox.config.ConfigLoader;
import org.neox.config.NeoXArgs;
import org.neox.kernel.Kernels;
import org.neox.kernel.KernelsFactory;
import org.neox.train.KernelsCheck;
import org.neox.util.UserError;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code neox check-kernels}: a few training steps on two kernel implementations, losses compared. */
@Command(name = "check-kernels", mixinStandardHelpOptions = true,
        description = "Train a config for a few steps on random tokens with --kernels and with --baseline kernels "
                + "(same weights, same tokens) and compare the first gradients and the losses step by step; "
                + "exit 0 when they agree, 1 when not.")
public final class CheckKernelsCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ConfigOptions options;

    @Option(names = "--kernels", paramLabel = "IMPL", description = "Kernels to check: " + KernelsFactory.CHOICES + ".")
    String kernels;

    @Option(names = "--baseline", paramLabel = "IMPL", defaultValue = "native",
            description = "Kernels to compare with (default ${DEFAULT-VALUE}).")
    String baseline;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "5", description = "Training steps (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--tolerance", paramLabel = "REL", defaultValue = "1e-4",
            description = "Largest relative loss difference that passes (default ${DEFAULT-VALUE}).")
    double tolerance;

    @Override
    public Integer call() {
        if (steps < 1 || !(tolerance >= 0)) {
            throw new UserError("--steps must be >= 1 and --tolerance >= 0, got " + steps + " and " + tolerance);
        }
        NeoXArgs args = options.resolveOneProcess(ConfigLoader.standard());
        int threads = Runtime.getRuntime().availableProcessors();
        Kernels candidate = KernelsFactory.create(kernels, threads);
        Kernels base = KernelsFactory.create(baseline, threads);
        KernelsCheck.Result r = new KernelsCheck(args).run(candidate, base, steps, tolerance);
        PrintWriter out = spec.commandLine().getOut();
        out.printf("candidate %s%nbaseline  %s%n", candidate.name(), base.name());
        out.printf("%5s %14s %14s %10s%n", "step", "baseline loss", "candidate loss", "rel diff");
        for (KernelsCheck.Step s : r.steps()) {
            out.printf("%5d %14.7f %14.7f %10.2e%n", s.step(), s.baseline(), s.candidate(), s.relativeDifference());
        }
        out.printf("first-step gradients: relative L2 difference %.2e%n", r.gradientDifference());
        out.printf("largest weight difference after %d steps: %.3e%n", steps, r.maxWeightDifference());
        out.printf("%s: gradients and losses %s within %.1e relative%n", r.passed() ? "PASS" : "FAIL",
                r.passed() ? "agree" : "do not agree", tolerance);
        out.flush();
        return r.passed() ? 0 : 1;
    }
}
