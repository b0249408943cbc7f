package org.neox.launch;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.neox.config.ConfigJson;
import org.neox.config.DeepspeedRunnerArgs;
import org.neox.config.HostSlots;
import org.neox.config.Hostfile;
import org.neox.config.NeoXArgs;
import org.neox.config.TrainingPlan;
import org.neox.kernel.KernelsFactory;
import org.neox.util.UserError;

/**
 * Turns a resolved multi-rank config into a launcher job (deepy.py + DeepSpeed runner, spec
 * §2): the selected hosts in hostfile order, mpirun or srun when the config names them, else the
 * local runner for a single local node, pdsh or ssh for several, one {@code WorkerMain} JVM per
 * rank; checks first that the job can fit.
 */
public final class TrainJob {
    static final String WORKER_MAIN = "org.neox.train.WorkerMain";
    private static final Set<String> LOCAL_NAMES = Set.of("localhost", "127.0.0.1", "::1");

    private TrainJob() {
    }

    /** Plans, checks and runs the job; returns the launcher's exit code. */
    public static int run(NeoXArgs args, PrintStream console) throws IOException {
        return run(args, null, console);
    }

    /**
     * {@link #run(NeoXArgs, PrintStream)} with every rank on the kernels named {@code kernels}
     * ({@code --kernels}; null: each rank's default choice), passed to the workers as
     * {@code -Dneox.kernels} so that every runner carries it.
     */
    public static int run(NeoXArgs args, String kernels, PrintStream console) throws IOException {
        if (kernels != null) {
            KernelsFactory.requireKnown(kernels);
        }
        List<NodeSlots> nodes = nodes(args);
        Runner runner = runner(nodes, args.deepspeedRunner().launcher(), System.getenv("PATH"), console);
        if (runner == Runner.LOCAL) {
            Preflight.checkLocalMemory(args, nodes.get(0).slots().size());
        }
        String logDir = args.logging().logDir() != null ? args.logging().logDir() : "logs";
        var r = args.deepspeedRunner();
        // a single local node gets a free port (two jobs on one machine must not collide); several
        // nodes rendezvous on master_port (29500 unless configured) at master_addr or the first host
        int port = runner == Runner.LOCAL ? 0 : r.masterPort();
        String addr = r.masterAddr() != null ? r.masterAddr() : runner == Runner.LOCAL ? "127.0.0.1" : null;
        JobSpec job = JobSpec.of(nodes, runner, ConfigJson.toJson(args), WORKER_MAIN, List.of(),
                Path.of(logDir), addr, port).withJvmOptions(workerJvmOptions(nodes, kernels))
                .withLauncherArgs(MpiCommands.launcherArgs(runner, r.comment()));
        console.printf(Locale.ROOT, "neox: launching %d ranks on %d node(s) with the %s runner; logs in %s%n",
                job.worldSize(), nodes.size(), runner.name().toLowerCase(Locale.ROOT), logDir);
        return new Launcher(console).run(job);
    }

    /**
     * mpirun or srun for {@code launcher: openmpi|mvapich|slurm} (a one-line error when missing);
     * else the local runner for a single local node, and for several nodes pdsh when it is
     * installed, else ssh, saying why.
     */
    static Runner runner(List<NodeSlots> nodes, DeepspeedRunnerArgs.Launcher launcher, String path,
                         PrintStream console) {
        Runner perRank = MpiCommands.runnerFor(launcher, path); // mpirun/srun even on one node, unlike GPT-NeoX (#859)
        if (perRank != null) {
            return perRank;
        }
        if (nodes.size() == 1) {
            return LOCAL_NAMES.contains(nodes.get(0).host()) ? Runner.LOCAL : Runner.SSH;
        }
        if (!onPath("pdsh", path)) {
            console.println("neox: launcher pdsh: pdsh is not on the PATH (apt-get install pdsh); using the ssh runner");
            return Runner.SSH;
        }
        return Runner.PDSH;
    }

    /** Whether an executable {@code name} is in one of the PATH's directories. */
    static boolean onPath(String name) {
        return onPath(name, System.getenv("PATH"));
    }

    /** Whether an executable {@code name} is in one of the directories of {@code path} (PATH's syntax). */
    static boolean onPath(String name, String path) {
        return path != null && Arrays.stream(path.split(File.pathSeparator))
                .anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, name)));
    }

    static List<NodeSlots> nodes(NeoXArgs args) {
        var r = args.deepspeedRunner();
        List<HostSlots> hosts = Hostfile.activeHosts(r.hostfile(), false, r.include(), r.exclude(), r.numNodes(),
                r.numGpus());
        List<NodeSlots> nodes = new ArrayList<>();
        for (HostSlots h : hosts) {
            nodes.add(new NodeSlots(h.host(), h.slots()));
        }
        return nodes;
    }

    /** Each worker's heap: an equal share of this machine's memory (ND4J's scratch lives off-heap). */
    private static List<String> workerJvmOptions(List<NodeSlots> nodes, String kernels) {
        int local = nodes.stream().mapToInt(n -> n.slots().size()).max().orElse(1);
        long share = Math.max(512L << 20, Preflight.physicalMemoryBytes() * 3 / 5 / local);
        List<String> options = new ArrayList<>(List.of("-Xmx" + (share >> 20) + "m", "-XX:+UseParallelGC",
                "-Dai.djl.offline=true"));
        if (kernels != null) {
            options.add("-D" + KernelsFactory.OVERRIDE_PROPERTY + "=" + kernels);
        }
        return options;
    }

    /** Memory of one rank of the most loaded stage, as {@code neox plan} computes it. */
    static long bytesPerRank(NeoXArgs args) {
        Integer vocab = args.tokenizer().paddedVocabSize();
        if (vocab == null) {
            return 0;
        }
        TrainingPlan plan = TrainingPlan.of(args, vocab);
        boolean ckpt = args.training().checkpointActivations();
        return plan.stages().stream().mapToLong(s -> s.weightBytes() + s.gradBytes() + s.optimizerBytes()
                + (ckpt ? s.checkpointedActivationBytes() : s.activationBytes())).max().orElse(0);
    }

    /** Pre-flight: stop before starting anything that cannot fit (issue: 20B on a laptop). */
    public static final class Preflight {
        private Preflight() {
        }

        public static void checkLocalMemory(NeoXArgs args, int localRanks) {
            long perRank = bytesPerRank(args);
            long have = physicalMemoryBytes();
            if (perRank * localRanks > have) {
                throw new UserError(String.format(Locale.ROOT, "the job needs %.1f GiB per rank x %d ranks = %.1f GiB"
                        + " (weights, gradients, optimizer state, activations; see 'neox plan'), but this machine"
                        + " has %.1f GiB; use more nodes (-H hostfile), pipeline/tensor parallelism, ZeRO,"
                        + " checkpoint-activations or a smaller micro-batch", gib(perRank), localRanks,
                        gib(perRank * localRanks), gib(have)));
            }
        }

        static long physicalMemoryBytes() {
            var os = ManagementFactory.getOperatingSystemMXBean();
            if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
                return sun.getTotalMemorySize();
            }
            return Runtime.getRuntime().maxMemory();
        }

        private static double gib(long b) {
            return b / (double) (1L << 30);
        }
    }
}
