package org.neox.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.neox.config.NeoXArgs;
import org.neox.kernel.Kernels;
import org.neox.optim.AdamConfig;
import org.neox.optim.AdamW;
import org.neox.optim.AnnealingLR;
import org.neox.optim.DataParallelAdam;
import org.neox.optim.DecayStyle;
import org.neox.optim.DynamicLossScaler;
import org.neox.optim.LossScaleConfig;
import org.neox.optim.Optimizer;
import org.neox.optim.ParallelGroups;
import org.neox.optim.ParamRange;
import org.neox.optim.ParamRanges;
import org.neox.optim.ZeroConfig;
import org.neox.optim.ZeroOneOptimizer;
import org.neox.tensor.ParamView;
import org.neox.util.UserError;

/**
 * Builds the optimizer GPT-NeoX would build for a config (spec §7, §6.4): FusedAdam semantics
 * (decoupled weight decay, bias correction), the AnnealingLR schedule, clipping, the fp16 loss
 * scaler, and ZeRO stage 1 when {@code zero_optimization.stage >= 1} and there are several
 * data-parallel ranks.
 */
public final class OptimizerFactory {
    private OptimizerFactory() {
    }

    /** @param scaler the fp16 loss scaler from {@link #lossScaler}, or null */
    public static Optimizer build(NeoXArgs args, List<ParamView> views, int numel, RankContext ctx,
                                  DynamicLossScaler scaler, Kernels kernels) {
        String type = args.optimizer().optimizerType().wire();
        // CPU_Adam (and CPU_torch_adam, which GPT-NeoX v2.0 also builds as DeepSpeedCPUAdam): the
        // same AdamW-mode update with bias correction as FusedAdam; neox's Adam runs on the CPU anyway
        if (!type.equals("adam") && !type.equals("cpu_adam") && !type.equals("cpu_torch_adam")) {
            throw new UserError("optimizer.type '" + type + "' is not implemented by neox; expected Adam or CPU_Adam");
        }
        AdamW adam = new AdamW(adamConfig(args));
        AnnealingLR schedule = schedule(args);
        double clip = args.deepspeedConfig().gradientClipping();
        List<ParamRange> ranges = new ArrayList<>();
        for (ParamView v : views) {
            ParamRange r = ParamRanges.of(v.name(), v.offset(), v.numel());
            // A later stage holding embedding parameters holds the tied copy of stage 0's layer;
            // every later stage holds a tied copy of the relative position bias (pos_emb rpe).
            boolean tiedCopy = ctx.pipeRank() > 0
                    && (v.name().startsWith("sequential.0.") || v.name().endsWith(".attention.rpe.weight"));
            ranges.add(tiedCopy ? r.asPipeReplica() : r);
        }
        ParallelGroups groups = new ParallelGroups(ctx.dataGroup(), ctx.modelGroup(), ctx.modelRank());
        int stage = zeroStage(args);
        if (stage >= 1 && ctx.dataParallelSize() > 1) {
            return new ZeroOneOptimizer(kernels, adam, schedule, clip, scaler, ranges, numel, groups, zeroConfig(args));
        }
        int bucket = args.optimizer().zeroReduceBucketSize() != null
                ? args.optimizer().zeroReduceBucketSize() : 500_000_000;
        return new DataParallelAdam(kernels, adam, schedule, clip, scaler, ranges, numel, groups,
                Math.max(1, Math.min(bucket, numel)));
    }

    public static AnnealingLR schedule(NeoXArgs args) {
        var s = args.lrScheduler();
        return AnnealingLR.fromConfig(args.optimizer().lr(), s.warmup(), s.lrDecayIters(),
                args.training().trainIters(), DecayStyle.parse(s.lrDecayStyle().wire(), "lr_decay_style"),
                s.minLr(), s.useCheckpointLrScheduler(), s.overrideLrScheduler());
    }

