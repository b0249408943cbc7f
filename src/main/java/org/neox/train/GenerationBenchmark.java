package org.neox.train;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.neox.config.NeoXArgs;
import org.neox.kernel.Kernels;
import org.neox.model.GPTNeoXModel;
import org.neox.model.InferenceSession;
import org.neox.model.KvCache;
import org.neox.model.ModelSpec;
import org.neox.model.TokenSampler;
import org.neox.util.Clock;

/**
 * {@code neox bench --generate}: greedy generation speed of a config's model (random-init
 * weights, random prompt) with the KV cache (one position per new token) and without it
 * (GPT-NeoX's {@code recompute}: the whole prefix per new token). Generation runs to exactly
 * {@code newTokens} (no EOD stop); tokens/s counts new tokens over the whole time, prompt
 * included, and the median of {@code repeats} runs is reported.
 */
public final class GenerationBenchmark {
    private final NeoXArgs args;
    private final Kernels kernels;
    private final Clock clock;

    public GenerationBenchmark(NeoXArgs args, Kernels kernels, Clock clock) {
        this.args = args;
        this.kernels = kernels;
        this.clock = clock;
    }

    public Map<String, Object> run(int promptTokens, int newTokens, int repeats) {
        ModelSpec spec = ModelSpecs.from(args);
        if (promptTokens < 1 || promptTokens + newTokens > spec.seqLength()) {
            throw new org.neox.util.UserError("--prompt-tokens " + promptTokens + " + --new-tokens " + newTokens
                    + " must fit seq_length " + spec.seqLength());
        }
        GPTNeoXModel model = new GPTNeoXModel(spec, kernels, RankContext.single().tensorGroup(), args.other().seed());
        InferenceSession session = new InferenceSession(model, kernels);
        int[] tokens = new int[promptTokens + newTokens];
        SplittableRandom r = new SplittableRandom(args.other().seed());
        for (int i = 0; i < promptTokens; i++) {
            tokens[i] = r.nextInt(spec.paddedVocabSize());
        }
        time(session, tokens, promptTokens, 2, false);
        double cached = median(session, tokens, promptTokens, newTokens, repeats, false);
        double recompute = median(session, tokens, promptTokens, newTokens, repeats, true);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("kernels", kernels.name());
        out.put("layers", spec.numLayers());
        out.put("hidden", spec.hiddenSize());
        out.put("padded_vocab", spec.paddedVocabSize());
        out.put("prompt_tokens", promptTokens);
        out.put("new_tokens", newTokens);
        out.put("kv_cache_seconds", cached);
        out.put("kv_cache_tokens_per_sec", newTokens / cached);
        out.put("recompute_seconds", recompute);
        out.put("recompute_tokens_per_sec", newTokens / recompute);
        out.put("speedup", recompute / cached);
        return out;
    }

    private double median(InferenceSession s, int[] tokens, int prompt, int n, int repeats, boolean recompute) {
        double[] t = new double[repeats];
        for (int i = 0; i < repeats; i++) {
            t[i] = time(s, tokens, prompt, n, recompute);
        }
        java.util.Arrays.sort(t);
        return t[repeats / 2];
    }

    /** Seconds to generate {@code n} greedy tokens after the prompt. */
    private double time(InferenceSession s, int[] tokens, int prompt, int n, boolean recompute) {
        int vocab = s.spec().paddedVocabSize();
        float[] logits = new float[vocab];
        KvCache cache = s.newCache();
        long t0 = clock.nanoTime();
        for (int pos = prompt; pos < prompt + n; pos++) {
            if (recompute || pos == prompt) {
                cache.clear();
                s.forward(tokens, 0, pos, cache, false, logits);
            } else {
                s.forward(tokens, pos - 1, 1, cache, false, logits);
            }
            tokens[pos] = TokenSampler.argmax(logits, 0, vocab);
        }
        return (clock.nanoTime() - t0) / 1e9;
    }
}
