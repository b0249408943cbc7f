package org.neox.ckpt;

/**
 * One tensor file of a checkpoint as listed in its manifest: kind {@code "model"} (one per
 * pipe x tensor rank) or {@code "optimizer"} (one per pipe x tensor x ZeRO data rank; data is
 * 0 when the optimizer state is not partitioned), its size and CRC32C (hex).
 */
public record ShardFile(String file, String kind, int pipe, int model, int data, long bytes, String crc32c) {
    public static final String MODEL = "model";
    public static final String OPTIMIZER = "optimizer";

    static String modelFileName(Topology t, int pipe, int model) {
        return String.format("mp_rank_%02d_model_states.safetensors", t.shardIndex(pipe, model));
    }

    static String optimizerFileName(Topology t, int pipe, int model, int data) {
        if (data < 0 || data >= t.dp()) {
            throw new IllegalArgumentException("data rank " + data + " outside " + t);
        }
        return String.format("zero_pp_rank_%d_mp_rank_%02d_optim_states.safetensors", data, t.shardIndex(pipe, model));
    }
}
