package org.neox.train;

import org.neox.PythonNumpy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import org.neox.cli.Main;
import org.neox.data.CharLevelTokenizer;
import org.neox.kernel.KernelsFactory;
import org.neox.model.InferenceSession;
import org.neox.model.TokenSampler;
import org.neox.util.Clock;
import org.neox.config.NeoXArgs;

/**
 * Train, save, {@code neox convert to-hf}, then compute logits from the HF files with an
 * independent implementation (scripts/check_hf.py, numpy float64): they equal our model's.
 */
@Tag("integration")
class HfExportForwardTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void convertedCheckpointGivesTheSameLogitsInAnIndependentForward(boolean parallelResidual)
            throws IOException, InterruptedException {
        PythonNumpy.require();
        Path prefix = TinyRuns.corpus(dir);
        Files.writeString(dir.resolve("t.yml"), """
                {
                  "num-layers": 2, "hidden-size": 32, "num-attention-heads": 4,
                  "seq-length": 16, "max-position-embeddings": 16, "pos-emb": "rotary", "rotary-pct": 0.5,
                  "no-weight-tying": true, "gpt-j-residual": %s, "tokenizer-type": "CharLevelTokenizer",
                  "data-path": "%s", "train_micro_batch_size_per_gpu": 4,
                  "optimizer": {"type": "Adam", "params": {"lr": 1.0e-2}},
                  "train-iters": 10, "hidden-dropout": 0.0, "attention-dropout": 0.0,
                  "eval-interval": 100, "eval-iters": 1, "save": "%s", "checkpoint-factor": 10,
                }
                """.formatted(parallelResidual, prefix, dir.resolve("ckpt")));
        NeoXArgs args = TinyRuns.load(dir, "t.yml", Map.of());
        Trainer trainer = TinyRuns.trainer(args);
        trainer.run();
        Path hf = dir.resolve("hf");
        assertEquals(0, Main.run("convert", "to-hf", "--checkpoint", dir.resolve("ckpt").toString(),
                "--output", hf.toString()));

        int[] tokens = {72, 101, 108, 108, 111, 32, 119, 111};
        int vocab = args.tokenizer().paddedVocabSize();
        float[] ours = new float[tokens.length * vocab];
        trainer.model().logits(tokens, 1, tokens.length, ours);
        JsonNode theirs = runCheckScript(hf, tokens);
        for (int t = 0; t < tokens.length; t++) {
            JsonNode row = theirs.get("logits").get(t);
            assertEquals(vocab, row.size());
            for (int v = 0; v < vocab; v++) {
                double a = ours[t * vocab + v];
                double b = row.get(v).asDouble();
                assertTrue(Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(b)),
                        "position " + t + " token " + v + ": neox " + a + " vs check_hf.py " + b);
            }
        }
        int[] argmax = new int[tokens.length];
        for (int t = 0; t < tokens.length; t++) {
            argmax[t] = theirs.get("argmax").get(t).asInt();
        }
        assertArrayEquals(argmaxOf(ours, tokens.length, vocab), argmax);

        // greedy generation with the KV cache picks, at every step, check_hf.py's argmax
        int[] prompt = {72, 101, 108, 108};
        int[] generated = new TextGenerator(new InferenceSession(trainer.model(), KernelsFactory.create("cpu", 2)),
                new CharLevelTokenizer(), new TokenSampler(0, 0, 0, 1), 8, false, Clock.SYSTEM)
                .generateTokens(prompt);
        int[] full = new int[prompt.length + generated.length];
        System.arraycopy(prompt, 0, full, 0, prompt.length);
        System.arraycopy(generated, 0, full, prompt.length, generated.length);
        JsonNode check = runCheckScript(hf, full);
        for (int i = 0; i < generated.length; i++) {
            assertEquals(check.get("argmax").get(prompt.length - 1 + i).asInt(), generated[i], "generated token " + i);
        }

        // from-hf checks the HF config against the run's YAML, then round-trips byte for byte
        assertEquals(0, Main.run("convert", "from-hf", "--input", hf.toString(), "--config",
                dir.resolve("t.yml").toString(), "--output", dir.resolve("back").toString()));
        assertEquals(0, Main.run("convert", "to-hf", "--checkpoint", dir.resolve("back").toString(),
                "--output", dir.resolve("hf2").toString()));
        assertArrayEquals(Files.readAllBytes(hf.resolve("model.safetensors")),
                Files.readAllBytes(dir.resolve("hf2/model.safetensors")));
        Files.writeString(dir.resolve("wide.yml"), Files.readString(dir.resolve("t.yml"))
                .replace("\"hidden-size\": 32", "\"hidden-size\": 64"));
        assertEquals(2, Main.run("convert", "from-hf", "--input", hf.toString(), "--config",
                dir.resolve("wide.yml").toString(), "--output", dir.resolve("bad").toString()));
        assertTrue(!Files.exists(dir.resolve("bad/latest")));
    }

    /** relu, swish (HF silu) and mish export as HF hidden_act and give check_hf.py's logits. */
    @ParameterizedTest
    @ValueSource(strings = {"relu", "swish", "mish"})
    void exportedActivationGivesTheSameLogits(String activation) throws IOException, InterruptedException {
        PythonNumpy.require();
        Path prefix = TinyRuns.corpus(dir);
        Files.writeString(dir.resolve("a.yml"), """
                {
                  "num-layers": 1, "hidden-size": 32, "num-attention-heads": 4, "activation": "%s",
                  "seq-length": 16, "max-position-embeddings": 16, "pos-emb": "rotary",
                  "no-weight-tying": true, "tokenizer-type": "CharLevelTokenizer",
                  "data-path": "%s", "train_micro_batch_size_per_gpu": 4,
                  "optimizer": {"type": "Adam", "params": {"lr": 1.0e-2}},
                  "train-iters": 4, "hidden-dropout": 0.0, "attention-dropout": 0.0,
                  "eval-interval": 100, "eval-iters": 1, "save": "%s", "checkpoint-factor": 4,
                }
                """.formatted(activation, prefix, dir.resolve("ckpt")));
        NeoXArgs args = TinyRuns.load(dir, "a.yml", Map.of());
        Trainer trainer = TinyRuns.trainer(args);
        trainer.run();
        Path hf = dir.resolve("hf");
        assertEquals(0, Main.run("convert", "to-hf", "--checkpoint", dir.resolve("ckpt").toString(),
                "--output", hf.toString()));
        int[] tokens = {72, 101, 108, 108, 111};
        int vocab = args.tokenizer().paddedVocabSize();
        float[] ours = new float[tokens.length * vocab];
        trainer.model().logits(tokens, 1, tokens.length, ours);
        JsonNode theirs = runCheckScript(hf, tokens);
        for (int t = 0; t < tokens.length; t++) {
            for (int v = 0; v < vocab; v++) {
                double a = ours[t * vocab + v];
                double b = theirs.get("logits").get(t).get(v).asDouble();
                assertTrue(Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(b)),
                        activation + " position " + t + " token " + v + ": neox " + a + " vs check_hf.py " + b);
            }
        }
    }

    private static int[] argmaxOf(float[] logits, int rows, int vocab) {
        int[] out = new int[rows];
        for (int r = 0; r < rows; r++) {
            for (int v = 1; v < vocab; v++) {
                if (logits[r * vocab + v] > logits[r * vocab + out[r]]) {
                    out[r] = v;
                }
            }
        }
        return out;
    }

    private static JsonNode runCheckScript(Path hf, int[] tokens) throws IOException, InterruptedException {
        StringJoiner ids = new StringJoiner(",");
        for (int t : tokens) {
            ids.add(String.valueOf(t));
        }
        Process p = new ProcessBuilder(PythonNumpy.require(), "scripts/check_hf.py", hf.toString(), "--tokens", ids.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES));
        assertEquals(0, p.exitValue(), out);
        return new ObjectMapper().readTree(out);
    }

}
