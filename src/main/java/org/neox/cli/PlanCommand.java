package org.neox.cli;

import java.util.Optional;
import java.util.concurrent.Callable;
import org.neox.config.ConfigLoader;
import org.neox.config.NeoXArgs;
import org.neox.config.PlanText;
import org.neox.config.TrainingPlan;
import org.neox.util.UserError;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code neox plan}: dry run printing rank grid, parameters, memory and FLOPs. */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Dry run: rank grid, parameters per stage and rank, memory per rank,"
                + " tokens and FLOPs per iteration. Starts nothing.")
public final class PlanCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ConfigOptions options;

    @Override
    public Integer call() {
        ConfigLoader loader = ConfigLoader.standard();
        NeoXArgs args = options.resolve(loader);
        Integer vocab = args.tokenizer().paddedVocabSize();
        Optional<String> problem = loader.vocabProblem(args);
        if (vocab == null) {
            throw new UserError("cannot size the vocabulary: " + problem.orElse("")
                    + "; pass --vocab-size V (e.g. 50277 for the 20B tokenizer, 50257 for GPT-2)");
        }
        if (problem.isPresent() && options.vocabSize == null) {
            spec.commandLine().getErr().println("neox: note: " + problem.get()
                    + "; using the config's padded_vocab_size " + vocab);
            spec.commandLine().getErr().flush();
        }
        spec.commandLine().getOut().print(PlanText.render(args, TrainingPlan.of(args, vocab)));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
