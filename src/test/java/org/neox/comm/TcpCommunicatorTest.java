package org.neox.comm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The TCP communicator over loopback, one thread per rank in this JVM. */
class TcpCommunicatorTest extends CommunicatorContract {
    static final String SECRET = "test-secret-0123456789";
    /** Small segments so multi-segment pipelining is exercised by small buffers. */
    static final CommOptions OPTIONS = new CommOptions(20_000, 10_000, 30_000, 200, 4096, true);

    @Override
    List<Communicator> group(int n) throws Exception {
        return join(n, FreePort.find(), SECRET, OPTIONS);
    }

    static List<Communicator> join(int n, int port, String secret, CommOptions opt) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<Communicator>> fs = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                int rank = r;
                fs.add(pool.submit(() -> TcpCommunicator.join(rank, n, "127.0.0.1", port, secret, opt)));
            }
            List<Communicator> out = new ArrayList<>();
            for (Future<Communicator> f : fs) {
                out.add(f.get());
            }
            return out;
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void aProcessWithoutTheJobSecretCannotJoinAndTheJobStillForms() throws Exception {
        int port = FreePort.find();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            Future<Communicator> r0 = pool.submit(() -> TcpCommunicator.join(0, 2, "127.0.0.1", port, SECRET, OPTIONS));
            CommException e = assertThrows(CommException.class,
                    () -> TcpCommunicator.join(1, 2, "127.0.0.1", port, "wrong-secret", OPTIONS));
            assertTrue(e.getMessage().contains("wrong job secret"), e.getMessage());
            Future<Communicator> r1 = pool.submit(() -> TcpCommunicator.join(1, 2, "127.0.0.1", port, SECRET, OPTIONS));
            List<Communicator> g = List.of(r0.get(), r1.get());
            RankThreads.run(g, c -> {
                float[] v = {c.rank() + 1};
                c.allReduceSum(v, 0, 1);
                assertTrue(v[0] == 3f);
            });
            close(g);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aDeadPeerIsReportedByRankInsteadOfHanging() throws Exception {
        List<Communicator> g = join(3, FreePort.find(), SECRET, OPTIONS);
        CommException e = assertThrows(CommException.class, () -> RankThreads.run(g, c -> {
            if (c.rank() == 2) {
                c.close();
                return;
            }
            c.allReduceSum(new float[100], 0, 100);
        }));
        String msg = RankThreads.messages(e);
        assertTrue(msg.contains("rank 2"), msg);
        close(g);
    }

    /** Thousands of tiny segments per chunk stream through the pipelined ring, writers lagging readers. */
    @Test
    void peersInThisProcessPassPayloadsThroughSharedMemoryUnlessItIsOff() throws Exception {
        assumeTrue(Files.isDirectory(ShmRing.DIR) && Files.isWritable(ShmRing.DIR),
                "no writable " + ShmRing.DIR + " here: same-host links fall back to TCP");
        for (boolean on : new boolean[] {true, false}) {
            List<Communicator> g = join(3, FreePort.find(), SECRET, OPTIONS.withSharedMemory(on));
            for (Communicator c : g) {
                assertEquals(on ? 2 : 0, ((TcpCommunicator) c).sharedMemoryLinks(), "rank " + c.rank());
            }
            close(g);
        }
    }

    @Test
    void manySmallSegmentsStillReduceExactlyAndIdenticallyOnEveryRank() throws Exception {
        int n = 3;
        int len = 300_001;
        CommOptions tiny = new CommOptions(20_000, 10_000, 30_000, 200, 64, true);
        Map<Integer, float[]> results = new ConcurrentHashMap<>();
        List<Communicator> g = join(n, FreePort.find(), SECRET, tiny);
        RankThreads.run(g, c -> {
            java.util.Random rnd = new java.util.Random(c.rank());
            float[] buf = new float[len];
            for (int i = 0; i < len; i++) {
                buf[i] = (float) rnd.nextGaussian();
            }
            float[] mine = buf.clone();
            c.allReduceSum(buf, 0, len);
            c.allReduceMax(mine, 0, len);
            results.put(c.rank(), buf);
            results.put(n + c.rank(), mine);
        });
        close(g);
        float[] max = new float[len];
        java.util.Arrays.fill(max, Float.NEGATIVE_INFINITY);
        for (int r = 0; r < n; r++) {
            java.util.Random rnd = new java.util.Random(r);
            for (int i = 0; i < len; i++) {
                max[i] = Math.max(max[i], (float) rnd.nextGaussian());
            }
        }
        for (int r = 0; r < n; r++) {
            assertArrayEquals(results.get(0), results.get(r), "sum: rank " + r + " differs from rank 0");
            assertArrayEquals(max, results.get(n + r), "max at rank " + r);
        }
    }
}
