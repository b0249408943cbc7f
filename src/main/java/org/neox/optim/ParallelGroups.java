package org.neox.optim;

import org.neox.comm.Communicator;
import org.neox.comm.SoloCommunicator;

/**
 * The groups an optimizer step communicates over.
 *
 * @param dataGroup ranks holding replicas of the same parameters (gradient averaging, ZeRO partitions)
 * @param modelGroup the tensor- and pipeline-parallel ranks of one replica (the norm's second all-reduce)
 * @param tensorParallelRank this rank's tensor-parallel rank; replicated parameters count in the norm only on 0
 */
public record ParallelGroups(Communicator dataGroup, Communicator modelGroup, int tensorParallelRank) {
    public static final ParallelGroups SINGLE = new ParallelGroups(SoloCommunicator.INSTANCE, SoloCommunicator.INSTANCE, 0);

    /** Data parallelism only. */
    public static ParallelGroups dataParallel(Communicator dataGroup) {
        return new ParallelGroups(dataGroup, SoloCommunicator.INSTANCE, 0);
    }
}
