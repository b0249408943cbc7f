package org.neox.ckpt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import org.neox.util.UserError;

/**
 * HF {@code GPTNeoXConfig} (config.json) to and from the GPT-NeoX resolved-config keys
 * (spec §9.1). Unlike GPT-NeoX's script, the tanh-approximate GeLU of
 * {@code bias_gelu_fusion} is exported as {@code gelu_new}, so HF computes what neox trained.
 */
final class HfConfig {
    static final ObjectMapper JSON = new ObjectMapper();

    /** HF config key -> resolved-config key, for the fields compared on import. */
    private static final Map<String, String> SAME_MEANING = Map.ofEntries(
            Map.entry("vocab_size", "padded_vocab_size"),
            Map.entry("hidden_size", "hidden_size"),
            Map.entry("num_hidden_layers", "num_layers"),
            Map.entry("num_attention_heads", "num_attention_heads"),
            Map.entry("max_position_embeddings", "max_position_embeddings"),
            Map.entry("rotary_pct", "rotary_pct"),
            Map.entry("rotary_emb_base", "rotary_emb_base"),
            Map.entry("layer_norm_eps", "layernorm_epsilon"),
            Map.entry("use_parallel_residual", "gpt_j_residual"));

    private HfConfig() {
    }

    /** config.json for {@code cfg}; refuses what {@code GPTNeoXForCausalLM} cannot express. */
    static ObjectNode toHf(NeoxModelConfig cfg, int eodTokenId, DType dtype) {
        if (cfg.posEmb().equals("rpe")) {
            throw new UserError("config key pos_emb is rpe; HF GPTNeoX has no T5 relative position bias (it supports rotary only)");
        }
        if (!cfg.posEmb().equals("rotary")) {
            throw new UserError("config key pos_emb is " + cfg.posEmb() + "; HF GPTNeoX supports rotary only");
        }
        if (cfg.gptJTied()) {
            throw new UserError("config key gpt_j_tied is true; HF GPTNeoX has two layer norms per layer");
        }
        for (int i = 0; i < cfg.attentionConfig().size(); i++) {
            String type = cfg.attentionConfig().get(i);
            if (!type.equals("global") && !type.equals("flash")) {
                throw new UserError("config key attention_config makes layer " + i + " " + type
                        + " (block-sparse); HF GPTNeoX has dense causal attention only");
            }
        }
        cfg.fullShapes(); // checks norm
        ObjectNode o = JSON.createObjectNode();
        o.putArray("architectures").add("GPTNeoXForCausalLM");
        o.put("model_type", "gpt_neox");
        o.put("vocab_size", cfg.paddedVocabSize());
        o.put("hidden_size", cfg.hiddenSize());
        o.put("num_hidden_layers", cfg.numLayers());
        o.put("num_attention_heads", cfg.numAttentionHeads());
        o.put("intermediate_size", 4 * cfg.hiddenSize());
        o.put("hidden_act", hfActivation(cfg));
        o.put("rotary_pct", cfg.rotaryPct());
        putNumber(o, "rotary_emb_base", cfg.rotaryEmbBase());
        o.put("max_position_embeddings", cfg.maxPositionEmbeddings());
        o.put("initializer_range", cfg.initMethodStd());
        o.put("layer_norm_eps", cfg.layernormEpsilon());
        o.put("use_cache", true);
        o.put("bos_token_id", eodTokenId);
        o.put("eos_token_id", eodTokenId);
        o.put("tie_word_embeddings", cfg.tied());
        o.put("use_parallel_residual", cfg.gptJResidual());
        o.put("attention_bias", true);
        o.put("torch_dtype", dtype.torchName());
        return o;
    }

