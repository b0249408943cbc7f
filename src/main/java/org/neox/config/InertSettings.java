package org.neox.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Settings a config may turn on that GPT-NeoX would act on and neox does not: one line each,
 * logged when training starts, so that nothing a config asks for is dropped silently. (Settings
 * that would change the model itself, such as muP, are refused instead, where the model is built.)
 */
public final class InertSettings {
    private InertSettings() {
    }

    public static List<String> notices(NeoXArgs args) {
        List<String> out = new ArrayList<>();
        DeepspeedConfigArgs ds = args.deepspeedConfig();
        if (enabled(ds.amp())) {
            out.add("amp: apex AMP is not implemented by neox; training computes in fp32");
        }
        if (args.optimizer().useBnbOptimizer()) {
            out.add("use_bnb_optimizer: bitsandbytes' 8-bit Adam (and its StableEmbedding) is not implemented by"
                    + " neox; training with 32-bit Adam moments and plain embeddings");
        }
        if (Boolean.TRUE.equals(args.logging().useWandb()) || args.logging().tensorboardDir() != null) {
            out.add("use_wandb/tensorboard_dir: neox writes no W&B or TensorBoard logs; metrics go to the console"
                    + " and log_dir/metrics.jsonl");
        }
        if (args.training().charLevelPpl()) {
            out.add("char_level_ppl: neox does not report character-level perplexity; token-level loss and"
                    + " perplexity only");
        }
        return out;
    }

    private static boolean enabled(Map<String, Object> dict) {
        return dict != null && Boolean.TRUE.equals(dict.get("enabled"));
    }
}
