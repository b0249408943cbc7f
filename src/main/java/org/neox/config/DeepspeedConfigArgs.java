package org.neox.config;

import java.util.List;
import java.util.Map;

/**
 * GPT-NeoX v2.0 group {@code NeoXArgsDeepspeedConfig}: Keys copied into the DeepSpeed JSON config when they differ from their default (spec §1.6). Field docs follow
 * NEOX-ARGS-TABLE.md; {@code null} means unset.
 *
 * @param deepspeed {@code deepspeed} (bool, default true): Always true; NeoX only runs under DeepSpeed (validate_values returns False if false).
 * @param trainBatchSize {@code train_batch_size} (int, default null): Global batch in samples per optimizer step (= micro x grad-accum x data-parallel size); derived if absent.
 * @param trainMicroBatchSizePerGpu {@code train_micro_batch_size_per_gpu} (int, default null): Samples per GPU per forward/backward pass; derived if absent.
 * @param gradientAccumulationSteps {@code gradient_accumulation_steps} (int, default 1): Micro-batches accumulated per optimizer step; derived if absent.
 * @param optimizer {@code optimizer} (dict, default null): Dict {type, params}; type selects the optimizer, params are passed as constructor kwargs (params.lr is the peak LR).
 * @param scheduler {@code scheduler} (dict, default null): DeepSpeed scheduler dict {type, params}; only auto-filled (WarmupDecayLR) for OneBitAdam.
 * @param fp32Allreduce {@code fp32_allreduce} (bool, default false): Do gradient all-reduce in fp32; also makes bf16 model-parallel collectives upcast to fp32.
 * @param prescaleGradients {@code prescale_gradients} (bool, default false): DeepSpeed: scale gradients before the all-reduce instead of after.
 * @param gradientPredivideFactor {@code gradient_predivide_factor} (float, default 1.0): DeepSpeed: divide gradients by this factor before averaging.
 * @param sparseGradients {@code sparse_gradients} (bool, default false): DeepSpeed: sparse all-reduce of torch.nn.Embedding gradients.
 * @param fp16 {@code fp16} (dict, default null): DeepSpeed fp16 dict (enabled, loss_scale, initial_scale_power, loss_scale_window, hysteresis, min_loss_scale; NeoX also reads type=bfloat16).
 * @param amp {@code amp} (dict, default null): DeepSpeed AMP dict (must contain 'enabled').
 * @param gradientClipping {@code gradient_clipping} (float, default 0.0): Global L2-norm gradient clipping threshold (0 = off); copied to clip_grad.
 * @param zeroOptimization {@code zero_optimization} (dict, default null): DeepSpeed ZeRO dict (stage, allgather_*, reduce_*, overlap_comm, contiguous_gradients ...); defaults to a stage-0 dict.
 * @param curriculumLearning {@code curriculum_learning} (dict, default null): DeepSpeed legacy seqlen curriculum dict; enables sequence-length truncation schedule.
 * @param curriculumSeqlen {@code curriculum_seqlen} (int, default 0): Internal: current curriculum sequence length.
 * @param stepsPerPrint {@code steps_per_print} (int, default 10): DeepSpeed: print its own progress line every N steps.
 * @param wallClockBreakdown {@code wall_clock_breakdown} (bool, default false): DeepSpeed: time forward/backward/step phases.
 * @param dumpState {@code dump_state} (bool, default false): DeepSpeed: print engine state after initialisation.
 * @param flopsProfiler {@code flops_profiler} (dict, default null): DeepSpeed flops profiler dict (must contain 'enabled').
 * @param zeroAllowUntestedOptimizer {@code zero_allow_untested_optimizer} (bool, default false): DeepSpeed: allow ZeRO with a client optimizer it has not validated.
 * @param autotuning {@code autotuning} (dict, default null): DeepSpeed autotuning dict.
 */
