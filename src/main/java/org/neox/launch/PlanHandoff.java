package org.neox.launch;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.neox.comm.CommException;
import org.neox.comm.OneTimeBlobClient;
import org.neox.comm.OneTimeBlobServer;

/**
 * Both ends of handing each pdsh-started agent its node's plan (job secret included) without
 * putting the plan on a command line.
 *
 * <p>Threat model: other local users of the launcher host or of a node can read every process's
 * command line ({@code ps}, {@code /proc/PID/cmdline}) but not our environment, files or
 * sockets. pdsh gives remote commands no stdin, so everything pdsh passes is visible to them on
 * both hosts; it therefore carries only a fresh 128-bit one-time token per node and the port of
 * a listener the launcher keeps open during start-up. Each agent connects back, presents its
 * token, receives its plan and reports {@code @neox planned} through its own ssh channel, which
 * no one else can write to; only when every node has reported does the launcher send the go that
 * lets agents start ranks, and then it stops listening. A reader of {@code ps} who presents a
 * token before the agent does gets that plan, but the token is then spent: the real agent is
 * refused, the launcher sees the token presented twice and aborts the job before any rank
 * starts, so the secret it took belongs to a job that never runs. A token presented twice in
 * the other order aborts the job the same way; an unknown token is refused. (Once running, the
 * secret is in the ranks' environment, which only the same user and root can read.)
 *
 * <p>Agents connect to the launcher at the client address of their own ssh connection (the
 * first field of {@code SSH_CONNECTION}: this host as the node sees it, which MASTER_ADDR, rank
 * 0's host, need not be), or at {@code NEOX_LAUNCHER_ADDR} when that is set in the launcher's
 * environment (for NAT or ssh jump hosts).
 */
final class PlanHandoff implements AutoCloseable {
    static final String WHAT = "start-up plan";
    /** Every agent must have fetched and reported its plan this long after pdsh starts. */
    static final Duration DEADLINE = Duration.ofSeconds(120);
    /** The agent's address argument that means: the client address of my ssh connection. */
    static final String FROM_SSH = "-";

    private final List<String> hosts;
    private final boolean[] planned;
    private final Consumer<String> abortJob;
    private final List<String> tokens = new ArrayList<>();
    private OneTimeBlobServer server;
    private boolean closed;

    private PlanHandoff(List<String> hosts, Consumer<String> abortJob) {
        this.hosts = List.copyOf(hosts);
        this.planned = new boolean[hosts.size()];
        this.abortJob = abortJob;
    }

    /**
     * Listens for the agents of {@code hosts} (node order) and offers each its plan; the job is
     * aborted through {@code abortJob} (one line, why) on a token used twice or at the deadline.
     */
    static PlanHandoff open(List<String> hosts, List<byte[]> plans, Duration deadline, Consumer<String> abortJob)
            throws IOException {
        PlanHandoff h = new PlanHandoff(hosts, abortJob);
        h.server = OneTimeBlobServer.open(WHAT, h::presentedTwice);
        for (int n = 0; n < hosts.size(); n++) {
            h.tokens.add(h.server.offer(h.label(n), plans.get(n)));
        }
        Thread t = new Thread(() -> h.supervise(deadline), "neox-launch-plan-handoff");
        t.setDaemon(true);
        t.start();
        return h;
    }

    /** The agent's arguments after its host: {@code PORT ADDR HOST=TOKEN,...}, ADDR {@value FROM_SSH} unless given. */
    List<String> agentArguments(String launcherAddr) {
        StringBuilder sb = new StringBuilder();
        for (int n = 0; n < hosts.size(); n++) {
            sb.append(n > 0 ? "," : "").append(hosts.get(n)).append('=').append(tokens.get(n));
        }
        String addr = launcherAddr == null || launcherAddr.isBlank() ? FROM_SSH : launcherAddr.trim();
        return List.of(Integer.toString(server.port()), addr, sb.toString());
    }

    /** Node {@code node}'s agent said, over its ssh channel, that it holds its plan. */
    synchronized void planned(int node) {
        planned[node] = true;
        notifyAll();
    }

    /** Stops listening; agents still waiting for the go give up without starting ranks. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        server.close();
    }

    private String label(int node) {
        return "node " + node + " (" + hosts.get(node) + ")";
    }

    private void supervise(Duration deadline) {
        long end = System.nanoTime() + deadline.toNanos();
        try {
            server.awaitAllFetched(deadline);
            awaitPlanned(end, deadline);
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
            }
            server.release();
        } catch (CommException e) {
            abort(e.getMessage() + (server.unfetched().isEmpty() ? "" : " (agents connect to port " + server.port()
                    + " of this host at the client address of their ssh connection, or at NEOX_LAUNCHER_ADDR)"));
        } catch (InterruptedException e) {
            close();
        }
    }

    private synchronized void awaitPlanned(long end, Duration deadline) throws InterruptedException {
        while (!closed) {
            List<String> missing = new ArrayList<>();
            for (int n = 0; n < planned.length; n++) {
                if (!planned[n]) {
                    missing.add(label(n));
                }
            }
            if (missing.isEmpty()) {
                return;
            }
            long left = end - System.nanoTime();
            if (left <= 0) {
                throw new CommException("the " + WHAT + " of " + String.join(", ", missing) + " was fetched but "
                        + (missing.size() > 1 ? "their agents did" : "its agent did") + " not report it within "
                        + BigDecimal.valueOf(deadline.toMillis(), 3).stripTrailingZeros().toPlainString() + " s");
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }

    private void presentedTwice(String label, String firstFrom, String againFrom) {
        abort("the " + WHAT + " of " + label + " was requested twice (from " + firstFrom + ", then from " + againFrom
                + "): another process read its one-time token from a command line and may hold the job secret");
    }

    /** Aborts the job once, unless the handoff ended already (the job is ending for another reason). */
    private void abort(String why) {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            notifyAll();
        }
        server.close();
        abortJob.accept(why);
    }

    /**
     * The agent's end: fetches the plan of {@code host} with {@code args} ({@link #agentArguments}),
     * calls {@code planned} once it holds it, waits for the go and returns the plan.
     */
    static String receive(String host, List<String> args, Map<String, String> env, Runnable planned) {
        int port = Integer.parseInt(args.get(0));
        String addr = launcherAddress(args.get(1), env);
        try (OneTimeBlobClient c = OneTimeBlobClient.fetch(addr, port, tokenFor(args.get(2), host), DEADLINE)) {
            String plan = new String(c.blob(), StandardCharsets.UTF_8);
            planned.run();
            c.awaitGo(DEADLINE.multipliedBy(2));
            return plan;
        }
    }

    /** {@code arg} unless it is {@value FROM_SSH}; then the client address in {@code SSH_CONNECTION}. */
    static String launcherAddress(String arg, Map<String, String> env) {
        if (!FROM_SSH.equals(arg)) {
            return arg;
        }
        String conn = env.get("SSH_CONNECTION");
        if (conn == null || conn.isBlank()) {
            throw new CommException("SSH_CONNECTION is not set, so the launcher's address is unknown; set"
                    + " NEOX_LAUNCHER_ADDR to this host's address as the nodes reach it");
        }
        return conn.trim().split("\\s+")[0];
    }

    /** This host's token in {@code HOST=TOKEN,...}. */
    static String tokenFor(String tokens, String host) {
        for (String pair : tokens.split(",")) {
            int eq = pair.lastIndexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(host)) {
                return pair.substring(eq + 1);
            }
        }
        throw new CommException("no plan token for host " + host);
    }
}
