package org.neox.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import java.util.concurrent.Callable;
import org.neox.config.ConfigLoader;
import org.neox.config.NeoXArgs;
import org.neox.kernel.KernelsFactory;
import org.neox.train.Benchmark;
import org.neox.train.GenerationBenchmark;
import org.neox.util.Clock;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code neox bench}: training throughput on random tokens, one JSON line on stdout. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Time full training steps (or, with --generate, text generation) of a config on random tokens; prints one JSON line.")
public final class BenchCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ConfigOptions options;

    @Option(names = "--iters", paramLabel = "N", defaultValue = "5", description = "Timed steps (default ${DEFAULT-VALUE}).")
    int iters;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "1", description = "Untimed steps first (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--kernels", paramLabel = "IMPL", description = "Kernels: " + KernelsFactory.CHOICES + ".")
    String kernels;

    @Option(names = "--generate", description = "Time greedy generation with and without the KV cache instead.")
    boolean generate;

    @Option(names = "--prompt-tokens", paramLabel = "N", defaultValue = "64", description = "With --generate: prompt length (default ${DEFAULT-VALUE}).")
    int promptTokens;

    @Option(names = "--new-tokens", paramLabel = "N", defaultValue = "64", description = "With --generate: tokens generated (default ${DEFAULT-VALUE}).")
    int newTokens;

    @Override
    public Integer call() throws Exception {
        NeoXArgs args = options.resolveOneProcess(ConfigLoader.standard());
        org.neox.kernel.Kernels k = KernelsFactory.create(kernels, Runtime.getRuntime().availableProcessors());
        Map<String, Object> result = generate
                ? new GenerationBenchmark(args, k, Clock.SYSTEM).run(promptTokens, newTokens, Math.max(1, iters))
                : new Benchmark(args, k, Clock.SYSTEM).run(warmup, iters);
        spec.commandLine().getOut().println(new ObjectMapper().writeValueAsString(result));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
