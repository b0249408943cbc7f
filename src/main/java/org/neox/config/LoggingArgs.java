package org.neox.config;

import java.util.List;
import java.util.Map;

/**
 * GPT-NeoX v2.0 group {@code NeoXArgsLogging}: Logging, TensorBoard and W&B (spec §8.2). Field docs follow
 * NEOX-ARGS-TABLE.md; {@code null} means unset.
 *
 * @param useWandb {@code use_wandb} (bool, default null): Enable Weights & Biases (auto-disabled without an API key).
 * @param wandbGroup {@code wandb_group} (str, default null): W&B group; a random suffix is appended by deepy.
 * @param wandbTeam {@code wandb_team} (str, default null): W&B entity.
 * @param wandbProject {@code wandb_project} (str, default "neox"): W&B project.
 * @param wandbHost {@code wandb_host} (str, default "https://api.wandb.ai"): W&B server URL (also used to look up the key in .netrc).
 * @param wandbInitAllRanks {@code wandb_init_all_ranks} (bool, default false): Initialise W&B on every rank, not only local rank 0.
 * @param gitHash {@code git_hash} (str, default (git describe --always)): Output of 'git describe --always' at import time.
 * @param logDir {@code log_dir} (str, default null): Directory for per-host stdout/stderr copies.
 * @param tensorboardDir {@code tensorboard_dir} (str, default null): TensorBoard log directory (rank 0 writes).
 * @param logInterval {@code log_interval} (int, default null): Iterations between printed training summaries.
 * @param logGradPctZeros {@code log_grad_pct_zeros} (bool, default false): Log per-parameter % of zero gradients.
 * @param logParamNorm {@code log_param_norm} (bool, default false): Log per-parameter L2 norms.
 * @param logGradNorm {@code log_grad_norm} (bool, default false): Log per-parameter gradient norms (non-pipeline only).
 * @param logOptimizerStates {@code log_optimizer_states} (bool, default false): Log optimizer state norms.
 * @param logGradientNoiseScale {@code log_gradient_noise_scale} (bool, default false): Estimate and log the gradient noise scale (not with ZeRO>=1).
 * @param gradientNoiseScaleNBatches {@code gradient_noise_scale_n_batches} (int, default 5): Batches buffered for the noise-scale estimate.
 * @param gradientNoiseScaleCpuOffload {@code gradient_noise_scale_cpu_offload} (bool, default false): Buffer noise-scale gradients on CPU.
 */
public record LoggingArgs(
        Boolean useWandb,
        String wandbGroup,
        String wandbTeam,
        String wandbProject,
        String wandbHost,
        boolean wandbInitAllRanks,
        String gitHash,
        String logDir,
        String tensorboardDir,
        Integer logInterval,
        boolean logGradPctZeros,
        boolean logParamNorm,
        boolean logGradNorm,
        boolean logOptimizerStates,
        boolean logGradientNoiseScale,
        int gradientNoiseScaleNBatches,
        boolean gradientNoiseScaleCpuOffload) {

    /** The keys of this group with their types and GPT-NeoX defaults, in table order. */
    static final List<Key> KEYS = List.of(
            new Key("use_wandb", KeyType.BOOL, null),
            new Key("wandb_group", KeyType.STRING, null),
            new Key("wandb_team", KeyType.STRING, null),
            new Key("wandb_project", KeyType.STRING, "neox"),
            new Key("wandb_host", KeyType.STRING, "https://api.wandb.ai"),
            new Key("wandb_init_all_ranks", KeyType.BOOL, false),
            new Key("git_hash", KeyType.STRING, null),
            new Key("log_dir", KeyType.STRING, null),
            new Key("tensorboard_dir", KeyType.STRING, null),
            new Key("log_interval", KeyType.INT, null),
            new Key("log_grad_pct_zeros", KeyType.BOOL, false),
            new Key("log_param_norm", KeyType.BOOL, false),
            new Key("log_grad_norm", KeyType.BOOL, false),
            new Key("log_optimizer_states", KeyType.BOOL, false),
            new Key("log_gradient_noise_scale", KeyType.BOOL, false),
            new Key("gradient_noise_scale_n_batches", KeyType.INT, 5),
            new Key("gradient_noise_scale_cpu_offload", KeyType.BOOL, false));

    /** Builds the group from converted values (every key present, types already checked). */
    @SuppressWarnings("unchecked")
    static LoggingArgs from(Values v) {
        return new LoggingArgs(
                (Boolean) v.get("use_wandb"),
                (String) v.get("wandb_group"),
                (String) v.get("wandb_team"),
                (String) v.get("wandb_project"),
                (String) v.get("wandb_host"),
                (boolean) v.get("wandb_init_all_ranks"),
                (String) v.get("git_hash"),
                (String) v.get("log_dir"),
                (String) v.get("tensorboard_dir"),
                (Integer) v.get("log_interval"),
                (boolean) v.get("log_grad_pct_zeros"),
                (boolean) v.get("log_param_norm"),
                (boolean) v.get("log_grad_norm"),
                (boolean) v.get("log_optimizer_states"),
                (boolean) v.get("log_gradient_noise_scale"),
                (int) v.get("gradient_noise_scale_n_batches"),
                (boolean) v.get("gradient_noise_scale_cpu_offload"));
    }

    /** Writes every key of this group into {@code out} under its GPT-NeoX name. */
    void writeTo(Map<String, Object> out) {
        out.put("use_wandb", useWandb);
        out.put("wandb_group", wandbGroup);
        out.put("wandb_team", wandbTeam);
        out.put("wandb_project", wandbProject);
        out.put("wandb_host", wandbHost);
        out.put("wandb_init_all_ranks", wandbInitAllRanks);
        out.put("git_hash", gitHash);
        out.put("log_dir", logDir);
        out.put("tensorboard_dir", tensorboardDir);
        out.put("log_interval", logInterval);
        out.put("log_grad_pct_zeros", logGradPctZeros);
        out.put("log_param_norm", logParamNorm);
        out.put("log_grad_norm", logGradNorm);
        out.put("log_optimizer_states", logOptimizerStates);
        out.put("log_gradient_noise_scale", logGradientNoiseScale);
        out.put("gradient_noise_scale_n_batches", gradientNoiseScaleNBatches);
        out.put("gradient_noise_scale_cpu_offload", gradientNoiseScaleCpuOffload);
    }
}
