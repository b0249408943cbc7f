package org.neox.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** All 208 GPT-NeoX v2.0 keys, group by group (spec §1.2), and the closest-key suggestion. */
final class KeyRegistry {
    private KeyRegistry() {
    }

    static final List<Key> ALL = all();
    static final Map<String, Key> BY_NAME = byName();

    private static List<Key> all() {
        List<Key> keys = new ArrayList<>();
        keys.addAll(DeepspeedConfigArgs.KEYS);
        keys.addAll(DeepspeedRunnerArgs.KEYS);
        keys.addAll(ParallelismArgs.KEYS);
        keys.addAll(ModelArgs.KEYS);
        keys.addAll(OptimizerArgs.KEYS);
        keys.addAll(LrSchedulerArgs.KEYS);
        keys.addAll(LoggingArgs.KEYS);
        keys.addAll(OtherArgs.KEYS);
        keys.addAll(TokenizerArgs.KEYS);
        keys.addAll(TrainingArgs.KEYS);
        keys.addAll(TextgenArgs.KEYS);
        return Collections.unmodifiableList(keys);
    }

    private static Map<String, Key> byName() {
        Map<String, Key> m = new LinkedHashMap<>();
        for (Key k : ALL) {
            if (m.put(k.name(), k) != null) {
                throw new IllegalStateException("key listed twice: " + k.name());
            }
        }
        return Collections.unmodifiableMap(m);
    }

    /** The known key with the smallest edit distance to {@code key} (ties: first in table order). */
    static String closest(String key, Collection<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int d = editDistance(key, k);
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        return best;
    }

    /** Levenshtein distance (insert, delete, substitute each cost 1). */
    static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j], cur[j - 1]) + 1);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
