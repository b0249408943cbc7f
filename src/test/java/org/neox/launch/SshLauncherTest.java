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

/** Jobs over a real OpenSSH server on loopback, two "hosts" (localhost and 127.0.0.1) of two ranks each. */
@Tag("integration")
class SshLauncherTest {
    private static final List<NodeSlots> TWO_HOSTS = List.of(new NodeSlots("localhost", List.of(0, 1)),
            new NodeSlots("127.0.0.1", List.of(0, 1)));

    @TempDir
    static Path sshDir;
    static SshServer server;

    @TempDir
    Path logs;

    @BeforeAll
    static void startSshd() throws Exception {
        assumeTrue(SshServer.available(), "sshd not installed (apt-get install openssh-server); skipping SSH tests");
        server = SshServer.start(sshDir);
    }

    @AfterAll
    static void stopSshd() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void fourRanksOnTwoHostsOverSsh() throws Exception {
        JobFixtures f = new JobFixtures();
        int code = f.run(f.job(TWO_HOSTS, Runner.SSH, logs).withSshCommand(server.client()));
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
    void aDyingWorkerOverSshStopsEveryRankOnEveryHost() throws Exception {
        JobFixtures f = new JobFixtures();
        int code = f.run(f.job(TWO_HOSTS, Runner.SSH, logs, "fail-rank=1", "others-sleep=600")
                .withSshCommand(server.client()));
        String out = f.output();
        assertEquals(3, code, out);
        assertTrue(out.contains("neox: rank 1 (host localhost, pid "), out);
        assertTrue(out.contains("  rank 1 failing on purpose"), out);
        f.assertNoLeftovers();
    }

    @Test
    void aNodeSshCannotLogInToFailsTheJobNamingTheNode() throws Exception {
        JobFixtures f = new JobFixtures();
        List<String> wrongKey = new java.util.ArrayList<>(server.client());
        wrongKey.set(wrongKey.indexOf("-i") + 1, sshDir.resolve("host_key").toString());
        int code = f.run(f.job(TWO_HOSTS, Runner.SSH, logs).withSshCommand(wrongKey));
        String out = f.output();
        assertTrue(code != 0, out);
        assertTrue(out.contains("was lost: its agent ended with exit code 255"), out);
        f.assertNoLeftovers();
    }
}