    private static void putNumber(ObjectNode o, String key, double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            o.put(key, (long) v);
        } else {
            o.put(key, v);
        }
    }

    private static String hfActivation(NeoxModelConfig cfg) {
        return switch (cfg.activation()) {
            case "gelu" -> cfg.biasGeluFusion() ? "gelu_new" : "gelu";
            case "relu" -> "relu";
            case "swish" -> "silu";
            case "mish" -> "mish";
            default -> throw new UserError("config key activation is " + cfg.activation()
                    + "; HF GPTNeoX export supports gelu, relu, swish, mish");
        };
    }

    /** The EOD id for bos/eos: the config's {@code eod_token_id}, else the tokenizer's usual one. */
    static int defaultEod(JsonNode resolved, NeoxModelConfig cfg) {
        JsonNode v = resolved.get("eod_token_id");
        if (v != null && v.canConvertToInt()) {
            return v.intValue();
        }
        return switch (cfg.tokenizerType()) {
            case "GPT2BPETokenizer", "HFGPT2Tokenizer", "TiktokenTokenizer" -> 50256;
            default -> 0; // HFTokenizer with the 20B tokenizer: <|endoftext|> is id 0
        };
    }

    static JsonNode read(Path file) {
        try {
            JsonNode n = JSON.readTree(file.toFile());
            if (n == null || !n.isObject()) {
                throw new UserError("JSON file " + file + " is not a JSON object");
            }
            return n;
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            throw new UserError("JSON file " + file + " does not exist");
        } catch (IOException e) {
            throw new UserError("JSON file " + file + " is not valid JSON: "
                    + e.getMessage().lines().findFirst().orElse(""), e);
        }
    }

    /** The resolved-config subset that describes the HF model (what from-hf stores). */
    static ObjectNode toResolved(JsonNode hf, Path file) {
        String type = hf.path("model_type").asText("");
        if (!type.equals("gpt_neox")) {
            throw new UserError("HF config " + file + " has model_type \"" + type + "\", expected gpt_neox");
        }
        int h = requireInt(hf, "hidden_size", file);
        int ff = requireInt(hf, "intermediate_size", file);
        if (ff != 4 * h) {
            throw new UserError("HF config " + file + " has intermediate_size " + ff + ", expected 4 * hidden_size = " + 4 * h);
        }
        if (!hf.path("attention_bias").asBoolean(true) || !hf.path("rope_scaling").isMissingNode()
                && !hf.path("rope_scaling").isNull()) {
            throw new UserError("HF config " + file + " uses attention_bias false or rope_scaling, which GPT-NeoX lacks");
        }
        ObjectNode r = JSON.createObjectNode();
        for (Map.Entry<String, String> e : SAME_MEANING.entrySet()) {
            JsonNode v = hf.get(e.getKey());
            if (v == null || v.isNull()) {
                throw new UserError("HF config " + file + " lacks " + e.getKey());
            }
            r.set(e.getValue(), v);
        }
        r.put("init_method_std", hf.path("initializer_range").asDouble(0.02));
        r.put("no_weight_tying", !hf.path("tie_word_embeddings").asBoolean(false));
        String act = hf.path("hidden_act").asText("gelu");
        switch (act) {
            case "gelu" -> r.put("activation", "gelu").put("bias_gelu_fusion", false);
            case "gelu_new", "gelu_fast", "gelu_pytorch_tanh" -> r.put("activation", "gelu").put("bias_gelu_fusion", true);
            case "relu" -> r.put("activation", "relu");
            case "silu", "swish" -> r.put("activation", "swish");
            case "mish" -> r.put("activation", "mish");
            default -> throw new UserError("HF config " + file + " has hidden_act " + act + ", which GPT-NeoX lacks");
        }
        r.put("pos_emb", "rotary").put("norm", "layernorm").put("gpt_j_tied", false);
        r.put("output_layer_parallelism", "column");
        r.put("eod_token_id", hf.path("eos_token_id").asInt(0));
        return r;
    }

    private static int requireInt(JsonNode hf, String key, Path file) {
        JsonNode v = hf.get(key);
        if (v == null || !v.canConvertToInt()) {
            throw new UserError("HF config " + file + " has " + key + " " + v + ", expected an integer");
        }
        return v.intValue();
    }

    /** Fails with one line naming the first resolved key whose value differs from HF's. */
    static void checkAgainst(JsonNode resolved, Path resolvedFile, ObjectNode fromHf, Path hfFile) {
        NeoxModelConfig mine = NeoxModelConfig.fromResolved(resolved, resolvedFile.toString());
        NeoxModelConfig theirs = NeoxModelConfig.fromResolved(fromHf, hfFile.toString());
        for (Iterator<String> it = fromHf.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            Object a = componentValue(mine, key);
            Object b = componentValue(theirs, key);
            if (a != null && !a.equals(b)) {
                throw new UserError("config " + resolvedFile + " has " + key + " = " + a + " but HF config "
                        + hfFile + " implies " + key + " = " + b);
            }
        }
    }

    /** The typed value of a resolved key in a NeoxModelConfig (defaults applied), or null. */
    private static Object componentValue(NeoxModelConfig c, String key) {
        return switch (key) {
            case "padded_vocab_size" -> c.paddedVocabSize();
            case "hidden_size" -> c.hiddenSize();
            case "num_layers" -> c.numLayers();
            case "num_attention_heads" -> c.numAttentionHeads();
            case "max_position_embeddings" -> c.maxPositionEmbeddings();
            case "rotary_pct" -> c.rotaryPct();
            case "rotary_emb_base" -> c.rotaryEmbBase();
            case "layernorm_epsilon" -> c.layernormEpsilon();
            case "gpt_j_residual" -> c.gptJResidual();
            case "gpt_j_tied" -> c.gptJTied();
            case "no_weight_tying" -> c.noWeightTying();
            case "activation" -> c.activation();
            case "bias_gelu_fusion" -> c.biasGeluFusion();
            case "pos_emb" -> c.posEmb();
            case "norm" -> c.norm();
            default -> null; // init_method_std, eod_token_id, output layer split: not model maths
        };
    }
}
