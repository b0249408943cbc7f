package org.neox.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Open MPI runner with the real {@code mpirun} on localhost (Debian's openmpi-bin): four
 * ranks pass every collective with their console prefix and logs; a dying worker ends the job
 * naming it; a host mpirun cannot reach fails the job; Ctrl-C or SIGKILL of the launcher stops
 * mpirun and every rank. Nothing is left.
 */
@Tag("integration")
class MpiLauncherTest {
    private static final List<NodeSlots> FOUR_LOCAL = List.of(new NodeSlots("localhost", List.of(0, 1, 2, 3)));

    @TempDir
    Path logs;

    @BeforeAll
    static void needMpirun() {
        assumeTrue(TrainJob.onPath("mpirun"), "mpirun not installed (apt-get install openmpi-bin); skipping mpirun tests");
    }

    @Test
    void fourRanksUnderMpirunPassEveryCollectiveWithTheirPrefixAndLogs() throws Exception {
        JobFixtures f = new JobFixtures();
        int code = f.run(f.job(FOUR_LOCAL, Runner.OPENMPI, logs));
        String out = f.output();
        assertEquals(0, code, out);
        for (int r = 0; r < 4; r++) {
            assertTrue(out.contains("[rank " + r + "] ok rank " + r), out);
            assertTrue(Files.readString(Launcher.logFile(logs, r)).contains("ok rank " + r));
        }
        assertTrue(out.contains("[rank 3] rank 3 of 4 node 0 local 3/4"), out);
        assertTrue(out.contains("config {\"k\": 1}"), out);
        f.assertNoLeftovers();
    }

    @Test
    void aDyingWorkerEndsTheJobNamingItsRank() throws Exception {
        JobFixtures f = new JobFixtures();
        int code = f.run(f.job(FOUR_LOCAL, Runner.OPENMPI, logs, "fail-rank=2", "others-sleep=600"));
        String out = f.output();
        assertEquals(3, code, out);
        assertTrue(out.matches("(?s).*neox: rank 2 \\(host localhost, pid \\d+\\) failed: exit code 3.*"), out);
        assertTrue(out.contains("  rank 2 failing on purpose"), out);
        f.assertNoLeftovers();
    }

    @Test
    void aHostMpirunCannotReachFailsTheJobWithMpirunsOwnMessage() throws Exception {
        JobFixtures f = new JobFixtures();
        int code = f.run(f.job(List.of(new NodeSlots("localhost", List.of(0, 1)),
                new NodeSlots("no-such-host.invalid", List.of(0, 1))), Runner.OPENMPI, logs));
        String out = f.output();
        assertTrue(code != 0, out);
        // the full name reaches ssh (orte_keep_fqdn_hostnames), and mpirun's messages are marked as its own
        assertTrue(out.contains("[mpirun] ssh: Could not resolve hostname no-such-host.invalid"), out);
        assertTrue(out.contains("neox: node 1 (no-such-host.invalid) was lost: mpirun ended with exit code"), out);
        f.assertNoLeftovers();
    }

    @Test
    void sigintOfTheLauncherStopsMpirunAndEveryRank() throws Exception {
        String out = LauncherInterruptTest.runAndSignal(logs, "-INT", 4, "openmpi");
        assertTrue(out.contains("neox: interrupted"), out);
    }

    @Test
    void sigkillOfTheLauncherStillLeavesNoRankBehind() throws Exception {
        // no shutdown hook runs: the shell around mpirun sees its stdin close and SIGTERMs mpirun
        LauncherInterruptTest.runAndSignal(logs, "-KILL", 4, "openmpi");
    }
}
