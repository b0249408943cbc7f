package org.neox.ckpt;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.neox.util.UserError;

/**
 * A complete checkpoint opened for loading. Every tensor file is checked against the
 * manifest's size and CRC32C before it is read, so truncation and bit rot are reported with
 * the file's name; reads into the model's views check names and shapes.
 */
public final class LoadedCheckpoint {
    private final Path dir;
    private final Manifest manifest;

    LoadedCheckpoint(Path dir, Manifest manifest) {
        this.dir = dir;
        this.manifest = manifest;
    }

    public Path directory() {
        return dir;
    }

    public Manifest manifest() {
        return manifest;
    }

    public CheckpointMeta meta() {
        return manifest.meta();
    }

    public long iteration() {
        return manifest.meta().iteration();
    }

    public Topology topology() {
        return manifest.meta().topology();
    }

    /**
     * Fills {@code targets} (views of the model's flat buffer, with the expected shapes) from
     * the model shard of (pipe, model). The file must hold exactly these tensor names.
     */
    public void readModelShard(int pipe, int model, List<NamedTensor> targets) {
        try (SafetensorsFile f = openModelShard(pipe, model)) {
            readExactly(f, targets);
        }
    }

    /**
     * Fills the views of tensor-parallel rank {@code model} of {@code mp} (any pipeline stage:
     * the targets name the stage's parameters) from a checkpoint saved with any (pp, mp) layout:
     * the shards are merged into full tensors ({@link ShardMerger}) and re-sliced. Used for
     * weights-only loads ({@code finetune}, an HF import) when the layout changed; the saved
     * config must describe the model (rules depend on {@code gpt_j_residual} and the output split).
     */
    public void readModelResharded(int model, int mp, List<NamedTensor> targets) {
        NeoxModelConfig cfg = NeoxModelConfig.fromResolved(meta().config(),
                dir.resolve(Manifest.FILE_NAME).toString());
        java.util.Map<String, NamedTensor> full = ShardMerger.merge(this, cfg);
        for (NamedTensor t : targets) {
            NamedTensor f = full.get(t.name());
            if (f == null) {
                throw new UserError("checkpoint " + dir + " has no tensor " + t.name() + " that the model expects");
            }
            NamedTensor s = ShardMerger.slice(f, model, mp, cfg);
            if (!Arrays.equals(s.shape(), t.shape())) {
                throw new UserError("tensor " + t.name() + " from checkpoint " + dir + " has shape " + Arrays.toString(
                        s.shape()) + " on tensor rank " + model + " of " + mp + " but the model expects "
                        + Arrays.toString(t.shape()));
            }
            System.arraycopy(s.data(), s.offset(), t.data(), t.offset(), s.numel());
        }
    }

    /**
     * Fills the Adam moments of tensor-parallel rank {@code model} of {@code mp} (views named
     * like the stage's parameters, in two lists) from a checkpoint saved with any (pp, mp, dp)
     * layout, ZeRO-partitioned or not ({@link MomentResharder}).
     */
    public void readOptimizerResharded(int model, int mp, List<NamedTensor> expAvg, List<NamedTensor> expAvgSq) {
        NeoxModelConfig cfg = NeoxModelConfig.fromResolved(meta().config(),
                dir.resolve(Manifest.FILE_NAME).toString());
        MomentResharder.read(this, cfg, MomentResharder.EXP_AVG, model, mp, expAvg);
        MomentResharder.read(this, cfg, MomentResharder.EXP_AVG_SQ, model, mp, expAvgSq);
    }

    /** The optimizer shard file of (pipe, model, data), checksum-verified; the caller closes it. */
    public SafetensorsFile openOptimizerShard(int pipe, int model, int data) {
        return openVerified(find(ShardFile.OPTIMIZER, pipe, model, data));
    }

    /** Fills {@code targets} from the optimizer shard of (pipe, model, data). */
    public void readOptimizerShard(int pipe, int model, int data, List<NamedTensor> targets) {
        try (SafetensorsFile f = openVerified(find(ShardFile.OPTIMIZER, pipe, model, data))) {
            readExactly(f, targets);
        }
    }

    /**
     * Resolved-config keys that must not change across a resume (GPT-NeoX's stored {@code args}).
     * Unlike GPT-NeoX, {@code model_parallel_size} may change: the weights are re-sharded on load
     * ({@link #readModelResharded}); a change that alters the padded vocabulary is still refused.
     */
    public static final List<String> FIXED_KEYS = List.of("num_layers", "hidden_size", "num_attention_heads",
            "max_position_embeddings", "make_vocab_size_divisible_by", "padded_vocab_size", "tokenizer_type");

