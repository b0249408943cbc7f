package org.neox.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neox.ckpt.CheckpointMeta;
import org.neox.ckpt.CheckpointStore;
import org.neox.ckpt.NamedTensor;
import org.neox.ckpt.PendingCheckpoint;
import org.neox.ckpt.Topology;

class ConvertCommandTest {
    @TempDir
    Path dir;

    private final CliRun cli = new CliRun();
    private final StringWriter out = cli.out;
    private final StringWriter err = cli.err;

    /** A one-layer h=4 rotary model, saved as iteration 2. */
    private Path tinyCheckpoint() {
        return tinyCheckpoint("rotary");
    }

    /** The same tensors under pos_emb {@code posEmb}. */
    private Path tinyCheckpoint(String posEmb) {
        ObjectNode cfg = new ObjectMapper().createObjectNode().put("num_layers", 1).put("hidden_size", 4).put("num_attention_heads", 1)
                .put("padded_vocab_size", 6).put("max_position_embeddings", 8).put("pos_emb", posEmb);
        CheckpointStore store = new CheckpointStore(dir.resolve("save"), 0);
        PendingCheckpoint p = store.begin(2, Topology.SINGLE);
        List<NamedTensor> ts = new ArrayList<>();
        String[][] names = {
            {"sequential.0.word_embeddings.weight", "6,4"}, {"sequential.2.input_layernorm.weight", "4"},
            {"sequential.2.input_layernorm.bias", "4"}, {"sequential.2.attention.query_key_value.weight", "12,4"},
            {"sequential.2.attention.query_key_value.bias", "12"}, {"sequential.2.attention.dense.weight", "4,4"},
            {"sequential.2.attention.dense.bias", "4"}, {"sequential.2.post_attention_layernorm.weight", "4"},
            {"sequential.2.post_attention_layernorm.bias", "4"}, {"sequential.2.mlp.dense_h_to_4h.weight", "16,4"},
            {"sequential.2.mlp.dense_h_to_4h.bias", "16"}, {"sequential.2.mlp.dense_4h_to_h.weight", "4,16"},
            {"sequential.2.mlp.dense_4h_to_h.bias", "4"}, {"sequential.4.norm.weight", "4"},
            {"sequential.4.norm.bias", "4"}};
        for (String[] n : names) {
            long[] shape = Arrays.stream(n[1].split(",")).mapToLong(Long::parseLong).toArray();
            ts.add(NamedTensor.of(n[0], shape, new float[(int) NamedTensor.numel(shape)]));
        }
        p.writeModelShard(0, 0, ts);
        p.commit(new CheckpointMeta(2, 0, Topology.SINGLE, cfg, null, null, null, null, null));
        return dir.resolve("save");
    }

    @Test
    void toHfAndFromHfRunFromTheCommandLine() throws Exception {
        Path save = tinyCheckpoint();
        assertEquals(0, cli.run("convert", "to-hf", "--checkpoint", save.toString(), "--output", dir.resolve("hf").toString(),
                "--dtype", "float16", "--eod-token-id", "3"), err.toString());
        assertTrue(out.toString().contains("16 tensors (float16)"), out.toString());
        assertTrue(Files.readString(dir.resolve("hf").resolve("config.json")).contains("\"eos_token_id\" : 3"));
        assertEquals(0, cli.run("convert", "from-hf", "--input", dir.resolve("hf").toString(),
                "--output", dir.resolve("back").toString()), err.toString());
        assertEquals(List.of(0L), new CheckpointStore(dir.resolve("back"), 0).availableSteps());
    }

    @Test
    void toHfRefusesRpeWithOneErrorLine() throws Exception {
        Path save = tinyCheckpoint("rpe");
        assertEquals(2, cli.run("convert", "to-hf", "--checkpoint", save.toString(), "--output", dir.resolve("hf").toString()));
        assertEquals("neox: error: config key pos_emb is rpe; HF GPTNeoX has no T5 relative position bias"
                + " (it supports rotary only)", err.toString().strip());
        assertFalse(Files.exists(dir.resolve("hf")), "nothing written");
    }

    @Test
    void badInputsEndWithOneErrorLineAndExitTwo() throws Exception {
        Path save = tinyCheckpoint();
        assertEquals(2, cli.run("convert", "to-hf", "--checkpoint", save.toString(), "--iteration", "9",
                "--output", dir.resolve("hf").toString()));
        assertTrue(err.toString().startsWith("neox: error: checkpoint ") && err.toString().contains("[2]"), err.toString());
        assertEquals(1, err.toString().lines().count());
        assertEquals(2, cli.run("convert", "to-hf", "--checkpoint", save.toString(), "--dtype", "int8",
                "--output", dir.resolve("hf").toString()));
        assertEquals(2, cli.run("convert", "from-hf", "--input", dir.resolve("nothing").toString(),
                "--output", dir.resolve("o").toString()));
        assertTrue(err.toString().contains("does not exist"), err.toString());
    }
}