public record DeepspeedConfigArgs(
        boolean deepspeed,
        Integer trainBatchSize,
        Integer trainMicroBatchSizePerGpu,
        int gradientAccumulationSteps,
        Map<String, Object> optimizer,
        Map<String, Object> scheduler,
        boolean fp32Allreduce,
        boolean prescaleGradients,
        double gradientPredivideFactor,
        boolean sparseGradients,
        Map<String, Object> fp16,
        Map<String, Object> amp,
        double gradientClipping,
        Map<String, Object> zeroOptimization,
        Map<String, Object> curriculumLearning,
        int curriculumSeqlen,
        int stepsPerPrint,
        boolean wallClockBreakdown,
        boolean dumpState,
        Map<String, Object> flopsProfiler,
        boolean zeroAllowUntestedOptimizer,
        Map<String, Object> autotuning) {

    /** The keys of this group with their types and GPT-NeoX defaults, in table order. */
    static final List<Key> KEYS = List.of(
            new Key("deepspeed", KeyType.BOOL, true),
            new Key("train_batch_size", KeyType.INT, null),
            new Key("train_micro_batch_size_per_gpu", KeyType.INT, null),
            new Key("gradient_accumulation_steps", KeyType.INT, 1),
            new Key("optimizer", KeyType.DICT, null),
            new Key("scheduler", KeyType.DICT, null),
            new Key("fp32_allreduce", KeyType.BOOL, false),
            new Key("prescale_gradients", KeyType.BOOL, false),
            new Key("gradient_predivide_factor", KeyType.FLOAT, 1.0),
            new Key("sparse_gradients", KeyType.BOOL, false),
            new Key("fp16", KeyType.DICT, null),
            new Key("amp", KeyType.DICT, null),
            new Key("gradient_clipping", KeyType.FLOAT, 0.0),
            new Key("zero_optimization", KeyType.DICT, null),
            new Key("curriculum_learning", KeyType.DICT, null),
            new Key("curriculum_seqlen", KeyType.INT, 0),
            new Key("steps_per_print", KeyType.INT, 10),
            new Key("wall_clock_breakdown", KeyType.BOOL, false),
            new Key("dump_state", KeyType.BOOL, false),
            new Key("flops_profiler", KeyType.DICT, null),
            new Key("zero_allow_untested_optimizer", KeyType.BOOL, false),
            new Key("autotuning", KeyType.DICT, null));

    /** Builds the group from converted values (every key present, types already checked). */
    @SuppressWarnings("unchecked")
    static DeepspeedConfigArgs from(Values v) {
        return new DeepspeedConfigArgs(
                (boolean) v.get("deepspeed"),
                (Integer) v.get("train_batch_size"),
                (Integer) v.get("train_micro_batch_size_per_gpu"),
                (int) v.get("gradient_accumulation_steps"),
                (Map<String, Object>) v.get("optimizer"),
                (Map<String, Object>) v.get("scheduler"),
                (boolean) v.get("fp32_allreduce"),
                (boolean) v.get("prescale_gradients"),
                (double) v.get("gradient_predivide_factor"),
                (boolean) v.get("sparse_gradients"),
                (Map<String, Object>) v.get("fp16"),
                (Map<String, Object>) v.get("amp"),
                (double) v.get("gradient_clipping"),
                (Map<String, Object>) v.get("zero_optimization"),
                (Map<String, Object>) v.get("curriculum_learning"),
                (int) v.get("curriculum_seqlen"),
                (int) v.get("steps_per_print"),
                (boolean) v.get("wall_clock_breakdown"),
                (boolean) v.get("dump_state"),
                (Map<String, Object>) v.get("flops_profiler"),
                (boolean) v.get("zero_allow_untested_optimizer"),
                (Map<String, Object>) v.get("autotuning"));
    }

    /** Writes every key of this group into {@code out} under its GPT-NeoX name. */
    void writeTo(Map<String, Object> out) {
        out.put("deepspeed", deepspeed);
        out.put("train_batch_size", trainBatchSize);
        out.put("train_micro_batch_size_per_gpu", trainMicroBatchSizePerGpu);
        out.put("gradient_accumulation_steps", gradientAccumulationSteps);
        out.put("optimizer", optimizer);
        out.put("scheduler", scheduler);
        out.put("fp32_allreduce", fp32Allreduce);
        out.put("prescale_gradients", prescaleGradients);
        out.put("gradient_predivide_factor", gradientPredivideFactor);
        out.put("sparse_gradients", sparseGradients);
        out.put("fp16", fp16);
        out.put("amp", amp);
        out.put("gradient_clipping", gradientClipping);
        out.put("zero_optimization", zeroOptimization);
        out.put("curriculum_learning", curriculumLearning);
        out.put("curriculum_seqlen", curriculumSeqlen);
        out.put("steps_per_print", stepsPerPrint);
        out.put("wall_clock_breakdown", wallClockBreakdown);
        out.put("dump_state", dumpState);
        out.put("flops_profiler", flopsProfiler);
        out.put("zero_allow_untested_optimizer", zeroAllowUntestedOptimizer);
        out.put("autotuning", autotuning);
    }
}
