package org.neox.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import org.neox.config.ConfigLoader;
import org.neox.config.NeoXArgs;
import org.neox.data.Tokenizer;
import org.neox.kernel.Kernels;
import org.neox.kernel.KernelsFactory;
import org.neox.train.GenerateRun;
import org.neox.train.InferenceModels;
import org.neox.util.Clock;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code neox generate}: GPT-NeoX's generate.py — text from a checkpoint on one process. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate text from a checkpoint (text_gen_type unconditional, input-file or interactive).")
public final class GenerateCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ConfigOptions options;

    @Option(names = "--iteration", paramLabel = "N", description = "Load this checkpoint iteration instead of 'latest'.")
    Integer iteration;

    @Option(names = {"-i", "--sample-input-file"}, paramLabel = "FILE", description = "Prompts file (sets text_gen_type input-file).")
    String input;

    @Option(names = {"-o", "--sample-output-file"}, paramLabel = "FILE", description = "Output JSONL file.")
    String output;

    @Option(names = "--kernels", paramLabel = "IMPL", description = "Kernels: " + KernelsFactory.CHOICES + ".")
    String kernels;

    @Override
    public Integer call() {
        if (iteration != null) {
            options.overrides.put("iteration", String.valueOf(iteration));
        }
        if (input != null) {
            options.overrides.put("sample_input_file", input);
            options.overrides.putIfAbsent("text_gen_type", "input-file");
        }
        if (output != null) {
            options.overrides.put("sample_output_file", output);
        }
        NeoXArgs args = options.resolveOneProcess(ConfigLoader.standard());
        PrintWriter out = spec.commandLine().getOut();
        Kernels k = KernelsFactory.create(kernels, Runtime.getRuntime().availableProcessors());
        try (Tokenizer tok = InferenceModels.tokenizer(args)) {
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            new GenerateRun(args, k, tok, Clock.SYSTEM, out).run(in);
        }
        out.flush();
        return 0;
    }
}
