package org.neox.kernel;

/**
 * Scalar GeLU in double (reference) and float (hot loops). Exact: {@code 0.5x(1+erf(x/√2))};
 * tanh approximation (Megatron's bias_gelu fusion): {@code 0.5x(1+tanh(0.79788456·x·(1+0.044715x²)))}.
 * The double {@link #erf} is accurate to ~1e-15 (the oracle); {@link #erfFast} is
 * Abramowitz–Stegun 7.1.26 (absolute error ≤ 1.5e-7), enough for float hot loops.
 */
final class Gelu {
    static final double SQRT_2_OVER_PI = 0.79788456;
    static final double C = 0.044715;
    private static final double INV_SQRT2 = 0.7071067811865476;
    private static final double INV_SQRT_2PI = 0.3989422804014327;

    private Gelu() {
    }

    static double value(double x, boolean tanh) {
        if (tanh) {
            return 0.5 * x * (1.0 + Math.tanh(SQRT_2_OVER_PI * x * (1.0 + C * x * x)));
        }
        return 0.5 * x * (1.0 + erf(x * INV_SQRT2));
    }

    static double derivative(double x, boolean tanh) {
        if (tanh) {
            double u = SQRT_2_OVER_PI * x * (1.0 + C * x * x);
            double t = Math.tanh(u);
            double du = SQRT_2_OVER_PI * (1.0 + 3.0 * C * x * x);
            return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * du;
        }
        return 0.5 * (1.0 + erf(x * INV_SQRT2)) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x);
    }

    /** erf to about 1e-15: Taylor series for |x| < 2.5, else the complementary continued fraction. */
    static double erf(double x) {
        double ax = Math.abs(x);
        double r;
        if (ax < 2.5) {
            double term = ax;
            double sum = ax;
            double x2 = ax * ax;
            for (int n = 1; n < 80; n++) {
                term *= -x2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.abs(add) < 1e-17 * Math.abs(sum)) {
                    break;
                }
            }
            r = 2.0 / Math.sqrt(Math.PI) * sum;
        } else {
            // Lentz continued fraction for erfc.
            double x2 = ax * ax;
            double f = ax;
            for (int n = 60; n >= 1; n--) {
                f = ax + (n / 2.0) / f;
            }
            r = 1.0 - Math.exp(-x2) / (Math.sqrt(Math.PI) * f);
        }
        return x < 0 ? -r : r;
    }

    /** Abramowitz–Stegun 7.1.26, |error| <= 1.5e-7. */
    static float erfFast(float x) {
        return erfFast(x, FastMath.exp(-x * x));
    }

    /** {@link #erfFast(float)} given {@code expNegX2 = exp(−x²)} (GeLU's backward reuses it for the pdf). */
    static float erfFast(float x, float expNegX2) {
        float ax = Math.abs(x);
        float t = 1f / (1f + 0.3275911f * ax);
        float y = 1f - (((((1.061405429f * t - 1.453152027f) * t) + 1.421413741f) * t - 0.284496736f) * t
                + 0.254829592f) * t * expNegX2;
        return x < 0 ? -y : y;
    }
}
