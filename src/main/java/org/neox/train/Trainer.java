package org.neox.train;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongUnaryOperator;
import org.neox.config.InertSettings;
import org.neox.config.LayerSpecs;
import org.neox.config.NeoXArgs;
import org.neox.data.BatchStream;
import org.neox.data.TrainingData;
import org.neox.kernel.Kernels;
import org.neox.model.GPTNeoXModel;
import org.neox.model.ModelSpec;
import org.neox.optim.DynamicLossScaler;
import org.neox.optim.Optimizer;
import org.neox.optim.StepOutcome;
import org.neox.tensor.GradientReadyListener;
import org.neox.tensor.TokenBatch;
import org.neox.util.Clock;
import org.neox.util.UserError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GPT-NeoX's {@code pretrain} loop for one rank (spec §8.1): per iteration {@code gas}
 * micro-batches of forward/backward (loss scaled by 1/gas, and by the fp16 loss scale), one
 * optimizer step (data-parallel reduction, clipping, Adam, schedule), logging every
 * {@code log_interval}, checkpoints at the derived save iterations, validation every
 * {@code eval_interval}; after the loop a final validation, a final save and a test evaluation.
 * Tensor parallelism lives in the model (its tensor group); with pipe_parallel_size &gt; 1 the
 * rank builds only its stage's layer specs ({@link LayerSpecs#stageBoundaries}) and runs each
 * iteration's micro-batches through {@link PipelineEngine}. With
 * {@code zero_optimization.overlap_comm} (and no pipeline), the optimizer's data-parallel
 * reduction starts during the last micro-batch's backward ({@link Optimizer#overlappedReduction}).
 */
