package org.neox.launch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.neox.comm.CommException;
import org.neox.comm.OneTimeBlobClient;

/** The launcher's side of the pdsh plan handoff over loopback, with agents played by this test. */
class PlanHandoffTest {
    private static final Duration LONG = Duration.ofSeconds(60);
    private static final List<String> HOSTS = List.of("localhost", "127.0.0.1");
    private static final List<byte[]> PLANS = List.of("plan a\ngo\n".getBytes(StandardCharsets.UTF_8),
            "plan b\ngo\n".getBytes(StandardCharsets.UTF_8));
    private final BlockingQueue<String> aborts = new ArrayBlockingQueue<>(4);

    private PlanHandoff open(Duration deadline) throws Exception {
        return PlanHandoff.open(HOSTS, PLANS, deadline, aborts::add);
    }

    private static OneTimeBlobClient fetch(PlanHandoff h, int node) {
        List<String> args = h.agentArguments("127.0.0.1");
        String token = PlanHandoff.tokenFor(args.get(2), HOSTS.get(node));
        return OneTimeBlobClient.fetch(args.get(1), Integer.parseInt(args.get(0)), token, LONG);
    }

    @Test
    void theGoComesOnceEveryNodeHasReportedItsPlan() throws Exception {
        try (PlanHandoff h = open(LONG)) {
            List<String> args = h.agentArguments(null);
            assertEquals(PlanHandoff.FROM_SSH, args.get(1));
            Map<String, String> env = Map.of("SSH_CONNECTION", "127.0.0.1 40000 127.0.0.1 22");
            try (OneTimeBlobClient b = fetch(h, 1)) {
                assertArrayEquals(PLANS.get(1), b.blob());
                h.planned(1);
                // the agent's end of node 0 returns its plan only after the go, which needs node 1's report too
                String plan = PlanHandoff.receive("localhost", args, env, () -> h.planned(0));
                assertEquals("plan a\ngo\n", plan);
                b.awaitGo(LONG);
            }
        }
        assertEquals(List.of(), List.copyOf(aborts));
    }

    @Test
    void aTokenPresentedTwiceAbortsTheJobAndCallsTheStartOff() throws Exception {
        try (PlanHandoff h = open(LONG); OneTimeBlobClient thief = fetch(h, 1)) {
            CommException refused = assertThrows(CommException.class, () -> fetch(h, 1));
            assertTrue(refused.getMessage().endsWith("token already used"), refused.getMessage());
            assertEquals("the start-up plan of node 1 (127.0.0.1) was requested twice (from 127.0.0.1, then from"
                    + " 127.0.0.1): another process read its one-time token from a command line and may hold the job"
                    + " secret", aborts.poll(60, TimeUnit.SECONDS));
            assertThrows(CommException.class, () -> thief.awaitGo(LONG));
        }
        assertEquals(null, aborts.poll());
    }

    @Test
    void nodesThatDoNotFetchTheirPlanByTheDeadlineAreNamed() throws Exception {
        try (PlanHandoff h = open(Duration.ofMillis(300)); OneTimeBlobClient a = fetch(h, 0)) {
            String why = aborts.poll(60, TimeUnit.SECONDS);
            assertTrue(why != null && why.startsWith("node 1 (127.0.0.1) did not fetch its start-up plan within 0.3 s"
                    + " (agents connect to port "), why);
            assertThrows(CommException.class, () -> a.awaitGo(LONG));
        }
    }

    @Test
    void aFetchedPlanWhoseAgentNeverReportsAbortsAtTheDeadline() throws Exception {
        try (PlanHandoff h = open(Duration.ofMillis(300)); OneTimeBlobClient a = fetch(h, 0);
             OneTimeBlobClient b = fetch(h, 1)) {
            h.planned(0);
            assertEquals("the start-up plan of node 1 (127.0.0.1) was fetched but its agent did not report it within"
                    + " 0.3 s", aborts.poll(60, TimeUnit.SECONDS));
        }
    }

    @Test
    void closingTheHandoffAbortsNothing() throws Exception {
        PlanHandoff h = open(LONG);
        try (OneTimeBlobClient a = fetch(h, 0)) {
            h.close();
            assertThrows(CommException.class, () -> a.awaitGo(LONG));
        }
        assertEquals(null, aborts.poll());
    }
}
