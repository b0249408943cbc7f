package org.neox.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neox.config.NeoXArgs;
import org.neox.data.Tokenizer;
import org.neox.kernel.CpuKernels;
import org.neox.model.GPTNeoXModel;
import org.neox.model.InferenceSession;
import org.neox.model.TokenSampler;
import org.neox.util.Clock;

/** Text generation from a trained checkpoint: greedy = argmax of the full forward, cache = recompute, seeds, modes. */
class GenerateTest {
    @TempDir
    static Path dir;
    static InferenceFixture fx;
    static CpuKernels kernels;

    @BeforeAll
    static void train() throws IOException {
        fx = new InferenceFixture(dir);
        kernels = new CpuKernels(2);
    }

    private static TextGenerator generator(GPTNeoXModel model, Tokenizer tok, TokenSampler s, int max, boolean recompute) {
        return new TextGenerator(new InferenceSession(model, kernels), tok, s, max, recompute, Clock.SYSTEM);
    }

    @Test
    void greedyGenerationIsTheArgmaxOfTheFullForwardAtEveryStep() {
        NeoXArgs args = fx.args(Map.of());
        GPTNeoXModel model = InferenceModels.load(args, kernels).model();
        try (Tokenizer tok = InferenceModels.tokenizer(args)) {
            int[] prompt = tok.encode("The quick ");
            int[] gen = generator(model, tok, new TokenSampler(0, 0, 0, 1), 16, false).generateTokens(prompt);
            assertTrue(gen.length >= 1);
            int vocab = model.spec().paddedVocabSize();
            for (int i = 0; i < gen.length; i++) {
                int n = prompt.length + i;
                int[] ctx = java.util.Arrays.copyOf(prompt, n);
                System.arraycopy(gen, 0, ctx, prompt.length, i);
                float[] logits = new float[n * vocab];
                model.logits(ctx, 1, n, logits);
                assertEquals(TokenSampler.argmax(logits, (n - 1) * vocab, vocab), gen[i], "step " + i);
            }
            int[] again = generator(model, tok, new TokenSampler(0, 0, 0, 1), 16, true).generateTokens(prompt);
            assertArrayEquals(gen, again, "recompute (no KV cache) chooses the same tokens");
        }
    }

    @Test
    void samplingWithAFixedSeedIsReproducible() {
        NeoXArgs args = fx.args(Map.of());
        GPTNeoXModel model = InferenceModels.load(args, kernels).model();
        try (Tokenizer tok = InferenceModels.tokenizer(args)) {
            int[] prompt = tok.encode("It was ");
            int[] a = generator(model, tok, new TokenSampler(1.0, 20, 0.9, 1234), 20, false).generateTokens(prompt);
            int[] b = generator(model, tok, new TokenSampler(1.0, 20, 0.9, 1234), 20, false).generateTokens(prompt);
            int[] c = generator(model, tok, new TokenSampler(1.0, 20, 0.9, 1234), 20, true).generateTokens(prompt);
            assertArrayEquals(a, b);
            assertArrayEquals(a, c, "the cache does not change the draws");
        }
    }

    @Test
    void generationStopsAtSeqLengthAndLongPromptsDoNotStart() {
        NeoXArgs args = fx.args(Map.of());
        GPTNeoXModel model = InferenceModels.load(args, kernels).model();
        try (Tokenizer tok = InferenceModels.tokenizer(args)) {
            int[] prompt = tok.encode("abcdefghijklmnopqrstuvwxyz");
            // maximum_tokens 0 means "up to seq_length - 1": positions 26..31 minus the last
            int[] gen = generator(model, tok, new TokenSampler(0, 0, 0, 1), 0, false).generateTokens(prompt);
            assertTrue(gen.length <= 32 - 1 - prompt.length + 1 && gen.length >= 1);
            int[] capped = generator(model, tok, new TokenSampler(0, 0, 0, 1), 100, false).generateTokens(prompt);
            assertTrue(prompt.length + capped.length <= 32, "never beyond seq_length - 1");
            GenerationRecord r = generator(model, tok, new TokenSampler(0, 0, 0, 1), 5, false)
                    .generate("x".repeat(40));
            assertNull(r.text());
            assertEquals(TextGenerator.NOT_STARTED, r.message());
            assertEquals(0, r.length());
        }
    }

    @Test
    void inputFileModeWritesOneJsonLinePerPrompt() throws IOException {
        Path in = dir.resolve("prompts.txt");
        Files.writeString(in, "First prompt\n\n  Second one  \n");
        Path out = dir.resolve("out/samples.jsonl");
        NeoXArgs args = fx.args(Map.of("text_gen_type", "input-file", "sample_input_file", "'" + in + "'",
                "sample_output_file", "'" + out + "'", "maximum_tokens", "6", "temperature", "0.8", "top_k", "5"));
        List<GenerationRecord> records = run(args, "");
        assertEquals(2, records.size());
        List<String> lines = Files.readAllLines(out);
        assertEquals(2, lines.size());
        JsonNode first = new ObjectMapper().readTree(lines.get(0));
        assertEquals("First prompt", first.get("context").asText());
        assertEquals("Second one", new ObjectMapper().readTree(lines.get(1)).get("context").asText());
        for (String key : List.of("context", "text", "length", "finished", "message", "duration_seconds")) {
            assertTrue(first.has(key), "record lacks " + key + ": " + lines.get(0));
        }
        GenerationRecord r = records.get(0);
        assertEquals(r.length(), first.get("length").asInt());
        assertTrue(r.length() >= 1 && r.length() <= 6);
        assertEquals(r.finished(), first.get("finished").asBoolean());
        int textTokens = r.finished() ? r.length() - 1 : r.length();
        assertEquals(textTokens, first.get("text").asText().getBytes(java.nio.charset.StandardCharsets.UTF_8).length,
                "char-level text holds the generated tokens without EOD");
    }

    @Test
    void unconditionalAndInteractiveModes() throws IOException {
        Path out = dir.resolve("uncond.jsonl");
        NeoXArgs args = fx.args(Map.of("text_gen_type", "unconditional", "num_samples", "3",
                "sample_output_file", "'" + out + "'", "maximum_tokens", "4", "temperature", "1.0"));
        assertEquals(3, run(args, "").size());
        assertEquals(3, Files.readAllLines(out).size());
        for (String line : Files.readAllLines(out)) {
            assertEquals("", new ObjectMapper().readTree(line).get("context").asText());
        }
        NeoXArgs inter = fx.args(Map.of("text_gen_type", "interactive", "maximum_tokens", "4"));
        StringWriter sw = new StringWriter();
        try (Tokenizer tok = InferenceModels.tokenizer(inter)) {
            List<GenerationRecord> rs = new GenerateRun(inter, kernels, tok, Clock.SYSTEM, new PrintWriter(sw))
                    .run(new BufferedReader(new StringReader("Hello\nWorld\n")));
            assertEquals(List.of("Hello", "World"), rs.stream().map(GenerationRecord::context).toList());
        }
        assertEquals(3, sw.toString().split("Context prompt >>> ", -1).length - 1, sw.toString());
        assertTrue(sw.toString().contains("Generated Text: "));
        assertFalse(sw.toString().contains("Exception"));
    }

    private static List<GenerationRecord> run(NeoXArgs args, String stdin) {
        try (Tokenizer tok = InferenceModels.tokenizer(args)) {
            return new GenerateRun(args, kernels, tok, Clock.SYSTEM, new PrintWriter(new StringWriter()))
                    .run(new BufferedReader(new StringReader(stdin)));
        }
    }
}