    /**
     * Checks that {@link #FIXED_KEYS} present in both configs are equal (spec §8.4), failing
     * with GPT-NeoX's wording naming the key and both values.
     */
    public void checkConfigCompatible(JsonNode current) {
        JsonNode saved = meta().config();
        if (saved == null || current == null) {
            return;
        }
        for (String key : FIXED_KEYS) {
            JsonNode a = saved.get(key);
            JsonNode b = current.get(key);
            if (a != null && b != null && !a.equals(b)) {
                throw new UserError("checkpoint " + dir + ": " + key + " value from checkpoint (" + a
                        + ") is not equal to the currently set argument value (" + b + ")");
            }
        }
    }

    /** Whether optimizer state was saved (false for weights-only checkpoints such as from-hf). */
    public boolean hasOptimizerState() {
        return !manifest.optimizerFiles().isEmpty();
    }

    /** The model shard file of (pipe, model), checksum-verified; the caller closes it. */
    public SafetensorsFile openModelShard(int pipe, int model) {
        return openVerified(find(ShardFile.MODEL, pipe, model, 0));
    }

    /** The text of an original config file saved under {@code configs/}. */
    public String configText(String fileName) {
        Path p = dir.resolve(PendingCheckpoint.CONFIG_DIR).resolve(fileName);
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new UserError("checkpoint " + dir + " has no config file " + fileName
                    + "; it has " + manifest.configFiles());
        } catch (IOException e) {
            throw new UserError("cannot read " + p + ": " + e.getMessage(), e);
        }
    }

    private ShardFile find(String kind, int pipe, int model, int data) {
        Topology t = topology();
        if (pipe >= t.pp() || model >= t.mp() || data >= t.dp()) {
            throw new UserError("checkpoint " + dir + " was saved with pp=" + t.pp() + " mp=" + t.mp() + " dp="
                    + t.dp() + "; it has no " + kind + " shard for pipe " + pipe + ", model " + model
                    + ", data " + data + " (the parallel layout must match the checkpoint)");
        }
        return manifest.files().stream()
                .filter(f -> f.kind().equals(kind) && f.pipe() == pipe && f.model() == model && f.data() == data)
                .findFirst()
                .orElseThrow(() -> new UserError("checkpoint " + dir + " has no " + kind + " shard for pipe "
                        + pipe + ", model " + model + ", data " + data));
    }

    private SafetensorsFile openVerified(ShardFile f) {
        Path p = dir.resolve(f.file());
        SafetensorsWriter.Written actual = DurableFiles.crc32c(p);
        if (actual.bytes() != f.bytes()) {
            throw new UserError("checkpoint file " + p + " has " + actual.bytes() + " bytes but its manifest says "
                    + f.bytes() + " (truncated or overwritten)");
        }
        if (!actual.crc32c().equals(f.crc32c())) {
            throw new UserError("checkpoint file " + p + " is corrupted: CRC32C " + actual.crc32c()
                    + ", manifest says " + f.crc32c());
        }
        return SafetensorsFile.open(p);
    }

    /** Checks every name and shape before reading anything, so a mismatch leaves targets untouched. */
    private static void readExactly(SafetensorsFile f, List<NamedTensor> targets) {
        Set<String> expected = new HashSet<>();
        for (NamedTensor t : targets) {
            expected.add(t.name());
            if (!f.contains(t.name())) {
                throw new UserError("checkpoint file " + f.path() + " has no tensor " + t.name() + " "
                        + Arrays.toString(t.shape()) + " that the model expects");
            }
            if (!Arrays.equals(f.info(t.name()).shape(), t.shape())) {
                throw new UserError("tensor " + t.name() + " in checkpoint file " + f.path() + " has shape "
                        + f.info(t.name()).shapeString() + " but the model expects " + Arrays.toString(t.shape()));
            }
        }
        for (String name : f.names()) {
            if (!expected.contains(name)) {
                throw new UserError("checkpoint file " + f.path() + " holds tensor " + name + " "
                        + f.info(name).shapeString() + " that the model does not have");
            }
        }
        for (NamedTensor t : targets) {
            f.readInto(t.name(), t.shape(), t.data(), t.offset());
        }
    }
}
