package org.neox.launch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.neox.comm.FreePort;

/**
 * A private one-node Slurm cluster for tests (Debian's slurm-wlm and munge): munged, slurmctld
 * and slurmd run in the foreground under the test JVM (each stopped when its shell's stdin
 * closes, so even a killed test JVM leaves none behind), as root, from a temporary
 * directory that holds the munge key and socket, slurm.conf (free ports), spool, state and logs.
 * The node is {@code localhost} with at least four CPUs (config_overrides), so four ranks fit
 * on a two-core machine. Clients find it through {@link #env()} ({@code SLURM_CONF}); nothing
 * under /etc is used or changed.
 */
public final class SlurmCluster implements AutoCloseable {
    private static final List<String> PROGRAMS = List.of("munged", "mungekey", "slurmctld", "slurmd", "srun",
            "sinfo", "squeue", "scancel");

    private final Path dir;
    private final List<Process> daemons = new ArrayList<>();

    private SlurmCluster(Path dir) {
        this.dir = dir;
    }

    /** Why no cluster can be started here, or null when one can. */
    private static String unavailable() {
        List<String> missing = PROGRAMS.stream().filter(p -> !onPath(p)).toList();
        if (!missing.isEmpty()) {
            return "Slurm or munge not installed (apt-get install slurm-wlm munge; missing " + missing
                    + "); skipping Slurm tests";
        }
        return "root".equals(System.getProperty("user.name")) ? null
                : "a private slurmd must run as root to start job steps; skipping Slurm tests";
    }

    private static boolean onPath(String program) {
        return TrainJob.onPath(program) || Files.isExecutable(Path.of("/usr/sbin", program));
    }

    /**
     * A started cluster, or the calling test skipped: when Slurm is missing, when not root, or
     * when the daemons do not come up on this machine (a container without what slurmd needs);
     * the skip message carries the daemons' last log lines. Only the runner is under test here.
     */
    public static SlurmCluster startOrSkip(Path dir) throws Exception {
        String why = unavailable();
        if (why != null) {
            return Assumptions.abort(why);
        }
        try {
            return start(dir);
        } catch (ClusterDidNotStart e) {
            String msg = e.getMessage();
            return Assumptions.abort("a private Slurm cluster did not start on this machine; skipping Slurm tests: "
                    + msg.substring(Math.max(0, msg.length() - 2000)));
        }
    }

    /** The daemons did not reach a working cluster (as opposed to a test failing against one). */
    static final class ClusterDidNotStart extends IOException {
        ClusterDidNotStart(String message) {
            super(message);
        }
    }

    private static SlurmCluster start(Path dir) throws Exception {
        SlurmCluster c = new SlurmCluster(dir);
        try {
            c.startDaemons();
            return c;
        } catch (Exception e) {
            c.close();
            throw e;
        }
    }

    /** The environment a Slurm client (srun, or a launcher that starts it) needs for this cluster. */
    public Map<String, String> env() {
        return Map.of("SLURM_CONF", dir.resolve("slurm.conf").toString());
    }

    private void startDaemons() throws Exception {
        Path key = dir.resolve("munge.key");
        run("mungekey", "--create", "--keyfile", key.toString());
        Path socket = dir.resolve("munge.socket");
        daemon("munged", List.of(program("munged"), "--foreground", "--force", "--socket", socket.toString(),
                "--key-file", key.toString(), "--log-file", dir.resolve("munged.log").toString(),
                "--pid-file", dir.resolve("munged.pid").toString(),
                "--seed-file", dir.resolve("munged.seed").toString()));
        await(() -> Files.exists(socket), "munged did not create its socket");
        Files.createDirectories(dir.resolve("spool"));
        Files.createDirectories(dir.resolve("state"));
        Files.writeString(dir.resolve("slurm.conf"), conf(socket));
        Files.writeString(dir.resolve("plugstack.conf"), "");
        daemon("slurmctld", List.of(program("slurmctld"), "-D", "-i"));
        daemon("slurmd", List.of(program("slurmd"), "-D", "-N", "localhost"));
        await(this::idle, "the node did not become idle");
    }

    private boolean idle() throws Exception {
        try {
            return run("sinfo", "--noheader", "--format=%t").strip().equals("idle");
        } catch (IOException e) {
            return false; // slurmctld not answering yet
        }
    }

