package org.neox.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neox.comm.Communicator;
import org.neox.comm.LocalCommunicator;
import org.neox.comm.SoloCommunicator;
import org.neox.config.ConfigLoader;
import org.neox.config.LayerSpecs;
import org.neox.config.NeoXArgs;
import org.neox.config.ResourceOptions;
import org.neox.config.TrainingPlan;
import org.neox.kernel.ReferenceKernels;
import org.neox.model.GPTNeoXModel;
import org.neox.model.ModelSpec;

/** {@code neox plan}'s per-stage parameters per rank are what each (pipe, model) worker allocates. */
class PlanMatchesWorkersTest {
    @TempDir
    Path dir;

    private NeoXArgs args(int pp, int mp, boolean untied, String method) throws IOException {
        return args(pp, mp, untied, method, "gelu", 32);
    }

    private NeoXArgs args(int pp, int mp, boolean untied, String method, String activation, int hidden)
            throws IOException {
        return args(pp, mp, untied, method, activation, hidden, "learned");
    }

    private NeoXArgs args(int pp, int mp, boolean untied, String method, String activation, int hidden, String posEmb)
            throws IOException {
        String yml = """
                {
                  "num-layers": 5, "hidden-size": %d, "num-attention-heads": 4, "activation": "%s",
                  "seq-length": 32, "max-position-embeddings": 32, "pos-emb": "%s",
                  "no-weight-tying": %s, "padded-vocab-size": 512,
                  "pipe-parallel-size": %d, "model-parallel-size": %d, "pipe-partition-method": "%s",
                  "train_micro_batch_size_per_gpu": 2, "gradient_accumulation_steps": 4,
                  "optimizer": {"type": "Adam", "params": {"lr": 3.0e-3}}, "train-iters": 1
                }
                """.formatted(hidden, activation, posEmb, untied, pp, mp, method);
        Files.writeString(dir.resolve("p.yml"), yml);
        return ConfigLoader.standard().load(new ConfigLoader.Request(dir, List.of("p.yml"),
                new ResourceOptions(null, null, null, null, pp * mp), OptionalInt.empty(), Map.of()));
    }

    /** pos_emb rpe: every stage holds a copy of the [32 buckets, heads / mp] bias; the total counts it once. */
    @Test
    void everyStageCountsItsCopyOfTheRelativePositionBias() throws IOException {
        for (int[] layout : new int[][] {{1, 1}, {2, 2}, {4, 1}}) {
            int pp = layout[0];
            int mp = layout[1];
            NeoXArgs a = args(pp, mp, false, "parameters", "gelu", 32, "rpe");
            ModelSpec spec = ModelSpecs.from(a);
            TrainingPlan plan = TrainingPlan.of(a, spec.paddedVocabSize());
            LayerSpecs specs = new LayerSpecs(a, spec.paddedVocabSize());
            assertEquals(32 * 4, specs.rpeParams());
            int[] b = specs.stageBoundaries("parameters", pp);
            List<Communicator> tensor = LocalCommunicator.create(mp);
            for (int s = 0; s < pp; s++) {
                GPTNeoXModel stage = new GPTNeoXModel(spec, new ReferenceKernels(), tensor.get(0), 1, b[s], b[s + 1]);
                assertEquals(plan.stages().get(s).paramsPerRank(), stage.parameterCount(), "pp " + pp + " mp " + mp + " stage " + s);
            }
        }
        NeoXArgs one = args(1, 1, false, "parameters", "gelu", 32, "rpe");
        ModelSpec spec = ModelSpecs.from(one);
        assertEquals(new LayerSpecs(one, spec.paddedVocabSize()).total(),
                new GPTNeoXModel(spec, new ReferenceKernels(), SoloCommunicator.INSTANCE, 1).parameterCount());
    }

    @Test
    void stageParametersPerRankMatchTheModelShards() throws IOException {
        for (String method : List.of("type:transformer|mlp", "parameters", "uniform")) {
            for (boolean untied : new boolean[] {true, false}) {
                for (int[] layout : new int[][] {{1, 1}, {2, 2}, {4, 1}, {3, 4}}) {
                    int pp = layout[0];
                    int mp = layout[1];
                    NeoXArgs a = args(pp, mp, untied, method);
                    ModelSpec spec = ModelSpecs.from(a);
                    TrainingPlan plan = TrainingPlan.of(a, spec.paddedVocabSize());
                    LayerSpecs specs = new LayerSpecs(a, spec.paddedVocabSize());
                    int[] b = specs.stageBoundaries(method, pp);
                    int[] deepSpeed = specs.partition(method, pp);
                    for (int i = 0; i <= pp; i++) {
                        // DeepSpeed's split, except that the final norm joins the output's stage
                        int output = specs.specs().size() - 1;
                        assertEquals(deepSpeed[i] == output && i < pp ? output - 1 : deepSpeed[i], b[i]);
                    }
                    List<Communicator> tensor = LocalCommunicator.create(mp);
                    for (int s = 0; s < pp; s++) {
                        for (int m = 0; m < mp; m++) {
                            GPTNeoXModel stage = new GPTNeoXModel(spec, new ReferenceKernels(), tensor.get(m), 1, b[s], b[s + 1]);
                            assertEquals(plan.stages().get(s).paramsPerRank(), stage.parameterCount(),
                                    method + " untied " + untied + " pp " + pp + " mp " + mp + " stage " + s);
                        }
                    }
                }
            }
        }
    }

    /**
     * geglu: dense_h_to_4h [int(8h/3)·2, h] and dense_4h_to_h [h, int(8h/3)] as in GPT-NeoX; for
     * h = 24 that is [128, 24] and [24, 64], so a layer has 4·24 (norms) + 3·24·24+72 + 24·24+24
     * + 128·24+128 + 24·64+24 = 7256 parameters, the plan says so, and each rank holds its share.
     */
    @Test
    void gegluLayerParametersMatchThePlanAndTheModel() throws IOException {
        for (int mp : new int[] {1, 2, 4}) {
            NeoXArgs a = args(1, mp, true, "parameters", "geglu", 24);
            ModelSpec spec = ModelSpecs.from(a);
            assertEquals(128, spec.ffOut());
            assertEquals(64, spec.ffIn());
            LayerSpecs specs = new LayerSpecs(a, spec.paddedVocabSize());
            assertEquals(7256, specs.specs().get(2).params());
            TrainingPlan plan = TrainingPlan.of(a, spec.paddedVocabSize());
            List<Communicator> tensor = LocalCommunicator.create(mp);
            GPTNeoXModel model = new GPTNeoXModel(spec, new ReferenceKernels(), tensor.get(0), 1, 0, specs.specs().size());
            assertEquals(plan.stages().get(0).paramsPerRank(), model.parameterCount(), "mp " + mp);
        }
    }
}
