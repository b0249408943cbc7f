package org.neox.launch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * All nodes' agents started by one {@code pdsh -S -R ssh -f 1024 -w host1,host2,...} (GPT-NeoX's
 * default launcher, spec §2.3). pdsh runs the same command everywhere and gives it no stdin, so
 * the command carries only each host's one-time token for its plan, which the agent fetches
 * from this launcher ({@link PlanHandoff}); each agent picks its token by pdsh's {@code %h} and
 * notices the launcher's end by its heartbeat failing. pdsh prefixes each output line with
 * {@code host: }, by which the lines go back to their node's session. Stopping kills pdsh and its
 * ssh clients; each agent then stops its ranks within a heartbeat plus grace. The launcher holds
 * the stdin of a shell around pdsh, so pdsh also ends when the launcher dies.
 */
final class PdshNodes {
    /**
     * Runs its arguments (pdsh) and kills them when this shell's stdin closes: pdsh ignores the
     * loss of its stdout, so without this a SIGKILLed launcher would leave pdsh and every rank
     * running. The reader gets stdin as fd 3 since a background job's stdin is /dev/null.
     */
    private static final String TIED_TO_STDIN = "exec 3<&0; \"$@\" & p=$!; (read -r _ <&3; kill $p) & r=$!;"
            + " wait $p; c=$?; kill $r 2>/dev/null; exit $c";

    private final Map<String, NodeSession> byHost = new LinkedHashMap<>();
    private final boolean[] ended;
    private final NodeSession.Events events;
    private final PlanHandoff handoff;

    private PdshNodes(int nodes, NodeSession.Events events, PlanHandoff handoff) {
        this.ended = new boolean[nodes];
        this.events = events;
        this.handoff = handoff;
    }

    /**
     * Starts pdsh; {@code ranks} and {@code envs} are per node, in the order of {@code spec.nodes()};
     * {@code launcherAddr} is where agents reach this host, null for their ssh client address.
     */
    static List<NodeSession> start(JobSpec spec, List<List<RankSpec>> ranks, List<Map<String, String>> envs,
                                   String launcherAddr, NodeSession.Events events) throws IOException {
        List<String> hosts = new ArrayList<>();
        List<byte[]> plans = new ArrayList<>();
        for (int n = 0; n < spec.nodes().size(); n++) {
            hosts.add(spec.nodes().get(n).host());
            plans.add(NodeSession.plan(spec, ranks.get(n), envs.get(n)).getBytes(StandardCharsets.UTF_8));
        }
        PlanHandoff handoff = PlanHandoff.open(hosts, plans, PlanHandoff.DEADLINE, events::aborted);
        // pdsh substitutes %h (the host as given to -w) before the remote shell sees the line
        String remote = "exec " + NodeSession.shellQuote(NodeSession.agentCommand(spec)) + " %h "
                + NodeSession.shellQuote(handoff.agentArguments(launcherAddr));
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", TIED_TO_STDIN, "sh"));
        cmd.addAll(List.of("pdsh", "-S", "-R", "ssh", "-f", "1024", "-w", String.join(",", hosts), remote));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(spec.workDir().toFile());
        // the job's options come after any the user set for pdsh already
        pb.environment().merge("PDSH_SSH_ARGS_APPEND", sshOptions(spec), (user, job) -> user + " " + job);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            handoff.close();
            throw e;
        }
        PdshNodes nodes = new PdshNodes(hosts.size(), events, handoff);
        Runnable stop = () -> {
            handoff.close();
            ProcessTrees.terminate(List.of(p.toHandle()), Duration.ZERO);
        };
        for (int n = 0; n < hosts.size(); n++) {
            nodes.byHost.put(hosts.get(n), new NodeSession(n, hosts.get(n), p, stop));
        }
        nodes.pump(p);
        return List.copyOf(nodes.byHost.values());
    }

    /** The ssh options of the job's ssh command (after the program name) for pdsh's ssh module. */
    static String sshOptions(JobSpec spec) {
        List<String> opts = new ArrayList<>(spec.sshCommand().subList(1, spec.sshCommand().size()));
        opts.addAll(List.of("-o", "BatchMode=yes"));
        return String.join(" ", opts);
    }

    private void pump(Process p) {
        Thread out = reader(p.getInputStream(), line -> {
            NodeSession node = nodeOf(line);
            String msg = node == null ? null : line.substring(node.host.length() + 2);
            if (node == null) {
                events.agentMessage(first(), line);
            } else if (msg.equals(AgentProtocol.PLANNED)) {
                handoff.planned(node.nodeRank);
            } else {
                node.dispatch(msg, events);
            }
        }, "neox-launch-pdsh");
        Thread err = reader(p.getErrorStream(), this::diagnostic, "neox-launch-pdsh-err");
        Thread end = new Thread(() -> {
            ChildProcesses.join(out);
            ChildProcesses.join(err);
            int code = ChildProcesses.waitFor(p);
            handoff.close();
            byHost.values().forEach(node -> end(node, code));
        }, "neox-launch-pdsh-end");
        end.setDaemon(true);
        end.start();
    }

    /**
     * pdsh's stderr: the nodes' stderr as {@code host: line}, and pdsh's own messages such as
     * {@code pdsh@launcher: host: ssh exited with exit code 255}, which ends that node at once.
     */
    private void diagnostic(String line) {
        String own = line.startsWith("pdsh@") && line.indexOf(": ") > 0 ? line.substring(line.indexOf(": ") + 2) : line;
        NodeSession node = nodeOf(own);
        if (node == null) {
            events.agentMessage(first(), line);
            return;
        }
        String msg = own.substring(node.host.length() + 2);
        events.agentMessage(node, msg);
        String exited = "exited with exit code ";
        int at = msg.indexOf(exited);
        if (line.startsWith("pdsh@") && at >= 0) {
            end(node, Integer.parseInt(msg.substring(at + exited.length()).trim()));
        }
    }

    private NodeSession nodeOf(String line) {
        int colon = line.indexOf(": ");
        return colon > 0 ? byHost.get(line.substring(0, colon)) : null;
    }

    private NodeSession first() {
        return byHost.values().iterator().next();
    }

    private void end(NodeSession node, int code) {
        synchronized (ended) {
            if (ended[node.nodeRank]) {
                return;
            }
            ended[node.nodeRank] = true;
        }
        events.agentEnded(node, code);
    }

    private Thread reader(InputStream in, Consumer<String> lines, String name) {
        return ChildProcesses.readLines(in, lines, e -> events.agentMessage(first(), "reading pdsh's output failed: " + e), name);
    }
}
