package org.neox.train;

import java.util.Arrays;
import org.neox.data.Tokenizer;
import org.neox.model.InferenceSession;
import org.neox.model.KvCache;
import org.neox.model.TokenSampler;
import org.neox.util.Clock;

/**
 * GPT-NeoX's {@code generate_samples_from_prompt} + {@code stream_tokens} for one prompt at a
 * time (spec §9.2): the prompt (or {@code [EOD]} when empty) is the context; tokens are chosen
 * at positions {@code len(context) ... min(seq_length − 1, len(context) + maximum_tokens − 1)}
 * and generation stops after an EOD. With the KV cache the prompt is one forward and each new
 * token one position; {@code recompute} runs the whole prefix again for every token.
 */
public final class TextGenerator {
    static final String NOT_STARTED = "WARNING: text generation did not start; try different batching or adjust parameters";
    static final String UNKNOWN_TOKEN = "WARNING: generated token which doesn't exist.";

    private final InferenceSession session;
    private final Tokenizer tokenizer;
    private final TokenSampler sampler;
    private final int maximumTokens;
    private final boolean recompute;
    private final Clock clock;
    private final KvCache cache;
    private final float[] logits;

    public TextGenerator(InferenceSession session, Tokenizer tokenizer, TokenSampler sampler, int maximumTokens,
                         boolean recompute, Clock clock) {
        this.session = session;
        this.tokenizer = tokenizer;
        this.sampler = sampler;
        this.maximumTokens = maximumTokens;
        this.recompute = recompute;
        this.clock = clock;
        this.cache = session.newCache();
        this.logits = new float[session.spec().paddedVocabSize()];
    }

    public GenerationRecord generate(String prompt) {
        long t0 = clock.nanoTime();
        int[] context = prompt.isEmpty() ? new int[] {tokenizer.eod()} : tokenizer.encode(prompt);
        int[] generated = generateTokens(context);
        double seconds = (clock.nanoTime() - t0) / 1e9;
        if (generated == null) {
            return new GenerationRecord(prompt, null, 0, false, NOT_STARTED, seconds, new int[0]);
        }
        boolean finished = generated.length > 0 && generated[generated.length - 1] == tokenizer.eod();
        int[] textIds = finished ? Arrays.copyOf(generated, generated.length - 1) : generated;
        for (int t : textIds) {
            if (t >= tokenizer.vocabSize()) {
                return new GenerationRecord(prompt, null, generated.length, finished, UNKNOWN_TOKEN, seconds, generated);
            }
        }
        return new GenerationRecord(prompt, tokenizer.decode(textIds), generated.length, finished, null, seconds,
                generated);
    }

    /** The generated ids (a final EOD included), or null when the context leaves no room. */
    public int[] generateTokens(int[] context) {
        int seq = session.spec().seqLength();
        int start = context.length;
        int budget = maximumTokens > 0 ? maximumTokens : seq - start - 1;
        int last = Math.min(seq - 1, start + budget - 1);
        if (start > last) {
            return null;
        }
        int[] tokens = Arrays.copyOf(context, seq);
        int vocab = logits.length;
        cache.clear();
        int index = start;
        while (index <= last) {
            if (recompute || index == start) {
                cache.clear();
                session.forward(tokens, 0, index, cache, false, logits);
            } else {
                session.forward(tokens, index - 1, 1, cache, false, logits);
            }
            int next = sampler.next(logits, 0, vocab);
            tokens[index] = next;
            index++;
            if (next == tokenizer.eod()) {
                break;
            }
        }
        return Arrays.copyOfRange(tokens, start, index);
    }
}
