package org.neox.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.neox.comm.Communicator;
import org.neox.comm.LocalCommunicator;
import org.neox.kernel.ReferenceKernels;

/**
 * Every data-parallel layout against the unsharded single-rank AdamW fed the averaged
 * gradients: DataParallelAdam (all-reduce) and ZeRO-1 (reduce-scatter or all-reduce, small
 * buckets that do not divide the partitions, a flat size that does not divide by dp), with
 * clipping active, fp16 loss scaling and an overflow injected on one rank.
 */
class ZeroOneOptimizerTest {
    private static final int NUMEL = 1003;
    private static final int STEPS = 5;
    private static final int OVERFLOW_STEP = 2;
    private static final double CLIP = 1.0;
    private static final double SCALE = 1024;
    /** Gap [950, 960) is not a parameter and must stay as initialised. */
    private static final List<ParamRange> RANGES = List.of(new ParamRange(0, 500, true, true),
            new ParamRange(500, 100, false, true), new ParamRange(600, 350, true, false),
            new ParamRange(960, 43, false, false));

    interface Factory {
        Optimizer create(ParallelGroups groups, AnnealingLR schedule, DynamicLossScaler scaler);
    }

    private static AnnealingLR schedule() {
        return AnnealingLR.fromConfig(1e-2, 0.2, null, 10, DecayStyle.COSINE, 1e-4, false, false);
    }

    private static DynamicLossScaler scaler(boolean fp16) {
        return fp16 ? new DynamicLossScaler(new LossScaleConfig(SCALE, 16, 1000, 2, 1)) : null;
    }

    private static AdamW adam() {
        return new AdamW(new AdamConfig(0.9, 0.95, 1e-8, 0.1, true, true));
    }

    private static float[] initialParams() {
        Random rnd = new Random(7);
        float[] p = new float[NUMEL];
        for (int i = 0; i < NUMEL; i++) {
            p[i] = (float) (rnd.nextGaussian() * 0.5);
        }
        return p;
    }

    /** Rank r's loss-scaled gradient at step s; rank 1 overflows at OVERFLOW_STEP when asked. */
    private static void fillGrads(float[] g, int step, int rank, boolean fp16, boolean overflow) {
        Random rnd = new Random(1000L * step + rank);
        for (int i = 0; i < NUMEL; i++) {
            g[i] = (float) (rnd.nextGaussian() * (fp16 ? SCALE : 1));
        }
        if (overflow && step == OVERFLOW_STEP && rank == 1) {
            g[777] = Float.POSITIVE_INFINITY;
        }
    }

    /** The unsharded single-rank run on gradients summed in rank order and scaled by 1/dp. */
    private static float[] reference(int dp, boolean fp16, boolean overflow, List<StepOutcome> outcomes) {
        float[] p = initialParams();
        DynamicLossScaler scaler = scaler(fp16);
        Optimizer opt = new DataParallelAdam(new ReferenceKernels(), adam(), schedule(), CLIP, scaler, RANGES, NUMEL, ParallelGroups.SINGLE, 64);
        float[] g = new float[NUMEL];
        float[] sum = new float[NUMEL];
        for (int s = 0; s < STEPS; s++) {
            java.util.Arrays.fill(sum, 0f);
            for (int r = 0; r < dp; r++) {
                fillGrads(g, s, r, fp16, overflow);
                for (int i = 0; i < NUMEL; i++) {
                    sum[i] += g[i];
                }
            }
            for (int i = 0; i < NUMEL; i++) {
                sum[i] *= 1f / dp;
            }
            outcomes.add(opt.step(p, sum));
        }
        return p;
    }

    private static List<float[]> distributed(int dp, boolean fp16, boolean overflow, Factory factory,
                                             List<StepOutcome> rank0Outcomes) throws Exception {
        return Ranks.run(LocalCommunicator.create(dp), (Communicator c) -> {
            float[] p = initialParams();
            float[] g = new float[NUMEL];
            Optimizer opt = factory.create(ParallelGroups.dataParallel(c), schedule(), scaler(fp16));
            for (int s = 0; s < STEPS; s++) {
                fillGrads(g, s, c.rank(), fp16, overflow);
                StepOutcome o = opt.step(p, g);
                for (float x : g) {
                    assertEquals(0f, x);
                }
                if (c.rank() == 0) {
                    rank0Outcomes.add(o);
                }
            }
            return p;
        });
    }

    private static void assertSameAsUnsharded(int dp, boolean fp16, boolean overflow, Factory factory) throws Exception {
        List<StepOutcome> want = new java.util.ArrayList<>();
        List<StepOutcome> got = new java.util.ArrayList<>();
        float[] ref = reference(dp, fp16, overflow, want);
        List<float[]> params = distributed(dp, fp16, overflow, factory, got);
        for (float[] p : params) {
            assertArrayEquals(params.get(0), p, "ranks disagree");
            for (int i = 0; i < NUMEL; i++) {
                assertEquals(ref[i], p[i], 1e-6 * Math.abs(ref[i]) + 1e-7, "param " + i);
            }
        }
        float[] init = initialParams();
        for (int i = 950; i < 960; i++) {
            assertEquals(init[i], params.get(0)[i]);
        }
        for (int s = 0; s < STEPS; s++) {
            assertEquals(want.get(s).skipped(), got.get(s).skipped(), "skipped at step " + s);
            assertEquals(want.get(s).lr(), got.get(s).lr(), 1e-15);
            assertEquals(want.get(s).gradNorm(), got.get(s).gradNorm(), 1e-6 * Math.abs(want.get(s).gradNorm()));
        }
        assertTrue(want.get(0).gradNorm() / CLIP > 1, "clipping must be active in this test");
    }

    private static Factory zero(ZeroConfig z) {
        return (groups, schedule, scaler) -> new ZeroOneOptimizer(new ReferenceKernels(), adam(), schedule, CLIP, scaler, RANGES, NUMEL, groups, z);
    }

    @Test
    void twoRankZeroWithSmallReduceScatterBuckets() throws Exception {
        assertSameAsUnsharded(2, false, false, zero(new ZeroConfig(true, 64, 40)));
    }

    @Test
    void fourRankZeroWithAllReduceAndFp16Overflow() throws Exception {
        assertSameAsUnsharded(4, true, true, zero(new ZeroConfig(false, 100, 7)));
    }

    @Test
    void fourRankZeroWithDefaultBucketsAndFp16() throws Exception {
        assertSameAsUnsharded(4, true, false, zero(ZeroConfig.defaults()));
    }

    @Test
    void twoRankDataParallelAdamWithOverflow() throws Exception {
        assertSameAsUnsharded(2, true, true, (groups, schedule, scaler) ->
                new DataParallelAdam(new ReferenceKernels(), adam(), schedule, CLIP, scaler, RANGES, NUMEL, groups, 300));
    }

    @Test
    void partitionsAreContiguousAndPadded() throws Exception {
        assertEquals(251, ZeroOneOptimizer.partitionSize(NUMEL, 4));
        List<int[]> parts = Ranks.run(LocalCommunicator.create(4), c -> {
            ZeroOneOptimizer z = new ZeroOneOptimizer(new ReferenceKernels(), adam(), schedule(), 0, null, RANGES, NUMEL,
                    ParallelGroups.dataParallel(c), ZeroConfig.defaults());
            return new int[] {z.partitionStart(), z.partitionLength(), z.expAvg().length};
        });
        for (int r = 0; r < 4; r++) {
            assertArrayEquals(new int[] {251 * r, 251, 251}, parts.get(r));
        }
    }
}
