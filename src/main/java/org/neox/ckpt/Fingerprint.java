package org.neox.ckpt;

/**
 * A forward-pass fingerprint stored at save time and re-checked after load (GPT-NeoX's
 * {@code checkpoint_validation_logits}): the input token ids and a small selection of the
 * resulting logits chosen by the trainer (keep it small: it lives in the JSON manifest).
 */
public record Fingerprint(int[] tokens, float[] logits) {
}
