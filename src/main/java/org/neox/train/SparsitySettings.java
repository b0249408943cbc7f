package org.neox.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.neox.model.SparsityConfig;
import org.neox.util.UserError;

/**
 * Reads a config's {@code sparsity_config} dict into {@link SparsityConfig}: the keys GPT-NeoX
 * v2.0's {@code configure_sparse_attention} reads, with their types. GPT-NeoX ignores any other
 * key; neox refuses it, so that a misspelt setting does not silently fall back to its default.
 */
final class SparsitySettings {
    private static final Set<String> KEYS = Set.of("block", "different_layout_per_head", "num_local_blocks",
            "num_sliding_window_blocks", "num_global_blocks", "num_different_global_patterns", "num_random_blocks",
            "local_window_blocks", "global_block_indices", "global_block_end_indices");

    private SparsitySettings() {
    }

    static SparsityConfig from(Map<String, Object> m) {
        if (m == null || m.isEmpty()) {
            return SparsityConfig.DEFAULTS;
        }
        for (String key : m.keySet()) {
            if (!KEYS.contains(key)) {
                throw new UserError("sparsity_config: unknown key '" + key + "'; expected one of "
                        + KEYS.stream().sorted().toList());
            }
        }
        Object perHead = m.get("different_layout_per_head");
        if (perHead != null && !(perHead instanceof Boolean)) {
            throw new UserError("sparsity_config.different_layout_per_head: expected true or false, got " + perHead);
        }
        return new SparsityConfig(integer(m, "block"), (Boolean) perHead, integer(m, "num_local_blocks"),
                integer(m, "num_sliding_window_blocks"), integer(m, "num_global_blocks"),
                integer(m, "num_different_global_patterns"), integer(m, "num_random_blocks"),
                integers(m, "local_window_blocks"), integers(m, "global_block_indices"),
                integers(m, "global_block_end_indices"));
    }

    private static Integer integer(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (v == null && m.containsKey(key)) {
            throw new UserError("sparsity_config." + key + ": expected an integer, got null");
        }
        if (v == null) {
            return null;
        }
        if (!(v instanceof Integer i)) {
            throw new UserError("sparsity_config." + key + ": expected an integer, got " + v);
        }
        return i;
    }

    private static List<Integer> integers(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (v == null) {
            return null;
        }
        if (!(v instanceof List<?> list)) {
            throw new UserError("sparsity_config." + key + ": expected a list of integers, got " + v);
        }
        List<Integer> out = new ArrayList<>();
        for (Object o : list) {
            if (!(o instanceof Integer i)) {
                throw new UserError("sparsity_config." + key + ": expected a list of integers, got " + v);
            }
            out.add(i);
        }
        return List.copyOf(out);
    }
}
