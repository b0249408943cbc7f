package org.neox.launch;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A launcher process for the Ctrl-C test: {@code SmokeJobMain MARKER LOGDIR} runs three local
 * smoke workers that sleep after their checks, until the launcher is interrupted.
 */
public final class SmokeJobMain {
    private SmokeJobMain() {
    }

    public static void main(String[] args) throws Exception {
        JobSpec spec = JobSpec.of(List.of(new NodeSlots("localhost", List.of(0, 1, 2))), Runner.LOCAL, null,
                "org.neox.comm.CommSmokeWorker", List.of("others-sleep=600"), Path.of(args[1]), null, 0)
                .withJvmOptions(List.of("-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                        "-Dneox.test=" + args[0]))
                .withGrace(Duration.ofSeconds(2));
        System.exit(new Launcher(System.out).run(spec));
    }
}
