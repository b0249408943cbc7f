package org.neox.comm;

/**
 * This rank's tensor, data and pipeline communicators over a {@link Topology}. Groups of size
 * one are {@link SoloCommunicator#INSTANCE} without any communication.
 */
public record ParallelGroups(Topology topology, Communicator world, Communicator tensor,
                             Communicator data, Communicator pipe) implements AutoCloseable {

    /**
     * Creates every tensor group, then every data group, then every pipeline group, each in
     * {@link Topology}'s order: the same sequence of collective {@code subgroup} calls on every
     * rank of {@code world}, keeping the one group of each kind that holds this rank.
     */
    public static ParallelGroups create(Topology topology, Communicator world) {
        if (world.size() != topology.worldSize()) {
            throw new IllegalArgumentException("topology " + topology + " needs " + topology.worldSize()
                    + " ranks but the world has " + world.size());
        }
        Communicator tensor = createKind(world, topology.tensorGroups(), topology.modelSize());
        Communicator data = createKind(world, topology.dataGroups(), topology.dataSize());
        Communicator pipe = createKind(world, topology.pipeGroups(), topology.pipeSize());
        return new ParallelGroups(topology, world, tensor, data, pipe);
    }

    private static Communicator createKind(Communicator world, java.util.List<int[]> groups, int size) {
        if (size == 1) {
            return SoloCommunicator.INSTANCE;
        }
        if (size == world.size()) {
            return world;
        }
        Communicator mine = null;
        for (int[] g : groups) {
            Communicator c = world.subgroup(g);
            if (c != null) {
                mine = c;
            }
        }
        return mine;
    }

    public Topology.Coord coord() {
        return topology.coord(world.rank());
    }

    /** Closes the subgroups this object created (not the world). */
    @Override
    public void close() {
        for (Communicator c : new Communicator[] {tensor, data, pipe}) {
            if (c != world && c != SoloCommunicator.INSTANCE) {
                c.close();
            }
        }
    }
}
