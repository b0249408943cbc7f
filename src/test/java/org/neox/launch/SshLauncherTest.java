package org.neox.launch;

import org.junit.jupiter.api.Tag;

/** The ssh runner: one {@code ssh -o BatchMode=yes} per node, the agent's plan over stdin. */
@Tag("integration")
class SshLauncherTest extends RemoteRunnerContract {
    @Override
    Runner runner() {
        return Runner.SSH;
    }

    @Override
    int failingRank() {
        return 1;
    }
}
