package org.neox.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.neox.comm.CommException;
import org.neox.config.DeepspeedRunnerArgs;

class LaunchPlanTest {
    @Test
    void ranksAreAssignedNodeByNodeInHostfileOrderThenSlotBySlot() {
        List<RankSpec> r = RankSpec.assign(List.of(new NodeSlots("b", List.of(2, 3)), new NodeSlots("a", List.of(0)),
                new NodeSlots("c", List.of(5, 6, 7))));
        assertEquals(List.of(
                new RankSpec(0, 0, "b", 0, 2, 2), new RankSpec(1, 0, "b", 1, 2, 3),
                new RankSpec(2, 1, "a", 0, 1, 0),
                new RankSpec(3, 2, "c", 0, 3, 5), new RankSpec(4, 2, "c", 1, 3, 6), new RankSpec(5, 2, "c", 2, 3, 7)), r);
    }

    @Test
    void remoteCommandsAreShellQuoted() {
        assertEquals("'java' '-cp' '/a b/x.jar' 'it'\\''s'", NodeSession.shellQuote(List.of("java", "-cp", "/a b/x.jar", "it's")));
    }

    @Test
    void agentOutputLinesCarryTheirRank() {
        assertEquals(12, AgentProtocol.rankOf("[rank 12] hello"));
        assertEquals(-1, AgentProtocol.rankOf("@neox exited 1 2 3"));
        assertEquals(-1, AgentProtocol.rankOf("[rank x] y"));
        assertEquals("a=b c\nd", AgentProtocol.decode(AgentProtocol.encode("a=b c\nd")));
    }

    @Test
    void exitCodesAboveOneHundredTwentyEightAreSignals() {
        assertEquals("killed by SIGKILL (exit code 137)", ProcessTrees.describeExit(137));
        assertEquals("killed by SIGSEGV (exit code 139)", ProcessTrees.describeExit(139));
        assertEquals("exit code 3", ProcessTrees.describeExit(3));
    }

    @Test
    void anAgentUnderPdshPicksItsHostsTokenAndFindsTheLauncherThroughItsSshConnection() {
        String tokens = "localhost=aa11,127.0.0.1=bb22,::1=cc33";
        assertEquals("bb22", PlanHandoff.tokenFor(tokens, "127.0.0.1"));
        assertEquals("cc33", PlanHandoff.tokenFor(tokens, "::1"));
        assertThrows(CommException.class, () -> PlanHandoff.tokenFor(tokens, "local"));
        Map<String, String> env = Map.of("SSH_CONNECTION", "10.0.0.5 52144 10.0.0.9 22");
        assertEquals("10.0.0.5", PlanHandoff.launcherAddress(PlanHandoff.FROM_SSH, env));
        assertEquals("head-node", PlanHandoff.launcherAddress("head-node", env));
        CommException e = assertThrows(CommException.class,
                () -> PlanHandoff.launcherAddress(PlanHandoff.FROM_SSH, Map.of()));
        assertTrue(e.getMessage().contains("NEOX_LAUNCHER_ADDR"), e.getMessage());
    }

    private static final String PATH = System.getenv("PATH");

    @Test
    void aSingleLocalNodeRunsLocallyAndSeveralNodesOverPdshWhenInstalled() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream console = new PrintStream(buf, true, StandardCharsets.UTF_8);
        List<NodeSlots> one = List.of(new NodeSlots("localhost", List.of(0)));
        List<NodeSlots> two = List.of(new NodeSlots("a", List.of(0)), new NodeSlots("b", List.of(0)));
        assertEquals(Runner.LOCAL, TrainJob.runner(one, DeepspeedRunnerArgs.Launcher.PDSH, PATH, console));
        assertEquals(Runner.SSH, TrainJob.runner(List.of(new NodeSlots("h", List.of(0))),
                DeepspeedRunnerArgs.Launcher.PDSH, PATH, console));
        assertEquals("", buf.toString(StandardCharsets.UTF_8));
        Runner pdsh = TrainJob.runner(two, DeepspeedRunnerArgs.Launcher.PDSH, PATH, console);
        assertEquals(TrainJob.onPath("pdsh") ? Runner.PDSH : Runner.SSH, pdsh);
        assertEquals(pdsh == Runner.SSH, buf.toString(StandardCharsets.UTF_8).contains("pdsh is not on the PATH"));
    }

    @Test
    void pdshGetsTheJobsSshOptions() {
        JobSpec job = JobSpec.of(List.of(new NodeSlots("a", List.of(0))), Runner.PDSH, null, "M", List.of(),
                Path.of("logs"), null, 0).withSshCommand(List.of("ssh", "-p", "2222", "-i", "key"));
        assertEquals("-p 2222 -i key -o BatchMode=yes", PdshNodes.sshOptions(job));
    }
}
