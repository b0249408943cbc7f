package org.neox.launch;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.neox.comm.FreePort;

/**
 * Starts a job's ranks through one agent per node and supervises them: worker output goes to
 * the console prefixed {@code [rank N]} and to {@code rank-N.log}; the first rank that exits
 * non-zero (or dies by a signal), or a node whose agent is lost, stops every rank on every node
 * (SIGTERM, grace, SIGKILL) and the launcher returns non-zero after naming the failing rank, its
 * host, pid, exit code or signal and its last log lines. A JVM shutdown (Ctrl-C) stops the job too.
 */
public final class Launcher implements NodeSession.Events {
    static final int TAIL_LINES = 20;

    private final PrintStream console;
    private JobSpec spec;
    private List<RankSpec> ranks;
    private RankState[] state;
    private final List<NodeSession> sessions = new ArrayList<>();
    private int agentsLeft;
    /** Failures seen before the stop; victims of a lost peer fail a moment after the culprit. */
    private final List<Failure> failures = new ArrayList<>();
    private String failure;
    private int failureCode;
    private boolean stopping;
    private boolean stopScheduled;

    /** How long after the first failure other failures are collected before everything is stopped. */
    static final long SETTLE_MS = 300;

    private record Failure(String message, int code, boolean signal) {
    }

    public Launcher(PrintStream console) {
        this.console = console;
    }

    private static final class RankState {
        long pid = -1;
        Integer exitCode;
        final ArrayDeque<String> tail = new ArrayDeque<>();
        BufferedWriter log;
    }

