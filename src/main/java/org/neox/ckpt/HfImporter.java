package org.neox.ckpt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.neox.util.UserError;

/**
 * {@code neox convert from-hf}: imports a Hugging Face GPT-NeoX safetensors model (one
 * {@code model.safetensors} or shards listed in {@code model.safetensors.index.json}) as a
 * single-shard (pp = mp = dp = 1) checkpoint at iteration 0 with no optimizer state, for
 * {@code finetune: true}. HF's non-parameter buffers (attention masks, inv_freq) are skipped;
 * a tied {@code embed_out} is dropped (the model reuses the embedding).
 */
public final class HfImporter {
    static final String INDEX_FILE = "model.safetensors.index.json";

    private HfImporter() {
    }

    /**
     * @param resolvedConfig the run's resolved config (JSON) to check against HF's config.json, or
     *     null to store the subset derived from config.json
     */
    public static Manifest importTo(Path hfDir, Path resolvedConfig, Path saveDir) {
        Path hfConfigFile = hfDir.resolve(HfExporter.CONFIG_FILE);
        JsonNode hfJson = HfConfig.read(hfConfigFile);
        ObjectNode fromHf = HfConfig.toResolved(hfJson, hfConfigFile);
        JsonNode stored = fromHf;
        if (resolvedConfig != null) {
            stored = HfConfig.read(resolvedConfig);
            HfConfig.checkAgainst(stored, resolvedConfig, fromHf, hfConfigFile);
        }
        NeoxModelConfig cfg = NeoxModelConfig.fromResolved(stored, hfConfigFile.toString());
        Map<String, long[]> expected = cfg.fullShapes();
        requireNoCheckpoint(saveDir);
        Map<String, NamedTensor> tensors = readAll(hfDir, cfg, expected);
        List<NamedTensor> ordered = new ArrayList<>();
        for (String name : expected.keySet()) {
            NamedTensor t = tensors.get(name);
            if (t == null) {
                throw new UserError("HF model " + hfDir + " lacks the tensor for " + name + " ("
                        + HfNames.toHf(name, cfg) + " " + Arrays.toString(expected.get(name)) + ")");
            }
            ordered.add(t);
        }
        PendingCheckpoint p = new CheckpointStore(saveDir, 0).begin(0, Topology.SINGLE);
        p.writeModelShard(0, 0, ordered);
        try {
            p.writeConfigText("hf_config.json", Files.readString(hfConfigFile, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UserError("cannot read " + hfConfigFile + ": " + e.getMessage(), e);
        }
        return p.commit(CheckpointMeta.weightsOnly(Topology.SINGLE, stored));
    }

    private static Map<String, NamedTensor> readAll(Path hfDir, NeoxModelConfig cfg, Map<String, long[]> expected) {
        Map<String, NamedTensor> out = new LinkedHashMap<>();
        for (Path file : safetensorsFiles(hfDir)) {
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                for (String hfName : f.names()) {
                    String seq = HfNames.fromHf(hfName, cfg);
                    if (seq == null) {
                        continue;
                    }
                    long[] shape = expected.get(seq);
                    if (shape == null) {
                        throw new UserError("HF tensor " + hfName + " in " + file
                                + " is not part of the GPT-NeoX model its config describes");
                    }
                    if (!Arrays.equals(shape, f.info(hfName).shape())) {
                        throw new UserError("HF tensor " + hfName + " in " + file + " has shape "
                                + f.info(hfName).shapeString() + " but the config expects " + Arrays.toString(shape));
                    }
                    out.put(seq, NamedTensor.of(seq, shape, f.read(hfName)));
                }
            }
        }
        return out;
    }

    /** model.safetensors, or the files named by the index's weight_map. */
    static List<Path> safetensorsFiles(Path hfDir) {
        Path single = hfDir.resolve(HfExporter.MODEL_FILE);
        if (Files.isRegularFile(single)) {
            return List.of(single);
        }
        Path index = hfDir.resolve(INDEX_FILE);
        if (!Files.isRegularFile(index)) {
            throw new UserError("HF model " + hfDir + " has neither " + HfExporter.MODEL_FILE + " nor " + INDEX_FILE
                    + " (only safetensors checkpoints are supported)");
        }
        JsonNode map = HfConfig.read(index).path("weight_map");
        if (!map.isObject()) {
            throw new UserError("HF index " + index + " has no weight_map object");
        }
        Set<String> names = new LinkedHashSet<>();
        for (Iterator<JsonNode> it = map.elements(); it.hasNext(); ) {
            String f = it.next().asText();
            if (Path.of(f).getFileName() == null || !Path.of(f).getFileName().toString().equals(f)) {
                throw new UserError("HF index " + index + " names file \"" + f + "\", expected a plain file name");
            }
            names.add(f);
        }
        return names.stream().map(hfDir::resolve).toList();
    }

    private static void requireNoCheckpoint(Path saveDir) {
        if (Files.exists(saveDir.resolve(CheckpointStore.LATEST))
                || !new CheckpointStore(saveDir, 0).availableSteps().isEmpty()) {
            throw new UserError("output " + saveDir + " already holds a checkpoint; choose a new directory");
        }
    }
}
