package org.neox.model;

import java.util.Random;
import org.neox.kernel.DropoutRng;
import org.neox.model.ModelSpec.InitMethod;
import org.neox.tensor.ParamView;

/**
 * Spec §5.7 initialisation. Each tensor draws from its own generator seeded by
 * {@code (seed + 2718, parameter name)}, so values do not depend on construction order and a
 * pipeline stage that builds only its slice gets the same numbers as the whole model. A
 * tensor-parallel rank draws the FULL tensor and keeps its shard (like GPT-NeoX's
 * {@code use_cpu_initialization}), so every (pp, mp) layout starts from the single-rank weights;
 * the transient full tensor is the price. (GPT-NeoX draws all shards from one CUDA stream, so
 * bitwise equality with it is not a goal.)
 */
final class Initializer {
    private final long seed;
    private final int numLayers;
    private final int hidden;
    private final double std;
    private final int tpRank;
    private final int tpSize;
    private final boolean geglu;

    Initializer(long seed, int tpRank, int tpSize, int numLayers, int hidden, double std, boolean geglu) {
        this.geglu = geglu;
        this.seed = seed + 2718;
        this.tpRank = tpRank;
        this.tpSize = tpSize;
        this.numLayers = numLayers;
        this.hidden = hidden;
        this.std = std;
    }

    /**
     * Fills this rank's shard {@code v} of a weight of full shape {@code [out, in]} (or an
     * embedding {@code [rows, h]}) by {@code method}; fans are those of the full tensor.
     */
    void fill(InitMethod method, float[] p, ParamView v) {
        TensorShards.Layout layout = TensorShards.layout(v.name(), false, geglu);
        if (tpSize == 1 || layout == TensorShards.Layout.REPLICATED) {
            draw(method, v.name(), v.shape(), p, v.offset());
            return;
        }
        int[] full = TensorShards.fullShape(v.shape(), layout, tpSize);
        float[] values = new float[v.numel() * tpSize];
        draw(method, v.name(), full, values, 0);
        TensorShards.slice(values, full, layout, tpRank, tpSize, p, v.offset());
    }

    private void draw(InitMethod method, String name, int[] shape, float[] p, int offset) {
        Random rnd = new Random(DropoutRng.mix(seed, name.hashCode()));
        int fanOut = shape[0];
        int fanIn = shape.length > 1 ? shape[1] : 1;
        double sigma = switch (method) {
            case NORMAL -> std;
            case SCALED_NORMAL -> std / Math.sqrt(2.0 * numLayers);
            case SMALL_INIT -> Math.sqrt(2.0 / (5.0 * hidden));
            case WANG_INIT -> 2.0 / (numLayers * Math.sqrt(hidden));
            case XAVIER_NORMAL -> Math.sqrt(2.0 / (fanIn + fanOut));
            case XAVIER_UNIFORM -> Math.sqrt(6.0 / (fanIn + fanOut));
        };
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        for (int i = offset; i < offset + n; i++) {
            p[i] = (float) (method == InitMethod.XAVIER_UNIFORM
                    ? (2 * rnd.nextDouble() - 1) * sigma
                    : rnd.nextGaussian() * sigma);
        }
    }

    static void fillConstant(float[] p, ParamView v, float value) {
        java.util.Arrays.fill(p, v.offset(), v.offset() + v.numel(), value);
    }
}
