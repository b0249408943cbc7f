package org.neox.kernel;

/**
 * The activations of {@link ActivationKind} and their derivatives in double: the oracle that
 * {@link ReferenceKernels} uses and the float loops are tested against.
 */
final class Activations {
    private Activations() {
    }

    static double value(ActivationKind kind, double x) {
        return switch (kind) {
            case GELU -> Gelu.value(x, false);
            case GELU_TANH -> Gelu.value(x, true);
            case RELU -> x > 0 ? x : 0.0;
            case SOFTSIGN -> x / (1.0 + Math.abs(x));
            case SWISH -> x * sigmoid(x);
            case MISH -> x * Math.tanh(softplus(x));
        };
    }

    static double derivative(ActivationKind kind, double x) {
        return switch (kind) {
            case GELU -> Gelu.derivative(x, false);
            case GELU_TANH -> Gelu.derivative(x, true);
            case RELU -> x > 0 ? 1.0 : 0.0;
            case SOFTSIGN -> 1.0 / ((1.0 + Math.abs(x)) * (1.0 + Math.abs(x)));
            case SWISH -> {
                double s = sigmoid(x);
                yield s * (1.0 + x * (1.0 - s));
            }
            case MISH -> {
                double t = Math.tanh(softplus(x));
                yield t + x * (1.0 - t * t) * sigmoid(x);
            }
        };
    }

    static double sigmoid(double x) {
        return x >= 0 ? 1.0 / (1.0 + Math.exp(-x)) : Math.exp(x) / (1.0 + Math.exp(x));
    }

    /** torch's softplus (beta 1, threshold 20): linear above the threshold. */
    static double softplus(double x) {
        return x > 20 ? x : Math.log1p(Math.exp(x));
    }
}
