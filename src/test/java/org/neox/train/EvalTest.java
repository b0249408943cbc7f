package org.neox.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neox.SharedAssets;
import org.neox.config.NeoXArgs;
import org.neox.data.MMapIndexedDataset;
import org.neox.data.Tokenizer;
import org.neox.kernel.CpuKernels;
import org.neox.model.GPTNeoXModel;
import org.neox.model.InferenceSession;
import org.neox.tensor.TokenBatch;
import org.neox.util.Clock;

/** Dataset loss against the trainer's evalLoss, LAMBADA scoring against a direct computation, the results file. */
class EvalTest {
    @TempDir
    static Path dir;
    static InferenceFixture fx;
    static CpuKernels kernels;
    static GPTNeoXModel model;
    static InferenceSession session;

    @BeforeAll
    static void train() throws IOException {
        fx = new InferenceFixture(dir);
        kernels = new CpuKernels(2);
        model = InferenceModels.load(fx.args(Map.of()), kernels).model();
        session = new InferenceSession(model, kernels);
    }

    @Test
    void datasetLossEqualsTheTrainersEvalLossOnTheSameWindows() {
        EvalTokens stream = EvalTokens.ofDataset(MMapIndexedDataset.open(fx.dataPrefix));
        int seq = 32;
        int windows = 3;
        DatasetEval.Result r = new DatasetEval(session, kernels).run(stream, windows);
        assertEquals(windows, r.windows());
        assertEquals((long) windows * seq, r.tokens());
        int[] tokens = new int[windows * seq];
        int[] labels = new int[windows * seq];
        int[] w = new int[seq + 1];
        for (int i = 0; i < windows; i++) {
            stream.read((long) i * seq, w, seq + 1);
            System.arraycopy(w, 0, tokens, i * seq, seq);
            System.arraycopy(w, 1, labels, i * seq, seq);
        }
        float[] mask = new float[windows * seq];
        java.util.Arrays.fill(mask, 1f);
        float expected = model.evalLoss(new TokenBatch(tokens, labels, mask, windows, seq));
        assertEquals(expected, r.loss(), 1e-4 * expected);
        assertEquals(Math.exp(r.loss()), r.perplexity(), 1e-9);
    }

    @Test
    void inferenceLogitsOfTheTrainedModelMatchTheFullForward() {
        int[] t = new int[32];
        for (int i = 0; i < t.length; i++) {
            t[i] = "It was the best of times, it was".charAt(i);
        }
        int v = model.spec().paddedVocabSize();
        float[] full = new float[32 * v];
        float[] inc = new float[32 * v];
        model.logits(t, 1, 32, full);
        org.neox.model.KvCache c = session.newCache();
        session.forward(t, 0, 32, c, true, inc);
        double worst = 0;
        for (int i = 0; i < full.length; i++) {
            worst = Math.max(worst, Math.abs(full[i] - inc[i]) / (1 + Math.abs(full[i])));
        }
        assertTrue(worst < 1e-5, "largest relative logit difference " + worst);
    }

    @Test
    void jsonlStreamIsTheTokenizedTextsEachFollowedByEod() throws IOException {
        Path f = dir.resolve("docs.jsonl");
        Files.writeString(f, "{\"text\": \"ab\"}\n\n{\"text\": \"xyz\"}\n");
        try (Tokenizer tok = InferenceModels.tokenizer(fx.args(Map.of()))) {
            EvalTokens s = EvalTokens.open(f.toString(), tok);
            int[] all = new int[(int) s.length()];
            s.read(0, all, all.length);
            assertArrayEquals(new int[] {'a', 'b', tok.eod(), 'x', 'y', 'z', tok.eod()}, all);
        }
    }

