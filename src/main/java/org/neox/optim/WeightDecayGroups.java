package org.neox.optim;

/**
 * GPT-NeoX's two weight-decay groups (spec §5.8): every parameter of a LayerNorm, RMSNorm or
 * ScaleNorm module and every {@code bias} goes to the group with decay 0; all others (embeddings
 * included) decay with {@code weight_decay}. Decided from the GPT-NeoX sequential parameter names.
 */
public final class WeightDecayGroups {
    private WeightDecayGroups() {
    }

    /** True when the named parameter belongs to the decaying group. */
    public static boolean decays(String parameterName) {
        if (parameterName.endsWith(".bias")) {
            return false;
        }
        return !(parameterName.contains("layernorm.") || parameterName.contains(".norm."));
    }
}
