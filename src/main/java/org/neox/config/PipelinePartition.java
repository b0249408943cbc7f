package org.neox.config;

import java.util.Arrays;

/**
 * DeepSpeed's split of the layer specs over pipeline stages (spec §6.3): {@code uniform} gives
 * equal counts; {@code balanced} minimises the heaviest stage by binary search on the
 * bottleneck (eps 1e-3) with DeepSpeed's greedy prefix-sum probe, reproducing {@code
 * deepspeed.runtime.utils.partition_balanced} exactly (20B: [0,13,25,37,49]).
 */
public final class PipelinePartition {
    private static final double EPS = 1e-3;

    private PipelinePartition() {
    }

    /** Boundaries {@code parts[0..n]}: stage s holds items {@code [parts[s], parts[s+1])}. */
    public static int[] uniform(int items, int parts) {
        int[] out = new int[parts + 1];
        if (items <= parts) {
            for (int p = 0; p <= parts; p++) {
                out[p] = Math.min(p, items);
            }
            return out;
        }
        int chunk = items / parts;
        for (int p = 0; p < parts; p++) {
            out[p] = Math.min(chunk * p, items);
        }
        out[parts] = items;
        return out;
    }

    /** Balanced boundaries for per-item {@code weights}. */
    public static int[] balanced(double[] weights, int parts) {
        if (weights.length <= parts) {
            return uniform(weights.length, parts);
        }
        double[] prefix = weights.clone();
        for (int i = 1; i < prefix.length; i++) {
            prefix[i] += prefix[i - 1];
        }
        double total = prefix[prefix.length - 1];
        double lower = total / parts;
        double upper = total;
        while (upper > lower + EPS) {
            double mid = lower + (upper - lower) / 2;
            if (probe(prefix, parts, mid).success) {
                upper = mid;
            } else {
                lower = mid + EPS;
            }
        }
        Probe p = probe(prefix, parts, upper);
        if (!p.success) {
            throw new IllegalStateException("no balanced partition found: " + Arrays.toString(weights));
        }
        return p.parts;
    }

    private record Probe(int[] parts, boolean success) {
    }

    /** DeepSpeed's {@code _lprobe}: can {@code prefix} be cut into stages of at most {@code bottleneck}? */
    private static Probe probe(double[] prefix, int numParts, double bottleneck) {
        int n = prefix.length;
        int[] parts = new int[numParts + 1];
        Arrays.fill(parts, 1, numParts + 1, n);
        double bsum = bottleneck;
        int chunk = n / numParts;
        int step = chunk;
        for (int p = 1; p < numParts; p++) {
            while (step < n && prefix[step] < bsum) {
                step += chunk;
            }
            parts[p] = bisectLeft(prefix, bsum, step - chunk, Math.min(step, n));
            if (parts[p] == n) {
                double partSize = prefix[n - 1] - prefix[parts[p - 1]];
                return new Probe(parts, partSize < bottleneck);
            }
            bsum = prefix[parts[p] - 1] + bottleneck;
        }
        return new Probe(parts, bsum >= prefix[n - 1]);
    }

    /** Python's {@code bisect_left(a, x, lo, hi)}. */
    private static int bisectLeft(double[] a, double x, int lo, int hi) {
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a[mid] < x) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
