package org.neox.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import java.util.concurrent.Callable;
import org.neox.config.ConfigLoader;
import org.neox.config.NeoXArgs;
import org.neox.kernel.KernelsFactory;
import org.neox.train.Benchmark;
import org.neox.util.Clock;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code neox bench}: training throughput on random tokens, one JSON line on stdout. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Time full training steps of a config on random tokens; prints one JSON line.")
public final class BenchCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ConfigOptions options;

    @Option(names = "--iters", paramLabel = "N", defaultValue = "5", description = "Timed steps (default ${DEFAULT-VALUE}).")
    int iters;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "1", description = "Untimed steps first (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--kernels", paramLabel = "IMPL", description = "Kernels: auto (default: cuda, then native, then java), native, cuda, java, reference.")
    String kernels;

    @Override
    public Integer call() throws Exception {
        NeoXArgs args = options.resolve(ConfigLoader.standard());
        Map<String, Object> result = new Benchmark(args,
                KernelsFactory.create(kernels, Runtime.getRuntime().availableProcessors()), Clock.SYSTEM)
                .run(warmup, iters);
        spec.commandLine().getOut().println(new ObjectMapper().writeValueAsString(result));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
