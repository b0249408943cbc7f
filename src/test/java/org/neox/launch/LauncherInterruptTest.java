package org.neox.launch;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ctrl-C (SIGINT) or SIGKILL of the launcher process stops every rank. */
@Tag("integration")
class LauncherInterruptTest {
    @TempDir
    Path logs;

    @Test
    void sigintOfTheLauncherStopsTheWholeJob() throws Exception {
        String out = runAndSignal("-INT");
        assertTrue(out.contains("neox: interrupted"), out);
    }

    @Test
    void sigkillOfTheLauncherStillLeavesNoWorkerBehind() throws Exception {
        // no shutdown hook runs: each agent sees its stdin close and stops its ranks itself
        runAndSignal("-KILL");
    }

    private String runAndSignal(String signal) throws Exception {
        JobFixtures f = new JobFixtures();
        Process launcher = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), SmokeJobMain.class.getName(), f.marker, logs.toString())
                .redirectErrorStream(true).redirectOutput(logs.resolve("launcher.out").toFile()).start();
        try {
            long deadline = System.nanoTime() + 120_000_000_000L;
            while (!allSleeping() && launcher.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertTrue(allSleeping(), Files.readString(logs.resolve("launcher.out")));
            new ProcessBuilder("kill", signal, Long.toString(launcher.pid())).start().waitFor();
            assertTrue(launcher.waitFor(60, TimeUnit.SECONDS), "launcher did not end after " + signal);
            assertTrue(launcher.exitValue() != 0);
            f.assertNoLeftovers();
            return Files.readString(logs.resolve("launcher.out"));
        } finally {
            launcher.destroyForcibly();
        }
    }

    private boolean allSleeping() throws Exception {
        for (int r = 0; r < 3; r++) {
            Path log = Launcher.logFile(logs, r);
            if (!Files.exists(log) || !Files.readString(log).contains("sleeping")) {
                return false;
            }
        }
        return true;
    }
}
