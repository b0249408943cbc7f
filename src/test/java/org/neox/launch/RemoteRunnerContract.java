package org.neox.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every remote runner must do, against a real OpenSSH server on loopback started by the
 * test with its own keys: two "hosts" (localhost and 127.0.0.1) of two ranks each run the
 * collectives smoke job; a dying worker stops every rank on every host and is named; a node the
 * runner cannot log in to fails the job naming it. Nothing is left running afterwards.
 */
abstract class RemoteRunnerContract {
    static final List<NodeSlots> TWO_HOSTS = List.of(new NodeSlots("localhost", List.of(0, 1)),
            new NodeSlots("127.0.0.1", List.of(0, 1)));

    @TempDir
    static Path sshDir;
    static SshServer server;

    @TempDir
    Path logs;

    /** The runner under test. */
    abstract Runner runner();

    /** The rank made to fail, and the host it runs on. */
    abstract int failingRank();

    @BeforeAll
    static void startSshd() throws Exception {
        assumeTrue(SshServer.available(), "sshd not installed (apt-get install openssh-server); skipping");
        server = SshServer.start(sshDir);
    }

    @AfterAll
    static void stopSshd() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void fourRanksOnTwoHosts() throws Exception {
        JobFixtures f = new JobFixtures();
        int code = f.run(f.job(TWO_HOSTS, runner(), logs).withSshCommand(server.client()));
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
    void aDyingWorkerStopsEveryRankOnEveryHost() throws Exception {
        int rank = failingRank();
        String host = TWO_HOSTS.get(rank / 2).host();
        JobFixtures f = new JobFixtures();
        int code = f.run(f.job(TWO_HOSTS, runner(), logs, "fail-rank=" + rank, "others-sleep=600")
                .withSshCommand(server.client()));
        String out = f.output();
        assertEquals(3, code, out);
        assertTrue(out.contains("neox: rank " + rank + " (host " + host + ", pid "), out);
        assertTrue(out.contains("  rank " + rank + " failing on purpose"), out);
        f.assertNoLeftovers();
    }

    @Test
    void aNodeThatCannotLogInFailsTheJobNamingTheNode() throws Exception {
        JobFixtures f = new JobFixtures();
        List<String> wrongKey = new ArrayList<>(server.client());
        wrongKey.set(wrongKey.indexOf("-i") + 1, sshDir.resolve("host_key").toString());
        int code = f.run(f.job(TWO_HOSTS, runner(), logs).withSshCommand(wrongKey));
        String out = f.output();
        assertTrue(code != 0, out);
        assertTrue(out.contains("was lost: its agent ended with exit code 255"), out);
        f.assertNoLeftovers();
    }
}
