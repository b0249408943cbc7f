package org.neox.config;

import java.util.ArrayList;
import java.util.List;
import org.neox.config.ModelArgs.Precision;
import org.neox.util.UserError;

/**
 * The dry-run numbers of {@code neox plan}: rank grid, parameters per pipeline stage and per
 * rank, memory per rank, tokens and FLOPs per iteration. Pure arithmetic on a resolved config.
 *
 * <p>Memory per rank (bytes, e = 2 for fp16/bf16, 4 for fp32): weights {@code e·P_rank};
 * gradients {@code e·P_rank}; Adam state {@code (16-bit ? 12 : 8)·P_rank} (fp32 master copy when
 * 16-bit, plus two fp32 moments), divided by dp under ZeRO stage ≥ 1. Activations per
 * transformer layer and micro-batch (Korthikanti et al. 2022, eq. 2, no sequence parallelism):
 * {@code A = s·b·h·(10 + 24/t + 5·a·s/(h·t))·e/2}; with {@code checkpoint_activations} a
 * layer keeps only its input {@code e·s·b·h} and one layer's {@code A} is live during
 * recomputation. A stage holds {@code min(pp − stage, ga)} micro-batches in flight (1F1B); the
 * last stage adds fp32 logits {@code 4·s·b·V'/t}. neox's own attention buffers come on top:
 * with {@code pos_emb: rpe} the stage's bias and its gradient {@code 2·4·(a/t)·s²} plus the
 * bucket index {@code 4·s²}; a block-sparse layer's fp32 score mask {@code 4·s²} (at most; layers
 * with equal layouts share one).
 *
 * @param grid the rank grid
 * @param specs the layer specs with parameter counts
 * @param boundaries stage s holds specs {@code [boundaries(s), boundaries(s+1))}
 * @param stages per-stage figures
 * @param tokensPerIteration {@code train_batch_size · seq_length}
 * @param flopsPerIteration GPT-NeoX's {@code tb·s·(6P + 60·s·h·L)} (spec §8.2)
 */
