package org.neox.config;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.neox.config.ModelArgs.Activation;
import org.neox.config.ModelArgs.Norm;
import org.neox.config.ModelArgs.PosEmb;
import org.neox.util.UserError;

/**
 * GPT-NeoX's layer-spec list (spec §5.1) with the parameter count of each spec, in full and on
 * one tensor-parallel rank of p. Index 0 embedding ({@code V'·h}, plus {@code max_pos·h} for
 * learned positions, replicated over p); 1 and L+2 parameter-free helpers; 2..L+1 transformer
 * layers; L+3 the final norm; L+4 the untied output {@code V'·h} (0 when tied: it reuses the
 * embedding). A layernorm/gelu layer has {@code 12h²+13h}: qkv {@code 3h²+3h}, dense {@code
 * h²+h}, MLP {@code 8h²+5h}, two norms {@code 4h}. gMLP/aMLP layers are counted like standard
 * layers (an approximation, flagged by {@link #approximate()}). With tied embeddings and pp &gt; 1
 * DeepSpeed also keeps a copy of the embedding layer on the last stage; that copy is not counted
 * here ({@link TrainingPlan} adds it to the last stage's figures, as the workers allocate it).
 * Neither is the relative position bias of {@code pos_emb: rpe} ({@code rpe_num_buckets · heads},
 * split by heads over p): GPT-NeoX's one module shared by all layers, which every pipeline stage
 * holds ({@link #rpeParams()}, counted once in {@link #total()}).
 */
public final class LayerSpecs {
    /**
     * One spec.
     *
     * @param typeName DeepSpeed's class or function name (matched by {@code type:<regex>})
     * @param params parameters of the full layer
     * @param paramsPerRank parameters held by one tensor-parallel rank
     */
    public record Spec(String typeName, long params, long paramsPerRank) {
    }

    private final List<Spec> specs;
    private final boolean approximate;
    private final long rpe;
    private final long rpePerRank;

    public LayerSpecs(NeoXArgs args, int paddedVocab) {
        ModelArgs m = args.model();
        long h = m.hiddenSize();
        long p = args.modelParallelSize();
        long v = paddedVocab;
        long pos = m.posEmb() == PosEmb.LEARNED ? (long) m.maxPositionEmbeddings() * h : 0;
        List<Spec> s = new ArrayList<>();
        s.add(new Spec("EmbeddingPipe", v * h + pos, v / p * h + pos));
        s.add(new Spec("_pre_transformer_block", 0, 0));
        for (String type : m.attentionConfig()) {
            s.add(layer(m, h, p, type));
        }
        s.add(new Spec("_post_transformer_block", 0, 0));
        long norm = normParams(m.norm(), h);
        s.add(new Spec("NormPipe", norm, norm));
        boolean tied = !m.noWeightTying();
        s.add(tied ? new Spec("EmbeddingPipe", 0, 0) : new Spec("ParallelLinearPipe", v * h, v / p * h));
        this.specs = List.copyOf(s);
        this.rpe = m.posEmb() == PosEmb.RPE ? (long) m.rpeNumBuckets() * m.numAttentionHeads() : 0;
        this.rpePerRank = rpe / p;
        this.approximate = m.attentionConfig().stream().anyMatch(t -> t.equals("gmlp") || t.equals("amlp"));
    }

    private static Spec layer(ModelArgs m, long h, long p, String attentionType) {
        long ffOut = m.activation() == Activation.GEGLU ? (8 * h / 3) * 2 : 4 * h;
        long ffIn = m.activation() == Activation.GEGLU ? ffOut / 2 : ffOut;
        long norms = 2 * normParams(m.norm(), h);
        long full = norms + (3 * h * h + 3 * h) + (h * h + h) + (ffOut * h + ffOut) + (h * ffIn + h);
        long perRank = norms + (3 * h / p * h + 3 * h / p) + (h * (h / p) + h)
                + (ffOut / p * h + ffOut / p) + (h * (ffIn / p) + h);
        String name = attentionType.equals("gmlp") || attentionType.equals("amlp")
                ? "GMLPBlock" : "ParallelTransformerLayerPipe";
        return new Spec(name, full, perRank);
    }

    static long normParams(Norm norm, long h) {
        return switch (norm) {
            case LAYERNORM -> 2 * h;
            case RMSNORM -> h;
            case SCALENORM -> 1;
        };
    }

    public List<Spec> specs() {
        return specs;
    }

    public boolean approximate() {
        return approximate;
    }

    /** Total parameters of the model (tied output and relative position bias counted once). */
    public long total() {
        return specs.stream().mapToLong(Spec::params).sum() + rpe;
    }

    /** Parameters of the relative position bias (0 unless pos_emb is rpe), which every stage holds. */
    public long rpeParams() {
        return rpe;
    }

    /** {@link #rpeParams()} on one tensor-parallel rank. */
    public long rpeParamsPerRank() {
        return rpePerRank;
    }

    /** Stage boundaries over the specs for {@code pipe_partition_method} (spec §6.3). */
    public int[] partition(String method, int stages) {
        if (method.equals("uniform")) {
            return PipelinePartition.uniform(specs.size(), stages);
        }
        double[] w = new double[specs.size()];
        Pattern regex = method.startsWith("type:")
                ? Pattern.compile(method.substring(5), Pattern.CASE_INSENSITIVE) : null;
        for (int i = 0; i < w.length; i++) {
            Spec s = specs.get(i);
            w[i] = regex == null ? s.paramsPerRank() : regex.matcher(s.typeName()).find() ? 1 : 0;
        }
        return PipelinePartition.balanced(w, stages);
    }

    /**
     * The stages neox runs: {@link #partition}, except that the final norm (spec L+3) always
     * joins the output spec (L+4) on the last stage, because neox's output head computes the
     * norm, logits and loss together. Fails when a stage would be left without any spec.
     */
    public int[] stageBoundaries(String method, int stages) {
        int[] b = partition(method, stages);
        int output = specs.size() - 1;
        for (int i = 1; i < stages; i++) {
            if (b[i] == output) {
                b[i] = output - 1;
            }
        }
        for (int i = 0; i < stages; i++) {
            if (b[i] >= b[i + 1]) {
                throw new UserError("pipe_parallel_size " + stages + " with pipe_partition_method '" + method
                        + "' leaves pipeline stage " + i + " without layers (boundaries "
                        + java.util.Arrays.toString(b) + " over " + specs.size() + " layer specs)");
            }
        }
        return b;
    }
}
