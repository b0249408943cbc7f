package org.neox.comm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class TopologyTest {
    @Test
    void specExampleSixteenRanksPipe2Model2Data4() {
        Topology t = new Topology(2, 4, 2);
        assertEquals(16, t.worldSize());
        assertEquals(new Topology.Coord(0, 2, 1), t.coord(5));
        assertArrayEquals(new int[] {4, 5}, t.tensorGroupOf(5));
        assertArrayEquals(new int[] {1, 3, 5, 7}, t.dataGroupOf(5));
        assertArrayEquals(new int[] {5, 13}, t.pipeGroupOf(5));
        assertEquals(4, t.modelParallelSourceRank(5));
    }

    @Test
    void rankAndCoordAreInversesAndModelVariesFastest() {
        Topology t = new Topology(3, 2, 4);
        for (int r = 0; r < t.worldSize(); r++) {
            Topology.Coord c = t.coord(r);
            assertEquals(r, t.rank(c.pipe(), c.data(), c.model()));
            assertEquals(c.pipe() * 8 + c.data() * 4 + c.model(), r);
        }
        assertThrows(IllegalArgumentException.class, () -> t.coord(24));
        assertThrows(IllegalArgumentException.class, () -> new Topology(0, 1, 1));
    }

    @Test
    void groupsOfEachKindPartitionTheWorldInRowMajorOrder() {
        Topology t = new Topology(2, 2, 2);
        assertGroups(List.of(new int[] {0, 1}, new int[] {2, 3}, new int[] {4, 5}, new int[] {6, 7}),
                t.tensorGroups());
        assertGroups(List.of(new int[] {0, 2}, new int[] {1, 3}, new int[] {4, 6}, new int[] {5, 7}),
                t.dataGroups());
        assertGroups(List.of(new int[] {0, 4}, new int[] {1, 5}, new int[] {2, 6}, new int[] {3, 7}),
                t.pipeGroups());
    }

    @Test
    void parallelGroupsGiveEachRankItsThreeGroupsOverTheWorld() throws Exception {
        Topology t = new Topology(2, 2, 2);
        List<Communicator> world = LocalCommunicator.create(8);
        RankThreads.run(world, w -> {
            try (ParallelGroups g = ParallelGroups.create(t, w)) {
                Topology.Coord c = g.coord();
                assertEquals(c.model(), g.tensor().rank());
                assertEquals(c.data(), g.data().rank());
                assertEquals(c.pipe(), g.pipe().rank());
                // summing world ranks over each group names exactly the group's members
                float[] v = {w.rank()};
                g.data().allReduceSum(v, 0, 1);
                int[] dg = t.dataGroupOf(w.rank());
                assertEquals(dg[0] + dg[1], (int) v[0]);
                v[0] = w.rank();
                g.pipe().allReduceSum(v, 0, 1);
                int[] pg = t.pipeGroupOf(w.rank());
                assertEquals(pg[0] + pg[1], (int) v[0]);
            }
        });
    }

    @Test
    void unitAxesUseTheSoloCommunicatorAndFullAxesTheWorld() throws Exception {
        Topology t = new Topology(1, 2, 1);
        List<Communicator> world = LocalCommunicator.create(2);
        RankThreads.run(world, w -> {
            ParallelGroups g = ParallelGroups.create(t, w);
            assertSame(SoloCommunicator.INSTANCE, g.tensor());
            assertSame(SoloCommunicator.INSTANCE, g.pipe());
            assertSame(w, g.data());
        });
    }

    private static void assertGroups(List<int[]> want, List<int[]> got) {
        assertEquals(want.size(), got.size());
        for (int i = 0; i < want.size(); i++) {
            assertArrayEquals(want.get(i), got.get(i), "group " + i);
        }
    }
}
