package org.neox.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class RankGridTest {
    /** Spec §6.1: 16 GPUs, pp 2, mp 2, dp 4; rank 5 = (pipe 0, data 2, model 1). */
    @Test
    void specExample() {
        RankGrid g = new RankGrid(2, 4, 2);
        assertEquals(new RankGrid.Coord(0, 2, 1), g.coord(5));
        assertEquals(5, g.rank(0, 2, 1));
        assertEquals(List.of(4, 5), g.tensorGroup(5));
        assertEquals(List.of(1, 3, 5, 7), g.dataGroup(5));
        assertEquals(List.of(5, 13), g.pipeGroup(5));
        assertEquals(8, g.tensorGroups().size());
        assertEquals(4, g.dataGroups().size());
        assertEquals(8, g.pipeGroups().size());
        assertEquals(List.of(0, 2, 4, 6), g.dataGroups().get(0));
        for (int r = 0; r < 16; r++) {
            RankGrid.Coord c = g.coord(r);
            assertEquals(r, g.rank(c.pipe(), c.data(), c.model()));
        }
    }
}
