package org.neox.launch;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The line protocol between the launcher and a {@link NodeAgent}. Launcher to agent (stdin):
 * {@code cwd B64}, {@code grace MS}, {@code config B64}, {@code env B64KEY B64VALUE},
 * {@code cmd B64ARG} (repeated: the worker command), {@code rank RANK LOCAL_RANK} (repeated),
 * {@code go}; later {@code stop}, or end of stream, stops every rank. Under pdsh the same plan
 * comes from the launcher's {@link PlanHandoff} instead of stdin. Agent to launcher (stdout):
 * {@code [rank N] LINE} for worker output, and {@code @neox started RANK PID},
 * {@code @neox exited RANK PID CODE}, {@code @neox error B64MESSAGE}, and under pdsh
 * {@code @neox planned} once it holds its plan and {@code @neox alive} every second. Values are
 * base64 so nothing needs quoting.
 */
final class AgentProtocol {
    static final String CONTROL = "@neox ";
    static final String STARTED = CONTROL + "started ";
    static final String EXITED = CONTROL + "exited ";
    static final String ERROR = CONTROL + "error ";
    /** The heartbeat of an agent without stdin: a failed write of it tells the agent the launcher is gone. */
    static final String ALIVE = CONTROL + "alive";
    /** An agent under pdsh holds its plan (and waits for the launcher's go to start ranks). */
    static final String PLANNED = CONTROL + "planned";
    /** Plan line that starts the section of one host in a plan of all nodes (mpirun, srun: one agent per rank). */
    static final String NODE = "node ";

    private AgentProtocol() {
    }

    static String encode(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    static String decode(String s) {
        return new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8);
    }

    static String rankPrefix(int rank) {
        return "[rank " + rank + "] ";
    }

    /** The rank of a {@code [rank N] } output line, or -1. */
    static int rankOf(String line) {
        if (!line.startsWith("[rank ")) {
            return -1;
        }
        int end = line.indexOf("] ", 6);
        if (end < 0) {
            return -1;
        }
        try {
            return Integer.parseInt(line.substring(6, end));
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