public final class Trainer {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);
    private final NeoXArgs args;
    private final RankContext ctx;
    private final Clock clock;
    private final PrintWriter out;
    private final GPTNeoXModel model;
    /** The 1F1B stage runner when pipe_parallel_size > 1, else null (the whole model on this rank). */
    private final PipelineEngine pipeline;
    private final DynamicLossScaler scaler;
    /** the sequence-length curriculum (curriculum_learning), or null */
    private final CurriculumSchedule curriculum;
    private final Optimizer optimizer;
    /** Attached to the model for each step's last backward (overlap_comm), else null. */
    private final GradientReadyListener overlappedReduction;
    private final TrainingData data;
    private final TrainCheckpoints checkpoints;
    private final TrainProgress progress;
    private final int gas;
    private final int micro;
    private final long trainBatch;
    private final int trainIters;

    public Trainer(NeoXArgs args, RankContext ctx, Kernels kernels, Clock clock, PrintWriter out) {
        this.args = args;
        this.ctx = ctx;
        this.clock = clock;
        this.out = out;
        if (args.training().trainIters() == null) {
            throw new UserError("train_iters is not set; expected the number of optimizer steps to train");
        }
        this.trainIters = args.training().trainIters();
        if (ctx.pipeParallelSize() != args.pipeParallelSize() || ctx.tensorGroup().size() != args.modelParallelSize()) {
            throw new IllegalArgumentException("rank context (pipe " + ctx.pipeParallelSize() + ", model "
                    + ctx.tensorGroup().size() + ") does not match the config (pipe " + args.pipeParallelSize()
                    + ", model " + args.modelParallelSize() + ")");
        }
        this.gas = args.deepspeedConfig().gradientAccumulationSteps();
        this.micro = args.deepspeedConfig().trainMicroBatchSizePerGpu();
        this.trainBatch = args.deepspeedConfig().trainBatchSize();
        ModelSpec spec = ModelSpecs.from(args);
        if (ctx.rank() == 0) {
            InertSettings.notices(args).forEach(LOG::warn);
        }
        LayerSpecs layerSpecs = new LayerSpecs(args, spec.paddedVocabSize());
        int[] stages = layerSpecs.stageBoundaries(args.parallelism().pipePartitionMethod(), args.pipeParallelSize());
        this.model = new GPTNeoXModel(spec, kernels, ctx.tensorGroup(), args.other().seed(),
                stages[ctx.pipeRank()], stages[ctx.pipeRank() + 1]);
        this.pipeline = args.pipeParallelSize() > 1 ? new PipelineEngine(model, ctx.pipeGroup(), clock) : null;
        this.scaler = OptimizerFactory.lossScaler(args);
        this.curriculum = CurriculumSchedule.from(args);
        this.optimizer = OptimizerFactory.build(args, model.views(), model.params().length, ctx, scaler, kernels);
        this.overlappedReduction = OptimizerFactory.overlapComm(args) && pipeline == null ? optimizer.overlappedReduction() : null;
        if (OptimizerFactory.overlapComm(args) && ctx.dataParallelSize() > 1) {
            LOG.info(overlappedReduction != null
                    ? "overlap_comm: data-parallel gradient buckets are reduced during the last micro-batch's backward"
                    : "overlap_comm: not applied with pipeline parallelism; gradients are reduced at the step");
        }
        this.data = TrainingData.build(DataSpecs.from(args));
        this.checkpoints = new TrainCheckpoints(args, ctx, model);
        String logDir = args.logging().logDir();
        long modelParams = pipeline == null ? model.parameterCount() * args.modelParallelSize() : layerSpecs.total();
        this.progress = new TrainProgress(args, modelParams, clock,
                ctx.isLoggingRank() ? out : null,
                ctx.isLoggingRank() && logDir != null ? new MetricsLog(Path.of(logDir)) : null);
    }

    public GPTNeoXModel model() {
        return model;
    }

    public TrainResult run() {
        long start = checkpoints.loadIfConfigured(optimizer, scaler);
        int dp = ctx.dataParallelSize();
        BatchStream train = data.train(start * trainBatch, ctx.dataRank(), dp, micro)
                .orElseThrow(() -> new UserError("the training split has no documents; check data-path and split '"
                        + args.training().split() + "'"));
        long validConsumed = (start * gas / Math.max(1, args.training().evalInterval()))
                * args.training().evalIters() * micro * dp;
        BatchStream valid = data.valid(validConsumed, ctx.dataRank(), dp, micro).orElse(null);
        Set<Integer> saveIters = new HashSet<>(args.other().saveIters() == null ? List.of() : args.other().saveIters());
        List<Double> losses = new ArrayList<>();
        List<EvalMetrics> evals = new ArrayList<>();
        boolean saving = args.training().save() != null;
        long iteration = start;
        long lastSaved = -1;
        if (saving && iteration == 0 && saveIters.contains(0)) {
            checkpoints.save(0, 0, optimizer, scaler);
            lastSaved = 0;
        }
        progress.begin(iteration);
        while (iteration < trainIters) {
            long t0 = clock.nanoTime();
            double localLoss = trainStep(train, iteration);
            StepOutcome step = optimizer.step(model.paramBuffer(), model.gradBuffer());
            // after the step: the data group is busy with gradient buckets until step() returns
            double loss = averageOverData(localLoss);
            iteration++;
            losses.add(loss);
            progress.record(iteration, loss, step, optimizer.schedule().lr(), clock.nanoTime() - t0);
            if (saving && saveIters.contains((int) iteration)) {
                checkpoints.save(iteration, iteration * trainBatch, optimizer, scaler);
                lastSaved = iteration;
            }
            if (valid != null && iteration % args.training().evalInterval() == 0) {
                evals.add(evaluate("validation", valid, iteration));
            }
            Integer exit = args.training().exitInterval();
            if (exit != null && iteration % exit == 0) {
                break;
            }
        }
        if (valid != null && iteration > start && iteration % args.training().evalInterval() != 0) {
            evals.add(evaluate("validation", valid, iteration));
        }
        if (saving && iteration != 0 && iteration != lastSaved) {
            checkpoints.save(iteration, iteration * trainBatch, optimizer, scaler);
        }
        if (pipeline != null) {
            LOG.info("pipeline stage {} of {}: waited {}% of its 1F1B time (uniform-stage theory {}%)", ctx.pipeRank(),
                    ctx.pipeParallelSize(), String.format("%.1f", 100 * pipeline.measuredBubble()),
                    String.format("%.1f", 100 * PipelineSchedule.bubbleFraction(ctx.pipeParallelSize(), gas)));
        }
        long end = iteration;
        data.test(0, ctx.dataRank(), dp, micro).ifPresent(test -> evals.add(evaluate("test", test, end)));
        progress.close();
        return new TrainResult(start, end, losses, evals);
    }

    /**
     * {@code gas} micro-batches of forward/backward accumulating gradients; returns this rank's
     * mean loss over micro-batches. Dropout masks derive from the global
     * micro-batch index, so a resumed run draws the same masks.
     */
    private double trainStep(BatchStream train, long iteration) {
        float backwardScale = (float) ((scaler == null ? 1.0 : scaler.scale()) / gas);
        LongUnaryOperator seedOf = g -> dropoutSeed((iteration * gas + g) * ctx.dataParallelSize() + ctx.dataRank());
        int len = curriculum == null ? Integer.MAX_VALUE : curriculum.seqLength(iteration + 1);
        if (pipeline != null) {
            List<TokenBatch> batches = new ArrayList<>(gas);
            for (int g = 0; g < gas; g++) {
                batches.add(curriculumPrefix(train.next(), len));
            }
            return pipeline.trainIteration(batches, backwardScale, seedOf);
        }
        double sum = 0;
        for (int g = 0; g < gas; g++) {
            if (g == gas - 1) {
                model.setGradientReadyListener(overlappedReduction);
            }
            sum += model.forwardBackward(curriculumPrefix(train.next(), len), backwardScale, seedOf.applyAsLong(g));
        }
        model.setGradientReadyListener(null);
        return sum / gas;
    }

    /** The batch's first {@code len} positions when the curriculum is shorter than its sequences. */
    private static TokenBatch curriculumPrefix(TokenBatch b, int len) {
        return len < b.seq() ? b.prefix(len) : b;
    }

    private long dropoutSeed(long microIndex) {
        return args.other().seed() * 0x9E3779B97F4A7C15L + microIndex;
    }

    /** {@code eval_iters} iterations of {@code gas} micro-batches each, without dropout (spec §8.1). */
    private EvalMetrics evaluate(String split, BatchStream stream, long iteration) {
        int n = args.training().evalIters() * gas;
        double mean;
        if (pipeline != null) {
            List<TokenBatch> batches = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                batches.add(stream.next());
            }
            mean = pipeline.evalLoss(batches);
        } else {
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += model.evalLoss(stream.next());
            }
            mean = sum / n;
        }
        EvalMetrics m = new EvalMetrics(iteration, split, averageOverData(mean));
        progress.eval(m);
        return m;
    }

    private double averageOverData(double v) {
        if (ctx.dataParallelSize() == 1) {
            return v;
        }
        float[] buf = {(float) v};
        ctx.dataGroup().allReduceSum(buf, 0, 1);
        return buf[0] / ctx.dataParallelSize();
    }

    /** Loss printed at the end of a run, for tools that want one number. */
    public static String summary(TrainResult r) {
        Map<String, Double> last = new java.util.LinkedHashMap<>();
        for (EvalMetrics e : r.evals()) {
            last.put(e.split(), e.lmLoss());
        }
        return "trained iterations " + r.startIteration() + " -> " + r.endIteration() + "; last eval " + last;
    }
}
