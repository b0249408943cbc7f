package org.neox.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Slurm runner with the real {@code srun} against a private one-node Slurm
 * ({@link SlurmCluster}): four ranks pass every collective with their console prefix and logs; a
 * dying worker ends the job naming it; Ctrl-C or SIGKILL of the launcher stops srun and every
 * rank. No worker, agent or job step is left.
 */
@Tag("integration")
class SlurmLauncherTest {
    private static final List<NodeSlots> FOUR_LOCAL = List.of(new NodeSlots("localhost", List.of(0, 1, 2, 3)));

    @TempDir
    static Path slurmDir;

    private static SlurmCluster slurm;

    @TempDir
    Path logs;

    @BeforeAll
    static void startSlurm() throws Exception {
        slurm = SlurmCluster.startOrSkip(slurmDir);
    }

    @AfterAll
    static void stopSlurm() throws Exception {
        if (slurm != null) {
            slurm.close();
        }
    }

    private JobSpec underSrun(JobFixtures f, List<NodeSlots> nodes, String... args) {
        JobSpec spec = f.job(nodes, Runner.SLURM, logs, args);
        Map<String, String> env = new HashMap<>(spec.extraEnv());
        env.putAll(slurm.env());
        return spec.withExtraEnv(env).withLauncherArgs(MpiCommands.launcherArgs(Runner.SLURM, "neox test"));
    }

    @Test
    void fourRanksUnderSrunPassEveryCollectiveWithTheirPrefixAndLogs() throws Exception {
        JobFixtures f = new JobFixtures();
        int code = f.run(underSrun(f, FOUR_LOCAL));
        String out = f.output();
        assertEquals(0, code, out + slurm.logs());
        for (int r = 0; r < 4; r++) {
            assertTrue(out.contains("[rank " + r + "] ok rank " + r), out);
            assertTrue(Files.readString(Launcher.logFile(logs, r)).contains("ok rank " + r));
        }
        assertTrue(out.contains("[rank 3] rank 3 of 4 node 0 local 3/4"), out);
        assertTrue(out.contains("config {\"k\": 1}"), out);
        f.assertNoLeftovers();
        assertEquals("", slurm.stepsLeft(), "job steps left running");
    }

    @Test
    void aDyingWorkerEndsTheJobNamingItsRank() throws Exception {
        JobFixtures f = new JobFixtures();
        int code = f.run(underSrun(f, FOUR_LOCAL, "fail-rank=2", "others-sleep=600"));
        String out = f.output();
        assertEquals(3, code, out);
        assertTrue(out.matches("(?s).*neox: rank 2 \\(host localhost, pid \\d+\\) failed: exit code 3.*"), out);
        assertTrue(out.contains("  rank 2 failing on purpose"), out);
        f.assertNoLeftovers();
        assertEquals("", slurm.stepsLeft(), "job steps left running");
    }

    @Test
    void sigintOfTheLauncherStopsSrunAndEveryRank() throws Exception {
        String out = LauncherInterruptTest.runAndSignal(logs, slurm.env(), "-INT", 4, "slurm");
        assertTrue(out.contains("neox: interrupted"), out);
        // srun answers the launcher's SIGTERM by killing every task at once
        assertTrue(out.contains("[srun] srun: forcing job termination"), out);
        assertEquals("", slurm.stepsLeft(), "job steps left running");
    }

    @Test
    void sigkillOfTheLauncherStillLeavesNoRankOrStepBehind() throws Exception {
        // no shutdown hook runs: the shell around srun sees its stdin close and SIGTERMs srun
        LauncherInterruptTest.runAndSignal(logs, slurm.env(), "-KILL", 4, "slurm");
        assertEquals("", slurm.stepsLeft(), "job steps left running");
    }
}
