package org.neox.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.neox.config.ModelArgs.Precision;
import org.neox.config.OptimizerArgs.OptimizerType;
import org.neox.config.TrainingArgs.CheckpointScale;
import org.neox.util.UserError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GPT-NeoX's {@code calculate_derived} (spec §1.4), in its order, on the converted values.
 * Deliberate differences from v2.0 are documented where they happen: without a hostfile the
 * local host is one slot (the CPU has no device count) and {@code num_gpus} is honoured (v2.0
 * ignores it there, #757); save-iteration crashes become results or clear errors.
 */
final class Derivation {
    private static final Logger LOG = LoggerFactory.getLogger(Derivation.class);

    /** DeepSpeed ZeRO defaults that replace a null {@code zero_optimization}. */
    static final Map<String, Object> ZERO_DEFAULTS = zeroDefaults();

    private Derivation() {
    }

    /**
     * @param hostfileMustExist true when the hostfile came from the command line ({@code -H});
     *     a config's missing hostfile falls back to local resources, as in GPT-NeoX
     */
    static void apply(Values v, boolean hostfileMustExist) {
        if (!v.isSet("global_num_gpus")) {
            v.set("global_num_gpus", worldSize(v, hostfileMustExist));
        }
        int dp = parallelSizes(v);
        BatchSizes b = BatchSizes.derive(v.integer("train_batch_size"),
                v.integer("train_micro_batch_size_per_gpu"),
                v.integer("gradient_accumulation_steps"), dp);
        v.set("train_batch_size", b.trainBatch());
        v.set("train_micro_batch_size_per_gpu", b.microBatch());
        v.set("gradient_accumulation_steps", b.gradAccumulation());
        v.set("batch_size", b.microBatch());
        v.set("gas", b.gradAccumulation());
        v.set("clip_grad", v.get("gradient_clipping"));
        v.set("save_iters", SaveIters.derive(v.integer("checkpoint_factor"),
                intList(v.get("extra_save_iters")),
                v.get("checkpoint_scale") == CheckpointScale.LOG, v.integer("train_iters")));
        v.set("precision", precision(v.dict("fp16")));
        zero(v);
        optimizer(v);
        v.set("dynamic_loss_scale", v.get("loss_scale") == null);
        v.set("is_pipe_parallel", v.integer("pipe_parallel_size") >= 2);
        attention(v);
        if (!v.isSet("sparsity_config")) {
            v.set("sparsity_config", Map.of());
        }
        dataWeights(v);
        if (!v.isSet("text_gen_type")) {
            v.set("text_gen_type", v.isSet("sample_input_file") ? "input-file" : "unconditional");
        }
    }

    /** Σ slots of the selected hosts; a missing or absent hostfile means one local slot. */
    static int worldSize(Values v, boolean hostfileMustExist) {
        List<HostSlots> active = Hostfile.activeHosts(v.string("hostfile"), hostfileMustExist,
                v.string("include"), v.string("exclude"), v.integer("num_nodes"), v.integer("num_gpus"));
        return active.stream().mapToInt(h -> h.slots().size()).sum();
    }

    /** Normalises pp/mp and returns the data-parallel size. */
    private static int parallelSizes(Values v) {
        int gpus = v.integer("global_num_gpus");
        int pp = Math.max(v.integer("pipe_parallel_size"), 1);
        int mp = Math.max(v.integer("model_parallel_size"), 1);
        v.set("model_parallel_size", mp);
        if (gpus <= 0 || gpus % (pp * mp) != 0) {
            throw new UserError("world size " + gpus + " is not a multiple of pipe_parallel_size "
                    + pp + " * model_parallel_size " + mp + ": (global_num_gpus / pp) / mp = ("
                    + gpus + " / " + pp + ") / " + mp + " must be a whole number");
        }
        return gpus / pp / mp;
    }

    static Precision precision(Map<String, Object> fp16) {
        if (fp16 != null && "bfloat16".equals(fp16.get("type"))) {
            return Precision.BFLOAT16;
        }
        if (fp16 != null && Boolean.TRUE.equals(fp16.get("enabled"))) {
            return Precision.FP16;
        }
        return Precision.FP32;
    }

    private static void zero(Values v) {
        Map<String, Object> z = v.dict("zero_optimization");
        if (z == null) {
            z = ZERO_DEFAULTS;
            v.set("zero_optimization", z);
        }
        if (!z.containsKey("stage")) {
            throw new UserError("zero_optimization has no 'stage' (expected e.g. stage: 1)");
        }
        Object stage = ValueConverter.convert(KeyRegistry.BY_NAME.get("zero_stage"), z.get("stage"),
                "zero_optimization.stage");
        if (!(stage instanceof Integer s) || s < 0 || s > 3) {
            throw new UserError("zero_optimization.stage " + ValueConverter.show(z.get("stage"))
                    + " is not supported (expected 0, 1, 2 or 3; lists and \"all\" need autotuning)");
        }
        v.set("zero_stage", stage);
        v.set("zero_reduce_scatter", zeroValue(z, "reduce_scatter", KeyType.BOOL));
        v.set("zero_contiguous_gradients", zeroValue(z, "contiguous_gradients", KeyType.BOOL));
        v.set("zero_reduce_bucket_size", zeroValue(z, "reduce_bucket_size", KeyType.INT));
        v.set("zero_allgather_bucket_size", zeroValue(z, "allgather_bucket_size", KeyType.INT));
    }

    private static Object zeroValue(Map<String, Object> z, String name, KeyType type) {
        Object raw = z.getOrDefault(name, ZERO_DEFAULTS.get(name));
        return ValueConverter.convert(new Key("zero_optimization." + name, type, null), raw,
                "zero_optimization");
    }

    private static void optimizer(Values v) {
        Map<String, Object> opt = v.dict("optimizer");
        if (opt == null) {
            v.set("optimizer_type", OptimizerType.ADAM);
            v.set("lr", 0.001);
            return;
        }
        Key typeKey = KeyRegistry.BY_NAME.get("optimizer_type");
        v.set("optimizer_type", ValueConverter.convert(typeKey, opt.get("type"), "optimizer.type"));
        Object params = opt.get("params");
        Object lr = params instanceof Map<?, ?> p ? p.get("lr") : null;
        v.set("lr", lr == null ? null
                : ValueConverter.convert(KeyRegistry.BY_NAME.get("lr"), lr, "optimizer.params.lr"));
        if (v.get("optimizer_type") == OptimizerType.ONEBITADAM) {
            v.set("scheduler", oneBitAdamScheduler(v));
        }
    }

    private static Map<String, Object> oneBitAdamScheduler(Values v) {
        int trainIters = v.isSet("train_iters") ? v.integer("train_iters") : 0;
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("warmup_min_lr", 0);
        params.put("warmup_max_lr", v.get("lr"));
        params.put("warmup_num_steps", (int) (trainIters * v.number("warmup")));
        params.put("total_num_steps", v.isSet("lr_decay_iters") ? v.get("lr_decay_iters") : trainIters);
        return Map.of("type", "WarmupDecayLR", "params", Collections.unmodifiableMap(params));
    }

    private static void attention(Values v) {
        Integer layers = v.integer("num_layers");
        if (layers == null) {
            throw new UserError("num_layers is not set (required)");
        }
        v.set("attention_config", AttentionConfig.expand((List<?>) v.get("attention_config"), layers));
    }

    private static void dataWeights(Values v) {
        for (String split : List.of("train", "valid", "test")) {
            List<?> paths = (List<?>) v.get(split + "_data_paths");
            if (paths != null && !v.isSet(split + "_data_weights")) {
                v.set(split + "_data_weights", Collections.nCopies(paths.size(), 1.0));
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Integer> intList(Object o) {
        return (List<Integer>) o;
    }

    private static Map<String, Object> zeroDefaults() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("stage", 0);
        m.put("allgather_partitions", true);
        m.put("reduce_scatter", true);
        m.put("allgather_bucket_size", 500000000);
        m.put("overlap_comm", false);
        m.put("reduce_bucket_size", 500000000);
        m.put("contiguous_gradients", false);
        return Collections.unmodifiableMap(m);
    }
}
