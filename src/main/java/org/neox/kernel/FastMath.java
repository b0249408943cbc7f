package org.neox.kernel;

/** Branch-light float functions for hot loops. */
final class FastMath {
    private static final float LOG2E = 1.4426950408889634f;

    private FastMath() {
    }

    /**
     * exp(x) as 2^n · 2^f, n = rint(x·log2 e), with the degree-6 Taylor polynomial of 2^f on
     * [−½, ½]: relative error about 2e-7 (float rounding); underflows to 0 below −87 (so the −10000 mask gives 0).
     */
    static float exp(float x) {
        if (x < -87f) {
            return 0f;
        }
        float t = Math.min(x, 88f) * LOG2E;
        float fn = (float) Math.rint(t);
        float f = t - fn;
        float p = 1.5403530e-4f;
        p = p * f + 1.3333558e-3f;
        p = p * f + 9.6181291e-3f;
        p = p * f + 5.5504109e-2f;
        p = p * f + 2.4022651e-1f;
        p = p * f + 6.9314718e-1f;
        p = p * f + 1f;
        return p * Float.intBitsToFloat(((int) fn + 127) << 23);
    }
}
