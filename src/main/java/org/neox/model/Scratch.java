package org.neox.model;

/**
 * Work buffers shared by all layers of one model (never live across layers), shapes for
 * {@link Dims} d: R rows, hl = hLocal, f = ffLocal, a = actLocal, c·s·s attention scores.
 */
final class Scratch {
    final float[] qkv;      // [R, 3hl] fused projection (forward) / its gradient (backward)
    final float[] heads;    // [c, s, hd] context per head (forward) / its gradient (backward)
    final float[] dq;       // [c, s, hd]
    final float[] dk;
    final float[] dv;
    final float[] dprobs;   // [c, s, s]
    final float[] dctx;     // [R, hl]
    final float[] branchA;  // [R, h] attention branch output / gradients
    final float[] branchB;  // [R, h] MLP branch output / gradients
    final float[] dln;      // [R, h]
    final float[] dfc;      // [R, f]
    final float[] dact;     // [R, a] geglu's output gradient (length 0 when a == f: dfc serves)

    Scratch(Dims d) {
        int r = d.rows();
        int hl = d.hLocal();
        qkv = new float[3 * r * hl];
        heads = new float[r * hl];
        dq = new float[r * hl];
        dk = new float[r * hl];
        dv = new float[r * hl];
        dprobs = new float[d.count() * d.seq() * d.seq()];
        dctx = new float[r * hl];
        branchA = new float[r * d.hidden()];
        branchB = new float[r * d.hidden()];
        dln = new float[r * d.hidden()];
        dfc = new float[r * d.ffLocal()];
        dact = new float[d.actLocal() == d.ffLocal() ? 0 : r * d.actLocal()];
    }
}
