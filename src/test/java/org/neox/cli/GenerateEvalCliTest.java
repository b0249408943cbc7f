package org.neox.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neox.data.EmbeddedCorpus;

/** {@code neox train} then {@code neox generate} and {@code neox eval} on its checkpoint. */
class GenerateEvalCliTest {
    @TempDir
    Path dir;

    private final CliRun cli = new CliRun();
    private final StringWriter out = cli.out;
    private final StringWriter err = cli.err;

    @Test
    void generateAndEvalATrainedCheckpoint() throws IOException {
        Path prefix = dir.resolve("data/tiny_text_document");
        Files.createDirectories(prefix.getParent());
        EmbeddedCorpus.ensure(prefix);
        Files.writeString(dir.resolve("m.yml"), """
                {
                  "num-layers": 1, "hidden-size": 16, "num-attention-heads": 2,
                  "seq-length": 16, "max-position-embeddings": 16, "no-weight-tying": true,
                  "tokenizer-type": "CharLevelTokenizer", "data-path": "%s",
                  "train_micro_batch_size_per_gpu": 2,
                  "optimizer": {"type": "Adam", "params": {"lr": 1.0e-3}},
                  "train-iters": 2, "eval-interval": 100, "eval-iters": 1,
                  "save": "%s", "checkpoint-factor": 1,
                }
                """.formatted(prefix, dir.resolve("ckpt")));
        Files.writeString(dir.resolve("gen.yml"), """
                {"load": "%s", "text_gen_type": "unconditional", "num_samples": 2, "maximum_tokens": 5,
                 "temperature": 0.7, "top_p": 0.9}
                """.formatted(dir.resolve("ckpt")));
        assertEquals(0, cli.run("train", "-d", dir.toString(), "m.yml"), err.toString());
        Path samples = dir.resolve("samples.jsonl");
        assertEquals(0, cli.run("generate", "-d", dir.toString(), "m.yml", "gen.yml", "--iteration", "1",
                "-o", samples.toString()), err.toString());
        List<String> lines = Files.readAllLines(samples);
        assertEquals(2, lines.size());
        assertTrue(out.toString().contains("iteration 1"), out.toString());
        JsonNode rec = new ObjectMapper().readTree(lines.get(0));
        assertTrue(rec.get("length").asInt() >= 1 && rec.get("length").asInt() <= 5, lines.get(0));
        out.getBuffer().setLength(0);
        assertEquals(0, cli.run("eval", "-d", dir.toString(), "m.yml", "gen.yml", "--data", prefix.toString(),
                "--limit", "2", "--output", "-"), err.toString());
        String json = out.toString().lines().filter(l -> l.startsWith("{")).findFirst().orElseThrow();
        JsonNode res = new ObjectMapper().readTree(json);
        assertEquals(2, res.get("iteration").asInt());
        assertEquals(2, res.at("/results/data/windows").asInt());
        // the config of a tensor-parallel run resolves as it is: one process stands for its
        // pp x mp grid and the checkpoint is re-laid out to it
        assertEquals(0, cli.run("generate", "-d", dir.toString(), "m.yml", "gen.yml", "--set", "model_parallel_size=2",
                "-o", dir.resolve("grid.jsonl").toString()), err.toString());
        assertEquals(2, Files.readAllLines(dir.resolve("grid.jsonl")).size());
    }

    @Test
    void missingLoadIsAOneLineError() throws IOException {
        Files.writeString(dir.resolve("m.yml"), """
                {"num-layers": 1, "hidden-size": 16, "num-attention-heads": 2, "seq-length": 16,
                 "max-position-embeddings": 16, "tokenizer-type": "CharLevelTokenizer",
                 "train_micro_batch_size_per_gpu": 1}
                """);
        assertEquals(2, cli.run("generate", "-d", dir.toString(), "m.yml"));
        assertTrue(err.toString().startsWith("neox: error: load is not set"), err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, cli.run("eval", "-d", dir.toString(), "m.yml", "--set", "load=" + dir.resolve("none")));
        assertTrue(err.toString().startsWith("neox: error: nothing to evaluate"), err.toString());
    }
}
