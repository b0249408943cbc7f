package org.neox.config;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A resolved GPT-NeoX v2.0 configuration: the 208 keys in the 11 groups of spec §1.2, after
 * merging, derivation and validation. Immutable; equal configs are {@code equals}. Build one
 * with {@link ConfigLoader}; ship it to workers with {@link ConfigJson}.
 *
 * @param deepspeedConfig keys copied into the DeepSpeed config
 * @param deepspeedRunner launcher and resource keys
 * @param parallelism pipeline/tensor parallel sizes
 * @param model architecture
 * @param optimizer optimizer type, lr and ZeRO copies
 * @param lrScheduler learning-rate schedule
 * @param logging logging keys
 * @param other ranks, seed, save iterations, world size
 * @param tokenizer tokenizer type and padded vocabulary
 * @param training data, checkpointing, regularisation, loss scaling
 * @param textgen generation and evaluation
 */
public record NeoXArgs(
        DeepspeedConfigArgs deepspeedConfig,
        DeepspeedRunnerArgs deepspeedRunner,
        ParallelismArgs parallelism,
        ModelArgs model,
        OptimizerArgs optimizer,
        LrSchedulerArgs lrScheduler,
        LoggingArgs logging,
        OtherArgs other,
        TokenizerArgs tokenizer,
        TrainingArgs training,
        TextgenArgs textgen) {

    /** Builds the records from complete, converted values. */
    static NeoXArgs from(Values v) {
        return new NeoXArgs(DeepspeedConfigArgs.from(v), DeepspeedRunnerArgs.from(v),
                ParallelismArgs.from(v), ModelArgs.from(v), OptimizerArgs.from(v),
                LrSchedulerArgs.from(v), LoggingArgs.from(v), OtherArgs.from(v),
                TokenizerArgs.from(v), TrainingArgs.from(v), TextgenArgs.from(v));
    }

    /** Every key under its GPT-NeoX underscore name, in table order (enums as Java enums). */
    public Map<String, Object> toMap() {
        Map<String, Object> out = new LinkedHashMap<>();
        deepspeedConfig.writeTo(out);
        deepspeedRunner.writeTo(out);
        parallelism.writeTo(out);
        model.writeTo(out);
        optimizer.writeTo(out);
        lrScheduler.writeTo(out);
        logging.writeTo(out);
        other.writeTo(out);
        tokenizer.writeTo(out);
        training.writeTo(out);
        textgen.writeTo(out);
        return out;
    }

    /** Pipeline stages: {@code max(pipe_parallel_size, 1)}. */
    public int pipeParallelSize() {
        return Math.max(parallelism.pipeParallelSize(), 1);
    }

    /** Tensor-parallel size (already at least 1 after derivation). */
    public int modelParallelSize() {
        return parallelism.modelParallelSize();
    }

    /** All ranks ("GPUs"; on CPU, rank slots). */
    public int worldSize() {
        return other.globalNumGpus();
    }

    /** Data-parallel size {@code world / pp / mp}. */
    public int dataParallelSize() {
        return worldSize() / pipeParallelSize() / modelParallelSize();
    }

    /** The rank grid of spec §6.1 for this config. */
    public RankGrid rankGrid() {
        return new RankGrid(pipeParallelSize(), dataParallelSize(), modelParallelSize());
    }
}
