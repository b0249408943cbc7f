package org.neox.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.neox.config.TokenizerArgs.TokenizerType;
import org.neox.util.UserError;

/**
 * Loads, merges, converts, derives and validates a GPT-NeoX config (spec §1.1–1.5): the one
 * place a {@link NeoXArgs} is made from YAML. Order: merge files; apply command-line overrides
 * (deepy's rule 6); reject unknown keys naming the closest known one; convert and type-check
 * every value; derive; pad the vocabulary; validate.
 */
public final class ConfigLoader {
    private final VocabSize vocab;

    /** @param searchRoots where a relative {@code vocab_file} is looked up, in order */
    public ConfigLoader(List<Path> searchRoots) {
        this.vocab = new VocabSize(searchRoots);
    }

    /** Looks up vocab files in the current directory, then the project ({@code -Dneox.home}). */
    public static ConfigLoader standard() {
        List<Path> roots = new ArrayList<>(List.of(Path.of("").toAbsolutePath()));
        String home = System.getProperty("neox.home");
        if (home != null && !roots.contains(Path.of(home).toAbsolutePath())) {
            roots.add(Path.of(home).toAbsolutePath());
        }
        return new ConfigLoader(roots);
    }

    /**
     * What to resolve.
     *
     * @param dir config directory ({@code -d}), or null
     * @param files config names in merge order
     * @param resources command-line resource overrides
     * @param vocabSize vocabulary size to use when the tokenizer file cannot be read
     * @param overrides {@code key -> value} set after merging (value parsed as YAML), e.g. from
     *     {@code --set vocab_file=x.json}
     */
    public record Request(Path dir, List<String> files, ResourceOptions resources,
                          OptionalInt vocabSize, Map<String, String> overrides) {
        public Request {
            files = List.copyOf(files);
            overrides = Map.copyOf(overrides);
        }
    }

    /** {@link #standard()} resolution of {@code files} in {@code dir}. */
    public static NeoXArgs resolve(Path dir, List<String> files, ResourceOptions r,
                                   OptionalInt vocabSize) {
        return standard().load(new Request(dir, files, r, vocabSize, Map.of()));
    }

    public NeoXArgs load(Request req) {
        ConfigFiles.Merged merged = ConfigFiles.load(req.dir(), req.files());
        Map<String, Object> raw = new LinkedHashMap<>(merged.values());
        Map<String, String> origin = new LinkedHashMap<>(merged.origin());
        applyOverrides(raw, origin, req);
        Values v = convert(raw, origin);
        v.set("config_files", merged.texts());
        Derivation.apply(v, req.resources().hostfile() != null);
        padVocab(v, req.vocabSize());
        Validation.check(v);
        return NeoXArgs.from(v);
    }

    /**
     * Why the vocabulary size could not be read from the tokenizer file for these args (advice
     * for the user), or empty when it was read. When it is not empty, {@code padded_vocab_size}
     * came from {@code --vocab-size} or from the config itself, or is null.
     */
    public java.util.Optional<String> vocabProblem(NeoXArgs args) {
        TokenizerType type = args.tokenizer().tokenizerType();
        String file = args.training().vocabFile();
        return vocab.fromTokenizer(type, file).isPresent()
                ? java.util.Optional.empty() : java.util.Optional.of(vocab.whyUnknown(type, file));
    }

    /** Converts every known key; an unknown key names its file and the closest known key. */
    static Values convert(Map<String, Object> raw, Map<String, String> origin) {
        Values v = new Values();
        for (Map.Entry<String, Object> e : raw.entrySet()) {
            Key key = KeyRegistry.BY_NAME.get(e.getKey());
            String where = origin.getOrDefault(e.getKey(), "config");
            if (key == null) {
                throw new UserError(where + ": unknown key '" + e.getKey() + "' (did you mean '"
                        + KeyRegistry.closest(e.getKey(), KeyRegistry.BY_NAME.keySet()) + "'?)");
            }
            v.set(key.name(), ValueConverter.convert(key, e.getValue(), where));
        }
        return v;
    }

    private static void applyOverrides(Map<String, Object> raw, Map<String, String> origin,
                                       Request req) {
        req.overrides().forEach((k, text) -> {
            String key = k.replace('-', '_');
            raw.put(key, ConfigFiles.parse(Path.of("--set " + k), "v: " + text).get("v"));
            origin.put(key, "--set");
        });
        ResourceOptions r = req.resources();
        putIfSet(raw, origin, "hostfile", r.hostfile() == null ? null : r.hostfile().toString());
        putIfSet(raw, origin, "include", r.include());
        putIfSet(raw, origin, "exclude", r.exclude());
        putIfSet(raw, origin, "num_nodes", r.numNodes());
        putIfSet(raw, origin, "num_gpus", r.numGpus());
    }

    private static void putIfSet(Map<String, Object> raw, Map<String, String> origin, String key,
                                 Object value) {
        if (value != null) {
            raw.put(key, value);
            origin.put(key, "command line");
        }
    }

    /**
     * V' from the tokenizer file, else from the caller's vocabulary size; else a {@code
     * padded_vocab_size} written in the config stays (so a plan works without the file).
     */
    private void padVocab(Values v, OptionalInt override) {
        TokenizerType type = (TokenizerType) v.get("tokenizer_type");
        OptionalInt size = vocab.fromTokenizer(type, v.string("vocab_file"));
        if (size.isEmpty()) {
            size = override;
        }
        if (size.isPresent()) {
            v.set("padded_vocab_size", VocabSize.padded(size.getAsInt(),
                    v.integer("make_vocab_size_divisible_by"), v.integer("model_parallel_size")));
        }
    }
}
