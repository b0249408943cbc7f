package org.neox.ckpt;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.neox.util.UserError;

/**
 * {@code neox convert to-hf}: writes a checkpoint as a Hugging Face {@code GPTNeoXForCausalLM}
 * directory ({@code config.json} + {@code model.safetensors}, Linear weights {@code [out, in]}),
 * merging pipeline and tensor shards ({@link ShardMerger}). The directory is assembled beside
 * the output and renamed into place, so a failure never leaves a half-written output.
 */
public final class HfExporter {
    public static final String MODEL_FILE = "model.safetensors";
    public static final String CONFIG_FILE = "config.json";

    private HfExporter() {
    }

    /** What was written: the output directory and the number of tensors in model.safetensors. */
    public record Result(Path directory, int tensors, ObjectNode config) {
    }

    /**
     * @param eodTokenId bos/eos id for config.json; empty: the config's {@code eod_token_id} or the
     *     tokenizer type's usual EOD (50256 for GPT-2 BPE, 0 for the 20B HF tokenizer)
     */
    public static Result export(LoadedCheckpoint ckpt, Path out, DType dtype, OptionalInt eodTokenId) {
        requireFreshOutput(out);
        String source = ckpt.directory().resolve(Manifest.FILE_NAME).toString();
        NeoxModelConfig cfg = NeoxModelConfig.fromResolved(ckpt.meta().config(), source);
        int eod = eodTokenId.orElseGet(() -> HfConfig.defaultEod(ckpt.meta().config(), cfg));
        ObjectNode hfConfig = HfConfig.toHf(cfg, eod, dtype);
        Map<String, NamedTensor> full = ShardMerger.merge(ckpt, cfg);
        List<NamedTensor> hf = new ArrayList<>();
        for (NamedTensor t : full.values()) {
            hf.add(new NamedTensor(HfNames.toHf(t.name(), cfg), t.shape(), t.data(), t.offset()));
        }
        if (cfg.tied()) {
            NamedTensor e = full.get(HfNames.WORD_EMBEDDINGS);
            hf.add(new NamedTensor(HfNames.EMBED_OUT, e.shape(), e.data(), e.offset()));
        }
        Path tmp = out.toAbsolutePath().resolveSibling("." + out.getFileName() + ".tmp");
        DurableFiles.deleteTree(tmp);
        try {
            Files.createDirectories(tmp);
            DurableFiles.writeAtomically(tmp.resolve(CONFIG_FILE),
                    HfConfig.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(hfConfig)
                            .getBytes(StandardCharsets.UTF_8));
            // transformers refuses safetensors files without format "pt" in the metadata
            SafetensorsWriter.write(tmp.resolve(MODEL_FILE), hf, Map.of("format", "pt"), dtype);
            DurableFiles.syncDirectory(tmp);
            if (Files.isDirectory(out)) {
                Files.delete(out); // empty (checked above); the rename needs the name free
            }
            DurableFiles.moveAtomically(tmp, out);
        } catch (IOException e) {
            DurableFiles.deleteTree(tmp);
            throw new UncheckedIOException("cannot write " + out, e);
        } catch (RuntimeException e) {
            DurableFiles.deleteTree(tmp);
            throw e;
        }
        return new Result(out, hf.size(), hfConfig);
    }

    /** The output must not exist or be an empty directory. */
    static void requireFreshOutput(Path out) {
        if (!Files.exists(out)) {
            return;
        }
        if (!Files.isDirectory(out)) {
            throw new UserError("output " + out + " exists and is not a directory");
        }
        try (Stream<Path> s = Files.list(out)) {
            if (s.findAny().isPresent()) {
                throw new UserError("output directory " + out + " is not empty; choose a new one");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + out, e);
        }
    }
}
