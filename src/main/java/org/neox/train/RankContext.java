package org.neox.train;

import org.neox.comm.Communicator;
import org.neox.comm.SoloCommunicator;

/**
 * Where this worker sits in the rank grid (spec §6.1) and the groups it talks to.
 *
 * @param world all ranks
 * @param tensorGroup ranks differing only in the model (tensor-parallel) coordinate
 * @param dataGroup ranks differing only in the data coordinate (gradient averaging, ZeRO)
 * @param modelGroup the tensor × pipeline ranks of one replica (second all-reduce of the norm)
 * @param pipeGroup ranks differing only in the pipe coordinate, group rank = stage
 */
public record RankContext(int rank, int pipeRank, int dataRank, int modelRank, Communicator world,
                          Communicator tensorGroup, Communicator dataGroup, Communicator modelGroup,
                          Communicator pipeGroup) {

    /** The single-rank run: every group is the group of one. */
    public static RankContext single() {
        SoloCommunicator solo = SoloCommunicator.INSTANCE;
        return new RankContext(0, 0, 0, 0, solo, solo, solo, solo, solo);
    }

    public int dataParallelSize() {
        return dataGroup.size();
    }

    public int pipeParallelSize() {
        return pipeGroup.size();
    }

    public boolean isLoggingRank() {
        return rank == 0;
    }
}
