package org.neox.config;

import java.util.List;
import java.util.Map;

/**
 * GPT-NeoX v2.0 group {@code NeoXArgsTraining}: Data, checkpointing, batch copies, regularisation, loss scale and muP (spec §3, §8). Field docs follow
 * NEOX-ARGS-TABLE.md; {@code null} means unset.
 *
 * @param dataPath {@code data_path} (str, default null): Prefix of a single .bin/.idx dataset split into train/valid/test by 'split'.
 * @param useSharedFs {@code use_shared_fs} (bool, default true): If false, local rank 0 of every node builds index caches instead of only global rank 0.
 * @param trainDataPaths {@code train_data_paths} (list, default null): Prefixes of training datasets (blended).
 * @param testDataPaths {@code test_data_paths} (list, default null): Prefixes of test datasets (blended).
 * @param validDataPaths {@code valid_data_paths} (list, default null): Prefixes of validation datasets (blended).
 * @param trainDataWeights {@code train_data_weights} (list, default null): Blend weights for train_data_paths (default all 1.0).
 * @param validDataWeights {@code valid_data_weights} (list, default null): Blend weights for valid_data_paths (default all 1.0).
 * @param testDataWeights {@code test_data_weights} (list, default null): Blend weights for test_data_paths (default all 1.0).
 * @param weightByNumDocuments {@code weight_by_num_documents} (bool, default false): Replace blend weights with alpha-smoothed weights from document counts.
 * @param weightedSamplerAlpha {@code weighted_sampler_alpha} (float, default 0.3): Alpha for weight_by_num_documents.
 * @param dataImpl {@code data_impl} (str, default "infer"): Indexed dataset format: infer, mmap, cached or lazy.
 * @param mmapWarmup {@code mmap_warmup} (bool, default false): Read the whole .idx/.bin once before use.
 * @param save {@code save} (str, default null): Checkpoint output directory.
 * @param configFiles {@code config_files} (dict, default null): Derived: original YAML texts keyed by file name (saved with checkpoints).
 * @param load {@code load} (str, default null): Checkpoint directory to resume/finetune from.
 * @param checkpointValidationWithForwardPass {@code checkpoint_validation_with_forward_pass} (bool, default false): Store logits of a fixed forward pass in the checkpoint and compare after load.
 * @param checkpointScale {@code checkpoint_scale} (enum: linear | log, default "linear"): Checkpoint spacing: linear (every factor steps) or log (multiply by factor).
 * @param checkpointFactor {@code checkpoint_factor} (int, default null): Spacing parameter for checkpoint_scale (required with save unless extra_save_iters).
 * @param extraSaveIters {@code extra_save_iters} (list, default null): Additional iterations to checkpoint at.
 * @param noSaveOptim {@code no_save_optim} (bool, default false): Declared but not used (DeepSpeed always saves optimizer state).
 * @param noSaveRng {@code no_save_rng} (bool, default false): Do not store RNG states in checkpoints.
 * @param noLoadOptim {@code no_load_optim} (bool, default false): Build no optimizer or LR scheduler at all and skip loading them (meant for inference; training then has no optimizer).
 * @param noLoadRng {@code no_load_rng} (bool, default false): Do not restore RNG states on load.
 * @param finetune {@code finetune} (bool, default false): Load weights only: no optimizer/scheduler/RNG restore, iteration restarts at 0.
 * @param batchSize {@code batch_size} (int, default null): Derived copy of train_micro_batch_size_per_gpu.
 * @param trainIters {@code train_iters} (int, default null): Total optimizer steps to train.
 * @param evalIters {@code eval_iters} (int, default 100): Validation/test iterations per evaluation.
 * @param keepLastNCheckpoints {@code keep_last_n_checkpoints} (int, default null): Delete older global_step* directories beyond this count.
 * @param evalInterval {@code eval_interval} (int, default 1000): Run validation every N iterations.
 * @param split {@code split} (str, default "969, 30, 1"): Train/valid/test proportions for data_path, comma or slash separated.
 * @param vocabFile {@code vocab_file} (str, default null): Tokenizer vocabulary/model file.
 * @param mergeFile {@code merge_file} (str, default null): BPE merges file (GPT2BPETokenizer).
 * @param numWorkers {@code num_workers} (int, default 2): PyTorch DataLoader worker processes.
 * @param exitInterval {@code exit_interval} (int, default null): Exit when iteration is a multiple of this.
 * @param attentionDropout {@code attention_dropout} (float, default 0.1): Dropout on attention probabilities.
 * @param hiddenDropout {@code hidden_dropout} (float, default 0.1): Dropout on embeddings and on attention/MLP outputs.
 * @param weightDecay {@code weight_decay} (float, default 0.01): Decoupled weight-decay coefficient (biases and norms excluded).
 * @param checkpointActivations {@code checkpoint_activations} (bool, default false): Activation (gradient) checkpointing of transformer layers.
 * @param checkpointNumLayers {@code checkpoint_num_layers} (int, default 1): Layers per activation-checkpoint chunk.
 * @param deepspeedActivationCheckpointing {@code deepspeed_activation_checkpointing} (bool, default true): Deprecated; also triggers checkpointing buffer reset in eval.
 * @param contiguousCheckpointing {@code contiguous_checkpointing} (bool, default false): DeepSpeed contiguous memory for checkpointed activations.
 * @param checkpointInCpu {@code checkpoint_in_cpu} (bool, default false): Offload checkpointed activations to CPU.
 * @param synchronizeEachLayer {@code synchronize_each_layer} (bool, default false): CUDA synchronize around each checkpointed layer.
 * @param profileBackward {@code profile_backward} (bool, default false): Profile checkpointed backward.
 * @param partitionActivations {@code partition_activations} (bool, default false): Partition checkpointed activations across tensor-parallel ranks.
 * @param gas {@code gas} (int, default null): Derived copy of gradient_accumulation_steps.
 * @param clipGrad {@code clip_grad} (float, default null): Derived copy of gradient_clipping.
 * @param hysteresis {@code hysteresis} (int, default 2): NeoX-level copy; DeepSpeed reads fp16.hysteresis instead (unused).
 * @param dynamicLossScale {@code dynamic_loss_scale} (bool, default null): Derived: true when loss_scale is unset.
 * @param lossScale {@code loss_scale} (float, default null): NeoX-level static loss scale (DeepSpeed reads fp16.loss_scale).
 * @param lossScaleWindow {@code loss_scale_window} (float, default 1000.0): NeoX-level copy (unused; DeepSpeed reads fp16.loss_scale_window).
 * @param minScale {@code min_scale} (float, default 1.0): NeoX-level copy (unused; DeepSpeed reads fp16.min_loss_scale).
 * @param charLevelPpl {@code char_level_ppl} (bool, default false): Also report character-level perplexity in evaluation.
 * @param useMup {@code use_mup} (bool, default false): Enable muP parametrisation.
 * @param coordCheck {@code coord_check} (bool, default false): Run muP coordinate check and exit.
 * @param saveBaseShapes {@code save_base_shapes} (bool, default false): Write muP base shapes and exit.
 * @param baseShapesFile {@code base_shapes_file} (str, default null): muP base-shapes file prefix.
 * @param mupInitScale {@code mup_init_scale} (float, default 1.0): muP: multiply initial weights by this.
 * @param mupAttnTemp {@code mup_attn_temp} (float, default 1.0): muP attention temperature (declared, unused).
 * @param mupOutputTemp {@code mup_output_temp} (float, default 1.0): muP output temperature (declared, unused).
 * @param mupEmbeddingMult {@code mup_embedding_mult} (float, default 1.0): muP: multiply embedding output by this.
 * @param mupRpEmbeddingMult {@code mup_rp_embedding_mult} (float, default 1.0): Multiply learned position embeddings by this.
 * @param mupWidthScale {@code mup_width_scale} (int, default 2): muP: width multiplier of the delta model.
 */
