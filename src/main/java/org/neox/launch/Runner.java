package org.neox.launch;

/**
 * How node agents are started: as a child process on this host, over OpenSSH (one client per
 * node), by one pdsh for all nodes, or one agent per rank by Open MPI's or MVAPICH's
 * {@code mpirun} or by Slurm's {@code srun} ({@link MpiRanks}).
 */
public enum Runner {
    LOCAL, SSH, PDSH, OPENMPI, MVAPICH, SLURM;

    /** Whether one launcher command (mpirun, srun) starts an agent per rank on every node. */
    boolean perRank() {
        return this == OPENMPI || this == MVAPICH || this == SLURM;
    }
}
