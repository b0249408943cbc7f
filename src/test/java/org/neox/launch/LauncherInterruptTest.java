package org.neox.launch;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
        String out = runAndSignal(logs, "-INT", 3);
        assertTrue(out.contains("neox: interrupted"), out);
    }

    @Test
    void sigkillOfTheLauncherStillLeavesNoWorkerBehind() throws Exception {
        // no shutdown hook runs: each agent sees its stdin close and stops its ranks itself
        runAndSignal(logs, "-KILL", 3);
    }

    /**
     * Runs {@link SmokeJobMain} with {@code launcherArgs} after its marker and log directory, signals
     * it once its {@code ranks} ranks sleep, and checks that it ends non-zero leaving nothing behind.
     */
    static String runAndSignal(Path logs, String signal, int ranks, String... launcherArgs) throws Exception {
        return runAndSignal(logs, Map.of(), signal, ranks, launcherArgs);
    }

    /** As above, with {@code env} added to the launcher's environment. */
    static String runAndSignal(Path logs, Map<String, String> env, String signal, int ranks, String... launcherArgs)
            throws Exception {
        JobFixtures f = new JobFixtures();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), SmokeJobMain.class.getName(), f.marker, logs.toString()));
        cmd.addAll(List.of(launcherArgs));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(logs.resolve("launcher.out").toFile());
        pb.environment().putAll(env);
        Process launcher = pb.start();
        try {
            long deadline = System.nanoTime() + 120_000_000_000L;
            while (!allSleeping(logs, ranks) && launcher.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertTrue(allSleeping(logs, ranks), Files.readString(logs.resolve("launcher.out")));
            new ProcessBuilder("kill", signal, Long.toString(launcher.pid())).start().waitFor();
            assertTrue(launcher.waitFor(60, TimeUnit.SECONDS), "launcher did not end after " + signal);
            assertTrue(launcher.exitValue() != 0);
            f.assertNoLeftovers();
            return Files.readString(logs.resolve("launcher.out"));
        } finally {
            launcher.destroyForcibly();
        }
    }

    private static boolean allSleeping(Path logs, int ranks) throws Exception {
        for (int r = 0; r < ranks; r++) {
            Path log = Launcher.logFile(logs, r);
            if (!Files.exists(log) || !Files.readString(log).contains("sleeping")) {
                return false;
            }
        }
        return true;
    }
}
