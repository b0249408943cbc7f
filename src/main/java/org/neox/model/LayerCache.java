package org.neox.model;

/**
 * Activations one transformer layer keeps from forward for backward (shapes for {@link Dims} d;
 * R = rows, hl = hLocal, f = ffLocal, a = actLocal, c = count, s = seq). With activation checkpointing a few
 * of these are shared and refilled by recomputation.
 */
final class LayerCache {
    final float[] ln1;      // [R, h]  input_layernorm output
    final float[] ln1A;     // [R]     mean or inverse norm
    final float[] ln1B;     // [R]     rstd (LayerNorm)
    final float[] q;        // [c, s, hd] after rotary
    final float[] k;        // [c, s, hd] after rotary
    final float[] v;        // [c, s, hd]
    final float[] probs;    // [c, s, s] softmax output
    final float[] probsDropped; // [c, s, s] after attention dropout, or == probs
    final float[] ctx;      // [R, hl] context rows (heads concatenated)
    final float[] mid;      // [R, h]  sequential: x + attention branch; parallel: unused (length 0)
    final float[] ln2;      // [R, h]  post_attention_layernorm output
    final float[] ln2A;
    final float[] ln2B;
    final float[] fc;       // [R, f]  dense_h_to_4h output incl. bias (activation input)
    final float[] act;      // [R, a]  activation output

    LayerCache(Dims d, boolean attentionDropout, boolean sequential) {
        int r = d.rows();
        int hl = d.hLocal();
        int sq = d.count() * d.seq() * d.seq();
        ln1 = new float[r * d.hidden()];
        ln1A = new float[r];
        ln1B = new float[r];
        q = new float[r * hl];
        k = new float[r * hl];
        v = new float[r * hl];
        probs = new float[sq];
        probsDropped = attentionDropout ? new float[sq] : probs;
        ctx = new float[r * hl];
        mid = new float[sequential ? r * d.hidden() : 0];
        ln2 = new float[r * d.hidden()];
        ln2A = new float[r];
        ln2B = new float[r];
        fc = new float[r * d.ffLocal()];
        act = new float[r * d.actLocal()];
    }

    long bytes() {
        long n = (long) ln1.length + ln1A.length + ln1B.length + q.length + k.length + v.length + probs.length
                + (probsDropped == probs ? 0 : probsDropped.length) + ctx.length + mid.length + ln2.length
                + ln2A.length + ln2B.length + fc.length + act.length;
        return 4 * n;
    }
}