    @Test
    void lambadaScoresTheLastWordAfterTheContext() throws IOException {
        try (Tokenizer tok = InferenceModels.tokenizer(fx.args(Map.of()))) {
            LambadaEval eval = new LambadaEval(session, tok);
            List<String> texts = List.of("the cat sat on the mat", "and then he said hello", "a the the the the");
            double sum = 0;
            int correct = 0;
            for (String t : texts) {
                LambadaEval.Example e = eval.score(t);
                int cut = t.lastIndexOf(' ');
                double[] expected = direct(tok.encode(t.substring(0, cut)), tok.encode(t.substring(cut)));
                assertEquals(expected[0], e.logLikelihood(), 1e-4 * Math.abs(expected[0]), t);
                assertEquals(expected[1] == 1, e.greedy(), t);
                assertEquals(t.length() - cut, e.continuationTokens(), "' ' + last word, one char per token");
                sum += e.logLikelihood();
                correct += e.greedy() ? 1 : 0;
            }
            Path f = dir.resolve("lambada.jsonl");
            StringBuilder sb = new StringBuilder();
            for (String t : texts) {
                sb.append("{\"text\": \"").append(t).append("\"}\n");
            }
            Files.writeString(f, sb.toString());
            LambadaEval.Result r = eval.run(LambadaEval.readTexts(f, 0));
            assertEquals(3, r.examples());
            assertEquals(correct / 3.0, r.accuracy(), 1e-12);
            assertEquals(Math.exp(-sum / 3), r.perplexity(), 1e-6 * r.perplexity());
        }
    }

    /** Log-likelihood (double log-softmax of the full forward) and greedy flag of cont after ctx. */
    private static double[] direct(int[] ctx, int[] cont) {
        int n = ctx.length + cont.length - 1;
        int[] inp = new int[n];
        System.arraycopy(ctx, 0, inp, 0, ctx.length);
        System.arraycopy(cont, 0, inp, ctx.length, cont.length - 1);
        int v = model.spec().paddedVocabSize();
        float[] logits = new float[n * v];
        model.logits(inp, 1, n, logits);
        double ll = 0;
        boolean greedy = true;
        for (int i = 0; i < cont.length; i++) {
            int row = (ctx.length - 1 + i) * v;
            double max = Double.NEGATIVE_INFINITY;
            int arg = 0;
            for (int j = 0; j < v; j++) {
                if (logits[row + j] > max) {
                    max = logits[row + j];
                    arg = j;
                }
            }
            double s = 0;
            for (int j = 0; j < v; j++) {
                s += Math.exp(logits[row + j] - max);
            }
            ll += logits[row + cont[i]] - max - Math.log(s);
            greedy &= arg == cont[i];
        }
        return new double[] {ll, greedy ? 1 : 0};
    }

    @Test
    void sharedLambadaFileScoresAFewLines() {
        Path file = SharedAssets.require("data/lambada_test.jsonl");
        List<String> texts = LambadaEval.readTexts(file, 3);
        assertEquals(3, texts.size());
        try (Tokenizer tok = InferenceModels.tokenizer(fx.args(Map.of()))) {
            LambadaEval.Result r = new LambadaEval(session, tok).run(texts);
            assertEquals(3, r.examples());
            assertTrue(r.accuracy() >= 0 && r.accuracy() <= 1);
            assertTrue(Double.isFinite(r.perplexity()) && r.perplexity() > 1, "ppl " + r.perplexity());
        }
    }

    @Test
    void evalRunWritesOneJsonObjectAndATable() throws IOException {
        Path lambada = dir.resolve("l2.jsonl");
        Files.writeString(lambada, "{\"text\": \"one two three\"}\n{\"text\": \"four five\"}\n");
        NeoXArgs args = fx.args(Map.of("eval_results_prefix", "tiny"));
        StringWriter sw = new StringWriter();
        try (Tokenizer tok = InferenceModels.tokenizer(args)) {
            EvalRun run = new EvalRun(args, kernels, tok, Clock.SYSTEM, new PrintWriter(sw));
            ObjectNode res = run.run(new EvalRun.Request(fx.dataPrefix.toString(), lambada, 2));
            Path out = run.defaultOutput(dir);
            assertTrue(out.getFileName().toString().matches("tiny_eval_results_\\d\\d-\\d\\d-\\d{4}-\\d\\d-\\d\\d-\\d\\d\\.json"));
            EvalRun.write(res, out);
            JsonNode j = new ObjectMapper().readTree(out.toFile());
            assertEquals(8, j.get("iteration").asInt());
            assertEquals(2, j.at("/results/data/windows").asInt());
            assertEquals(2, j.at("/results/lambada/examples").asInt());
            assertTrue(j.at("/results/data/loss").asDouble() > 0);
        }
        String table = sw.toString();
        assertTrue(table.contains("lambada") && table.contains("perplexity") && table.contains("acc"), table);
    }
}
