package org.neox.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Jobs over pdsh's ssh module and a real OpenSSH server on loopback: hosts localhost and 127.0.0.1, two ranks each. */
@Tag("integration")
class PdshLauncherTest {
    static final List<NodeSlots> TWO_HOSTS = List.of(new NodeSlots("localhost", List.of(0, 1)),
            new NodeSlots("127.0.0.1", List.of(0, 1)));

    @TempDir
    static Path sshDir;
    static SshServer server;

    @TempDir
    Path logs;

    @BeforeAll
    static void startSshd() throws Exception {
        assumeTrue(TrainJob.onPath("pdsh"), "pdsh not installed (apt-get install pdsh); skipping pdsh tests");
        assumeTrue(SshServer.available(), "sshd not installed (apt-get install openssh-server); skipping pdsh tests");
        server = SshServer.start(sshDir);
    }

    @AfterAll
    static void stopSshd() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void fourRanksOnTwoHostsOverPdsh() throws Exception {
        JobFixtures f = new JobFixtures();
        int code = f.run(f.job(TWO_HOSTS, Runner.PDSH, logs).withSshCommand(server.client()));
        String out = f.output();
        assertEquals(0, code, out);
        for (int r = 0; r < 4; r++) {
            assertTrue(out.contains("[rank " + r + "] ok rank " + r), out);
            assertTrue(Files.readString(Launcher.logFile(logs, r)).contains("ok rank " + r));
        }
        assertTrue(out.contains("[rank 3] rank 3 of 4 node 1 local 1/2"), out);
        f.assertNoLeftovers();
    }

    @Test
    void aDyingWorkerOverPdshStopsEveryRankOnEveryHost() throws Exception {
        JobFixtures f = new JobFixtures();
        int code = f.run(f.job(TWO_HOSTS, Runner.PDSH, logs, "fail-rank=2", "others-sleep=600")
                .withSshCommand(server.client()));
        String out = f.output();
        assertEquals(3, code, out);
        assertTrue(out.contains("neox: rank 2 (host 127.0.0.1, pid "), out);
        assertTrue(out.contains("  rank 2 failing on purpose"), out);
        f.assertNoLeftovers();
    }

    @Test
    void aNodePdshCannotLogInToFailsTheJobNamingTheNode() throws Exception {
        JobFixtures f = new JobFixtures();
        List<String> wrongKey = new java.util.ArrayList<>(server.client());
        wrongKey.set(wrongKey.indexOf("-i") + 1, sshDir.resolve("host_key").toString());
        int code = f.run(f.job(TWO_HOSTS, Runner.PDSH, logs).withSshCommand(wrongKey));
        String out = f.output();
        assertTrue(code != 0, out);
        assertTrue(out.contains(") was lost: its agent ended with exit code 255"), out);
        f.assertNoLeftovers();
    }

    @Test
    void sigintOfThePdshLauncherStopsTheWholeJob() throws Exception {
        String out = LauncherInterruptTest.runAndSignal(logs, "-INT", 4, server.client().toArray(String[]::new));
        assertTrue(out.contains("neox: interrupted"), out);
    }

    @Test
    void sigkillOfThePdshLauncherLeavesNoWorkerBehind() throws Exception {
        // no shutdown hook runs: pdsh's ssh channels close and each agent's heartbeat fails
        LauncherInterruptTest.runAndSignal(logs, "-KILL", 4, server.client().toArray(String[]::new));
    }
}
