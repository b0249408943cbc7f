package org.neox.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.neox.util.UserError;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * A resolved config as one flat JSON (or YAML) object with GPT-NeoX's underscore key names,
 * every key included (derived ones too); what the launcher ships to workers and checkpoints
 * keep. {@code fromJson(toJson(a)).equals(a)}.
 */
public final class ConfigJson {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ConfigJson() {
    }

    public static String toJson(NeoXArgs args) {
        try {
            return JSON.writeValueAsString(plain(args.toMap()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("config is not serialisable", e);
        }
    }

    public static String toYaml(NeoXArgs args) {
        DumperOptions o = new DumperOptions();
        o.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        o.setWidth(120);
        return new Yaml(o).dump(plain(args.toMap()));
    }

    /**
     * Rebuilds a resolved config (no merging or derivation: the values already are derived);
     * keys are converted, type-checked and validated as from YAML.
     */
    public static NeoXArgs fromJson(String json) {
        Map<String, Object> raw;
        try {
            raw = JSON.readValue(json, new TypeReference<LinkedHashMap<String, Object>>() { });
        } catch (JsonProcessingException e) {
            String line = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
            throw new UserError("resolved config JSON is malformed" + line + ": "
                    + e.getOriginalMessage().replaceAll("\\s+", " "));
        }
        Values v = ConfigLoader.convert(raw, Map.of());
        v.set("attention_config",
                AttentionConfig.expand((List<?>) v.get("attention_config"), v.integer("num_layers")));
        Validation.check(v);
        return NeoXArgs.from(v);
    }

    /** Enums become their config spelling; lists and maps are copied recursively. */
    static Object plain(Object v) {
        if (v instanceof WireEnum e) {
            return e.wire();
        }
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, x) -> out.put(String.valueOf(k), plain(x)));
            return out;
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            l.forEach(x -> out.add(plain(x)));
            return out;
        }
        return v;
    }
}
