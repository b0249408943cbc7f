package org.neox.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.neox.comm.Communicator;
import org.neox.comm.LocalCommunicator;
import org.neox.kernel.ReferenceKernels;
import org.neox.model.GPTNeoXModel;
import org.neox.model.ModelSpec;
import org.neox.optim.AdamConfig;
import org.neox.optim.AdamW;
import org.neox.optim.AnnealingLR;
import org.neox.optim.DataParallelAdam;
import org.neox.optim.DecayStyle;
import org.neox.optim.Optimizer;
import org.neox.optim.ParallelGroups;
import org.neox.optim.ParamRange;
import org.neox.optim.ParamRanges;
import org.neox.optim.ZeroConfig;
import org.neox.optim.ZeroOneOptimizer;
import org.neox.tensor.ParamView;
import org.neox.tensor.TokenBatch;

/**
 * {@code overlap_comm}: data-parallel ranks (in-JVM threads) train a tiny model for several
 * steps of gradient accumulation 2, reducing gradient buckets during the last backward or only
 * at step(); the parameters must be bitwise identical, and with overlap some buckets must have
 * been reduced by the background thread.
 */
class OverlapCommTest {
    private static final int STEPS = 3;
    private static final int GAS = 2;
    private static final int BUCKET = 500;

    private enum Kind { ADAM, ZERO_ALL_REDUCE }

    @Test
    void twoRanksUntiedAdam() throws Exception {
        compare(2, true, Kind.ADAM);
    }

    @Test
    void fourRanksTiedAdam() throws Exception {
        compare(4, false, Kind.ADAM);
    }

    @Test
    void twoRanksZeroOneWithAllReduce() throws Exception {
        compare(2, true, Kind.ZERO_ALL_REDUCE);
    }

    private void compare(int dp, boolean untied, Kind kind) throws Exception {
        ModelSpec spec = ModelSpec.defaults(2, 16, 2, 8, 32).withInit(ModelSpec.InitMethod.NORMAL,
                ModelSpec.InitMethod.SCALED_NORMAL, 0.2).withNorm(ModelSpec.Norm.LAYERNORM, false, false, untied, false);
        Set<String> reducerThreads = ConcurrentHashMap.newKeySet();
        List<float[]> off = train(dp, spec, kind, false, reducerThreads);
        assertTrue(reducerThreads.isEmpty(), "reductions off the trainer threads without overlap: " + reducerThreads);
        List<float[]> on = train(dp, spec, kind, true, reducerThreads);
        assertTrue(reducerThreads.stream().anyMatch(n -> n.startsWith("neox-dp-reduce")),
                "no bucket was reduced during backward: " + reducerThreads);
        for (int r = 0; r < dp; r++) {
            assertArrayEquals(off.get(r), on.get(r), "rank " + r + " parameters, overlap on vs off");
            assertArrayEquals(on.get(0), on.get(r), "rank " + r + " vs rank 0 with overlap");
        }
    }

    /** Each rank's parameters after {@link #STEPS} steps; names of threads that all-reduced off the rank threads. */
    private List<float[]> train(int dp, ModelSpec spec, Kind kind, boolean overlap, Set<String> reducerThreads)
            throws Exception {
        List<Communicator> comms = LocalCommunicator.create(dp);
        ExecutorService pool = Executors.newFixedThreadPool(dp, r -> new Thread(r, "rank-thread"));
        try {
            List<Future<float[]>> fs = new ArrayList<>();
            for (Communicator c : comms) {
                Communicator watched = new ThreadRecordingCommunicator(c, reducerThreads);
                fs.add(pool.submit(() -> trainRank(watched, spec, kind, overlap)));
            }
            List<float[]> out = new ArrayList<>();
            for (Future<float[]> f : fs) {
                out.add(f.get());
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    private static float[] trainRank(Communicator dataGroup, ModelSpec spec, Kind kind, boolean overlap) {
        GPTNeoXModel model = new GPTNeoXModel(spec, new ReferenceKernels(), org.neox.comm.SoloCommunicator.INSTANCE, 11);
        List<ParamRange> ranges = new ArrayList<>();
        for (ParamView v : model.views()) {
            ranges.add(ParamRanges.of(v.name(), v.offset(), v.numel()));
        }
        AdamW adam = new AdamW(AdamConfig.fusedAdamDefaults(0.01));
        AnnealingLR lr = AnnealingLR.fromConfig(1e-2, 0.0, null, 10, DecayStyle.COSINE, 0, false, false);
        int numel = model.params().length;
        ParallelGroups groups = ParallelGroups.dataParallel(dataGroup);
        Optimizer opt = kind == Kind.ADAM
                ? new DataParallelAdam(new ReferenceKernels(), adam, lr, 1.0, null, ranges, numel, groups, BUCKET)
                : new ZeroOneOptimizer(new ReferenceKernels(), adam, lr, 1.0, null, ranges, numel, groups, new ZeroConfig(false, BUCKET, 300));
        for (int step = 0; step < STEPS; step++) {
            for (int g = 0; g < GAS; g++) {
                if (overlap && g == GAS - 1) {
                    model.setGradientReadyListener(opt.overlappedReduction());
                }
                model.forwardBackward(batch(step * 100L + g * 10L + dataGroup.rank()), 1f / GAS, step * GAS + g);
            }
            model.setGradientReadyListener(null);
            opt.step(model.params(), model.grads());
        }
        return model.params().clone();
    }

    private static TokenBatch batch(long seed) {
        Random r = new Random(seed);
        int n = 2 * 8;
        int[] tokens = new int[n];
        int[] labels = new int[n];
        float[] mask = new float[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = r.nextInt(32);
            labels[i] = r.nextInt(32);
            mask[i] = 1f;
        }
        return new TokenBatch(tokens, labels, mask, 2, 8);
    }
}
