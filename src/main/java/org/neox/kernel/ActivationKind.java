package org.neox.kernel;

/**
 * The element-wise MLP activations of GPT-NeoX v2.0 (spec §5.4) that
 * {@link Kernels#activationForward} computes. The native API numbers them by {@link #ordinal()}
 * ({@code NK_ACT_*} in {@code neox_kernels.h}), so the order is part of that API.
 */
public enum ActivationKind {
    /** exact GeLU {@code 0.5x(1+erf(x/√2))} */
    GELU,
    /** tanh-approximate GeLU (bias_gelu_fusion) */
    GELU_TANH,
    /** {@code max(0, x)}; derivative 0 at 0, as torch */
    RELU,
    /** {@code x/(1+|x|)} */
    SOFTSIGN,
    /** {@code x·sigmoid(x)} */
    SWISH,
    /** {@code x·tanh(softplus(x))}, softplus linear above 20 as torch */
    MISH
}
