package org.neox.config;

import java.util.List;
import java.util.Map;
import org.neox.config.ModelArgs.Precision;
import org.neox.util.UserError;

/**
 * GPT-NeoX's {@code validate_values} and the dict checks of {@code validate_types} (spec §1.3,
 * §1.5), plus checks v2.0 forgets and only trips over later: positive sizes, heads divisible by
 * the tensor-parallel size, at least one layer per pipeline stage, a positive seed, a known
 * pipeline partition method. Each failure is one {@link UserError} quoting the values.
 */
final class Validation {
    private Validation() {
    }

    static void check(Values v) {
        dicts(v);
        if (!v.flag("deepspeed")) {
            throw new UserError("deepspeed must be true (GPT-NeoX only runs under DeepSpeed's rules)");
        }
        if (!v.isSet("lr")) {
            throw new UserError("lr is not set (expected optimizer.params.lr)");
        }
        for (String k : List.of("num_layers", "hidden_size", "num_attention_heads",
                "max_position_embeddings")) {
            if (!v.isSet(k)) {
                throw new UserError(k + " is not set (required)");
            }
        }
        positive(v, "num_layers", "hidden_size", "num_attention_heads", "max_position_embeddings",
                "seq_length", "seed", "make_vocab_size_divisible_by");
        shapes(v);
        if (v.isSet("min_lr") && v.number("min_lr") > v.number("lr")) {
            throw new UserError("min_lr " + v.get("min_lr") + " is greater than lr " + v.get("lr"));
        }
        if (v.isSet("save") && !v.isSet("checkpoint_factor") && !v.isSet("extra_save_iters")) {
            throw new UserError("save is set to '" + v.get("save")
                    + "' but neither checkpoint_factor nor extra_save_iters says when to save");
        }
        uniqueLayers(v);
        if (v.flag("fp16_lm_cross_entropy") && v.get("precision") != Precision.FP16) {
            throw new UserError("fp16_lm_cross_entropy needs precision fp16, not "
                    + ((WireEnum) v.get("precision")).wire());
        }
        data(v);
        paddedVocab(v);
        partitionMethod(v.string("pipe_partition_method"));
    }

    private static void shapes(Values v) {
        int h = v.integer("hidden_size");
        int heads = v.integer("num_attention_heads");
        int mp = v.integer("model_parallel_size");
        int pp = Math.max(v.integer("pipe_parallel_size"), 1);
        if (h % heads != 0) {
            throw new UserError("hidden_size " + h + " is not divisible by num_attention_heads " + heads);
        }
        if (heads % mp != 0) {
            throw new UserError("num_attention_heads " + heads
                    + " is not divisible by model_parallel_size " + mp);
        }
        if (v.get("activation") == ModelArgs.Activation.GEGLU && (int) (4 * 2 / 3.0 * h) % mp != 0) {
            // GPT-NeoX chunks each rank's share of the int(8h/3)·2 outputs into [x | gate] halves
            throw new UserError("activation geglu: int(8 * hidden_size / 3) = " + (int) (4 * 2 / 3.0 * h)
                    + " (hidden_size " + h + ") is not divisible by model_parallel_size " + mp);
        }
        if (v.integer("num_layers") < pp) {
            throw new UserError("num_layers " + v.get("num_layers")
                    + " is less than pipe_parallel_size " + pp + " (every stage needs a layer)");
        }
        if (v.isSet("seq_length") && v.integer("seq_length") > v.integer("max_position_embeddings")) {
            throw new UserError("seq_length " + v.get("seq_length")
                    + " is greater than max_position_embeddings " + v.get("max_position_embeddings"));
        }
        boolean mlpAttention = ((List<?>) v.get("attention_config")).stream()
                .anyMatch(t -> t.equals("gmlp") || t.equals("amlp"));
        if (mlpAttention && v.flag("partition_activations")) {
            throw new UserError("partition_activations cannot be used with gmlp/amlp attention layers");
        }
    }

    /** A padded size given in the config (used when the tokenizer file is absent) must fit mp. */
    private static void paddedVocab(Values v) {
        Integer padded = v.integer("padded_vocab_size");
        int multiple = v.integer("make_vocab_size_divisible_by") * v.integer("model_parallel_size");
        if (padded != null && (padded <= 0 || padded % multiple != 0)) {
            throw new UserError("padded_vocab_size " + padded + " is not a positive multiple of"
                    + " make_vocab_size_divisible_by * model_parallel_size = " + multiple);
        }
    }

    private static void positive(Values v, String... keys) {
        for (String k : keys) {
            Integer x = v.integer(k);
            if (x != null && x <= 0) {
                throw new UserError(k + " is " + x + " (expected a positive integer)");
            }
        }
    }

    private static void uniqueLayers(Values v) {
        Integer u = v.integer("num_unique_layers");
        int layers = v.integer("num_layers");
        if (u != null && (u <= 0 || u > layers || layers % u != 0)) {
            throw new UserError("num_unique_layers " + u + " must be positive, at most num_layers "
                    + layers + " and divide it");
        }
    }

    private static void data(Values v) {
        int given = 0;
        for (String s : List.of("train", "valid", "test")) {
            given += v.isSet(s + "_data_paths") ? 1 : 0;
        }
        if (given != 0 && given != 3) {
            throw new UserError("train_data_paths, valid_data_paths and test_data_paths must be"
                    + " set together or not at all");
        }
        if (given == 3 && v.isSet("data_path")) {
            throw new UserError("data_path must not be set together with train/valid/test_data_paths");
        }
        for (String s : List.of("train", "valid", "test")) {
            List<?> paths = (List<?>) v.get(s + "_data_paths");
            List<?> weights = (List<?>) v.get(s + "_data_weights");
            if (paths != null && weights != null && paths.size() != weights.size()) {
                throw new UserError(s + "_data_paths has " + paths.size() + " entries but "
                        + s + "_data_weights has " + weights.size());
            }
        }
    }

    private static void dicts(Values v) {
        Map<String, Object> opt = v.dict("optimizer");
        if (opt != null && (!(opt.get("type") instanceof String) || !(opt.get("params") instanceof Map))) {
            throw new UserError("optimizer must have a string 'type' and a mapping 'params', got "
                    + ValueConverter.show(opt));
        }
        Map<String, Object> sched = v.dict("scheduler");
        if (sched != null && (!(sched.get("type") instanceof String) || !(sched.get("params") instanceof Map))) {
            throw new UserError("scheduler must have a string 'type' and a mapping 'params', got "
                    + ValueConverter.show(sched));
        }
        for (String k : List.of("fp16", "amp", "flops_profiler")) {
            Map<String, Object> d = v.dict(k);
            if (d != null && !d.containsKey("enabled")) {
                throw new UserError(k + " must contain 'enabled', got " + ValueConverter.show(d));
            }
        }
    }

    static void partitionMethod(String method) {
        if (!method.equals("uniform") && !method.equals("parameters") && !method.startsWith("type:")) {
            throw new UserError("pipe_partition_method '" + method
                    + "' is not 'uniform', 'parameters' or 'type:<regex>'");
        }
        if (method.startsWith("type:")) {
            try {
                java.util.regex.Pattern.compile(method.substring(5));
            } catch (java.util.regex.PatternSyntaxException e) {
                throw new UserError("pipe_partition_method '" + method + "' has a bad regex: "
                        + e.getDescription());
            }
        }
    }
}