public record TrainingPlan(RankGrid grid, LayerSpecs specs, List<Integer> boundaries, List<Stage> stages,
                           long tokensPerIteration, double flopsPerIteration) {

    /**
     * One pipeline stage, figures per rank of the stage.
     *
     * @param transformerLayers transformer layers on the stage
     * @param params parameters of the stage (all tensor ranks together)
     * @param paramsPerRank parameters on one tensor-parallel rank
     * @param weightBytes weights per rank
     * @param gradBytes gradients per rank
     * @param optimizerBytes optimizer state per rank (after ZeRO sharding)
     * @param activationBytes activations per rank without activation checkpointing
     * @param checkpointedActivationBytes activations per rank with checkpointing
     */
    public record Stage(int transformerLayers, long params, long paramsPerRank, long weightBytes,
                       long gradBytes, long optimizerBytes, long activationBytes,
                       long checkpointedActivationBytes) {
    }

    public static TrainingPlan of(NeoXArgs args, int paddedVocab) {
        if (paddedVocab <= 0) {
            throw new UserError("padded vocabulary size is unknown");
        }
        LayerSpecs specs = new LayerSpecs(args, paddedVocab);
        RankGrid grid = args.rankGrid();
        int[] b = specs.stageBoundaries(args.parallelism().pipePartitionMethod(), grid.pp());
        List<Stage> stages = new ArrayList<>();
        for (int s = 0; s < grid.pp(); s++) {
            stages.add(stage(args, specs, b[s], b[s + 1], s, paddedVocab));
        }
        ModelArgs m = args.model();
        long tokens = (long) args.deepspeedConfig().trainBatchSize() * m.seqLength();
        double flops = (double) tokens * (6.0 * specs.total()
                + 60.0 * m.seqLength() * m.hiddenSize() * m.numLayers());
        return new TrainingPlan(grid, specs, java.util.Arrays.stream(b).boxed().toList(),
                List.copyOf(stages), tokens, flops);
    }

    private static Stage stage(NeoXArgs args, LayerSpecs specs, int from, int to, int index,
                               int vocab) {
        long params = 0;
        long perRank = 0;
        int layers = 0;
        for (int i = from; i < to; i++) {
            LayerSpecs.Spec sp = specs.specs().get(i);
            params += sp.params();
            perRank += sp.paramsPerRank();
            layers += sp.typeName().equals("ParallelTransformerLayerPipe") || sp.typeName().equals("GMLPBlock") ? 1 : 0;
        }
        // every stage holds a copy of the relative position bias (pos_emb rpe; tied over stages)
        params += specs.rpeParams();
        perRank += specs.rpeParamsPerRank();
        boolean last = to == specs.specs().size();
        if (last && index > 0 && !args.model().noWeightTying()) {
            // the last stage's copy of the tied embedding layer (DeepSpeed's TiedLayerSpec builds the
            // whole EmbeddingPipe there, position table included, and ties its word embedding)
            params += specs.specs().get(0).params();
            perRank += specs.specs().get(0).paramsPerRank();
        }
        int e = args.model().precision() == Precision.FP32 ? 4 : 2;
        int dp = args.dataParallelSize();
        int zero = args.optimizer().zeroStage() instanceof Integer z ? z : 0;
        long optimizer = (e == 2 ? 12L : 8L) * perRank;
        if (zero >= 1) {
            optimizer = (optimizer + dp - 1) / dp;
        }
        long[] act = activations(args, layers, Math.max(0, from - 2), index, to == specs.specs().size(), vocab, e);
        return new Stage(layers, params, perRank, e * perRank, e * perRank, optimizer, act[0], act[1]);
    }

    /**
     * {without, with} activation checkpointing, bytes per rank on stage {@code index}, which holds
     * transformer layers {@code [firstLayer, firstLayer + layers)}.
     */
    private static long[] activations(NeoXArgs args, int layers, int firstLayer, int index, boolean last, int vocab,
                                      int e) {
        ModelArgs m = args.model();
        double s = m.seqLength();
        double b = args.deepspeedConfig().trainMicroBatchSizePerGpu();
        double h = m.hiddenSize();
        double a = m.numAttentionHeads();
        double t = args.modelParallelSize();
        double perLayer = s * b * h * (10 + 24 / t + 5 * a * s / (h * t)) * e / 2;
        double input = e * s * b * h;
        int inFlight = Math.min(args.pipeParallelSize() - index,
                args.deepspeedConfig().gradientAccumulationSteps());
        double logits = last ? 4 * s * b * vocab / t : 0;
        double fixed = attentionBuffers(m, firstLayer, layers, t);
        double plain = inFlight * layers * perLayer + logits + fixed;
        double ckpt = inFlight * layers * input + (layers > 0 ? perLayer : 0) + logits + fixed;
        return new long[] {(long) plain, (long) ckpt};
    }

    /** The rpe bias, its gradient and index, and one sparse score mask per sparse layer of the stage (bytes). */
    private static double attentionBuffers(ModelArgs m, int firstLayer, int layers, double t) {
        if (layers == 0) {
            return 0;
        }
        double ss = (double) m.seqLength() * m.seqLength();
        double rpe = m.posEmb() == ModelArgs.PosEmb.RPE ? 4 * ss * (2 * m.numAttentionHeads() / t + 1) : 0;
        long sparse = m.attentionConfig().stream().skip(firstLayer).limit(layers)
                .filter(type -> !type.equals("global") && !type.equals("flash")).count();
        return rpe + 4 * ss * sparse;
    }

    /** Parameters on one rank of the most loaded stage. */
    public long maxParamsPerRank() {
        return stages.stream().mapToLong(Stage::paramsPerRank).max().orElse(0);
    }
}
