package org.neox.model;

import java.util.Random;
import org.neox.kernel.DropoutRng;
import org.neox.model.ModelSpec.InitMethod;
import org.neox.tensor.ParamView;

/**
 * Spec §5.7 initialisation. Each tensor draws from its own generator seeded by
 * {@code (seed + 2718 + tpRank, parameter name)}, so values do not depend on construction order
 * and a pipeline stage that builds only its slice gets the same numbers as the whole model.
 * (GPT-NeoX draws all shards from one CUDA stream, so bitwise equality with it is not a goal.)
 */
final class Initializer {
    private final long seed;
    private final int numLayers;
    private final int hidden;
    private final double std;

    Initializer(long seed, int tpRank, int numLayers, int hidden, double std) {
        this.seed = seed + 2718 + tpRank;
        this.numLayers = numLayers;
        this.hidden = hidden;
        this.std = std;
    }

    /** Fills a weight of shape {@code [out, in]} (or an embedding {@code [rows, h]}) by {@code method}. */
    void fill(InitMethod method, float[] p, ParamView v) {
        Random rnd = new Random(DropoutRng.mix(seed, v.name().hashCode()));
        int fanOut = v.shape()[0];
        int fanIn = v.shape().length > 1 ? v.shape()[1] : 1;
        double sigma = switch (method) {
            case NORMAL -> std;
            case SCALED_NORMAL -> std / Math.sqrt(2.0 * numLayers);
            case SMALL_INIT -> Math.sqrt(2.0 / (5.0 * hidden));
            case WANG_INIT -> 2.0 / (numLayers * Math.sqrt(hidden));
            case XAVIER_NORMAL -> Math.sqrt(2.0 / (fanIn + fanOut));
            case XAVIER_UNIFORM -> Math.sqrt(6.0 / (fanIn + fanOut));
        };
        int end = v.offset() + v.numel();
        for (int i = v.offset(); i < end; i++) {
            p[i] = (float) (method == InitMethod.XAVIER_UNIFORM
                    ? (2 * rnd.nextDouble() - 1) * sigma
                    : rnd.nextGaussian() * sigma);
        }
    }

    static void fillConstant(float[] p, ParamView v, float value) {
        java.util.Arrays.fill(p, v.offset(), v.offset() + v.numel(), value);
    }
}
