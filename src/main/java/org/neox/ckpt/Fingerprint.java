package org.neox.ckpt;

import org.neox.util.UserError;

/**
 * A forward-pass fingerprint stored at save time and re-checked after load (GPT-NeoX's
 * {@code checkpoint_validation_logits}): the input token ids and a small selection of the
 * resulting logits chosen by the trainer (keep it small: it lives in the JSON manifest).
 */
public record Fingerprint(int[] tokens, float[] logits) {
    /**
     * Compares logits recomputed after load with the stored ones; a difference above
     * {@code tolerance} (absolute) is an error naming the checkpoint, the index and both values.
     */
    public void check(float[] recomputed, double tolerance, String checkpoint) {
        if (recomputed.length != logits.length) {
            throw new UserError("checkpoint " + checkpoint + ": forward-pass fingerprint has " + logits.length
                    + " logits, the loaded model produced " + recomputed.length);
        }
        for (int i = 0; i < logits.length; i++) {
            if (!(Math.abs((double) recomputed[i] - logits[i]) <= tolerance)) {
                throw new UserError("checkpoint " + checkpoint + ": forward-pass fingerprint differs at logit " + i
                        + ": stored " + logits[i] + ", after load " + recomputed[i] + " (tolerance " + tolerance + ")");
            }
        }
    }
}
