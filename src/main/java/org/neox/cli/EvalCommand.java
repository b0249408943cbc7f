package org.neox.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.neox.config.ConfigLoader;
import org.neox.config.NeoXArgs;
import org.neox.data.Tokenizer;
import org.neox.kernel.KernelsFactory;
import org.neox.train.EvalRun;
import org.neox.train.InferenceModels;
import org.neox.util.Clock;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code neox eval}: loss/perplexity on a dataset and LAMBADA accuracy/perplexity of a checkpoint. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate a checkpoint: dataset loss and perplexity, LAMBADA accuracy and perplexity.")
public final class EvalCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ConfigOptions options;

    @Option(names = "--iteration", paramLabel = "N", description = "Load this checkpoint iteration instead of 'latest'.")
    Integer iteration;

    @Option(names = "--data", paramLabel = "PREFIX_OR_JSONL",
            description = "A preprocessed .bin/.idx prefix or a jsonl file of {\"text\": ...} documents.")
    String data;

    @Option(names = "--lambada", paramLabel = "FILE", description = "A lambada_test.jsonl-style file.")
    Path lambada;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0",
            description = "At most N dataset windows and N LAMBADA examples (0: all).")
    int limit;

    @Option(names = "--output", paramLabel = "FILE",
            description = "Results JSON file ('-' prints it; default eval_results_<timestamp>.json here).")
    String output;

    @Option(names = "--kernels", paramLabel = "IMPL", description = "Kernels: " + KernelsFactory.CHOICES + ".")
    String kernels;

    @Override
    public Integer call() {
        if (iteration != null) {
            options.overrides.put("iteration", String.valueOf(iteration));
        }
        NeoXArgs args = options.resolveOneProcess(ConfigLoader.standard());
        PrintWriter out = spec.commandLine().getOut();
        try (Tokenizer tok = InferenceModels.tokenizer(args)) {
            EvalRun run = new EvalRun(args, KernelsFactory.create(kernels, Runtime.getRuntime().availableProcessors()),
                    tok, Clock.SYSTEM, out);
            ObjectNode results = run.run(new EvalRun.Request(data, lambada, limit));
            if ("-".equals(output)) {
                out.println(EvalRun.toJson(results));
            } else {
                Path file = output != null ? Path.of(output) : run.defaultOutput(Path.of(""));
                EvalRun.write(results, file);
                out.println("wrote " + file);
            }
        }
        out.flush();
        return 0;
    }
}