    private String conf(Path socket) {
        int cpus = Math.max(4, Runtime.getRuntime().availableProcessors());
        return String.join("\n",
                "ClusterName=neoxtest",
                "SlurmctldHost=localhost",
                "SlurmctldPort=" + FreePort.find(),
                "SlurmdPort=" + FreePort.find(),
                "AuthType=auth/munge",
                "AuthInfo=socket=" + socket,
                "CredType=cred/munge",
                "SlurmUser=root",
                "SlurmdUser=root",
                "StateSaveLocation=" + dir.resolve("state"),
                "SlurmdSpoolDir=" + dir.resolve("spool"),
                "SlurmctldPidFile=" + dir.resolve("slurmctld.pid"),
                "SlurmdPidFile=" + dir.resolve("slurmd.pid"),
                "SlurmctldLogFile=" + dir.resolve("slurmctld.log"),
                "SlurmdLogFile=" + dir.resolve("slurmd.log"),
                "PlugStackConfig=" + dir.resolve("plugstack.conf"),
                "MailProg=/bin/true",
                // no cgroups: tasks are tracked through /proc, which also works in a container
                "ProctrackType=proctrack/linuxproc",
                "TaskPlugin=task/none",
                "MpiDefault=none",
                "SwitchType=switch/none",
                "SelectType=select/cons_tres",
                "SelectTypeParameters=CR_CPU",
                "JobAcctGatherType=jobacct_gather/none",
                "AccountingStorageType=accounting_storage/none",
                "JobCompType=jobcomp/none",
                "ReturnToService=2",
                // the configured CPUs count, not the detected ones: four ranks on a two-core machine
                "SlurmdParameters=config_overrides",
                "NodeName=localhost NodeAddr=127.0.0.1 CPUs=" + cpus + " RealMemory=1000 State=UNKNOWN",
                "PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP",
                "") + "\n";
    }

    /** Starts a daemon in a shell that stops it when its stdin closes: on {@link #close} or when this JVM dies. */
    private void daemon(String name, List<String> cmd) throws IOException {
        List<String> tied = new ArrayList<>(List.of("sh", "-c", MpiRanks.TIED_TO_STDIN, "sh"));
        tied.addAll(cmd);
        ProcessBuilder pb = new ProcessBuilder(tied).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".out").toFile());
        pb.environment().putAll(env());
        daemons.add(pb.start());
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    private void await(Check check, String what) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!check.ok()) {
            if (daemons.stream().anyMatch(p -> !p.isAlive()) || System.nanoTime() > deadline) {
                throw new ClusterDidNotStart(what + "; logs:\n" + logs());
            }
            Thread.sleep(200);
        }
    }

    /** The daemons' output and logs, for failure messages. */
    public String logs() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String f : List.of("munged.out", "slurmctld.out", "slurmd.out", "slurmctld.log", "slurmd.log")) {
            Path p = dir.resolve(f);
            if (Files.exists(p)) {
                sb.append("== ").append(f).append('\n').append(Files.readString(p));
            }
        }
        return sb.toString();
    }

    /** Runs a client command against this cluster and returns its output; throws when it fails. */
    public String run(String... cmd) throws Exception {
        List<String> full = new ArrayList<>(List.of(cmd));
        full.set(0, program(cmd[0]));
        ProcessBuilder pb = new ProcessBuilder(full).redirectErrorStream(true);
        pb.environment().putAll(env());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }

    /** The job steps still running after waiting up to ten seconds for them to end (blank when none). */
    public String stepsLeft() throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        String steps;
        while (!(steps = run("squeue", "--noheader", "--steps")).isBlank() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        return steps.strip();
    }

    private static String program(String name) {
        Path sbin = Path.of("/usr/sbin", name);
        return !TrainJob.onPath(name) && Files.isExecutable(sbin) ? sbin.toString() : name;
    }

    /** Cancels what still runs, then stops slurmd, slurmctld and munged (in that order). */
    @Override
    public void close() throws InterruptedException {
        if (daemons.size() == 3) {
            try {
                run("scancel", "--full", "--user=root");
            } catch (Exception e) {
                // the daemons stop anyway
            }
        }
        for (int i = daemons.size() - 1; i >= 0; i--) {
            Process p = daemons.get(i);
            try {
                p.getOutputStream().close();
            } catch (IOException e) {
                // the shell is gone, and with it the daemon
            }
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
