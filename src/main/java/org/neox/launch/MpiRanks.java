package org.neox.launch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * All ranks started by one {@code mpirun} or {@code srun} ({@link MpiCommands}), which runs one
 * {@link NodeAgent} per rank: the agent finds its rank in the runner's variables, picks that
 * rank out of the plan of all nodes (an argument, as under pdsh), starts the worker and relays
 * its output as {@code [rank N]} lines and its start and exit as protocol lines, so the
 * launcher supervises these ranks exactly as the local, ssh and pdsh ones (console prefix,
 * {@code rank-N.log}, naming the failing rank). Variables that are the same on every node (the
 * job secret among them) reach the ranks through the runner's environment, not its command line.
 * Stopping sends SIGTERM to the runner: mpirun signals every rank's process group (agent and
 * worker); srun has Slurm SIGKILL every process of the job step at once, so the grace period
 * does not apply under Slurm (and if srun itself is killed, its helper process still kills the
 * step). A shell around the runner SIGTERMs it when the launcher's end closes its stdin.
 */
final class MpiRanks {
    /** Runs its arguments and SIGTERMs them when this shell's stdin closes (see PdshNodes). */
    static final String TIED_TO_STDIN = "exec 3<&0; \"$@\" & p=$!; (read -r _ <&3; kill $p) & r=$!;"
            + " wait $p; c=$?; kill $r 2>/dev/null; exit $c";

    private final List<NodeSession> nodes = new ArrayList<>();
    private final int[] nodeOfRank;
    private final NodeSession.Events events;
    /** The source of the runner's own messages (and of lines no rank claims), shown as {@code [mpirun]}. */
    private final NodeSession runner;

    private MpiRanks(int[] nodeOfRank, NodeSession.Events events, NodeSession runner) {
        this.nodeOfRank = nodeOfRank;
        this.events = events;
        this.runner = runner;
    }

    /** Starts the runner; {@code ranks} and {@code envs} are per node, in the order of {@code spec.nodes()}. */
    static List<NodeSession> start(JobSpec spec, List<List<RankSpec>> ranks, List<Map<String, String>> envs,
                                   NodeSession.Events events) throws IOException {
        Map<String, String> shared = shared(envs);
        int[] nodeOfRank = new int[spec.worldSize()];
        for (int n = 0; n < spec.nodes().size(); n++) {
            for (RankSpec r : ranks.get(n)) {
                nodeOfRank[r.rank()] = n;
            }
        }
        List<String> agent = new ArrayList<>(NodeSession.agentCommand(spec));
        agent.addAll(List.of(NodeAgent.RANK_FROM, MpiCommands.rankVariables(spec.runner()),
                AgentProtocol.encode(plan(spec, ranks, envs, shared.keySet()))));
        Path hostfile = Files.createTempFile("neox-hosts-", ".txt");
        hostfile.toFile().deleteOnExit();
        Files.writeString(hostfile, MpiCommands.hostfile(spec.runner(), spec.nodes()));
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", TIED_TO_STDIN, "sh"));
        cmd.addAll(MpiCommands.command(spec, hostfile, shared.keySet(), "root".equals(System.getProperty("user.name")),
                agent));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(spec.workDir().toFile());
        pb.environment().putAll(shared);
        if (spec.runner() == Runner.SLURM) {
            pb.environment().put("SLURM_HOSTFILE", hostfile.toString());
        }
        Process p = pb.start();
        // one SIGTERM to the runner (not the shell, which would leave it running): it stops every
        // rank; once, although every node's session asks, since mpirun takes a repeated signal as
        // a request to quit at once
        AtomicBoolean stopped = new AtomicBoolean();
        Runnable stop = () -> {
            if (!stopped.getAndSet(true)) {
                p.toHandle().children().forEach(ProcessHandle::destroy);
            }
        };
        MpiRanks all = new MpiRanks(nodeOfRank, events, new NodeSession(-1, MpiCommands.program(spec.runner()), p,
                stop));
        for (int n = 0; n < spec.nodes().size(); n++) {
            all.nodes.add(new NodeSession(n, spec.nodes().get(n).host(), p, stop));
        }
        all.pump(p, hostfile);
        return List.copyOf(all.nodes);
    }

    /**
     * The plan of all nodes for the agents' command line: the common lines once, then per node
     * {@code node HOST} and its own {@code env} and {@code rank} lines; the {@code shared}
     * variables (the job secret among them) are left out, as they come through the runner's environment.
     */
    static String plan(JobSpec spec, List<List<RankSpec>> ranks, List<Map<String, String>> envs,
                       Set<String> shared) {
        StringBuilder plan = new StringBuilder(NodeSession.commonPlan(spec));
        for (int n = 0; n < spec.nodes().size(); n++) {
            Map<String, String> own = new LinkedHashMap<>(envs.get(n));
            own.keySet().removeAll(shared);
            plan.append(AgentProtocol.NODE).append(spec.nodes().get(n).host()).append('\n')
                    .append(NodeSession.nodePlan(ranks.get(n), own));
        }
        return plan.toString();
    }

    /** The entries every node's environment has with the same value. */
    static Map<String, String> shared(List<Map<String, String>> envs) {
        Map<String, String> shared = new LinkedHashMap<>(envs.get(0));
        for (Map<String, String> env : envs) {
            shared.entrySet().removeIf(e -> !e.getValue().equals(env.get(e.getKey())));
        }
        return shared;
    }

    private void pump(Process p, Path hostfile) {
        Thread out = reader(p.getInputStream(), line -> {
            int rank = AgentProtocol.rankOf(line);
            if (rank < 0 && line.startsWith(AgentProtocol.CONTROL)) {
                String[] f = line.substring(AgentProtocol.CONTROL.length()).split(" ");
                rank = f.length > 1 && f[1].matches("\\d+") ? Integer.parseInt(f[1]) : -1;
            }
            NodeSession node = rank >= 0 && rank < nodeOfRank.length ? nodes.get(nodeOfRank[rank]) : runner;
            node.dispatch(line, events);
        }, "neox-launch-mpi");
        // the runner's own messages, and the agents' stderr
        Thread err = reader(p.getErrorStream(), line -> events.agentMessage(runner, line), "neox-launch-mpi-err");
        Thread end = new Thread(() -> {
            ChildProcesses.join(out);
            ChildProcesses.join(err);
            int code = ChildProcesses.waitFor(p);
            try {
                Files.deleteIfExists(hostfile);
            } catch (IOException e) {
                // removed at exit
            }
            nodes.forEach(node -> events.agentEnded(node, code));
        }, "neox-launch-mpi-end");
        end.setDaemon(true);
        end.start();
    }

    private Thread reader(InputStream in, Consumer<String> lines, String name) {
        return ChildProcesses.readLines(in, lines, e -> events.agentMessage(runner, "reading the runner's output failed: " + e), name);
    }
}
