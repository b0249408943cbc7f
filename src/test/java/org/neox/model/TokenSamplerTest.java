package org.neox.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** GPT-NeoX's filter_logits, greedy choice and seeded multinomial sampling. */
class TokenSamplerTest {
    private static final float NEG = Float.NEGATIVE_INFINITY;

    @Test
    void topKKeepsTheKLargestAndTiesWithTheKth() {
        float[] x = {1f, 5f, 3f, 3f, -2f, 4f};
        TokenSampler.filter(x, 3, 0);
        assertArrayEquals(new float[] {NEG, 5f, 3f, 3f, NEG, 4f}, x);
        float[] y = {1f, 2f};
        TokenSampler.filter(y, 5, 0);
        assertArrayEquals(new float[] {1f, 2f}, y, "k >= vocab keeps everything");
    }

    @Test
    void topPKeepsTokensUntilTheCumulativeProbabilityFirstExceedsP() {
        // probabilities 0.5, 0.25, 0.125, 0.125 (logits are their logs, in shuffled order)
        float[] logits = {(float) Math.log(0.125), (float) Math.log(0.5), (float) Math.log(0.125), (float) Math.log(0.25)};
        float[] a = logits.clone();
        TokenSampler.filter(a, 0, 0.6);
        // sorted cumulative 0.5, 0.75, ...: 0.5 <= 0.6 keeps the next token; 0.75 > 0.6 removes the rest
        assertArrayEquals(new float[] {NEG, logits[1], NEG, logits[3]}, a);
        float[] b = logits.clone();
        TokenSampler.filter(b, 0, 0.3);
        assertArrayEquals(new float[] {NEG, logits[1], NEG, NEG}, b, "the most likely token always stays");
        float[] c = logits.clone();
        TokenSampler.filter(c, 0, 1.0);
        assertArrayEquals(logits, c, "p = 1 keeps everything");
    }

    @Test
    void topKThenTopP() {
        float[] x = {0f, 0f, 0f, 0f, -1f};
        TokenSampler.filter(x, 4, 0.5);
        // top-k drops the -1; four equal tokens of 0.25 each: cumulative 0.25, 0.5, 0.75 -> keep three
        int kept = 0;
        for (float v : x) {
            kept += v == NEG ? 0 : 1;
        }
        assertEquals(3, kept);
        assertEquals(NEG, x[4]);
    }

    @Test
    void greedyIsTheFirstArgmax() {
        TokenSampler s = new TokenSampler(0, 0, 0, 1);
        assertTrue(s.greedy());
        assertEquals(2, s.next(new float[] {9f, 1f, 3f, 7f, 3f}, 1, 4));
    }

    @Test
    void samplingIsReproducibleWithASeedAndFollowsTheDistribution() {
        float[] logits = {0f, (float) Math.log(3), NEG, 0f};
        int[] a = draws(new TokenSampler(1.0, 0, 0, 42), logits, 4000);
        int[] b = draws(new TokenSampler(1.0, 0, 0, 42), logits, 4000);
        assertArrayEquals(a, b);
        int[] counts = new int[4];
        for (int t : a) {
            counts[t]++;
        }
        assertEquals(0, counts[2], "a -inf logit is never drawn");
        assertEquals(0.6, counts[1] / 4000.0, 0.04);
        int[] c = draws(new TokenSampler(1.0, 0, 0, 43), logits, 4000);
        assertTrue(!java.util.Arrays.equals(a, c), "another seed draws another sequence");
    }

    @Test
    void temperatureSharpensAndTopKOneIsGreedy() {
        float[] logits = {0f, 1f, 0.5f};
        int[] cold = draws(new TokenSampler(0.01, 0, 0, 7), logits, 200);
        for (int t : cold) {
            assertEquals(1, t);
        }
        int[] k1 = draws(new TokenSampler(5.0, 1, 0, 7), logits, 200);
        for (int t : k1) {
            assertEquals(1, t);
        }
    }

    private static int[] draws(TokenSampler s, float[] logits, int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = s.next(logits, 0, logits.length);
        }
        return out;
    }
}
