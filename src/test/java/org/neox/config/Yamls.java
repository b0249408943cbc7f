package org.neox.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/** Test helper: writes small config files into a directory and resolves them. */
final class Yamls {
    /** A complete minimal model section, to which tests add the keys under test. */
    static final String MODEL = """
            num_layers: 2
            hidden_size: 64
            num_attention_heads: 4
            seq_length: 64
            max_position_embeddings: 64
            tokenizer_type: CharLevelTokenizer
            optimizer: {type: Adam, params: {lr: 0.001}}
            """;

    private Yamls() {
    }

    static Path write(Path dir, String name, String text) {
        try {
            Path p = dir.resolve(name);
            Files.writeString(p, text);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static NeoXArgs resolve(Path dir, ResourceOptions r, String... files) {
        return new ConfigLoader(List.of(dir)).load(
                new ConfigLoader.Request(dir, List.of(files), r, OptionalInt.empty(), Map.of()));
    }

    static NeoXArgs resolve(Path dir, String... files) {
        return resolve(dir, ResourceOptions.NONE, files);
    }

    /** Resolves {@link #MODEL} plus {@code extra} YAML lines. */
    static NeoXArgs model(Path dir, String extra) {
        write(dir, "m.yml", MODEL + extra);
        return resolve(dir, "m.yml");
    }
}