public record TrainingArgs(
        String dataPath,
        boolean useSharedFs,
        List<String> trainDataPaths,
        List<String> testDataPaths,
        List<String> validDataPaths,
        List<Double> trainDataWeights,
        List<Double> validDataWeights,
        List<Double> testDataWeights,
        boolean weightByNumDocuments,
        double weightedSamplerAlpha,
        String dataImpl,
        boolean mmapWarmup,
        String save,
        Map<String, String> configFiles,
        String load,
        boolean checkpointValidationWithForwardPass,
        CheckpointScale checkpointScale,
        Integer checkpointFactor,
        List<Integer> extraSaveIters,
        boolean noSaveOptim,
        boolean noSaveRng,
        boolean noLoadOptim,
        boolean noLoadRng,
        boolean finetune,
        Integer batchSize,
        Integer trainIters,
        int evalIters,
        Integer keepLastNCheckpoints,
        int evalInterval,
        String split,
        String vocabFile,
        String mergeFile,
        int numWorkers,
        Integer exitInterval,
        double attentionDropout,
        double hiddenDropout,
        double weightDecay,
        boolean checkpointActivations,
        int checkpointNumLayers,
        boolean deepspeedActivationCheckpointing,
        boolean contiguousCheckpointing,
        boolean checkpointInCpu,
        boolean synchronizeEachLayer,
        boolean profileBackward,
        boolean partitionActivations,
        Integer gas,
        Double clipGrad,
        int hysteresis,
        Boolean dynamicLossScale,
        Double lossScale,
        double lossScaleWindow,
        double minScale,
        boolean charLevelPpl,
        boolean useMup,
        boolean coordCheck,
        boolean saveBaseShapes,
        String baseShapesFile,
        double mupInitScale,
        double mupAttnTemp,
        double mupOutputTemp,
        double mupEmbeddingMult,
        double mupRpEmbeddingMult,
        int mupWidthScale) {

    /** Accepted values of the enum keys of this group (matched case-insensitively). */
    public enum CheckpointScale implements WireEnum {
        LINEAR("linear"), LOG("log");

        private final String wire;

        CheckpointScale(String wire) {
            this.wire = wire;
        }

        @Override
        public String wire() {
            return wire;
        }

        static CheckpointScale parse(String text) {
            return WireEnum.parse(CheckpointScale.class, text);
        }
    }

    /** The keys of this group with their types and GPT-NeoX defaults, in table order. */
    static final List<Key> KEYS = List.of(
            new Key("data_path", KeyType.STRING, null),
            new Key("use_shared_fs", KeyType.BOOL, true),
            new Key("train_data_paths", KeyType.STRING_LIST, null),
            new Key("test_data_paths", KeyType.STRING_LIST, null),
            new Key("valid_data_paths", KeyType.STRING_LIST, null),
            new Key("train_data_weights", KeyType.FLOAT_LIST, null),
            new Key("valid_data_weights", KeyType.FLOAT_LIST, null),
            new Key("test_data_weights", KeyType.FLOAT_LIST, null),
            new Key("weight_by_num_documents", KeyType.BOOL, false),
            new Key("weighted_sampler_alpha", KeyType.FLOAT, 0.3),
            new Key("data_impl", KeyType.STRING, "infer"),
            new Key("mmap_warmup", KeyType.BOOL, false),
            new Key("save", KeyType.STRING, null),
            new Key("config_files", KeyType.TEXT_DICT, null),
            new Key("load", KeyType.STRING, null),
            new Key("checkpoint_validation_with_forward_pass", KeyType.BOOL, false),
            new Key("checkpoint_scale", KeyType.enumOf(CheckpointScale.class), CheckpointScale.parse("linear")),
            new Key("checkpoint_factor", KeyType.INT, null),
            new Key("extra_save_iters", KeyType.INT_LIST, null),
            new Key("no_save_optim", KeyType.BOOL, false),
            new Key("no_save_rng", KeyType.BOOL, false),
            new Key("no_load_optim", KeyType.BOOL, false),
            new Key("no_load_rng", KeyType.BOOL, false),
            new Key("finetune", KeyType.BOOL, false),
            new Key("batch_size", KeyType.INT, null),
            new Key("train_iters", KeyType.INT, null),
            new Key("eval_iters", KeyType.INT, 100),
            new Key("keep_last_n_checkpoints", KeyType.INT, null),
            new Key("eval_interval", KeyType.INT, 1000),
            new Key("split", KeyType.STRING, "969, 30, 1"),
            new Key("vocab_file", KeyType.STRING, null),
            new Key("merge_file", KeyType.STRING, null),
            new Key("num_workers", KeyType.INT, 2),
            new Key("exit_interval", KeyType.INT, null),
            new Key("attention_dropout", KeyType.FLOAT, 0.1),
            new Key("hidden_dropout", KeyType.FLOAT, 0.1),
            new Key("weight_decay", KeyType.FLOAT, 0.01),
            new Key("checkpoint_activations", KeyType.BOOL, false),
            new Key("checkpoint_num_layers", KeyType.INT, 1),
            new Key("deepspeed_activation_checkpointing", KeyType.BOOL, true),
            new Key("contiguous_checkpointing", KeyType.BOOL, false),
            new Key("checkpoint_in_cpu", KeyType.BOOL, false),
            new Key("synchronize_each_layer", KeyType.BOOL, false),
            new Key("profile_backward", KeyType.BOOL, false),
            new Key("partition_activations", KeyType.BOOL, false),
            new Key("gas", KeyType.INT, null),
            new Key("clip_grad", KeyType.FLOAT, null),
            new Key("hysteresis", KeyType.INT, 2),
            new Key("dynamic_loss_scale", KeyType.BOOL, null),
            new Key("loss_scale", KeyType.FLOAT, null),
            new Key("loss_scale_window", KeyType.FLOAT, 1000.0),
            new Key("min_scale", KeyType.FLOAT, 1.0),
            new Key("char_level_ppl", KeyType.BOOL, false),
            new Key("use_mup", KeyType.BOOL, false),
            new Key("coord_check", KeyType.BOOL, false),
            new Key("save_base_shapes", KeyType.BOOL, false),
            new Key("base_shapes_file", KeyType.STRING, null),
            new Key("mup_init_scale", KeyType.FLOAT, 1.0),
            new Key("mup_attn_temp", KeyType.FLOAT, 1.0),
            new Key("mup_output_temp", KeyType.FLOAT, 1.0),
            new Key("mup_embedding_mult", KeyType.FLOAT, 1.0),
            new Key("mup_rp_embedding_mult", KeyType.FLOAT, 1.0),
            new Key("mup_width_scale", KeyType.INT, 2));

    /** Builds the group from converted values (every key present, types already checked). */
    @SuppressWarnings("unchecked")
    static TrainingArgs from(Values v) {
        return new TrainingArgs(
                (String) v.get("data_path"),
                (boolean) v.get("use_shared_fs"),
                (List<String>) v.get("train_data_paths"),
                (List<String>) v.get("test_data_paths"),
                (List<String>) v.get("valid_data_paths"),
                (List<Double>) v.get("train_data_weights"),
                (List<Double>) v.get("valid_data_weights"),
                (List<Double>) v.get("test_data_weights"),
                (boolean) v.get("weight_by_num_documents"),
                (double) v.get("weighted_sampler_alpha"),
                (String) v.get("data_impl"),
                (boolean) v.get("mmap_warmup"),
                (String) v.get("save"),
                (Map<String, String>) v.get("config_files"),
                (String) v.get("load"),
                (boolean) v.get("checkpoint_validation_with_forward_pass"),
                (CheckpointScale) v.get("checkpoint_scale"),
                (Integer) v.get("checkpoint_factor"),
                (List<Integer>) v.get("extra_save_iters"),
                (boolean) v.get("no_save_optim"),
                (boolean) v.get("no_save_rng"),
                (boolean) v.get("no_load_optim"),
                (boolean) v.get("no_load_rng"),
                (boolean) v.get("finetune"),
                (Integer) v.get("batch_size"),
                (Integer) v.get("train_iters"),
                (int) v.get("eval_iters"),
                (Integer) v.get("keep_last_n_checkpoints"),
                (int) v.get("eval_interval"),
                (String) v.get("split"),
                (String) v.get("vocab_file"),
                (String) v.get("merge_file"),
                (int) v.get("num_workers"),
                (Integer) v.get("exit_interval"),
                (double) v.get("attention_dropout"),
                (double) v.get("hidden_dropout"),
                (double) v.get("weight_decay"),
                (boolean) v.get("checkpoint_activations"),
                (int) v.get("checkpoint_num_layers"),
                (boolean) v.get("deepspeed_activation_checkpointing"),
                (boolean) v.get("contiguous_checkpointing"),
                (boolean) v.get("checkpoint_in_cpu"),
                (boolean) v.get("synchronize_each_layer"),
                (boolean) v.get("profile_backward"),
                (boolean) v.get("partition_activations"),
                (Integer) v.get("gas"),
                (Double) v.get("clip_grad"),
                (int) v.get("hysteresis"),
                (Boolean) v.get("dynamic_loss_scale"),
                (Double) v.get("loss_scale"),
                (double) v.get("loss_scale_window"),
                (double) v.get("min_scale"),
                (boolean) v.get("char_level_ppl"),
                (boolean) v.get("use_mup"),
                (boolean) v.get("coord_check"),
                (boolean) v.get("save_base_shapes"),
                (String) v.get("base_shapes_file"),
                (double) v.get("mup_init_scale"),
                (double) v.get("mup_attn_temp"),
                (double) v.get("mup_output_temp"),
                (double) v.get("mup_embedding_mult"),
                (double) v.get("mup_rp_embedding_mult"),
                (int) v.get("mup_width_scale"));
    }

    /** Writes every key of this group into {@code out} under its GPT-NeoX name. */
    void writeTo(Map<String, Object> out) {
        out.put("data_path", dataPath);
        out.put("use_shared_fs", useSharedFs);
        out.put("train_data_paths", trainDataPaths);
        out.put("test_data_paths", testDataPaths);
        out.put("valid_data_paths", validDataPaths);
        out.put("train_data_weights", trainDataWeights);
        out.put("valid_data_weights", validDataWeights);
        out.put("test_data_weights", testDataWeights);
        out.put("weight_by_num_documents", weightByNumDocuments);
        out.put("weighted_sampler_alpha", weightedSamplerAlpha);
        out.put("data_impl", dataImpl);
        out.put("mmap_warmup", mmapWarmup);
        out.put("save", save);
        out.put("config_files", configFiles);
        out.put("load", load);
        out.put("checkpoint_validation_with_forward_pass", checkpointValidationWithForwardPass);
        out.put("checkpoint_scale", checkpointScale);
        out.put("checkpoint_factor", checkpointFactor);
        out.put("extra_save_iters", extraSaveIters);
        out.put("no_save_optim", noSaveOptim);
        out.put("no_save_rng", noSaveRng);
        out.put("no_load_optim", noLoadOptim);
        out.put("no_load_rng", noLoadRng);
        out.put("finetune", finetune);
        out.put("batch_size", batchSize);
        out.put("train_iters", trainIters);
        out.put("eval_iters", evalIters);
        out.put("keep_last_n_checkpoints", keepLastNCheckpoints);
        out.put("eval_interval", evalInterval);
        out.put("split", split);
        out.put("vocab_file", vocabFile);
        out.put("merge_file", mergeFile);
        out.put("num_workers", numWorkers);
        out.put("exit_interval", exitInterval);
        out.put("attention_dropout", attentionDropout);
        out.put("hidden_dropout", hiddenDropout);
        out.put("weight_decay", weightDecay);
        out.put("checkpoint_activations", checkpointActivations);
        out.put("checkpoint_num_layers", checkpointNumLayers);
        out.put("deepspeed_activation_checkpointing", deepspeedActivationCheckpointing);
        out.put("contiguous_checkpointing", contiguousCheckpointing);
        out.put("checkpoint_in_cpu", checkpointInCpu);
        out.put("synchronize_each_layer", synchronizeEachLayer);
        out.put("profile_backward", profileBackward);
        out.put("partition_activations", partitionActivations);
        out.put("gas", gas);
        out.put("clip_grad", clipGrad);
        out.put("hysteresis", hysteresis);
        out.put("dynamic_loss_scale", dynamicLossScale);
        out.put("loss_scale", lossScale);
        out.put("loss_scale_window", lossScaleWindow);
        out.put("min_scale", minScale);
        out.put("char_level_ppl", charLevelPpl);
        out.put("use_mup", useMup);
        out.put("coord_check", coordCheck);
        out.put("save_base_shapes", saveBaseShapes);
        out.put("base_shapes_file", baseShapesFile);
        out.put("mup_init_scale", mupInitScale);
        out.put("mup_attn_temp", mupAttnTemp);
        out.put("mup_output_temp", mupOutputTemp);
        out.put("mup_embedding_mult", mupEmbeddingMult);
        out.put("mup_rp_embedding_mult", mupRpEmbeddingMult);
        out.put("mup_width_scale", mupWidthScale);
    }
}
