package org.neox.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.neox.comm.CommException;
import org.neox.comm.OneTimeBlobClient;

/**
 * The pdsh runner (pdsh's ssh module): the shared contract, the launcher's own death, and the
 * job secret kept off every command line (pdsh passes only one-time plan tokens).
 */
@Tag("integration")
class PdshLauncherTest extends RemoteRunnerContract {
    private static final Pattern RANK0_PID = Pattern.compile("\\[rank 0] rank 0 of 4 .* pid (\\d+) ");
    /** The end of pdsh's remote command: {@code %h 'PORT' 'ADDR' 'HOST=TOKEN,...'}. */
    private static final Pattern PLAN_ARGS = Pattern.compile("%h '(\\d+)' '[^']*' '([^']*)'$");

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

    @Test
    void theJobSecretIsOnNoCommandLineWhileTheJobRuns() throws Exception {
        JobFixtures f = new JobFixtures();
        Thread launcher = startInBackground(f, f.job(TWO_HOSTS, runner(), logs, "others-sleep=600")
                .withSshCommand(server.client()), new AtomicInteger());
        try {
            awaitOutput(f, launcher, "[rank 0] rank 0 sleeping", "[rank 1] rank 1 sleeping",
                    "[rank 2] rank 2 sleeping", "[rank 3] rank 3 sleeping");
            Matcher m = RANK0_PID.matcher(f.output());
            assertTrue(m.find(), f.output());
            String secret = environ(Long.parseLong(m.group(1))).get("NEOX_JOB_SECRET");
            assertEquals(64, secret == null ? 0 : secret.length(), "rank 0's NEOX_JOB_SECRET is not 32 hex bytes");
            Map<Long, String> cmdlines = commandLines();
            // the scan sees other processes' command lines: the node agents' ones with their tokens
            assertTrue(cmdlines.values().stream().filter(c -> c.contains(NodeAgent.class.getName()))
                    .anyMatch(c -> c.contains("127.0.0.1=")), "no node agent found in /proc");
            // only the pids are reported: a failure must not print the secret
            assertEquals(List.of(), cmdlines.entrySet().stream().filter(e -> e.getValue().contains(secret))
                    .map(e -> e.getKey() + " " + e.getValue().split(" ")[0]).toList(),
                    "processes whose command line holds the job secret");
        } finally {
            launcher.interrupt(); // the launcher stops every rank
            launcher.join();
        }
        f.assertNoLeftovers();
    }

    @Test
    void aPlanTokenTakenFromPsAbortsTheJobBeforeAnyRankStarts() throws Exception {
        JobFixtures f = new JobFixtures();
        AtomicInteger code = new AtomicInteger(-1);
        Thread launcher = startInBackground(f, f.job(TWO_HOSTS, runner(), logs, "others-sleep=600")
                .withSshCommand(server.client()), code);
        try {
            Matcher m = awaitOwnPdsh(launcher);
            // whether this thief comes before node 1's agent or after it, the token is now used twice
            try (OneTimeBlobClient thief = OneTimeBlobClient.fetch("127.0.0.1", Integer.parseInt(m.group(1)),
                    PlanHandoff.tokenFor(m.group(2), "127.0.0.1"), Duration.ofSeconds(60))) {
                assertTrue(thief.blob().length > 0);
            } catch (CommException e) {
                assertTrue(e.getMessage().endsWith("token already used"), e.getMessage());
            }
            launcher.join(120_000);
        } finally {
            launcher.interrupt();
            launcher.join();
        }
        String out = f.output();
        assertEquals(1, code.get(), out);
        assertTrue(out.contains("neox: the start-up plan of node 1 (127.0.0.1) was requested twice (from 127.0.0.1,"
                + " then from 127.0.0.1): another process read its one-time token from a command line and may hold"
                + " the job secret; stopped all ranks"), out);
        assertFalse(out.contains("[rank "), out);
        f.assertNoLeftovers();
    }

    private static Thread startInBackground(JobFixtures f, JobSpec spec, AtomicInteger code) {
        Thread t = new Thread(() -> {
            try {
                code.set(f.run(spec));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "pdsh-test-launcher");
        t.start();
        return t;
    }

    private static void awaitOutput(JobFixtures f, Thread launcher, String... lines) throws InterruptedException {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (!Stream.of(lines).allMatch(f.output()::contains) && launcher.isAlive()
                && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(Stream.of(lines).allMatch(f.output()::contains), f.output());
    }

    /** The plan port and tokens on the command line of the pdsh this test JVM started. */
    private static Matcher awaitOwnPdsh(Thread launcher) throws InterruptedException {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (launcher.isAlive() && System.nanoTime() < deadline) {
            for (ProcessHandle p : ProcessHandle.current().descendants().toList()) {
                // /usr/bin/pdsh is a script that execs pdsh.bin as "pdsh"
                String[] args = commandLine(Path.of("/proc", Long.toString(p.pid()))).split("\0");
                if (args[0].endsWith("pdsh") && args.length > 1) {
                    Matcher m = PLAN_ARGS.matcher(args[args.length - 1]);
                    if (m.find()) {
                        return m;
                    }
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("pdsh did not start");
    }

    private static Map<String, String> environ(long pid) throws IOException {
        Map<String, String> env = new HashMap<>();
        String all = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ")),
                StandardCharsets.UTF_8);
        for (String kv : all.split("\0")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                env.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        return env;
    }

    /** Every process's command line, arguments joined by spaces, from /proc (world-readable, as for ps). */
    private static Map<Long, String> commandLines() throws IOException {
        Map<Long, String> out = new TreeMap<>();
        List<Path> procs = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("/proc"))) {
            s.filter(p -> p.getFileName().toString().matches("\\d+")).forEach(procs::add);
        }
        for (Path p : procs) {
            out.put(Long.parseLong(p.getFileName().toString()), commandLine(p).replace('\0', ' '));
        }
        return out;
    }

    /** The NUL-separated arguments of the process of {@code /proc/PID}; empty once it has ended. */
    private static String commandLine(Path proc) {
        try {
            return new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
