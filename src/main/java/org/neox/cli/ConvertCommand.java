package org.neox.cli;

import java.nio.file.Path;
import java.nio.file.Files;
import java.util.List;
import java.util.OptionalInt;
import org.neox.config.ConfigJson;
import org.neox.config.ConfigLoader;
import org.neox.config.NeoXArgs;
import org.neox.config.ResourceOptions;
import java.util.concurrent.Callable;
import org.neox.ckpt.CheckpointStore;
import org.neox.ckpt.DType;
import org.neox.ckpt.HfExporter;
import org.neox.ckpt.HfImporter;
import org.neox.ckpt.LoadedCheckpoint;
import org.neox.ckpt.Manifest;
import org.neox.util.UserError;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code neox convert to-hf | from-hf}: checkpoints to and from Hugging Face GPT-NeoX safetensors. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = "Convert checkpoints to and from Hugging Face GPTNeoXForCausalLM safetensors.",
        subcommands = {ConvertCommand.ToHf.class, ConvertCommand.FromHf.class})
public final class ConvertCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "to-hf", mixinStandardHelpOptions = true,
            description = "Write a checkpoint as an HF directory (config.json + model.safetensors).")
    static final class ToHf implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--checkpoint", required = true, description = "checkpoint directory (holding latest)")
        Path checkpoint;

        @Option(names = "--iteration", description = "iteration to convert (default: latest)")
        Long iteration;

        @Option(names = "--output", required = true, description = "new output directory")
        Path output;

        @Option(names = "--dtype", defaultValue = "float32", description = "float32 (default), float16 or bfloat16")
        String dtype;

        @Option(names = "--eod-token-id", description = "bos/eos id (default: from the config's tokenizer)")
        Integer eod;

        @Override
        public Integer call() {
            DType d = DType.fromTorchName(dtype);
            if (d == null) {
                throw new UserError("--dtype " + dtype + " is not float32, float16 or bfloat16");
            }
            CheckpointStore store = new CheckpointStore(checkpoint, 0);
            LoadedCheckpoint ckpt = iteration != null ? store.open(iteration)
                    : store.openLatest().orElseThrow(() -> new UserError("checkpoint directory " + checkpoint
                            + " has no latest file; available steps: " + store.availableSteps()));
            HfExporter.Result r = HfExporter.export(ckpt, output, d,
                    eod == null ? OptionalInt.empty() : OptionalInt.of(eod));
            spec.commandLine().getOut().printf("wrote %s: %d tensors (%s) from %s%n",
                    r.directory(), r.tensors(), d.torchName(), ckpt.directory());
            return 0;
        }
    }

    @Command(name = "from-hf", mixinStandardHelpOptions = true,
            description = "Import an HF GPT-NeoX safetensors model as an iteration-0 checkpoint (for finetune).")
    static final class FromHf implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--input", required = true, description = "HF model directory")
        Path input;

        @Option(names = "--config", description = "the run's GPT-NeoX YAML config (or a resolved config .json"
                + " from 'neox config --format json') to check against HF's config.json")
        Path config;

        @Option(names = "--vocab-size", paramLabel = "V",
                description = "tokenizer vocabulary size when the config's vocab file cannot be read")
        Integer vocabSize;

        @Option(names = "--output", required = true, description = "checkpoint directory to create")
        Path output;

        @Override
        public Integer call() throws java.io.IOException {
            Path resolved = config;
            if (config != null && !config.getFileName().toString().endsWith(".json")) {
                NeoXArgs args = ConfigLoader.resolve(null, List.of(config.toString()), ResourceOptions.NONE,
                        vocabSize == null ? OptionalInt.empty() : OptionalInt.of(vocabSize));
                resolved = Files.createTempFile("neox-config", ".json");
                Files.writeString(resolved, ConfigJson.toJson(args));
            }
            Manifest m;
            try {
                m = HfImporter.importTo(input, resolved, output);
            } catch (UserError e) {
                if (resolved == config) {
                    throw e;
                }
                // name the user's YAML, not the temporary resolved copy
                throw new UserError(e.getMessage().replace(resolved.toString(), config.toString()), e);
            } finally {
                if (resolved != config) {
                    Files.deleteIfExists(resolved);
                }
            }
            spec.commandLine().getOut().printf("wrote %s/%s: %d tensor file(s), iteration 0%n",
                    output, CheckpointStore.tag(0), m.files().size());
            return 0;
        }
    }
}
