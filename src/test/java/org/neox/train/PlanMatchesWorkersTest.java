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
        String yml = """
                {
                  "num-layers": 5, "hidden-size": 32, "num-attention-heads": 4,
                  "seq-length": 32, "max-position-embeddings": 32, "pos-emb": "learned",
                  "no-weight-tying": %s, "padded-vocab-size": 512,
                  "pipe-parallel-size": %d, "model-parallel-size": %d, "pipe-partition-method": "%s",
                  "train_micro_batch_size_per_gpu": 2, "gradient_accumulation_steps": 4,
                  "optimizer": {"type": "Adam", "params": {"lr": 3.0e-3}}, "train-iters": 1
                }
                """.formatted(untied, pp, mp, method);
        Files.writeString(dir.resolve("p.yml"), yml);
        return ConfigLoader.standard().load(new ConfigLoader.Request(dir, List.of("p.yml"),
                new ResourceOptions(null, null, null, null, pp * mp), OptionalInt.empty(), Map.of()));
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
}
