package org.neox.launch;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The pdsh runner (pdsh's ssh module): the shared contract, plus the launcher's own death. */
@Tag("integration")
class PdshLauncherTest extends RemoteRunnerContract {
    @BeforeAll
    static void needPdsh() {
        assumeTrue(TrainJob.onPath("pdsh"), "pdsh not installed (apt-get install pdsh); skipping pdsh tests");
    }

    @Override
    Runner runner() {
        return Runner.PDSH;
    }

    @Override
    int failingRank() {
        return 2;
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