    /** Runs the job to its end; returns 0 when every rank exited 0, else non-zero. */
    public int run(JobSpec job) throws IOException {
        this.spec = job;
        this.ranks = RankSpec.assign(job.nodes());
        this.state = new RankState[ranks.size()];
        Files.createDirectories(job.logDir());
        for (int r = 0; r < state.length; r++) {
            state[r] = new RankState();
            state[r].log = Files.newBufferedWriter(job.logDir().resolve("rank-" + r + ".log"), StandardCharsets.UTF_8);
        }
        Thread hook = new Thread(this::interrupted, "neox-launch-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            startNodes(workerEnv(job));
            awaitEnd();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down: the hook runs
            }
            closeLogs();
        }
        synchronized (this) {
            if (failure != null) {
                console.println(failure);
                return failureCode;
            }
        }
        return 0;
    }

    private Map<String, String> workerEnv(JobSpec job) {
        int port = job.masterPort() > 0 ? job.masterPort() : FreePort.find();
        String master = job.masterAddr() != null ? job.masterAddr()
                : job.nodes().size() == 1 ? "127.0.0.1" : job.nodes().get(0).host();
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        Map<String, String> env = new LinkedHashMap<>(job.extraEnv());
        env.put("WORLD_SIZE", Integer.toString(ranks.size()));
        env.put("MASTER_ADDR", master);
        env.put("MASTER_PORT", Integer.toString(port));
        env.put("NEOX_JOB_SECRET", HexFormat.of().formatHex(secret));
        env.put("CROSS_SIZE", Integer.toString(job.nodes().size()));
        return env;
    }

    private void startNodes(Map<String, String> env) throws IOException {
        int nodes = spec.nodes().size();
        synchronized (this) {
            agentsLeft = nodes;
        }
        List<List<RankSpec>> mine = new ArrayList<>();
        List<Map<String, String>> envs = new ArrayList<>();
        for (int n = 0; n < nodes; n++) {
            int node = n;
            mine.add(ranks.stream().filter(r -> r.nodeRank() == node).toList());
            envs.add(nodeEnv(env, node, mine.get(n)));
        }
        if (spec.runner() == Runner.PDSH || spec.runner().perRank()) {
            // where pdsh's agents fetch their plans; unset: the client address of their ssh connection
            String launcherAddr = System.getenv("NEOX_LAUNCHER_ADDR");
            try {
                (spec.runner() == Runner.PDSH ? PdshNodes.start(spec, mine, envs, launcherAddr, this)
                        : MpiRanks.start(spec, mine, envs, this)).forEach(this::add);
            } catch (IOException e) {
                notStarted("could not start " + spec.runner().name().toLowerCase(Locale.ROOT) + ": "
                        + e.getMessage(), nodes);
            }
            return;
        }
        for (int n = 0; n < nodes; n++) {
            try {
                add(NodeSession.start(spec, n, mine.get(n), envs.get(n), this));
            } catch (IOException e) {
                notStarted("could not start the agent for node " + n + " (" + spec.nodes().get(n).host() + "): "
                        + e.getMessage(), nodes - n);
                break;
            }
        }
    }

    private static Map<String, String> nodeEnv(Map<String, String> env, int node, List<RankSpec> mine) {
        Map<String, String> nodeEnv = new LinkedHashMap<>(env);
        nodeEnv.put("NODE_RANK", Integer.toString(node));
        nodeEnv.put("CROSS_RANK", Integer.toString(node));
        nodeEnv.put("LOCAL_SIZE", Integer.toString(mine.size()));
        nodeEnv.put("NEOX_SLOTS", String.join(",", mine.stream().map(r -> Integer.toString(r.slot())).toList()));
        return nodeEnv;
    }

    private void notStarted(String why, int agents) {
        fail(new Failure("neox: " + why, 1, true));
        synchronized (this) {
            agentsLeft -= agents;
        }
    }

    private synchronized void add(NodeSession s) {
        sessions.add(s);
        if (stopping) {
            s.stop();
        }
    }

    /** Waits for every agent to end; after a stop, agents that overstay the grace period are killed. */
    private void awaitEnd() {
        long forceAt = Long.MAX_VALUE;
        synchronized (this) {
            while (agentsLeft > 0) {
                if (stopping && forceAt == Long.MAX_VALUE) {
                    forceAt = System.nanoTime() + spec.grace().plusSeconds(15).toNanos();
                }
                long waitMs = forceAt == Long.MAX_VALUE ? 1000 : (forceAt - System.nanoTime()) / 1_000_000;
                if (waitMs <= 0) {
                    break;
                }
                try {
                    wait(waitMs);
                } catch (InterruptedException e) {
                    stopAll();
                }
            }
        }
        if (agentsLeft > 0) {
            forceKill();
        }
    }

    private void forceKill() {
        List<ProcessHandle> left = new ArrayList<>();
        synchronized (this) {
            sessions.forEach(s -> left.add(s.handle()));
            if (spec.runner() == Runner.LOCAL) {
                for (RankState st : state) {
                    if (st.pid > 0) {
                        ProcessHandle.of(st.pid).ifPresent(left::add);
                    }
                }
            }
        }
        ProcessTrees.terminate(left, Duration.ZERO);
        for (ProcessHandle p : left) {
            try {
                p.onExit().get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                // nothing more can be done
            }
        }
    }

    @Override
    public void output(int rank, String line) {
        RankState st = state[rank];
        synchronized (st) {
            st.tail.addLast(line);
            if (st.tail.size() > TAIL_LINES) {
                st.tail.removeFirst();
            }
            try {
                st.log.write(line);
                st.log.newLine();
                st.log.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        console.println(AgentProtocol.rankPrefix(rank) + line);
    }

    @Override
    public synchronized void started(int rank, long pid) {
        state[rank].pid = pid;
    }

    @Override
    public void exited(int rank, long pid, int code) {
        synchronized (this) {
            state[rank].exitCode = code;
            if (code == 0 || stopping) {
                return;
            }
        }
        RankSpec r = ranks.get(rank);
        StringBuilder sb = new StringBuilder("neox: rank " + rank + " (host " + r.host() + ", pid " + pid
                + ") failed: " + ProcessTrees.describeExit(code) + "; stopped all ranks");
        sb.append("\nneox: last lines of rank ").append(rank).append(" (")
                .append(spec.logDir().resolve("rank-" + rank + ".log")).append("):");
        synchronized (state[rank]) {
            for (String l : state[rank].tail) {
                sb.append("\n  ").append(l);
            }
        }
        fail(new Failure(sb.toString(), code > 0 && code < 256 ? code : 1, code > 128 && code != 143));
    }

    @Override
    public void agentMessage(NodeSession node, String line) {
        // a negative node rank marks the messages of mpirun or srun itself, which no node owns
        console.println((node.nodeRank < 0 ? "[" + node.host + "] " : "[node " + node.nodeRank + " " + node.host + "] ")
                + line);
    }

    @Override
    public void agentEnded(NodeSession node, int exitCode) {
        List<Integer> unreported = new ArrayList<>();
        synchronized (this) {
            for (RankSpec r : ranks) {
                if (r.nodeRank() == node.nodeRank && state[r.rank()].exitCode == null) {
                    unreported.add(r.rank());
                }
            }
        }
        if (!unreported.isEmpty()) {
            String ended = spec.runner().perRank() ? MpiCommands.program(spec.runner()) : "its agent";
            fail(new Failure("neox: node " + node.nodeRank + " (" + node.host + ") was lost: " + ended + " ended with"
                    + " exit code " + exitCode + " before ranks " + unreported + " ended; stopped all ranks", 1, true));
        }
        synchronized (this) {
            agentsLeft--;
            notifyAll();
        }
    }

    @Override
    public void aborted(String why) {
        fail(new Failure("neox: " + why + "; stopped all ranks", 1, true));
    }

    /**
     * Records a failure; the first one schedules the stop of the whole job {@link #SETTLE_MS}
     * later. Failures after the stop are its consequences and are not recorded. Of the recorded
     * ones, a death by signal (e.g. SIGKILL) is reported as the cause, else the earliest, since
     * the other ranks typically fail because they lost that peer.
     */
    private void fail(Failure f) {
        synchronized (this) {
            if (stopping) {
                return;
            }
            failures.add(f);
            Failure primary = failures.stream().filter(Failure::signal).findFirst().orElse(failures.get(0));
            StringBuilder sb = new StringBuilder(primary.message());
            for (Failure other : failures) {
                if (other != primary) {
                    sb.append("\nneox: also failed: ").append(other.message().lines().findFirst().orElse(""));
                }
            }
            failure = sb.toString();
            failureCode = primary.code();
            if (stopScheduled) {
                return;
            }
            stopScheduled = true;
        }
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(SETTLE_MS);
            } catch (InterruptedException e) {
                // stop at once
            }
            stopAll();
        }, "neox-launch-stop");
        t.setDaemon(true);
        t.start();
    }

    private void stopAll() {
        List<NodeSession> all;
        synchronized (this) {
            stopping = true;
            all = new ArrayList<>(sessions);
            notifyAll();
        }
        all.forEach(NodeSession::stop);
    }

    /** Shutdown hook (Ctrl-C, SIGTERM of the launcher): stop every rank before the JVM exits. */
    private void interrupted() {
        synchronized (this) {
            if (agentsLeft == 0) {
                return;
            }
            if (!stopping) {
                failure = "neox: interrupted; stopped all ranks";
                failureCode = 130;
            }
        }
        console.println("neox: interrupted; stopping all ranks");
        stopAll();
        awaitEnd();
    }

    private void closeLogs() {
        for (RankState st : state) {
            synchronized (st) {
                try {
                    st.log.close();
                } catch (IOException e) {
                    // best effort at the end of the job
                }
            }
        }
    }

    /** The log file of one rank. */
    public static Path logFile(Path logDir, int rank) {
        return logDir.resolve("rank-" + rank + ".log");
    }
}
