package org.neox.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

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
}
