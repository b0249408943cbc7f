/**
 * Checkpoints: safetensors I/O, the atomic {@code global_step{N}} layout, HF conversion.
 *
 * <pre>
 * SAVE/latest                                   "global_step{N}", replaced after the save completes
 * SAVE/global_step{N}/manifest.json             {@link org.neox.ckpt.Manifest}: meta + files + CRC32C
 * SAVE/global_step{N}/mp_rank_{XX}_model_states.safetensors
 *                                               XX = pipe * mp + model; sequential names, local shapes
 * SAVE/global_step{N}/zero_pp_rank_{D}_mp_rank_{XX}_optim_states.safetensors
 *                                               optimizer state of (pipe, model, ZeRO data rank D)
 * SAVE/global_step{N}/configs/*                 original config texts
 * SAVE/global_step{N}.tmp/                      a save in progress (removed by the next begin)
 * </pre>
 *
 * Save: {@link org.neox.ckpt.CheckpointStore#begin} (rank 0), {@code write*Shard} (each rank,
 * or {@link org.neox.ckpt.CheckpointStore#join} in other processes), barrier, then
 * {@link org.neox.ckpt.PendingCheckpoint#commit} (rank 0). Load:
 * {@link org.neox.ckpt.CheckpointStore#openLatest} / {@code open(N)}, then
 * {@link org.neox.ckpt.LoadedCheckpoint#readModelShard} into the model's views.
 */
package org.neox.ckpt;
