package org.neox.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.stream.Collectors;

/** Renders a {@link TrainingPlan} as the human-readable report of {@code neox plan}. */
public final class PlanText {
    /** Groups beyond this many are summarised, so a 96-rank plan stays readable. */
    private static final int MAX_GROUPS_SHOWN = 16;

    private PlanText() {
    }

    public static String render(NeoXArgs args, TrainingPlan plan) {
        StringBuilder out = new StringBuilder();
        RankGrid g = plan.grid();
        out.append(String.format(Locale.ROOT,
                "World size %d = pipe %d x data %d x model %d  (rank = pipe*%d + data*%d + model)%n",
                g.worldSize(), g.pp(), g.dp(), g.mp(), g.dp() * g.mp(), g.mp()));
        groups(out, "tensor (model) groups", g.tensorGroups());
        groups(out, "data groups", g.dataGroups());
        groups(out, "pipe groups", g.pipeGroups());
        parameters(out, args, plan);
        attention(out, args);
        memory(out, args, plan);
        iteration(out, args, plan);
        return out.toString();
    }

    private static void groups(StringBuilder out, String name, List<List<Integer>> groups) {
        String shown = groups.stream().limit(MAX_GROUPS_SHOWN).map(PlanText::group)
                .collect(Collectors.joining(" "));
        String more = groups.size() > MAX_GROUPS_SHOWN
                ? " ... (" + groups.size() + " groups)" : "";
        out.append(String.format(Locale.ROOT, "  %-22s %s%s%n", name + ":", shown, more));
    }

    private static String group(List<Integer> g) {
        return g.stream().map(String::valueOf).collect(Collectors.joining(",", "{", "}"));
    }

    private static void parameters(StringBuilder out, NeoXArgs args, TrainingPlan plan) {
        out.append(String.format(Locale.ROOT, "%nParameters: %,d total (padded vocab %d, %s)%s%n",
                plan.specs().total(), args.tokenizer().paddedVocabSize(),
                args.model().noWeightTying() ? "untied output" : "tied output",
                plan.specs().approximate() ? " [gMLP layers approximated]" : ""));
        out.append(String.format(Locale.ROOT, "  %-5s %-10s %6s %18s %18s%n",
                "stage", "specs", "layers", "params", "params/rank"));
        for (int s = 0; s < plan.stages().size(); s++) {
            TrainingPlan.Stage st = plan.stages().get(s);
            out.append(String.format(Locale.ROOT, "  %-5d %-10s %6d %,18d %,18d%n", s,
                    "[" + plan.boundaries().get(s) + "," + plan.boundaries().get(s + 1) + ")",
                    st.transformerLayers(), st.params(), st.paramsPerRank()));
        }
    }

    /** The layers of each attention type, when not all are global, and the sparsity settings. */
    private static void attention(StringBuilder out, NeoXArgs args) {
        List<String> types = args.model().attentionConfig();
        if (types.stream().allMatch("global"::equals)) {
            return;
        }
        Map<String, List<Integer>> layers = new LinkedHashMap<>();
        for (int i = 0; i < types.size(); i++) {
            layers.computeIfAbsent(types.get(i), t -> new ArrayList<>()).add(i);
        }
        String byType = layers.entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining(", "));
        Map<String, Object> sparsity = args.model().sparsityConfig();
        out.append(String.format(Locale.ROOT, "Attention layers: %s%s%n", byType,
                sparsity == null || sparsity.isEmpty() ? "" : "; sparsity_config " + sparsity));
    }

    private static void memory(StringBuilder out, NeoXArgs args, TrainingPlan plan) {
        boolean ckpt = args.training().checkpointActivations();
        out.append(String.format(Locale.ROOT,
                "%nMemory per rank (precision %s, ZeRO stage %s over dp %d, micro-batch %d,"
                        + " checkpoint-activations %s):%n",
                args.model().precision().wire(), args.optimizer().zeroStage(),
                args.dataParallelSize(), args.deepspeedConfig().trainMicroBatchSizePerGpu(), ckpt));
        out.append(String.format(Locale.ROOT, "  %-5s %11s %11s %11s %13s %13s %11s%n", "stage",
                "weights", "grads", "optimizer", "act(no ckpt)", "act(ckpt)", "total"));
        for (int s = 0; s < plan.stages().size(); s++) {
            TrainingPlan.Stage st = plan.stages().get(s);
            long act = ckpt ? st.checkpointedActivationBytes() : st.activationBytes();
            long total = st.weightBytes() + st.gradBytes() + st.optimizerBytes() + act;
            out.append(String.format(Locale.ROOT, "  %-5d %11s %11s %11s %13s %13s %11s%n", s,
                    gib(st.weightBytes()), gib(st.gradBytes()), gib(st.optimizerBytes()),
                    gib(st.activationBytes()), gib(st.checkpointedActivationBytes()), gib(total)));
        }
        out.append("  (activations per layer and micro-batch: s*b*h*(10 + 24/t + 5*a*s/(h*t)) bytes at"
                + " 16 bits, x2 at fp32;\n   checkpointed: layer inputs plus one live layer;"
                + " min(pp - stage, grad-acc) micro-batches in flight; last stage adds fp32 logits;\n"
                + "   rpe adds 4*s^2*(2*a/t + 1), each block-sparse layer a 4*s^2 score mask)\n");
    }

    private static void iteration(StringBuilder out, NeoXArgs args, TrainingPlan plan) {
        int tb = args.deepspeedConfig().trainBatchSize();
        out.append(String.format(Locale.ROOT,
                "%nPer iteration: %,d tokens (train_batch_size %d = micro %d x grad-acc %d x dp %d;"
                        + " seq_length %d)%n",
                plan.tokensPerIteration(), tb, args.deepspeedConfig().trainMicroBatchSizePerGpu(),
                args.deepspeedConfig().gradientAccumulationSteps(), args.dataParallelSize(),
                args.model().seqLength()));
        out.append(String.format(Locale.ROOT,
                "FLOPs per iteration: %s total, %s per rank (tb*s*(6P + 60*s*h*L), GPT-NeoX's formula)%n",
                flops(plan.flopsPerIteration()),
                flops(plan.flopsPerIteration() / plan.grid().worldSize())));
    }

    /** Bytes in binary units with two decimals: {@code 47.10 GiB}, {@code 1.25 MiB}. */
    static String gib(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double x = bytes;
        int u = 0;
        while (x >= 1024 && u < units.length - 1) {
            x /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.2f %s", x, units[u]);
    }

    /** GPT-NeoX's unit style: 1000-based, one decimal. */
    static String flops(double f) {
        String[] units = {"FLOP", "KFLOP", "MFLOP", "GFLOP", "TFLOP", "PFLOP", "EFLOP"};
        int u = 0;
        while (f >= 1000 && u < units.length - 1) {
            f /= 1000;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", f, units[u]);
    }
}
