package org.neox.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.neox.data.Preprocessor;
import org.neox.data.Tokenizer;
import org.neox.data.Tokenizers;
import org.neox.util.Clock;
import org.neox.util.UserError;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code neox preprocess}: GPT-NeoX's tools/preprocess_data.py flags (spec §3.1). */
@Command(name = "preprocess", mixinStandardHelpOptions = true,
        description = "Tokenise .jsonl/.jsonl.zst/.txt into Megatron {prefix}_{key}_document.bin/.idx.")
public final class PreprocessCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--input", required = true, split = ",", description = "Comma-separated files or directories.")
    List<Path> inputs;

    @Option(names = "--jsonl-keys", arity = "1..*", split = ",", defaultValue = "text",
            description = "Keys to extract from each JSON line (default: text).")
    List<String> jsonlKeys;

    @Option(names = "--num-docs", description = "Ignored (progress hint in GPT-NeoX).")
    Long numDocs;

    @Option(names = "--tokenizer-type", required = true,
            description = "GPT2BPETokenizer, HFTokenizer or CharLevelTokenizer.")
    String tokenizerType;

    @Option(names = "--vocab-file", description = "vocab.json (GPT2BPETokenizer) or tokenizer.json (HFTokenizer).")
    Path vocabFile;

    @Option(names = "--merge-file", description = "merges.txt (GPT2BPETokenizer).")
    Path mergeFile;

    @Option(names = "--append-eod", description = "Append the end-of-document token to each document.")
    boolean appendEod;

    @Option(names = "--ftfy", description = "Not supported (fails).")
    boolean ftfy;

    @Option(names = "--output-prefix", required = true, description = "Output path prefix.")
    Path outputPrefix;

    @Option(names = "--dataset-impl", defaultValue = "mmap", description = "Only mmap.")
    String datasetImpl;

    @Option(names = "--workers", defaultValue = "1", description = "Tokenising threads (default 1).")
    int workers;

    @Option(names = "--log-interval", defaultValue = "100", description = "Progress line every N documents.")
    int logInterval;

    @Override
    public Integer call() {
        if (ftfy) {
            throw new UserError("--ftfy is not supported (ftfy.fix_text has no JVM port); preprocess without it");
        }
        if (!datasetImpl.equals("mmap")) {
            throw new UserError("--dataset-impl '" + datasetImpl + "' is not supported; expected mmap");
        }
        try (Tokenizer tok = Tokenizers.create(tokenizerType, vocabFile, mergeFile)) {
            Preprocessor p = new Preprocessor(tok, Clock.SYSTEM, spec.commandLine().getOut());
            Preprocessor.Summary s = p.run(new Preprocessor.Options(
                    inputs, jsonlKeys, outputPrefix, appendEod, workers, logInterval));
            for (Path out : s.outputs()) {
                spec.commandLine().getOut().println("wrote " + out + ".bin/.idx");
            }
            return 0;
        }
    }
}
