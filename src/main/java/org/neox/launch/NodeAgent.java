package org.neox.launch;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The per-node agent: started by the launcher (as a child process, or over ssh), it reads the
 * node's plan from stdin ({@link AgentProtocol}), starts the node's ranks, relays their output
 * and exits, and stops them all when told to or when its stdin closes, which happens when the
 * launcher or the ssh connection dies; under pdsh (no stdin) it fetches the plan from the
 * launcher ({@link PlanHandoff}) and stops when its heartbeat can no longer be written. So no
 * worker outlives its launcher.
 */
public final class NodeAgent {
    private final PrintStream out;
    private final List<Process> ranks = new ArrayList<>();
    private final List<Integer> rankIds = new ArrayList<>();
    private volatile Duration grace = Duration.ofSeconds(10);
    private volatile boolean stopping;

    private NodeAgent(PrintStream out) {
        this.out = out;
    }

    /**
     * No arguments: the plan comes on stdin. {@code HOST PORT ADDR HOST=TOKEN,...} (pdsh, which
     * gives no stdin): this agent fetches the plan of {@code HOST} from the launcher with its
     * one-time token ({@link PlanHandoff}) and starts the ranks at the launcher's go.
     * {@code --rank-from VAR[,VAR...] B64PLAN} (mpirun, srun: one agent per rank): the plan of all
     * nodes, of which this agent runs the one rank named by the first of those variables that is set.
     */
    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        NodeAgent agent = new NodeAgent(out);
        // mpirun and srun stop a job by SIGTERM to the agents: take the ranks along
        Runtime.getRuntime().addShutdownHook(new Thread(agent::stopAll, "neox-agent-shutdown"));
        if (args.length == 3 && args[0].equals(RANK_FROM)) {
            agent.startHeartbeat();
            String plan;
            try {
                plan = planOfRank(AgentProtocol.decode(args[2]), rankFromEnv(args[1], System.getenv()));
            } catch (RuntimeException e) {
                out.println(AgentProtocol.ERROR + AgentProtocol.encode("agent: " + e.getMessage()));
                System.exit(1);
                return;
            }
            agent.run(new BufferedReader(new StringReader(plan)), false);
        } else if (args.length == 4) {
            agent.startHeartbeat();
            String plan;
            try {
                plan = PlanHandoff.receive(args[0], List.of(args).subList(1, 4), System.getenv(),
                        () -> out.println(AgentProtocol.PLANNED));
            } catch (RuntimeException e) {
                out.println(AgentProtocol.ERROR + AgentProtocol.encode("could not get the " + PlanHandoff.WHAT
                        + " of " + args[0] + " from the launcher: " + e.getMessage()));
                System.exit(1);
                return;
            }
            agent.run(new BufferedReader(new StringReader(plan)), false);
        } else {
            agent.run(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)), true);
        }
        System.exit(0);
    }

    static final String RANK_FROM = "--rank-from";

    /** The global rank mpirun or srun gave this process, from the first of {@code vars} (comma-separated) set. */
    static int rankFromEnv(String vars, Map<String, String> env) {
        for (String v : vars.split(",")) {
            String value = env.get(v);
            if (value != null) {
                return Integer.parseInt(value.trim());
            }
        }
        throw new IllegalStateException("none of the rank variables " + vars + " is set; was the agent started"
                + " by mpirun or srun?");
    }

    /**
     * The common lines of an all-nodes plan, and of the section holding {@code rank} its
     * {@code env} lines and that one rank, ended by {@code go}.
     */
    static String planOfRank(String allNodes, int rank) {
        StringBuilder common = new StringBuilder();
        StringBuilder section = new StringBuilder();
        String mine = null;
        String rankLine = "rank " + rank + " ";
        for (String line : allNodes.split("\n")) {
            if (line.startsWith(AgentProtocol.NODE)) {
                if (mine != null) {
                    break;
                }
                section.setLength(0);
            } else if (line.startsWith("rank ")) {
                if (line.startsWith(rankLine)) {
                    mine = line;
                }
            } else if (line.startsWith("env ")) {
                section.append(line).append('\n');
            } else {
                common.append(line).append('\n');
            }
        }
        if (mine == null) {
            throw new IllegalStateException("rank " + rank + " is not in the job's plan");
        }
        return common.append(section).append(mine).append("\ngo\n").toString();
    }

    private void run(BufferedReader in, boolean stopOnStdin) throws Exception {
        Path tmp = Files.createTempDirectory("neox-agent");
        try {
            List<Process> started = startAll(in, tmp);
            CountDownLatch exited = new CountDownLatch(started.size());
            for (int i = 0; i < started.size(); i++) {
                watch(started.get(i), rankIds.get(i), exited);
            }
            if (stopOnStdin) {
                Thread stdin = new Thread(() -> awaitStop(in), "neox-agent-stdin");
                stdin.setDaemon(true);
                stdin.start();
            }
            exited.await();
        } catch (IOException | RuntimeException e) {
            out.println(AgentProtocol.ERROR + AgentProtocol.encode(String.valueOf(e)));
            stopAll();
        } finally {
            deleteTree(tmp);
        }
    }

    private List<Process> startAll(BufferedReader in, Path tmp) throws IOException {
        Path cwd = Path.of("").toAbsolutePath();
        Map<String, String> env = new HashMap<>();
        List<String> cmd = new ArrayList<>();
        List<int[]> plan = new ArrayList<>();
        for (String line; !"go".equals(line = in.readLine()); ) {
            if (line == null) {
                return List.of(); // the launcher went away before the plan was complete
            }
            String[] f = line.split(" ");
            switch (f[0]) {
                case "cwd" -> cwd = Path.of(AgentProtocol.decode(f[1]));
                case "grace" -> grace = Duration.ofMillis(Long.parseLong(f[1]));
                case "config" -> {
                    Path cfg = tmp.resolve("config.json");
                    Files.writeString(cfg, AgentProtocol.decode(f[1]));
                    env.put("NEOX_CONFIG", cfg.toString());
                }
                case "env" -> env.put(AgentProtocol.decode(f[1]), f.length > 2 ? AgentProtocol.decode(f[2]) : "");
                case "cmd" -> cmd.add(AgentProtocol.decode(f[1]));
                case "rank" -> plan.add(new int[] {Integer.parseInt(f[1]), Integer.parseInt(f[2])});
                default -> throw new IOException("unknown agent instruction: " + line);
            }
        }
        for (int[] r : plan) {
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true);
            pb.environment().putAll(env);
            pb.environment().put("RANK", Integer.toString(r[0]));
            pb.environment().put("LOCAL_RANK", Integer.toString(r[1]));
            synchronized (this) {
                if (stopping) {
                    break;
                }
                Process p = pb.start();
                ranks.add(p);
                rankIds.add(r[0]);
                out.println(AgentProtocol.STARTED + r[0] + " " + p.pid());
            }
        }
        return new ArrayList<>(ranks);
    }

    /** Relays the rank's output, then reports its exit after the last line. */
    private void watch(Process p, int rank, CountDownLatch exited) {
        Thread t = new Thread(() -> {
            String prefix = AgentProtocol.rankPrefix(rank);
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    out.println(prefix + line);
                }
            } catch (IOException e) {
                // the stream ends with the process
            }
            int code = ChildProcesses.waitFor(p);
            out.println(AgentProtocol.EXITED + rank + " " + p.pid() + " " + code);
            exited.countDown();
        }, "neox-agent-rank-" + rank);
        t.start();
    }

    private void awaitStop(BufferedReader in) {
        try {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.equals("stop")) {
                    break;
                }
            }
        } catch (IOException e) {
            // a broken stdin means the launcher is gone: stop as well
        }
        stopAll();
    }

    /**
     * Without stdin, the launcher's end is seen as a failed write: once the ssh channel is gone
     * (pdsh or the launcher died), the next heartbeat fails and the ranks are stopped.
     */
    private void startHeartbeat() {
        Thread t = new Thread(() -> {
            do {
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
                out.println(AgentProtocol.ALIVE);
            } while (!out.checkError());
            stopAll();
        }, "neox-agent-heartbeat");
        t.setDaemon(true);
        t.start();
    }

    private void stopAll() {
        List<ProcessHandle> live = new ArrayList<>();
        synchronized (this) {
            stopping = true;
            for (Process p : ranks) {
                live.add(p.toHandle());
            }
        }
        ProcessTrees.terminate(live, grace);
    }

    private static void deleteTree(Path dir) {
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a leftover temp dir is harmless
        }
    }
}
