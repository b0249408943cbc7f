package org.neox.comm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class WorkerEnvTest {
    @Test
    void launcherVariablesComeFirst() {
        WorkerEnv w = WorkerEnv.parse(Map.of("RANK", "3", "WORLD_SIZE", "4", "LOCAL_RANK", "1", "MASTER_ADDR", "h0",
                "MASTER_PORT", "1234", "NEOX_JOB_SECRET", "s", "OMPI_COMM_WORLD_RANK", "0"));
        assertEquals(new WorkerEnv(3, 4, 1, "h0", 1234, "s"), w);
    }

    @Test
    void openMpiAndSlurmRanksAreUnderstood() {
        assertEquals(new WorkerEnv(2, 8, 0, "127.0.0.1", 29500, "s"), WorkerEnv.parse(Map.of(
                "OMPI_COMM_WORLD_RANK", "2", "OMPI_COMM_WORLD_SIZE", "8", "OMPI_COMM_WORLD_LOCAL_RANK", "0",
                "NEOX_JOB_SECRET", "s")));
        assertEquals(new WorkerEnv(5, 6, 1, "n1", 29500, "s"), WorkerEnv.parse(Map.of(
                "SLURM_PROCID", "5", "SLURM_NTASKS", "6", "SLURM_LOCALID", "1", "MASTER_ADDR", "n1",
                "NEOX_JOB_SECRET", "s")));
    }

    @Test
    void aSingleRankNeedsNothingAndManyRanksNeedTheSecret() {
        assertEquals(0, WorkerEnv.parse(Map.of()).rank());
        CommException e = assertThrows(CommException.class,
                () -> WorkerEnv.parse(Map.of("RANK", "0", "WORLD_SIZE", "2")));
        assertTrue(e.getMessage().contains("NEOX_JOB_SECRET"), e.getMessage());
        assertThrows(CommException.class, () -> WorkerEnv.parse(Map.of("RANK", "2", "WORLD_SIZE", "2")));
        assertThrows(CommException.class, () -> WorkerEnv.parse(Map.of("RANK", "x")));
    }

    @Test
    void optionsComeFromTheEnvironmentInSeconds() {
        CommOptions o = CommOptions.fromEnv(Map.of("NEOX_COMM_PEER_TIMEOUT_S", "2", "NEOX_COMM_OP_TIMEOUT_S", "0.5"));
        assertEquals(2000, o.peerTimeoutMs());
        assertEquals(500, o.opTimeoutMs());
        assertTrue(o.heartbeatMs() < o.peerTimeoutMs());
        assertThrows(CommException.class, () -> CommOptions.fromEnv(Map.of("NEOX_COMM_OP_TIMEOUT_S", "-1")));
    }
}
