package org.neox.launch;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The launcher's end of one node: the agent process (a local child, or the ssh client whose
 * remote command is the agent), the plan written to its stdin, and threads reading its output.
 */
final class NodeSession {
    /** What the launcher learns from a node. */
    interface Events {
        void output(int rank, String line);

        void started(int rank, long pid);

        void exited(int rank, long pid, int code);

        void agentMessage(NodeSession node, String line);

        void agentEnded(NodeSession node, int exitCode);

        /** The start-up went wrong in a way that concerns the whole job; {@code why} is one line. */
        void aborted(String why);
    }

    final int nodeRank;
    final String host;
    private final Process process;
    private final Runnable stop;

    /** A node whose agent runs in {@code process}; {@code stop} asks it to stop the node's ranks. */
    NodeSession(int nodeRank, String host, Process process, Runnable stop) {
        this.nodeRank = nodeRank;
        this.host = host;
        this.process = process;
        this.stop = stop;
    }

    /** Starts the node's agent and sends it the plan for {@code ranks} (all on this node). */
    static NodeSession start(JobSpec spec, int nodeRank, List<RankSpec> ranks, Map<String, String> env,
                             Events events) throws IOException {
        String host = spec.nodes().get(nodeRank).host();
        List<String> agent = agentCommand(spec);
        List<String> cmd = new ArrayList<>();
        if (spec.runner() == Runner.SSH) {
            cmd.addAll(spec.sshCommand());
            cmd.addAll(List.of("-o", "BatchMode=yes", "-T", host, "exec " + shellQuote(agent)));
        } else {
            cmd.addAll(agent);
        }
        Process p = new ProcessBuilder(cmd).directory(spec.workDir().toFile()).start();
        Writer stdin = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8);
        NodeSession s = new NodeSession(nodeRank, host, p, () -> sendStop(stdin));
        s.pump(events);
        stdin.write(plan(spec, ranks, env));
        stdin.flush();
        return s;
    }

    static List<String> agentCommand(JobSpec spec) {
        return List.of(spec.java(), "-Xmx64m", "-XX:+UseSerialGC", "-cp", spec.classPath(), NodeAgent.class.getName());
    }

    /** The whole plan of the node running {@code ranks} with {@code env}, ended by {@code go}. */
    static String plan(JobSpec spec, List<RankSpec> ranks, Map<String, String> env) {
        return commonPlan(spec) + nodePlan(ranks, env) + "go\n";
    }

    /** The plan lines every node of the job shares: directory, grace, config and worker command. */
    static String commonPlan(JobSpec spec) {
        StringBuilder sb = new StringBuilder();
        sb.append("cwd ").append(AgentProtocol.encode(spec.workDir().toString())).append('\n');
        sb.append("grace ").append(spec.grace().toMillis()).append('\n');
        if (spec.configJson() != null) {
            sb.append("config ").append(AgentProtocol.encode(spec.configJson())).append('\n');
        }
        for (String a : workerCommand(spec)) {
            sb.append("cmd ").append(AgentProtocol.encode(a)).append('\n');
        }
        return sb.toString();
    }

    /** The plan lines of one node: its environment and its ranks. */
    static String nodePlan(List<RankSpec> ranks, Map<String, String> env) {
        StringBuilder sb = new StringBuilder();
        env.forEach((k, v) -> sb.append("env ").append(AgentProtocol.encode(k)).append(' ')
                .append(AgentProtocol.encode(v)).append('\n'));
        for (RankSpec r : ranks) {
            sb.append("rank ").append(r.rank()).append(' ').append(r.localRank()).append('\n');
        }
        return sb.toString();
    }

    static List<String> workerCommand(JobSpec spec) {
        List<String> cmd = new ArrayList<>();
        cmd.add(spec.java());
        cmd.addAll(spec.jvmOptions());
        cmd.addAll(List.of("-cp", spec.classPath(), spec.mainClass()));
        cmd.addAll(spec.args());
        return cmd;
    }

    private void pump(Events events) {
        Thread out = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    dispatch(line, events);
                }
            } catch (IOException | RuntimeException e) {
                events.agentMessage(this, "reading the agent's output failed: " + e);
            }
            events.agentEnded(this, ChildProcesses.waitFor(process));
        }, "neox-launch-node-" + nodeRank);
        out.setDaemon(true);
        out.start();
        Thread err = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getErrorStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    events.agentMessage(this, line);
                }
            } catch (IOException e) {
                // ends with the process
            }
        }, "neox-launch-node-err-" + nodeRank);
        err.setDaemon(true);
        err.start();
    }

    /** Hands one protocol line of this node's agent to the launcher. */
    void dispatch(String line, Events events) {
        int rank = AgentProtocol.rankOf(line);
        if (rank >= 0) {
            events.output(rank, line.substring(AgentProtocol.rankPrefix(rank).length()));
        } else if (line.startsWith(AgentProtocol.STARTED)) {
            String[] f = line.substring(AgentProtocol.STARTED.length()).split(" ");
            events.started(Integer.parseInt(f[0]), Long.parseLong(f[1]));
        } else if (line.startsWith(AgentProtocol.EXITED)) {
            String[] f = line.substring(AgentProtocol.EXITED.length()).split(" ");
            events.exited(Integer.parseInt(f[0]), Long.parseLong(f[1]), Integer.parseInt(f[2]));
        } else if (line.equals(AgentProtocol.ALIVE)) {
            return;
        } else if (line.startsWith(AgentProtocol.ERROR)) {
            events.agentMessage(this, AgentProtocol.decode(line.substring(AgentProtocol.ERROR.length())));
        } else {
            events.agentMessage(this, line);
        }
    }

    /** Asks the agent to stop its ranks (SIGTERM, grace, SIGKILL). */
    void stop() {
        stop.run();
    }

    /** Tells an agent that reads its stdin to stop; closing stdin does the same. */
    private static void sendStop(Writer stdin) {
        try {
            stdin.write("stop\n");
            stdin.flush();
            stdin.close();
        } catch (IOException e) {
            // the agent is gone already
        }
    }

    ProcessHandle handle() {
        return process.toHandle();
    }

    /** POSIX shell quoting for the remote command line ssh passes to the login shell. */
    static String shellQuote(List<String> args) {
        StringBuilder sb = new StringBuilder();
        for (String a : args) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append('\'').append(a.replace("'", "'\\''")).append('\'');
        }
        return sb.toString();
    }
}
