package org.neox.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.neox.config.ConfigLoader;
import org.neox.config.NeoXArgs;
import org.neox.kernel.Kernels;
import org.neox.kernel.KernelsFactory;
import org.neox.launch.TrainJob;
import org.neox.train.TrainResult;
import org.neox.train.Trainer;
import org.neox.util.Clock;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code neox train}: deepy.py's train.py — merge configs, plan ranks, train. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a GPT-NeoX model from YAML configs (GPT-NeoX v2.0 keys).")
public final class TrainCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ConfigOptions options;

    @Option(names = "--iteration", paramLabel = "N", description = "Load this checkpoint iteration instead of 'latest'.")
    Integer iteration;

    @Option(names = "--kernels", paramLabel = "IMPL", description = "Kernels: " + KernelsFactory.CHOICES + ".")
    String kernels;

    @Override
    public Integer call() throws java.io.IOException {
        if (iteration != null) {
            options.overrides.put("iteration", String.valueOf(iteration));
        }
        NeoXArgs args = options.resolve(ConfigLoader.standard());
        if (args.worldSize() > 1) {
            return TrainJob.run(args, kernels, System.out);
        }
        TrainJob.Preflight.checkLocalMemory(args, 1);
        PrintWriter out = spec.commandLine().getOut();
        Kernels k = KernelsFactory.create(kernels, Runtime.getRuntime().availableProcessors());
        TrainResult r = new Trainer(args, org.neox.train.RankContext.single(), k, Clock.SYSTEM, out).run();
        out.println(Trainer.summary(r));
        out.flush();
        return 0;
    }
}
