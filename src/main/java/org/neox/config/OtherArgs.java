package org.neox.config;

import java.util.List;
import java.util.Map;

/**
 * GPT-NeoX v2.0 group {@code NeoXArgsOther}: Runtime ranks, seeds and derived bookkeeping. Field docs follow
 * NEOX-ARGS-TABLE.md; {@code null} means unset.
 *
 * @param distributedBackend {@code distributed_backend} (str, default "nccl"): torch.distributed backend (nccl).
 * @param localRank {@code local_rank} (int, default null): Set at runtime from LOCAL_RANK.
 * @param rank {@code rank} (int, default null): Set at runtime from RANK.
 * @param lazyMpuInit {@code lazy_mpu_init} (bool, default false): Defer distributed init to an external manager; forces CPU init.
 * @param shortSeqProb {@code short_seq_prob} (float, default 0.1): Unused legacy Megatron option.
 * @param eodMaskLoss {@code eod_mask_loss} (bool, default false): Zero the loss weight of positions whose INPUT token is EOD.
 * @param adlrAutoresume {@code adlr_autoresume} (bool, default false): NVIDIA ADLR cluster auto-resume (legacy).
 * @param adlrAutoresumeInterval {@code adlr_autoresume_interval} (int, default 1000): Auto-resume polling interval (unused).
 * @param seed {@code seed} (int, default 1234): Base random seed (must be > 0); also used for data index shuffling.
 * @param onnxSafe {@code onnx_safe} (bool, default false): Use erf-based GeLU written for ONNX export.
 * @param deepscale {@code deepscale} (bool, default false): Deprecated, ignored.
 * @param deepscaleConfig {@code deepscale_config} (str, default null): Deprecated, ignored.
 * @param deepspeedMpi {@code deepspeed_mpi} (bool, default false): Discover rank/world size from the MPI environment.
 * @param deepspeedSlurm {@code deepspeed_slurm} (bool, default false): Take LOCAL_RANK/RANK/WORLD_SIZE from SLURM_LOCALID/SLURM_PROCID/SLURM_NTASKS.
 * @param userScript {@code user_script} (str, default null): Script launched by deepy (train.py, generate.py, evaluate.py).
 * @param iteration {@code iteration} (int, default null): Current iteration; from --iteration for generate/evaluate; set by checkpoint load.
 * @param doTrain {@code do_train} (int, default null): Derived flag (training data present and train_iters > 0).
 * @param doValid {@code do_valid} (int, default null): Derived flag (validation data present and eval_iters > 0).
 * @param doTest {@code do_test} (int, default null): Derived flag (test data present and eval_iters > 0).
 * @param saveIters {@code save_iters} (list, default null): Derived list of iterations at which to checkpoint.
 * @param globalNumGpus {@code global_num_gpus} (int, default null): Total GPUs; derived from hostfile/include/exclude/num_nodes/num_gpus or local device count.
 */
public record OtherArgs(
        String distributedBackend,
        Integer localRank,
        Integer rank,
        boolean lazyMpuInit,
        double shortSeqProb,
        boolean eodMaskLoss,
        boolean adlrAutoresume,
        int adlrAutoresumeInterval,
        int seed,
        boolean onnxSafe,
        boolean deepscale,
        String deepscaleConfig,
        boolean deepspeedMpi,
        boolean deepspeedSlurm,
        String userScript,
        Integer iteration,
        Integer doTrain,
        Integer doValid,
        Integer doTest,
        List<Integer> saveIters,
        Integer globalNumGpus) {

    /** The keys of this group with their types and GPT-NeoX defaults, in table order. */
    static final List<Key> KEYS = List.of(
            new Key("distributed_backend", KeyType.STRING, "nccl"),
            new Key("local_rank", KeyType.INT, null),
            new Key("rank", KeyType.INT, null),
            new Key("lazy_mpu_init", KeyType.BOOL, false),
            new Key("short_seq_prob", KeyType.FLOAT, 0.1),
            new Key("eod_mask_loss", KeyType.BOOL, false),
            new Key("adlr_autoresume", KeyType.BOOL, false),
            new Key("adlr_autoresume_interval", KeyType.INT, 1000),
            new Key("seed", KeyType.INT, 1234),
            new Key("onnx_safe", KeyType.BOOL, false),
            new Key("deepscale", KeyType.BOOL, false),
            new Key("deepscale_config", KeyType.STRING, null),
            new Key("deepspeed_mpi", KeyType.BOOL, false),
            new Key("deepspeed_slurm", KeyType.BOOL, false),
            new Key("user_script", KeyType.STRING, null),
            new Key("iteration", KeyType.INT, null),
            new Key("do_train", KeyType.INT, null),
            new Key("do_valid", KeyType.INT, null),
            new Key("do_test", KeyType.INT, null),
            new Key("save_iters", KeyType.INT_LIST, null),
            new Key("global_num_gpus", KeyType.INT, null));

    /** Builds the group from converted values (every key present, types already checked). */
    @SuppressWarnings("unchecked")
    static OtherArgs from(Values v) {
        return new OtherArgs(
                (String) v.get("distributed_backend"),
                (Integer) v.get("local_rank"),
                (Integer) v.get("rank"),
                (boolean) v.get("lazy_mpu_init"),
                (double) v.get("short_seq_prob"),
                (boolean) v.get("eod_mask_loss"),
                (boolean) v.get("adlr_autoresume"),
                (int) v.get("adlr_autoresume_interval"),
                (int) v.get("seed"),
                (boolean) v.get("onnx_safe"),
                (boolean) v.get("deepscale"),
                (String) v.get("deepscale_config"),
                (boolean) v.get("deepspeed_mpi"),
                (boolean) v.get("deepspeed_slurm"),
                (String) v.get("user_script"),
                (Integer) v.get("iteration"),
                (Integer) v.get("do_train"),
                (Integer) v.get("do_valid"),
                (Integer) v.get("do_test"),
                (List<Integer>) v.get("save_iters"),
                (Integer) v.get("global_num_gpus"));
    }

    /** Writes every key of this group into {@code out} under its GPT-NeoX name. */
    void writeTo(Map<String, Object> out) {
        out.put("distributed_backend", distributedBackend);
        out.put("local_rank", localRank);
        out.put("rank", rank);
        out.put("lazy_mpu_init", lazyMpuInit);
        out.put("short_seq_prob", shortSeqProb);
        out.put("eod_mask_loss", eodMaskLoss);
        out.put("adlr_autoresume", adlrAutoresume);
        out.put("adlr_autoresume_interval", adlrAutoresumeInterval);
        out.put("seed", seed);
        out.put("onnx_safe", onnxSafe);
        out.put("deepscale", deepscale);
        out.put("deepscale_config", deepscaleConfig);
        out.put("deepspeed_mpi", deepspeedMpi);
        out.put("deepspeed_slurm", deepspeedSlurm);
        out.put("user_script", userScript);
        out.put("iteration", iteration);
        out.put("do_train", doTrain);
        out.put("do_valid", doValid);
        out.put("do_test", doTest);
        out.put("save_iters", saveIters);
        out.put("global_num_gpus", globalNumGpus);
    }
}
