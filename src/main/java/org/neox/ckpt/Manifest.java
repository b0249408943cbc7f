package org.neox.ckpt;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.neox.util.UserError;

/**
 * {@code global_step{N}/manifest.json}: format version, the trainer's {@link CheckpointMeta},
 * every tensor file with its checksum, and the original config file names under {@code configs/}.
 */
public record Manifest(int formatVersion, CheckpointMeta meta, List<ShardFile> files, List<String> configFiles) {
    public static final int FORMAT_VERSION = 1;
    public static final String FILE_NAME = "manifest.json";

    static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public Manifest {
        files = files == null ? List.of() : List.copyOf(files);
        configFiles = configFiles == null ? List.of() : List.copyOf(configFiles);
    }

    public List<ShardFile> modelFiles() {
        return files.stream().filter(f -> f.kind().equals(ShardFile.MODEL)).toList();
    }

    public List<ShardFile> optimizerFiles() {
        return files.stream().filter(f -> f.kind().equals(ShardFile.OPTIMIZER)).toList();
    }

    byte[] toJsonBytes() {
        try {
            return JSON.writeValueAsString(this).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("manifest not serialisable", e);
        }
    }

    static Manifest read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new UserError("checkpoint manifest " + file + " is missing (incomplete checkpoint?)");
        } catch (IOException e) {
            throw new UserError("cannot read checkpoint manifest " + file + ": " + e.getMessage(), e);
        }
        Manifest m;
        try {
            m = JSON.readValue(bytes, Manifest.class);
        } catch (IOException | IllegalArgumentException e) {
            throw new UserError("checkpoint manifest " + file + " is not a valid manifest: "
                    + e.getMessage().lines().findFirst().orElse(""), e);
        }
        if (m.formatVersion() != FORMAT_VERSION || m.meta() == null || m.meta().topology() == null) {
            throw new UserError("checkpoint manifest " + file + " has format_version "
                    + m.formatVersion() + ", expected " + FORMAT_VERSION + " with meta.topology");
        }
        return m;
    }
}
