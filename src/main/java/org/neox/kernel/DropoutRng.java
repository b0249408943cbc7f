package org.neox.kernel;

/**
 * Counter-based dropout randomness: element {@code i} of a dropout call is kept iff
 * {@code uniform(seed, i) >= p}, where {@code uniform} is SplitMix64's finaliser of
 * {@code seed·φ + i} mapped to [0, 1) with 24 bits. Being a pure function of the index, the
 * mask is regenerated in backward, splits freely across threads and is easy to port to C.
 */
public final class DropoutRng {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private DropoutRng() {
    }

    /** SplitMix64 mix of {@code seed·φ + counter}. */
    public static long mix(long seed, long counter) {
        long z = seed * GOLDEN + counter;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Uniform float in [0, 1) with 24 random bits. */
    public static float uniform(long seed, long counter) {
        return (mix(seed, counter) >>> 40) * 0x1.0p-24f;
    }

    /** Whether element {@code counter} survives dropout with drop probability p. */
    public static boolean keep(long seed, long counter, float p) {
        return uniform(seed, counter) >= p;
    }
}
