package org.neox.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.neox.util.UserError;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads and merges config files exactly as deepy.py does (spec §1.1): names are joined to the
 * config directory, a name not ending in {@code .yml}/{@code .json} gets {@code .yml}; files
 * are parsed in order (YAML 1.1, like PyYAML; {@code .json} files use the same loader); a
 * top-level key <em>as written</em> that is already in the merged map (which holds converted
 * keys) is a duplicate; then {@code -} becomes {@code _}. Raw texts are kept by base name.
 */
public final class ConfigFiles {
    private ConfigFiles() {
    }

    /**
     * The merged config.
     *
     * @param values converted top-level key -> parsed value, in first-seen order
     * @param origin converted key -> base name of the file that set it (for messages)
     * @param texts base name -> raw file text (GPT-NeoX's {@code config_files})
     */
    public record Merged(Map<String, Object> values, Map<String, String> origin,
                         Map<String, String> texts) {
    }

    /** The paths deepy.py would open for these names ({@code dir} may be null). */
    public static List<Path> paths(Path dir, List<String> names) {
        return names.stream().map(n -> {
            String withSuffix = n.endsWith(".yml") || n.endsWith(".json") ? n : n + ".yml";
            return dir == null ? Path.of(withSuffix) : dir.resolve(withSuffix);
        }).toList();
    }

    /** Loads and merges the named files. */
    public static Merged load(Path dir, List<String> names) {
        if (names.isEmpty()) {
            throw new UserError("no config files given (expected e.g. '-d configs tiny.yml')");
        }
        Map<String, Object> values = new LinkedHashMap<>();
        Map<String, String> origin = new LinkedHashMap<>();
        Map<String, String> texts = new LinkedHashMap<>();
        for (Path p : paths(dir, names)) {
            String base = p.getFileName().toString();
            String text = read(p);
            if (texts.put(base, text) != null) {
                throw new UserError(p + ": a config file named '" + base
                        + "' was already loaded (config files must have distinct base names)");
            }
            mergeInto(values, origin, parse(p, text), p);
        }
        return new Merged(Collections.unmodifiableMap(values), Collections.unmodifiableMap(origin),
                Collections.unmodifiableMap(texts));
    }

    private static void mergeInto(Map<String, Object> values, Map<String, String> origin,
                                  Map<String, Object> conf, Path file) {
        for (Map.Entry<String, Object> e : conf.entrySet()) {
            String asWritten = e.getKey();
            if (values.containsKey(asWritten)) {
                throw new UserError(file + ": key '" + asWritten + "' is already set by "
                        + origin.get(asWritten) + " (duplicate keys across config files)");
            }
            String key = asWritten.replace('-', '_');
            values.put(key, e.getValue());
            origin.put(key, file.getFileName().toString());
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new UserError(p + ": config file not found");
        } catch (IOException e) {
            throw new UserError(p + ": cannot read config file: " + e.getMessage());
        }
    }

    /** Parses one file's text into its top-level mapping (an empty file is an empty mapping). */
    static Map<String, Object> parse(Path file, String text) {
        Object doc;
        try {
            doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
        } catch (MarkedYAMLException e) {
            Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String where = m == null ? file.toString()
                    : file + ":" + (m.getLine() + 1) + ":" + (m.getColumn() + 1);
            String problem = e.getProblem() != null ? e.getProblem() : e.getContext();
            throw new UserError(where + ": malformed YAML: " + oneLine(problem));
        } catch (YAMLException e) {
            throw new UserError(file + ": malformed YAML: " + oneLine(e.getMessage()));
        }
        if (doc == null) {
            return Map.of();
        }
        if (!(doc instanceof Map<?, ?> map)) {
            throw new UserError(file + ": expected a mapping of config keys at the top level, found "
                    + ValueConverter.show(doc));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getKey() instanceof String k)) {
                throw new UserError(file + ": config key " + e.getKey() + " is not a name");
            }
            out.put(k, e.getValue());
        }
        return out;
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s+", " ").strip();
    }
}
