package org.neox.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Builds smoke-worker jobs with a unique marker and checks that none of their processes is left. */
final class JobFixtures {
    final String marker = "neox-test-" + UUID.randomUUID();
    final ByteArrayOutputStream console = new ByteArrayOutputStream();

    JobSpec job(List<NodeSlots> nodes, Runner runner, Path logDir, String... args) {
        return JobSpec.of(nodes, runner, "{\"k\": 1}", "org.neox.comm.CommSmokeWorker", List.of(args), logDir,
                null, 0)
                .withJvmOptions(List.of("-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Dneox.test=" + marker))
                .withExtraEnv(Map.of("NEOX_COMM_JOIN_TIMEOUT_S", "60"))
                .withGrace(Duration.ofSeconds(2));
    }

    int run(JobSpec spec) throws Exception {
        PrintStream ps = new PrintStream(console, true, StandardCharsets.UTF_8);
        return new Launcher(ps).run(spec);
    }

    String output() {
        return console.toString(StandardCharsets.UTF_8);
    }

    /** Every worker JVM of this job (found by its marker) and every node agent of this test JVM is gone. */
    void assertNoLeftovers() throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        List<ProcessHandle> left;
        do {
            String agentCp = "-cp " + System.getProperty("java.class.path") + " " + NodeAgent.class.getName();
            left = ProcessHandle.allProcesses().filter(p -> {
                String cmd = p.info().commandLine().orElse("");
                return cmd.contains(marker) || cmd.contains(agentCp);
            }).toList();
            if (left.isEmpty()) {
                return;
            }
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        assertEquals(List.of(), left.stream().map(p -> p.pid() + " " + p.info().commandLine().orElse("")).toList(),
                "processes left running");
    }
}
