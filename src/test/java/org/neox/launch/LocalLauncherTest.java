package org.neox.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real multi-process jobs with the local runner: collectives over TCP and supervision. */
@Tag("integration")
class LocalLauncherTest {
    @TempDir
    Path tmp;

    private static final List<NodeSlots> TWO_NODES = List.of(new NodeSlots("localhost", List.of(0, 1)),
            new NodeSlots("127.0.0.1", List.of(0, 1)));

    @Test
    void fourRanksOnTwoLocalNodesPassEveryCollectiveWithTheirEnvironment() throws Exception {
        JobFixtures f = new JobFixtures();
        int code = f.run(f.job(TWO_NODES, Runner.LOCAL, tmp));
        String out = f.output();
        assertEquals(0, code, out);
        for (int r = 0; r < 4; r++) {
            assertTrue(out.contains("[rank " + r + "] ok rank " + r), out);
            assertTrue(Files.readString(Launcher.logFile(tmp, r)).contains("ok rank " + r));
        }
        assertTrue(out.contains("[rank 2] rank 2 of 4 node 1 local 0/2"), out);
        assertTrue(out.contains("config {\"k\": 1}"), out);
        f.assertNoLeftovers();
    }

    @Test
    void aRankExitingNonZeroStopsTheOthersAndIsNamedWithItsLastLines() throws Exception {
        JobFixtures f = new JobFixtures();
        int code = f.run(f.job(TWO_NODES, Runner.LOCAL, tmp, "fail-rank=2", "others-sleep=600"));
        String out = f.output();
        assertEquals(3, code, out);
        assertTrue(out.matches("(?s).*neox: rank 2 \\(host 127\\.0\\.0\\.1, pid \\d+\\) failed: exit code 3.*"), out);
        assertTrue(out.contains("  rank 2 failing on purpose"), out);
        f.assertNoLeftovers();
    }

    @Test
    void aRankKilledBySigkillIsNamedBySignal() throws Exception {
        JobFixtures f = new JobFixtures();
        int code = f.run(f.job(TWO_NODES, Runner.LOCAL, tmp, "kill-rank=1"));
        String out = f.output();
        assertTrue(code != 0, out);
        assertTrue(out.contains("neox: rank 1 (host localhost"), out);
        assertTrue(out.contains("killed by SIGKILL"), out);
        f.assertNoLeftovers();
    }

    @Test
    void aStoppedRankIsDetectedByItsPeersDeadline() throws Exception {
        JobFixtures f = new JobFixtures();
        JobSpec spec = f.job(List.of(new NodeSlots("localhost", List.of(0, 1, 2))), Runner.LOCAL, tmp, "stop-rank=1")
                .withExtraEnv(Map.of("NEOX_COMM_PEER_TIMEOUT_S", "3"));
        int code = f.run(spec);
        String out = f.output();
        assertTrue(code != 0, out);
        assertTrue(out.contains("no data or heartbeat from rank 1"), out);
        f.assertNoLeftovers();
    }
}
