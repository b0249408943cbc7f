package org.neox.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.neox.comm.Communicator;
import org.neox.comm.LocalCommunicator;
import org.neox.kernel.ReferenceKernels;

class GradClipperTest {
    private static final List<ParamRange> RANGES = List.of(
            new ParamRange(0, 2, true, true),     // split across tensor ranks: counted everywhere
            new ParamRange(2, 2, false, false));  // replicated: counted on tensor rank 0 only

    @Test
    void replicatedParametersCountOnlyOnTensorRankZero() {
        float[] g = {3, 4, 12, 0};
        assertEquals(13.0, GradClipper.local(new ReferenceKernels(), 1).globalNorm(g, RANGES), 1e-12);
        assertEquals(5.0, new GradClipper(new ReferenceKernels(), 1, 1, List.of()).globalNorm(g, RANGES), 1e-12);
    }

    @Test
    void infOrNanNormIsMinusOne() {
        assertEquals(-1.0, GradClipper.local(new ReferenceKernels(), 1).globalNorm(new float[] {1, Float.POSITIVE_INFINITY, 0, 0}, RANGES));
        assertEquals(-1.0, GradClipper.local(new ReferenceKernels(), 1).globalNorm(new float[] {1, 0, Float.NaN, 0}, RANGES));
    }

    @Test
    void deepSpeedClipFactorWithLossScale() {
        GradClipper c = GradClipper.local(new ReferenceKernels(), 1.0);
        // norm of scaled grads 2048 with S = 1024: k = (2 + 1e-6)/1 > 1, factor 1/(S·k)
        assertEquals((float) (1 / (1024 * (2 + 1e-6))), c.gradScale(2048, 1024));
        // k = (0.5 + 1e-6) < 1: only unscale
        assertEquals(1f / 1024, c.gradScale(512, 1024));
        // clipping off: only unscale whatever the norm
        assertEquals(1f / 8, GradClipper.local(new ReferenceKernels(), 0).gradScale(1e9, 8));
        // fp32 (S = 1): factor C/(norm + 1e-6), torch's clip_grad_norm_
        assertEquals((float) (1 / ((10 + 1e-6) / 1.0)), c.gradScale(10, 1));
    }

    @Test
    void normIsSummedOverDataAndModelGroupsInDouble() throws Exception {
        // 4 ranks = 2 data x 2 model; model rank 1 holds no replicated contribution
        List<Communicator> world = LocalCommunicator.create(4);
        List<Double> norms = Ranks.run(world, w -> {
            int model = w.rank() % 2;
            Communicator dataGroup = null;
            Communicator modelGroup = null;
            for (int i = 0; i < 2; i++) {  // every rank creates every group, in the same order
                Communicator d = w.subgroup(new int[] {i, 2 + i});
                Communicator m = w.subgroup(new int[] {2 * i, 2 * i + 1});
                dataGroup = d != null ? d : dataGroup;
                modelGroup = m != null ? m : modelGroup;
            }
            float[] g = {w.rank() + 1, 1e-4f, 100, 1};
            return new GradClipper(new ReferenceKernels(), 1, model, List.of(dataGroup, modelGroup)).globalNorm(g, RANGES);
        });
        double expect = 0;
        for (int r = 0; r < 4; r++) {
            expect += (r + 1) * (r + 1) + (double) 1e-4f * 1e-4f;
            if (r % 2 == 0) {
                expect += 100 * 100 + 1;
            }
        }
        for (double n : norms) {
            assertEquals(Math.sqrt(expect), n, 1e-12 * Math.sqrt(expect));
            assertEquals(norms.get(0), n);  // bitwise equal on all ranks
        }
    }
}
