package org.neox.ckpt;

/** The rank grid a checkpoint was written with: pipeline, tensor (model) and data parallel sizes. */
public record Topology(int pp, int mp, int dp) {
    public static final Topology SINGLE = new Topology(1, 1, 1);

    public Topology {
        if (pp < 1 || mp < 1 || dp < 1) {
            throw new IllegalArgumentException("topology sizes must be >= 1: pp=" + pp + " mp=" + mp + " dp=" + dp);
        }
    }

    /** DeepSpeed's {@code mp_rank_XX}: the rank inside one replica's pipe x tensor grid. */
    public int shardIndex(int pipe, int model) {
        if (pipe < 0 || pipe >= pp || model < 0 || model >= mp) {
            throw new IllegalArgumentException("shard (pipe " + pipe + ", model " + model + ") outside " + this);
        }
        return pipe * mp + model;
    }
}
