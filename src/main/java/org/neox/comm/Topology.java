package org.neox.comm;

import java.util.ArrayList;
import java.util.List;

/**
 * DeepSpeed's {@code PipeModelDataParallelTopology}: axes {@code [pipe, data, model]} with dims
 * {@code [pp, dp, mp]}, row-major, so {@code rank = pipe·dp·mp + data·mp + model} (model varies
 * fastest). Groups along one axis are listed in row-major order of the other two axes, which is
 * the same on every rank; {@link ParallelGroups#create} creates them collectively in that order.
 */
public record Topology(int pipeSize, int dataSize, int modelSize) {
    public Topology {
        if (pipeSize < 1 || dataSize < 1 || modelSize < 1) {
            throw new IllegalArgumentException("parallel sizes must be >= 1, got pp=" + pipeSize
                    + " dp=" + dataSize + " mp=" + modelSize);
        }
    }

    /** Grid coordinates of one rank. */
    public record Coord(int pipe, int data, int model) {
    }

    public int worldSize() {
        return pipeSize * dataSize * modelSize;
    }

    public int rank(int pipe, int data, int model) {
        check(pipe, pipeSize, "pipe");
        check(data, dataSize, "data");
        check(model, modelSize, "model");
        return pipe * dataSize * modelSize + data * modelSize + model;
    }

    public Coord coord(int rank) {
        check(rank, worldSize(), "rank");
        return new Coord(rank / (dataSize * modelSize), (rank / modelSize) % dataSize, rank % modelSize);
    }

    /** Megatron's model-parallel source rank: the tensor-rank-0 member of this rank's tensor group. */
    public int modelParallelSourceRank(int rank) {
        check(rank, worldSize(), "rank");
        return rank / modelSize * modelSize;
    }

    /** All tensor (model-parallel) groups: ranks differing only in {@code model}. */
    public List<int[]> tensorGroups() {
        List<int[]> out = new ArrayList<>();
        for (int p = 0; p < pipeSize; p++) {
            for (int d = 0; d < dataSize; d++) {
                int[] g = new int[modelSize];
                for (int m = 0; m < modelSize; m++) {
                    g[m] = rank(p, d, m);
                }
                out.add(g);
            }
        }
        return out;
    }

    /** All data-parallel groups: ranks differing only in {@code data}. */
    public List<int[]> dataGroups() {
        List<int[]> out = new ArrayList<>();
        for (int p = 0; p < pipeSize; p++) {
            for (int m = 0; m < modelSize; m++) {
                int[] g = new int[dataSize];
                for (int d = 0; d < dataSize; d++) {
                    g[d] = rank(p, d, m);
                }
                out.add(g);
            }
        }
        return out;
    }

    /** All pipeline groups: ranks differing only in {@code pipe}; group rank = stage. */
    public List<int[]> pipeGroups() {
        List<int[]> out = new ArrayList<>();
        for (int d = 0; d < dataSize; d++) {
            for (int m = 0; m < modelSize; m++) {
                int[] g = new int[pipeSize];
                for (int p = 0; p < pipeSize; p++) {
                    g[p] = rank(p, d, m);
                }
                out.add(g);
            }
        }
        return out;
    }

    public int[] tensorGroupOf(int rank) {
        Coord c = coord(rank);
        return tensorGroups().get(c.pipe() * dataSize + c.data());
    }

    public int[] dataGroupOf(int rank) {
        Coord c = coord(rank);
        return dataGroups().get(c.pipe() * modelSize + c.model());
    }

    public int[] pipeGroupOf(int rank) {
        Coord c = coord(rank);
        return pipeGroups().get(c.data() * modelSize + c.model());
    }

    private static void check(int v, int size, String axis) {
        if (v < 0 || v >= size) {
            throw new IllegalArgumentException(axis + " index " + v + " outside [0, " + size + ")");
        }
    }
}
