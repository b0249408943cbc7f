package org.neox.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.neox.data.Tokenizer;
import org.neox.model.InferenceSession;
import org.neox.model.KvCache;
import org.neox.model.TokenSampler;
import org.neox.util.UserError;

/**
 * LAMBADA last-word prediction as lm-evaluation-harness 0.3 scores it through GPT-NeoX's eval
 * adapter (spec §9.3): for {@code {"text": ...}}, context = the text before its last space
 * ({@code [EOD]} when empty), continuation = {@code " " + last word}; the tokens of both are
 * truncated from the left to {@code max_length + 1} ({@code max_position_embeddings // 2},
 * at most seq_length), the last one dropped, and the continuation scored from the log-softmax
 * over the padded vocab. Accuracy: every continuation token is the argmax; perplexity:
 * {@code exp(−mean over examples of the continuation's summed log-likelihood)}.
 */
public final class LambadaEval {
    /** One scored example. */
    public record Example(double logLikelihood, boolean greedy, int continuationTokens) {
    }

    /** @param accuracy mean greedy match; @param perplexity exp(−mean log-likelihood) */
    public record Result(double accuracy, double perplexity, int examples) {
    }

    private final InferenceSession session;
    private final Tokenizer tokenizer;
    private final int maxLength;
    private final KvCache cache;
    private float[] logits = new float[0];

    public LambadaEval(InferenceSession session, Tokenizer tokenizer) {
        this.session = session;
        this.tokenizer = tokenizer;
        this.maxLength = Math.min(session.spec().maxPositionEmbeddings() / 2, session.spec().seqLength());
        this.cache = session.newCache();
    }

    /** Reads texts of a lambada_test.jsonl-style file (at most {@code limit} when > 0). */
    public static List<String> readTexts(Path file, int limit) {
        ObjectMapper json = new ObjectMapper();
        List<String> texts = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            long no = 0;
            while ((line = r.readLine()) != null && (limit <= 0 || texts.size() < limit)) {
                no++;
                if (!line.isBlank()) {
                    String text = EvalTokens.textOf(json, line, file, no);
                    if (text.lastIndexOf(' ') < 0) {
                        throw new UserError(file + ":" + no + ": text has no space, so no last word to predict");
                    }
                    texts.add(text);
                }
            }
        } catch (IOException e) {
            throw new UserError("--lambada '" + file + "' cannot be read: " + e.getMessage(), e);
        }
        return texts;
    }

    public Result run(List<String> texts) {
        double ll = 0;
        int correct = 0;
        for (String t : texts) {
            Example e = score(t);
            ll += e.logLikelihood();
            correct += e.greedy() ? 1 : 0;
        }
        int n = texts.size();
        return new Result(n == 0 ? Double.NaN : (double) correct / n, Math.exp(-ll / n), n);
    }

    /** lm-eval's {@code doc_to_text} / {@code doc_to_target} split, then {@link #score(int[], int[])}. */
    public Example score(String text) {
        int cut = text.lastIndexOf(' ');
        String context = text.substring(0, cut);
        String continuation = " " + text.substring(cut + 1);
        int[] ctx = context.isEmpty() ? new int[] {tokenizer.eod()} : tokenizer.encode(context);
        return score(ctx, tokenizer.encode(continuation));
    }

    /** Log-likelihood and greedy match of {@code continuation} after {@code context}. */
    public Example score(int[] context, int[] continuation) {
        int[] all = Arrays.copyOf(context, context.length + continuation.length);
        System.arraycopy(continuation, 0, all, context.length, continuation.length);
        int from = Math.max(0, all.length - (maxLength + 1));
        int[] inp = Arrays.copyOfRange(all, from, all.length - 1);
        if (continuation.length == 0 || continuation.length > inp.length) {
            throw new UserError("a LAMBADA continuation of " + continuation.length + " tokens does not fit max_length "
                    + maxLength + " (max_position_embeddings // 2); expected 1 to " + inp.length + " tokens");
        }
        int vocab = session.spec().paddedVocabSize();
        if (logits.length < inp.length * vocab) {
            logits = new float[inp.length * vocab];
        }
        cache.clear();
        session.forward(inp, 0, inp.length, cache, true, logits);
        int first = inp.length - continuation.length;
        double ll = 0;
        boolean greedy = true;
        for (int i = 0; i < continuation.length; i++) {
            int row = (first + i) * vocab;
            greedy &= TokenSampler.argmax(logits, row, vocab) == continuation[i];
            ll += logits[row + continuation[i]] - logSumExp(logits, row, vocab);
        }
        return new Example(ll, greedy, continuation.length);
    }

    private static double logSumExp(float[] x, int off, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += Math.exp(x[off + i] - max);
        }
        return max + Math.log(s);
    }
}
