package org.neox.config;

import java.util.List;
import java.util.Map;

/**
 * GPT-NeoX v2.0 group {@code NeoXArgsParallelism}: Pipeline and tensor parallel sizes (spec §6). Field docs follow
 * NEOX-ARGS-TABLE.md; {@code null} means unset.
 *
 * @param pipeParallelSize {@code pipe_parallel_size} (int, default 0): Pipeline stages; 0 or 1 means no pipeline engine (model converted to a plain sequential module).
 * @param modelParallelSize {@code model_parallel_size} (int, default 1): Tensor (Megatron) model-parallel degree; values < 1 are coerced to 1.
 * @param pipePartitionMethod {@code pipe_partition_method} (str, default "type:transformer|mlp"): How DeepSpeed splits layers over stages: 'uniform', 'parameters' or 'type:<regex>'.
 * @param worldSize {@code world_size} (int, default null): Set at runtime from WORLD_SIZE.
 * @param isPipeParallel {@code is_pipe_parallel} (bool, default false): Derived: pipe_parallel_size >= 2.
 */
public record ParallelismArgs(
        int pipeParallelSize,
        int modelParallelSize,
        String pipePartitionMethod,
        Integer worldSize,
        boolean isPipeParallel) {

    /** The keys of this group with their types and GPT-NeoX defaults, in table order. */
    static final List<Key> KEYS = List.of(
            new Key("pipe_parallel_size", KeyType.INT, 0),
            new Key("model_parallel_size", KeyType.INT, 1),
            new Key("pipe_partition_method", KeyType.STRING, "type:transformer|mlp"),
            new Key("world_size", KeyType.INT, null),
            new Key("is_pipe_parallel", KeyType.BOOL, false));

    /** Builds the group from converted values (every key present, types already checked). */
    @SuppressWarnings("unchecked")
    static ParallelismArgs from(Values v) {
        return new ParallelismArgs(
                (int) v.get("pipe_parallel_size"),
                (int) v.get("model_parallel_size"),
                (String) v.get("pipe_partition_method"),
                (Integer) v.get("world_size"),
                (boolean) v.get("is_pipe_parallel"));
    }

    /** Writes every key of this group into {@code out} under its GPT-NeoX name. */
    void writeTo(Map<String, Object> out) {
        out.put("pipe_parallel_size", pipeParallelSize);
        out.put("model_parallel_size", modelParallelSize);
        out.put("pipe_partition_method", pipePartitionMethod);
        out.put("world_size", worldSize);
        out.put("is_pipe_parallel", isPipeParallel);
    }
}
