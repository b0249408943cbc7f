package org.neox.optim;

/**
 * Hyper-parameters of GPT-NeoX's {@code optimizer: {type: Adam, params: {...}}} (spec §7), fixed
 * for a run; the learning rate comes from the schedule at every step.
 *
 * @param decoupled true: AdamW-style decoupled decay as apex/DeepSpeed FusedAdam's default
 *     ({@code p -= lr·(m̂/(√v̂+eps) + wd·p)}); false: classic Adam with L2 added to the gradient
 * @param biasCorrection FusedAdam's {@code bias_correction} (default true)
 */
public record AdamConfig(double beta1, double beta2, double eps, double weightDecay,
                         boolean decoupled, boolean biasCorrection) {
    public AdamConfig {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("betas must be in [0, 1): " + beta1 + ", " + beta2);
        }
        if (!(eps >= 0) || !(weightDecay >= 0)) {
            throw new IllegalArgumentException("eps and weight_decay must be >= 0: " + eps + ", " + weightDecay);
        }
    }

    /** FusedAdam's defaults: betas (0.9, 0.999), eps 1e-8, decoupled decay, bias correction. */
    public static AdamConfig fusedAdamDefaults(double weightDecay) {
        return new AdamConfig(0.9, 0.999, 1e-8, weightDecay, true, true);
    }
}
