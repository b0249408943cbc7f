package org.neox.comm;

import java.util.Map;

/**
 * A worker's place in the job, from the environment the launcher sets: {@code RANK},
 * {@code WORLD_SIZE}, {@code LOCAL_RANK}, {@code MASTER_ADDR}, {@code MASTER_PORT},
 * {@code NEOX_JOB_SECRET}. Under mpirun or srun (no {@code RANK}) the rank comes from Open MPI's
 * {@code OMPI_COMM_WORLD_RANK/SIZE/LOCAL_RANK} or Slurm's {@code SLURM_PROCID/NTASKS/LOCALID}.
 */
public record WorkerEnv(int rank, int worldSize, int localRank, String masterAddr, int masterPort, String secret) {
    public static final int DEFAULT_MASTER_PORT = 29500;

    public static WorkerEnv parse(Map<String, String> env) {
        String[] keys = env.containsKey("RANK") ? new String[] {"RANK", "WORLD_SIZE", "LOCAL_RANK"}
                : env.containsKey("OMPI_COMM_WORLD_RANK")
                ? new String[] {"OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK"}
                : env.containsKey("SLURM_PROCID") ? new String[] {"SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID"}
                : new String[] {"RANK", "WORLD_SIZE", "LOCAL_RANK"};
        int rank = integer(env, keys[0], 0);
        int world = integer(env, keys[1], 1);
        if (rank < 0 || rank >= world) {
            throw new CommException(keys[0] + "=" + rank + " is outside " + keys[1] + "=" + world);
        }
        String secret = env.get("NEOX_JOB_SECRET");
        if (world > 1 && (secret == null || secret.isEmpty())) {
            throw new CommException("NEOX_JOB_SECRET is not set; multi-rank jobs need the secret the launcher"
                    + " generates (export the same value to every rank when starting them by hand)");
        }
        return new WorkerEnv(rank, world, integer(env, keys[2], 0), env.getOrDefault("MASTER_ADDR", "127.0.0.1"),
                integer(env, "MASTER_PORT", DEFAULT_MASTER_PORT), secret == null ? "solo" : secret);
    }

    private static int integer(Map<String, String> env, String key, int def) {
        String v = env.get(key);
        if (v == null) {
            return def;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new CommException("environment variable " + key + "=" + v + " is not an integer");
        }
    }
}
