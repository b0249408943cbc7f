package org.neox.comm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The one-time blob server and client over loopback. */
class OneTimeBlobServerTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private final List<String> reports = new ArrayList<>();

    private OneTimeBlobServer open() throws Exception {
        return OneTimeBlobServer.open("start-up plan", (label, first, again) -> {
            synchronized (reports) {
                reports.add(label + " first " + first + " again " + again);
            }
        });
    }

    private static OneTimeBlobClient fetch(OneTimeBlobServer s, String token) {
        return OneTimeBlobClient.fetch("127.0.0.1", s.port(), token, WAIT);
    }

    @Test
    void blobsRoundTripAndTheGoFollowsTheRelease() throws Exception {
        byte[] big = new byte[3 << 20];
        new Random(7).nextBytes(big);
        byte[] small = "cwd X\ngo\n".getBytes();
        try (OneTimeBlobServer s = open()) {
            String t0 = s.offer("node 0 (a)", big);
            String t1 = s.offer("node 1 (b)", small);
            assertEquals(32, t0.length());
            assertTrue(!t0.equals(t1));
            try (OneTimeBlobClient c1 = fetch(s, t1); OneTimeBlobClient c0 = fetch(s, t0)) {
                assertArrayEquals(big, c0.blob());
                assertArrayEquals(small, c1.blob());
                s.awaitAllFetched(WAIT);
                assertEquals(List.of(), s.unfetched());
                s.release();
                c0.awaitGo(WAIT);
                c1.awaitGo(WAIT);
            }
        }
        assertEquals(List.of(), reports);
    }

    @Test
    void aSpentTokenIsRefusedAndReported() throws Exception {
        try (OneTimeBlobServer s = open()) {
            String t = s.offer("node 1 (b)", new byte[] {1, 2});
            try (OneTimeBlobClient first = fetch(s, t)) {
                assertArrayEquals(new byte[] {1, 2}, first.blob());
                CommException e = assertThrows(CommException.class, () -> fetch(s, t));
                assertTrue(e.getMessage().endsWith("refused the token: token already used"), e.getMessage());
            }
        }
        assertEquals(List.of("node 1 (b) first 127.0.0.1 again 127.0.0.1"), reports);
    }

    @Test
    void anUnknownTokenIsRefusedWithoutSpendingAny() throws Exception {
        try (OneTimeBlobServer s = open()) {
            String t = s.offer("node 0 (a)", new byte[] {5});
            String wrong = (t.charAt(0) == '0' ? "1" : "0") + t.substring(1);
            CommException e = assertThrows(CommException.class, () -> fetch(s, wrong));
            assertTrue(e.getMessage().endsWith("refused the token: unknown token"), e.getMessage());
            assertEquals(List.of("node 0 (a)"), s.unfetched());
            try (OneTimeBlobClient c = fetch(s, t)) {
                assertArrayEquals(new byte[] {5}, c.blob());
            }
        }
        assertEquals(List.of(), reports);
    }

    @Test
    void waitingForFetchesTimesOutNamingTheNodesThatDidNotCome() throws Exception {
        try (OneTimeBlobServer s = open()) {
            String t0 = s.offer("node 0 (a)", new byte[] {0});
            s.offer("node 1 (b)", new byte[] {1});
            s.offer("node 2 (c)", new byte[] {2});
            try (OneTimeBlobClient c = fetch(s, t0)) {
                CommException e = assertThrows(CommException.class, () -> s.awaitAllFetched(Duration.ofMillis(200)));
                assertEquals("node 1 (b), node 2 (c) did not fetch their start-up plan within 0.2 s", e.getMessage());
            }
        }
    }

    @Test
    void closingWithoutReleaseCallsTheStartOffAndStopsServing() throws Exception {
        OneTimeBlobServer s = open();
        String t0 = s.offer("node 0 (a)", new byte[] {0});
        String t1 = s.offer("node 1 (b)", new byte[] {1});
        try (OneTimeBlobClient c = fetch(s, t0)) {
            s.close();
            CommException off = assertThrows(CommException.class, () -> c.awaitGo(WAIT));
            assertTrue(off.getMessage().endsWith("called the start off"), off.getMessage());
        }
        // the listener is closed: refused at connect, or (a connection the kernel had already
        // queued, seen on gVisor) answered by the serving thread that the server is closed
        CommException e = assertThrows(CommException.class, () -> fetch(s, t1));
        assertTrue(e.getMessage().startsWith("could not fetch from 127.0.0.1:" + s.port())
                || e.getMessage().endsWith("server is closed"), e.getMessage());
    }
}
