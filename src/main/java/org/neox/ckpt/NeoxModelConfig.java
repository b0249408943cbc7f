package org.neox.ckpt;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.neox.util.UserError;

/**
 * The model-shape fields of a resolved GPT-NeoX config (flat JSON, underscore keys; a dashed
 * key is accepted too) that checkpoint conversion needs. Missing optional keys take GPT-NeoX's
 * defaults (NEOX-ARGS-TABLE); {@code source} names the config in error messages.
 */
public record NeoxModelConfig(
        int numLayers,
        int hiddenSize,
        int numAttentionHeads,
        int paddedVocabSize,
        int maxPositionEmbeddings,
        double rotaryPct,
        double rotaryEmbBase,
        double layernormEpsilon,
        boolean gptJResidual,
        boolean gptJTied,
        boolean noWeightTying,
        double initMethodStd,
        String activation,
        boolean biasGeluFusion,
        String posEmb,
        String norm,
        String tokenizerType,
        List<String> attentionConfig,
        int rpeNumBuckets) {

    public static NeoxModelConfig fromResolved(JsonNode c, String source) {
        Reader r = new Reader(c, source);
        return new NeoxModelConfig(
                r.positiveInt("num_layers"), r.positiveInt("hidden_size"), r.positiveInt("num_attention_heads"),
                r.positiveInt("padded_vocab_size"), r.positiveInt("max_position_embeddings"),
                r.number("rotary_pct", 1.0), r.number("rotary_emb_base", 10000),
                r.number("layernorm_epsilon", 1e-5), r.bool("gpt_j_residual", false), r.bool("gpt_j_tied", false),
                r.bool("no_weight_tying", false), r.number("init_method_std", 0.02),
                r.text("activation", "gelu"), r.bool("bias_gelu_fusion", false), r.text("pos_emb", "learned"),
                r.text("norm", "layernorm"),
                r.text("tokenizer_type", "GPT2BPETokenizer"), r.texts("attention_config"),
                r.positiveInt("rpe_num_buckets", 32));
    }

    /** geglu's dense_h_to_4h shards are [x | gate] per tensor rank ({@link ShardMerger}). */
    public boolean geglu() {
        return activation.equals("geglu");
    }

    public boolean tied() {
        return !noWeightTying;
    }

    /** The sequential index of the final norm ({@code L+3}) and of the untied output ({@code L+4}). */
    public int finalNormIndex() {
        return numLayers + 3;
    }

    public int outputIndex() {
        return numLayers + 4;
    }

    /**
     * The full (unsharded) parameters in GPT-NeoX's sequential names and {@code [out, in]}
     * shapes (spec §5.1), for a LayerNorm model; insertion order is the model's order.
     */
    public Map<String, long[]> fullShapes() {
        if (!norm.equals("layernorm")) {
            throw new UserError("config key norm is " + norm + "; checkpoint conversion supports layernorm only");
        }
        long h = hiddenSize;
        long ff = geglu() ? (long) (4 * 2 / 3.0 * h) * 2 : 4 * h; // dense_h_to_4h outputs (spec §5.4)
        long ffIn = geglu() ? ff / 2 : ff;
        Map<String, long[]> m = new LinkedHashMap<>();
        m.put("sequential.0.word_embeddings.weight", new long[] {paddedVocabSize, h});
        if (posEmb.equals("learned")) {
            m.put("sequential.0.position_embeddings.weight", new long[] {maxPositionEmbeddings, h});
        }
        if (posEmb.equals("rpe")) {
            // the relative position bias all layers share (held by every pipeline stage, tied)
            m.put("sequential.2.attention.rpe.weight", new long[] {rpeNumBuckets, numAttentionHeads});
        }
        for (int i = 0; i < numLayers; i++) {
            String p = "sequential." + (i + 2) + ".";
            m.put(p + "input_layernorm.weight", new long[] {h});
            m.put(p + "input_layernorm.bias", new long[] {h});
            m.put(p + "attention.query_key_value.weight", new long[] {3 * h, h});
            m.put(p + "attention.query_key_value.bias", new long[] {3 * h});
            m.put(p + "attention.dense.weight", new long[] {h, h});
            m.put(p + "attention.dense.bias", new long[] {h});
            m.put(p + "post_attention_layernorm.weight", new long[] {h});
            m.put(p + "post_attention_layernorm.bias", new long[] {h});
            m.put(p + "mlp.dense_h_to_4h.weight", new long[] {ff, h});
            m.put(p + "mlp.dense_h_to_4h.bias", new long[] {ff});
            m.put(p + "mlp.dense_4h_to_h.weight", new long[] {h, ffIn});
            m.put(p + "mlp.dense_4h_to_h.bias", new long[] {h});
        }
        m.put("sequential." + finalNormIndex() + ".norm.weight", new long[] {h});
        m.put("sequential." + finalNormIndex() + ".norm.bias", new long[] {h});
        if (noWeightTying) {
            m.put("sequential." + outputIndex() + ".final_linear.weight", new long[] {paddedVocabSize, h});
        }
        return m;
    }

    /** Typed lookups with one-line errors naming the config and key. */
    private record Reader(JsonNode c, String source) {
        JsonNode get(String key) {
            JsonNode v = c.get(key);
            return v != null && !v.isNull() ? v : c.get(key.replace('_', '-'));
        }

        int positiveInt(String key) {
            JsonNode v = get(key);
            if (v == null || v.isNull()) {
                throw new UserError(source + ": key " + key + " is missing, expected a positive integer");
            }
            if (!v.canConvertToInt() || !v.isIntegralNumber() || v.intValue() < 1) {
                throw new UserError(source + ": key " + key + " is " + v + ", expected a positive integer");
            }
            return v.intValue();
        }

        int positiveInt(String key, int dflt) {
            JsonNode v = get(key);
            return v == null || v.isNull() ? dflt : positiveInt(key);
        }

        double number(String key, double dflt) {
            JsonNode v = get(key);
            if (v == null || v.isNull()) {
                return dflt;
            }
            if (!v.isNumber()) {
                throw new UserError(source + ": key " + key + " is " + v + ", expected a number");
            }
            return v.doubleValue();
        }

        boolean bool(String key, boolean dflt) {
            JsonNode v = get(key);
            if (v == null || v.isNull()) {
                return dflt;
            }
            if (!v.isBoolean()) {
                throw new UserError(source + ": key " + key + " is " + v + ", expected true or false");
            }
            return v.booleanValue();
        }

        /** A list of strings (a resolved attention_config is expanded to one per layer); empty when unset. */
        List<String> texts(String key) {
            JsonNode v = get(key);
            if (v == null || v.isNull()) {
                return List.of();
            }
            List<String> out = new ArrayList<>();
            for (JsonNode e : v) {
                if (!v.isArray() || !e.isTextual()) {
                    throw new UserError(source + ": key " + key + " is " + v + ", expected a list of strings per layer");
                }
                out.add(e.textValue());
            }
            return List.copyOf(out);
        }

        String text(String key, String dflt) {
            JsonNode v = get(key);
            if (v == null || v.isNull()) {
                return dflt;
            }
            if (!v.isTextual()) {
                throw new UserError(source + ": key " + key + " is " + v + ", expected a string");
            }
            return v.textValue();
        }
    }
}
