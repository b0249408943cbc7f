package org.neox.kernel;

/**
 * cos/sin tables of GPT-NeoX rotary embeddings (spec §5.3): {@code inv_freq[i] = 1/base^(2i/rd)}
 * for {@code i < rd/2}, angle {@code θ[t, i] = t·inv_freq[i]}. Tables are {@code [seq, rd/2]}
 * row-major (the duplicated half of {@code emb = [θ, θ]} is implied). Computed in double and
 * rounded once, like an fp32 run of HF GPT-NeoX.
 */
public record RotaryTables(float[] cos, float[] sin, int seq, int rd) {

    public static RotaryTables of(int seq, int rd, double base) {
        if (rd % 2 != 0 || rd <= 0) {
            throw new IllegalArgumentException("rotary dims must be even and positive, got " + rd);
        }
        int half = rd / 2;
        float[] c = new float[seq * half];
        float[] s = new float[seq * half];
        for (int i = 0; i < half; i++) {
            float invFreq = (float) (1.0 / Math.pow(base, (2.0 * i) / rd));
            for (int t = 0; t < seq; t++) {
                float theta = (float) t * invFreq;
                c[t * half + i] = (float) Math.cos(theta);
                s[t * half + i] = (float) Math.sin(theta);
            }
        }
        return new RotaryTables(c, s, seq, rd);
    }

    /** Rotary dims for a head of {@code headDim} and {@code rotary_pct} (spec: int(hn·pct)). */
    public static int rotaryDims(int headDim, double rotaryPct) {
        return (int) (headDim * rotaryPct);
    }
}