    static AdamConfig adamConfig(NeoXArgs args) {
        Map<String, Object> params = optimizerParams(args);
        double beta1 = 0.9;
        double beta2 = 0.999;
        Object betas = params.get("betas");
        if (betas instanceof List<?> l && l.size() == 2) {
            beta1 = number(l.get(0), "optimizer.params.betas[0]");
            beta2 = number(l.get(1), "optimizer.params.betas[1]");
        } else if (betas != null) {
            throw new UserError("optimizer.params.betas = " + betas + "; expected a list of two numbers");
        }
        double eps = params.containsKey("eps") ? number(params.get("eps"), "optimizer.params.eps") : 1e-8;
        if (Boolean.TRUE.equals(params.get("amsgrad"))) {
            throw new UserError("optimizer.params.amsgrad = true; FusedAdam and DeepSpeedCPUAdam have no AMSGrad, expected false");
        }
        return new AdamConfig(beta1, beta2, eps, args.training().weightDecay(), true, true);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> optimizerParams(NeoXArgs args) {
        Map<String, Object> opt = args.deepspeedConfig().optimizer();
        Object params = opt == null ? null : opt.get("params");
        return params instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private static double number(Object o, String key) {
        if (o instanceof Number n) {
            return n.doubleValue();
        }
        try {
            return Double.parseDouble(String.valueOf(o));
        } catch (NumberFormatException e) {
            throw new UserError(key + " = " + o + "; expected a number");
        }
    }

    /** The fp16 dict's scaler (spec §5.9); null for fp32 (and for bf16, which computes in fp32 here). */
    static DynamicLossScaler lossScaler(NeoXArgs args) {
        Map<String, Object> fp16 = args.deepspeedConfig().fp16();
        if (fp16 == null || !Boolean.TRUE.equals(fp16.get("enabled")) || "bfloat16".equals(fp16.get("type"))) {
            return null;
        }
        LossScaleConfig c = new LossScaleConfig(
                doubleOr(fp16, "loss_scale", 0), (int) doubleOr(fp16, "initial_scale_power", 16),
                (int) doubleOr(fp16, "loss_scale_window", 1000), (int) doubleOr(fp16, "hysteresis", 2),
                doubleOr(fp16, "min_loss_scale", 1));
        return new DynamicLossScaler(c);
    }

    private static double doubleOr(Map<String, Object> m, String key, double dflt) {
        Object v = m.get(key);
        return v == null ? dflt : number(v, "fp16." + key);
    }

    /** {@code zero_optimization.overlap_comm}: reduce data-parallel gradient buckets during backward. */
    static boolean overlapComm(NeoXArgs args) {
        Map<String, Object> zero = args.deepspeedConfig().zeroOptimization();
        return zero != null && Boolean.TRUE.equals(zero.get("overlap_comm"));
    }

    static int zeroStage(NeoXArgs args) {
        Object stage = args.optimizer().zeroStage();
        int s = stage instanceof Number n ? n.intValue() : 0;
        if (s > 1) {
            throw new UserError("zero_optimization.stage = " + s + " is not implemented by neox; expected 0 or 1");
        }
        return s;
    }

    /**
     * ZeRO-1's bucket settings. With {@code overlap_comm} (and no pipeline) the gradients are
     * all-reduced in buckets taken in backward order while backward runs, instead of
     * reduce-scattered at the step: a reduce-scatter bucket takes a slice of every partition,
     * including the first layers', so none is complete before backward ends (DeepSpeed reduces each
     * ready bucket to its owners; our communicator's all-reduce of the bucket is the equivalent, at
     * the ring all-reduce's twice-the-reduce-scatter traffic).
     */
    private static ZeroConfig zeroConfig(NeoXArgs args) {
        var o = args.optimizer();
        boolean overlapped = overlapComm(args) && args.pipeParallelSize() <= 1;
        return new ZeroConfig(!Boolean.FALSE.equals(o.zeroReduceScatter()) && !overlapped,
                o.zeroReduceBucketSize() != null ? o.zeroReduceBucketSize() : 500_000_000,
                o.zeroAllgatherBucketSize() != null ? o.zeroAllgatherBucketSize() : 500_000_000);
    }
}
