package org.neox.ckpt;

import org.neox.PythonNumpy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HF export of a tensor- and pipeline-sharded checkpoint, run through the independent
 * numpy forward of scripts/check_hf.py, gives the logits of the double-precision GPT-NeoX
 * forward over the original (unsharded) tensors: names, shapes, shard merging, the row-bias
 * rule and config.json all agree with the model's maths.
 */
@Tag("integration")
class CheckHfScriptTest {
    private static final int[] TOKENS = {1, 5, 0, 11, 3, 7, 7, 2};

    @TempDir
    Path dir;

    @Test
    void sequentialResidualExactGeluUntied() throws Exception {
        check(TinyCheckpoints.config(3, 16, 12, false, true), new Topology(2, 2, 1), "seq");
    }

    @Test
    void parallelResidualTanhGeluTied() throws Exception {
        check(TinyCheckpoints.config(2, 16, 12, true, false).put("bias_gelu_fusion", true), new Topology(1, 2, 1), "par");
    }

    private void check(ObjectNode cfg, Topology t, String tag) throws Exception {
        PythonNumpy.require();
        Map<String, NamedTensor> full = TinyCheckpoints.randomFull(cfg, 11);
        CheckpointStore store = TinyCheckpoints.save(dir.resolve("ckpt-" + tag), cfg, full, t, 5);
        Path hf = dir.resolve("hf-" + tag);
        HfExporter.export(store.open(5), hf, DType.F32, OptionalInt.empty());
        double[][] want = new ReferenceForward(NeoxModelConfig.fromResolved(cfg, "test"), full).logits(TOKENS);
        JsonNode got = runScript(hf);
        assertEquals(TOKENS.length, got.get("logits").size());
        double maxErr = 0;
        for (int s = 0; s < TOKENS.length; s++) {
            assertEquals(12, got.get("logits").get(s).size());
            for (int v = 0; v < 12; v++) {
                double g = got.get("logits").get(s).get(v).asDouble();
                assertTrue(Double.isFinite(g));
                maxErr = Math.max(maxErr, Math.abs(g - want[s][v]));
            }
        }
        // both sides compute in double from the same float32 weights (parallel-residual row
        // biases were stored as bias/2 per rank, so their sum differs by float rounding)
        assertTrue(maxErr < 1e-5, "max |logit difference| " + maxErr);
    }

    private static JsonNode runScript(Path hf) throws IOException, InterruptedException {
        StringBuilder ids = new StringBuilder();
        for (int t : TOKENS) {
            ids.append(ids.length() == 0 ? "" : ",").append(t);
        }
        Process p = new ProcessBuilder(PythonNumpy.require(), "scripts/check_hf.py", hf.toString(), "--tokens", ids.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return HfConfig.JSON.readTree(out);
    }

}
