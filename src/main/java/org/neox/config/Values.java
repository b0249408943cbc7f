package org.neox.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The converted value of every key while the config is being derived and validated: a mutable
 * flat map from underscore key name to value (Boolean, Integer, Double, String, a {@link
 * WireEnum}, an unmodifiable List or Map, or null), in the order of {@link KeyRegistry#ALL}.
 */
final class Values {
    private final Map<String, Object> map = new LinkedHashMap<>();

    Values() {
        for (Key k : KeyRegistry.ALL) {
            map.put(k.name(), k.defaultValue());
        }
    }

    Object get(String key) {
        requireKnown(key);
        return map.get(key);
    }

    void set(String key, Object value) {
        requireKnown(key);
        map.put(key, value);
    }

    boolean isSet(String key) {
        return get(key) != null;
    }

    Integer integer(String key) {
        return (Integer) get(key);
    }

    Double number(String key) {
        return (Double) get(key);
    }

    String string(String key) {
        return (String) get(key);
    }

    boolean flag(String key) {
        return Boolean.TRUE.equals(get(key));
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> dict(String key) {
        return (Map<String, Object>) get(key);
    }

    Map<String, Object> asMap() {
        return Collections.unmodifiableMap(map);
    }

    private void requireKnown(String key) {
        if (!map.containsKey(key)) {
            throw new IllegalArgumentException("not a config key: " + key);
        }
    }
}
