package org.neox.ckpt;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Name mapping between GPT-NeoX sequential parameters and Hugging Face
 * {@code GPTNeoXForCausalLM} (spec §9.1): transformer layer {@code i} is
 * {@code sequential.{i+2}.X} and {@code gpt_neox.layers.{i}.X} with identical suffixes.
 */
final class HfNames {
    static final String EMBED_IN = "gpt_neox.embed_in.weight";
    static final String EMBED_OUT = "embed_out.weight";
    static final String WORD_EMBEDDINGS = "sequential.0.word_embeddings.weight";

    private static final Pattern SEQ_LAYER = Pattern.compile("sequential\\.(\\d+)\\.(.+)");
    private static final Pattern HF_LAYER = Pattern.compile("gpt_neox\\.layers\\.(\\d+)\\.(.+)");
    private static final Pattern HF_FINAL_NORM = Pattern.compile("gpt_neox\\.final_layer_norm\\.(weight|bias)");
    /** HF buffers that are not parameters (older transformers versions saved them). */
    private static final Pattern HF_BUFFER =
            Pattern.compile("gpt_neox\\.layers\\.\\d+\\.attention\\.(bias|masked_bias|rotary_emb\\.inv_freq)");

    private HfNames() {
    }

    /** The HF name of a sequential parameter (the output layer maps to {@code embed_out}). */
    static String toHf(String seq, NeoxModelConfig cfg) {
        if (seq.equals(WORD_EMBEDDINGS)) {
            return EMBED_IN;
        }
        Matcher m = SEQ_LAYER.matcher(seq);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a sequential name: " + seq);
        }
        int idx = Integer.parseInt(m.group(1));
        String rest = m.group(2);
        if (idx >= 2 && idx < cfg.numLayers() + 2) {
            return "gpt_neox.layers." + (idx - 2) + "." + rest;
        }
        if (idx == cfg.finalNormIndex() && rest.startsWith("norm.")) {
            return "gpt_neox.final_layer_norm." + rest.substring("norm.".length());
        }
        if (idx == cfg.outputIndex() && rest.equals("final_linear.weight")) {
            return EMBED_OUT;
        }
        throw new IllegalArgumentException("no HF name for " + seq);
    }

    /** The sequential name of an HF tensor, null for HF-only buffers, or for tied {@code embed_out}. */
    static String fromHf(String hf, NeoxModelConfig cfg) {
        if (hf.equals(EMBED_IN)) {
            return WORD_EMBEDDINGS;
        }
        if (hf.equals(EMBED_OUT)) {
            return cfg.tied() ? null : "sequential." + cfg.outputIndex() + ".final_linear.weight";
        }
        if (HF_BUFFER.matcher(hf).matches()) {
            return null;
        }
        Matcher f = HF_FINAL_NORM.matcher(hf);
        if (f.matches()) {
            return "sequential." + cfg.finalNormIndex() + ".norm." + f.group(1);
        }
        Matcher m = HF_LAYER.matcher(hf);
        if (m.matches()) {
            return "sequential." + (Integer.parseInt(m.group(1)) + 2) + "." + m.group(2);
        }
        return hf; // unknown: reported by the importer as a tensor the model does not have
    }
}
