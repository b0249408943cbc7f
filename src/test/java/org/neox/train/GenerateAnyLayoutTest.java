package org.neox.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neox.ckpt.CheckpointMeta;
import org.neox.ckpt.CheckpointStore;
import org.neox.ckpt.NamedTensor;
import org.neox.ckpt.PendingCheckpoint;
import org.neox.ckpt.TinyCheckpoints;
import org.neox.ckpt.Topology;
import org.neox.config.ConfigJson;
import org.neox.config.NeoXArgs;
import org.neox.data.Tokenizer;
import org.neox.kernel.CpuKernels;
import org.neox.model.GPTNeoXModel;
import org.neox.model.InferenceSession;
import org.neox.model.TokenSampler;
import org.neox.util.Clock;

/** The trained weights re-saved as a pp=2 × mp=2 checkpoint generate the same greedy tokens. */
class GenerateAnyLayoutTest {
    @TempDir
    Path dir;

    @Test
    void pipelineAndTensorShardedCheckpointGeneratesTheSameTokens() throws IOException {
        InferenceFixture fx = new InferenceFixture(dir);
        try (CpuKernels k = new CpuKernels(2)) {
            NeoXArgs args = fx.args(Map.of());
            GPTNeoXModel model = InferenceModels.load(args, k).model();
            Path other = dir.resolve("sharded");
            saveSharded(other, args, InferenceModels.tensors(model));
            NeoXArgs sharded = fx.args(Map.of("load", "'" + other + "'"));
            GPTNeoXModel reloaded = InferenceModels.load(sharded, k).model();
            assertArrayEquals(model.params(), reloaded.params());
            try (Tokenizer tok = InferenceModels.tokenizer(args)) {
                int[] prompt = tok.encode("Once upon ");
                int[] a = new TextGenerator(new InferenceSession(model, k), tok, new TokenSampler(0, 0, 0, 1), 12,
                        false, Clock.SYSTEM).generateTokens(prompt);
                int[] b = new TextGenerator(new InferenceSession(reloaded, k), tok, new TokenSampler(0, 0, 0, 1), 12,
                        false, Clock.SYSTEM).generateTokens(prompt);
                assertArrayEquals(a, b);
            }
        }
    }

    /** Column-parallel rows, row-parallel columns, replicated norms and biases; stage 0 = specs below 3. */
    private static void saveSharded(Path root, NeoXArgs args, List<NamedTensor> full) throws IOException {
        Topology t = new Topology(2, 2, 1);
        PendingCheckpoint p = new CheckpointStore(root, 0).begin(5, t);
        for (int pipe = 0; pipe < 2; pipe++) {
            for (int mp = 0; mp < 2; mp++) {
                List<NamedTensor> shard = new ArrayList<>();
                for (NamedTensor f : full) {
                    int spec = Integer.parseInt(f.name().split("\\.")[1]);
                    if ((spec < 3) == (pipe == 0)) {
                        shard.add(TinyCheckpoints.shard(f, mp, 2, false)); // sequential residual: biases replicated
                    }
                }
                p.writeModelShard(pipe, mp, shard);
            }
        }
        p.commit(new CheckpointMeta(5, 0, t, new ObjectMapper().readTree(ConfigJson.toJson(args)),
                null, null, null, null, null));
    }

}
