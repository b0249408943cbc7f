package org.neox.comm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Behaviour every {@link Communicator} implementation must have, checked on groups of threads
 * against values computed here in double precision. Values are small integers so float sums
 * are exact and results are compared exactly.
 */
abstract class CommunicatorContract {
    /** A fresh group of n communicators, element r with rank r. */
    abstract List<Communicator> group(int n) throws Exception;

    /** rank r's input element i: distinct small integers per rank and position. */
    static float input(int r, int i) {
        return (r + 1) * 1000 + (i % 997) - 500;
    }

    static float[] inputs(int r, int len) {
        float[] a = new float[len];
        for (int i = 0; i < len; i++) {
            a[i] = input(r, i);
        }
        return a;
    }

    @Test
    void allReduceSumAndMaxGiveTheSameExactResultOnEveryRank() throws Exception {
        for (int n : new int[] {1, 2, 3, 4}) {
            for (int len : new int[] {0, 1, 5, 1000, 70_001}) {
                List<Communicator> g = group(n);
                RankThreads.run(g, c -> {
                    float[] buf = new float[len + 3];
                    System.arraycopy(inputs(c.rank(), len), 0, buf, 2, len);
                    buf[0] = -7;
                    c.allReduceSum(buf, 2, len);
                    for (int i = 0; i < len; i++) {
                        double want = 0;
                        for (int r = 0; r < n; r++) {
                            want += input(r, i);
                        }
                        assertEquals(want, buf[2 + i], 0.0, "n=" + n + " len=" + len + " i=" + i);
                    }
                    assertEquals(-7f, buf[0]);
                    float[] m = inputs(c.rank(), len);
                    c.allReduceMax(m, 0, len);
                    for (int i = 0; i < len; i++) {
                        assertEquals(input(n - 1, i), m[i], 0.0);
                    }
                });
                close(g);
            }
        }
    }

    @Test
    void allReduceOfNonIntegersIsBitwiseIdenticalAcrossRanks() throws Exception {
        int n = 4;
        int len = 50_003;
        Map<Integer, float[]> results = new ConcurrentHashMap<>();
        List<Communicator> g = group(n);
        RankThreads.run(g, c -> {
            java.util.Random rnd = new java.util.Random(c.rank());
            float[] buf = new float[len];
            for (int i = 0; i < len; i++) {
                buf[i] = (float) rnd.nextGaussian();
            }
            c.allReduceSum(buf, 0, len);
            results.put(c.rank(), buf);
        });
        close(g);
        for (int r = 1; r < n; r++) {
            assertArrayEquals(results.get(0), results.get(r), "rank " + r + " differs from rank 0");
        }
    }

    @Test
    void reduceScatterLeavesEachRankItsSummedChunkAndAllGatherRestoresAll() throws Exception {
        for (int n : new int[] {1, 2, 3, 4}) {
            int chunk = 1001;
            int len = n * chunk;
            List<Communicator> g = group(n);
            RankThreads.run(g, c -> {
                float[] buf = new float[len + 1];
                System.arraycopy(inputs(c.rank(), len), 0, buf, 1, len);
                c.reduceScatterSum(buf, 1, len);
                int lo = c.rank() * chunk;
                for (int i = lo; i < lo + chunk; i++) {
                    double want = 0;
                    for (int r = 0; r < n; r++) {
                        want += input(r, i);
                    }
                    assertEquals(want, buf[1 + i], 0.0);
                }
                float[] ag = new float[len];
                for (int i = lo; i < lo + chunk; i++) {
                    ag[i] = input(c.rank(), i);
                }
                c.allGather(ag, 0, len);
                for (int i = 0; i < len; i++) {
                    assertEquals(input(i / chunk, i), ag[i], 0.0);
                }
            });
            close(g);
        }
    }

    @Test
    void chunkedCollectivesRejectALengthThatIsNotAMultipleOfTheGroupSize() throws Exception {
        List<Communicator> g = group(2);
        RankThreads.run(g, c -> assertThrows(IllegalArgumentException.class,
                () -> c.reduceScatterSum(new float[5], 0, 5)));
        close(g);
    }

    @Test
    void broadcastCopiesTheRootRangeOfFloatsAndBytes() throws Exception {
        int n = 3;
        List<Communicator> g = group(n);
        RankThreads.run(g, c -> {
            for (int root = 0; root < n; root++) {
                float[] f = inputs(c.rank(), 300_000);
                c.broadcast(f, 0, f.length, root);
                assertArrayEquals(inputs(root, 300_000), f);
                byte[] b = ("rank " + c.rank()).getBytes(StandardCharsets.UTF_8);
                c.broadcast(b, 0, b.length, root);
                assertEquals("rank " + root, new String(b, StandardCharsets.UTF_8));
            }
        });
        close(g);
    }

    @Test
    void sendAndRecvDeliverInOrderBetweenAnyPair() throws Exception {
        int n = 3;
        List<Communicator> g = group(n);
        RankThreads.run(g, c -> {
            int next = (c.rank() + 1) % n;
            int prev = (c.rank() + n - 1) % n;
            for (int k = 0; k < 3; k++) {
                float[] out = inputs(c.rank() * 10 + k, 1000 + k);
                c.send(out, 0, out.length, next);
            }
            for (int k = 0; k < 3; k++) {
                float[] in = new float[1000 + k];
                c.recv(in, 0, in.length, prev);
                assertArrayEquals(inputs(prev * 10 + k, 1000 + k), in);
            }
            c.barrier();
        });
        close(g);
    }

    @Test
    void subgroupsAreCreatedCollectivelyAndWorkIndependently() throws Exception {
        int n = 4;
        List<Communicator> g = group(n);
        RankThreads.run(g, c -> {
            // two disjoint pairs {0,2} and {1,3}, created in the same order on every rank
            Communicator even = c.subgroup(new int[] {0, 2});
            Communicator odd = c.subgroup(new int[] {3, 1});
            Communicator mine = c.rank() % 2 == 0 ? even : odd;
            assertNull(c.rank() % 2 == 0 ? odd : even);
            assertEquals(2, mine.size());
            int expectRank = c.rank() % 2 == 0 ? c.rank() / 2 : (c.rank() == 3 ? 0 : 1);
            assertEquals(expectRank, mine.rank());
            float[] v = {c.rank(), 1};
            mine.allReduceSum(v, 0, 2);
            assertArrayEquals(new float[] {c.rank() % 2 == 0 ? 2 : 4, 2}, v);
            float[] b = {c.rank()};
            mine.broadcast(b, 0, 1, 0);
            assertEquals(c.rank() % 2 == 0 ? 0f : 3f, b[0]);
            c.barrier();
            mine.close();
        });
        close(g);
    }

    @Test
    void aMismatchedCollectiveIsReportedNamingBothOps() throws Exception {
        List<Communicator> g = group(2);
        Exception e = assertThrows(CommException.class, () -> RankThreads.run(g, c -> {
            if (c.rank() == 0) {
                c.allReduceSum(new float[8], 0, 8);
            } else {
                c.broadcast(new float[8], 0, 8, 0);
            }
        }));
        String msg = RankThreads.messages(e);
        assertTrue(msg.matches("(?si).*(all_?reduce_?sum.*broadcast|broadcast.*all_?reduce_?sum).*"), msg);
        close(g);
    }

    /** Closes all ranks at once, as the processes of a job do. */
    static void close(List<Communicator> g) throws Exception {
        RankThreads.run(g, Communicator::close);
    }

}
