package org.neox.config;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The pure rank arithmetic of GPT-NeoX's {@code PipeModelDataParallelTopology} (spec §6.1):
 * axes [pipe, data, model], row-major, {@code rank = pipe·dp·mp + data·mp + model}. The tensor
 * group of a rank holds the ranks differing only in {@code model}, the data group those
 * differing only in {@code data}, the pipe group those differing only in {@code pipe}.
 *
 * @param pp pipeline stages
 * @param dp data-parallel replicas
 * @param mp tensor-parallel ranks
 */
public record RankGrid(int pp, int dp, int mp) {
    public RankGrid {
        if (pp < 1 || dp < 1 || mp < 1) {
            throw new IllegalArgumentException("grid sizes must be positive: " + pp + "x" + dp + "x" + mp);
        }
    }

    /**
     * A rank's position.
     *
     * @param pipe pipeline stage
     * @param data data-parallel index
     * @param model tensor-parallel index
     */
    public record Coord(int pipe, int data, int model) {
    }

    public int worldSize() {
        return pp * dp * mp;
    }

    public int rank(int pipe, int data, int model) {
        return pipe * dp * mp + data * mp + model;
    }

    public Coord coord(int rank) {
        return new Coord(rank / (dp * mp), rank / mp % dp, rank % mp);
    }

    public List<Integer> tensorGroup(int rank) {
        Coord c = coord(rank);
        return IntStream.range(0, mp).map(m -> rank(c.pipe(), c.data(), m)).boxed().toList();
    }

    public List<Integer> dataGroup(int rank) {
        Coord c = coord(rank);
        return IntStream.range(0, dp).map(d -> rank(c.pipe(), d, c.model())).boxed().toList();
    }

    public List<Integer> pipeGroup(int rank) {
        Coord c = coord(rank);
        return IntStream.range(0, pp).map(p -> rank(p, c.data(), c.model())).boxed().toList();
    }

    /** All tensor groups, ordered by their first rank. */
    public List<List<Integer>> tensorGroups() {
        return distinct(this::tensorGroup);
    }

    public List<List<Integer>> dataGroups() {
        return distinct(this::dataGroup);
    }

    public List<List<Integer>> pipeGroups() {
        return distinct(this::pipeGroup);
    }

    private List<List<Integer>> distinct(java.util.function.IntFunction<List<Integer>> groupOf) {
        List<List<Integer>> out = new ArrayList<>();
        for (int r = 0; r < worldSize(); r++) {
            List<Integer> g = groupOf.apply(r);
            if (g.get(0) == r) {
                out.add(g);
            }
        }
        return out;
    }
}
