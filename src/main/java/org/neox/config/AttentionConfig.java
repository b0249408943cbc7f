package org.neox.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import org.neox.util.UserError;

/**
 * Expands {@code attention_config} (spec §1.4 item 9): {@code [[types, n], ...]} appends
 * {@code types} n times; {@code n = "all"} repeats {@code types} to fill all layers at once
 * (later entries ignored); a list of plain names is already expanded. The result has one
 * known type per layer.
 */
final class AttentionConfig {
    static final Set<String> TYPES = Set.of("global", "local", "sparse_fixed", "sparse_variable",
            "bigbird", "bslongformer", "gmlp", "amlp", "flash");

    private AttentionConfig() {
    }

    static List<String> expand(List<?> config, int numLayers) {
        if (config == null) {
            return Collections.nCopies(numLayers, "global");
        }
        List<String> out = new ArrayList<>();
        if (config.stream().allMatch(e -> e instanceof String)) {
            config.forEach(e -> out.add((String) e));
        } else {
            expandPairs(config, numLayers, out);
        }
        if (out.size() != numLayers) {
            throw new UserError("attention_config expands to " + out.size()
                    + " layers but num_layers is " + numLayers);
        }
        for (String t : out) {
            if (!TYPES.contains(t)) {
                throw new UserError("attention_config: attention type '" + t + "' not recognized"
                        + " (expected one of " + new java.util.TreeSet<>(TYPES) + ")");
            }
        }
        return List.copyOf(out);
    }

    private static void expandPairs(List<?> config, int numLayers, List<String> out) {
        for (Object entry : config) {
            if (!(entry instanceof List<?> pair) || pair.size() != 2
                    || !(pair.get(0) instanceof List<?> types) || types.isEmpty()
                    || !types.stream().allMatch(t -> t instanceof String)) {
                throw new UserError("attention_config entry " + ValueConverter.show(entry)
                        + " is not [[type, ...], count]");
            }
            Object n = pair.get(1);
            if ("all".equals(n)) {
                if (numLayers % types.size() != 0) {
                    throw new UserError("attention_config: " + types.size() + " types with \"all\""
                            + " do not divide num_layers " + numLayers);
                }
                out.clear();
                for (int i = 0; i < numLayers / types.size(); i++) {
                    types.forEach(t -> out.add((String) t));
                }
                return;
            }
            if (!(n instanceof Integer count) || count < 0) {
                throw new UserError("attention_config entry " + ValueConverter.show(entry)
                        + ": count must be a non-negative integer or \"all\"");
            }
            for (int i = 0; i < count; i++) {
                types.forEach(t -> out.add((String) t));
            }
        }
    }
}
