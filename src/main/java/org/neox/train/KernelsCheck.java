package org.neox.train;

import java.util.ArrayList;
import java.util.List;
import org.neox.config.NeoXArgs;
import org.neox.kernel.Kernels;
import org.neox.model.GPTNeoXModel;
import org.neox.model.ModelSpec;
import org.neox.optim.Optimizer;
import org.neox.tensor.TokenBatch;

/**
 * {@code neox check-kernels}: trains a config for a few single-rank steps on candidate kernels and
 * on baseline kernels, from the same initial weights on the same random tokens (dropout masks are
 * counter-based, so they match too), and compares the first step's gradients and the losses
 * step by step. The kernels' own checks (the contract tests, {@code backend_check}) compare op by
 * op; this says whether whole training steps, optimizer included, agree on this machine: the
 * check for a new accelerator backend, driver or GPU. The gradients are the sensitive part: a
 * small model's float loss hides differences that its gradients show.
 */
public final class KernelsCheck {
    /** One step's mean loss on each side and their relative difference. */
    public record Step(int step, double baseline, double candidate, double relativeDifference) {
    }

    /**
     * The steps; {@code gradientDifference} = ‖g_candidate − g_baseline‖ / ‖g_baseline‖ (L2) of the
     * first step's gradients; the largest weight difference after the steps (Adam moves every
     * weight by about lr per step whatever its gradient, so this one is informative only); the verdict.
     */
    public record Result(List<Step> steps, double gradientDifference, double maxWeightDifference, boolean passed) {
    }

    /** What one side produced. */
    private record Run(double[] losses, float[] firstGradients, float[] weights) {
    }

    private final NeoXArgs args;

    public KernelsCheck(NeoXArgs args) {
        this.args = args;
    }

    /** Passes when the first gradients and every step's losses agree within {@code tolerance} relative. */
    public Result run(Kernels candidate, Kernels baseline, int steps, double tolerance) {
        Run want = train(baseline, steps);
        Run got = train(candidate, steps);
        List<Step> rows = new ArrayList<>();
        double gradDiff = relativeL2(got.firstGradients(), want.firstGradients());
        boolean passed = gradDiff <= tolerance; // NaN fails
        for (int i = 0; i < steps; i++) {
            double rel = Math.abs(got.losses()[i] - want.losses()[i]) / Math.max(Math.abs(want.losses()[i]), 1e-30);
            passed &= rel <= tolerance;
            rows.add(new Step(i + 1, want.losses()[i], got.losses()[i], rel));
        }
        double maxDiff = 0;
        for (int i = 0; i < want.weights().length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(got.weights()[i] - want.weights()[i]));
        }
        return new Result(rows, gradDiff, maxDiff, passed);
    }

    private static double relativeL2(float[] got, float[] want) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < want.length; i++) {
            double d = (double) got[i] - want[i];
            diff += d * d;
            norm += (double) want[i] * want[i];
        }
        return Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-30);
    }

    /** Trains {@code steps} steps on {@code k}. */
    private Run train(Kernels k, int steps) {
        ModelSpec spec = ModelSpecs.from(args);
        GPTNeoXModel model = new GPTNeoXModel(spec, k, RankContext.single().tensorGroup(), args.other().seed());
        Optimizer opt = OptimizerFactory.build(args, model.views(), model.params().length, RankContext.single(), null, k);
        int gas = args.deepspeedConfig().gradientAccumulationSteps();
        int micro = args.deepspeedConfig().trainMicroBatchSizePerGpu();
        double[] losses = new double[steps];
        float[] firstGradients = null;
        for (int i = 0; i < steps; i++) {
            double sum = 0;
            for (int g = 0; g < gas; g++) {
                long index = (long) i * gas + g;
                TokenBatch b = Benchmark.randomBatch(micro, spec.seqLength(), spec.paddedVocabSize(), args.other().seed() + index);
                sum += model.forwardBackward(b, 1f / gas, index);
            }
            if (i == 0) {
                firstGradients = model.grads().clone();
            }
            opt.step(model.paramBuffer(), model.gradBuffer());
            losses[i] = sum / gas;
        }
        return new Run(losses, firstGradients, model.params().clone());
    }
}
