package org.neox.launch;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.neox.config.DeepspeedRunnerArgs;
import org.neox.util.UserError;

/**
 * The command lines of the per-rank runners, after DeepSpeed's OpenMPIRunner, MVAPICHRunner
 * and SlurmRunner (spec §2.3), as pure functions of the job so that tests can check them
 * without a cluster. Each starts {@code agent} once per rank; the rank's agent finds its global
 * rank in the runner's variables ({@link #rankVariables}) and runs that rank of the plan.
 * Unlike DeepSpeed, include/exclude/num_nodes/num_gpus apply: the generated host list holds
 * only the selected hosts and slots. The job secret never appears on these command lines:
 * variables are forwarded by name from the runner's own environment.
 */
final class MpiCommands {
    private MpiCommands() {
    }

    /** The per-rank runner that {@code launcher} names, or null for pdsh; a one-line error if its command is missing. */
    static Runner runnerFor(DeepspeedRunnerArgs.Launcher launcher, String path) {
        Runner r = switch (launcher) {
            case OPENMPI -> Runner.OPENMPI;
            case MVAPICH -> Runner.MVAPICH;
            case SLURM -> Runner.SLURM;
            case PDSH -> null;
        };
        if (r != null && !TrainJob.onPath(program(r), path)) {
            String wire = launcher.wire();
            throw new UserError("launcher: " + wire + " needs " + program(r) + ", which is not on the PATH; install "
                    + (r == Runner.SLURM ? "the Slurm client (srun)" : r == Runner.OPENMPI ? "Open MPI (apt-get install"
                    + " openmpi-bin)" : "MVAPICH2") + " or set launcher to another value (pdsh, openmpi, mvapich, slurm)");
        }
        return r;
    }

    static String program(Runner r) {
        return r == Runner.SLURM ? "srun" : "mpirun";
    }

    /** Extra runner arguments from the config: srun's {@code --comment} (DeepSpeed passes it to srun only). */
    static List<String> launcherArgs(Runner r, String comment) {
        return r == Runner.SLURM && comment != null ? List.of("--comment", comment) : List.of();
    }

    /** Where each runner's processes find their global rank (first set wins). */
    static String rankVariables(Runner r) {
        return switch (r) {
            case OPENMPI -> "OMPI_COMM_WORLD_RANK";
            case MVAPICH -> "MV2_COMM_WORLD_RANK,PMI_RANK";
            case SLURM -> "SLURM_PROCID";
            default -> throw new IllegalArgumentException("not a per-rank runner: " + r);
        };
    }

    /**
     * The host list the runner reads: Open MPI {@code host slots=N} per node; MVAPICH one host per
     * node (with {@code -ppn}); Slurm one host per rank, in rank order, for
     * {@code --distribution=arbitrary} (SLURM_HOSTFILE), since a plain {@code --nodelist} is
     * sorted by Slurm and would not put rank 0 on the first host, where the others look for it;
     * this file is also srun's node list.
     */
    static String hostfile(Runner r, List<NodeSlots> nodes) {
        StringBuilder sb = new StringBuilder();
        for (NodeSlots n : nodes) {
            switch (r) {
                case OPENMPI -> sb.append(n.host()).append(" slots=").append(n.slots().size()).append('\n');
                case MVAPICH -> sb.append(n.host()).append('\n');
                case SLURM -> n.slots().forEach(s -> sb.append(n.host()).append('\n'));
                default -> throw new IllegalArgumentException("not a per-rank runner: " + r);
            }
        }
        return sb.toString();
    }

    /**
     * The runner's command: {@code forwarded} names the variables of the runner's environment
     * every rank gets; {@code asRoot} whether the launcher runs as root.
     */
    static List<String> command(JobSpec spec, Path hostfile, Collection<String> forwarded, boolean asRoot,
                                List<String> agent) {
        int world = spec.worldSize();
        List<String> cmd = new ArrayList<>();
        switch (spec.runner()) {
            case OPENMPI -> {
                // the hostfile's explicit slots allow as many ranks as it lists, so 4 ranks on a 2-core
                // machine need no --oversubscribe; ranks fill the hosts slot by slot in hostfile order
                // (RankSpec's order); --bind-to none because Open MPI would pin each worker JVM, with
                // its GEMM threads, to one core (np <= 2) or one socket; --mca btl is left out: the
                // workers talk over neox's own TCP and never load an MPI transport
                // orte_keep_fqdn_hostnames: Open MPI 4 would ssh to "node1" for "node1.cluster.org"
                cmd.addAll(List.of("mpirun", "-n", Integer.toString(world), "-hostfile", hostfile.toString(),
                        "--map-by", "slot", "--bind-to", "none", "--mca", "orte_keep_fqdn_hostnames", "1"));
                if (asRoot) {
                    // Open MPI refuses root without it; the launcher already runs as root, and so would
                    // the workers under every other runner
                    cmd.add("--allow-run-as-root");
                }
                forwarded.forEach(name -> cmd.addAll(List.of("-x", name)));
            }
            case MVAPICH -> {
                cmd.addAll(List.of("mpirun", "-np", Integer.toString(world), "-ppn",
                        Integer.toString(equalSlots(spec.nodes())), "--hostfile", hostfile.toString()));
                if (!forwarded.isEmpty()) {
                    cmd.addAll(List.of("-genvlist", String.join(",", forwarded)));
                }
            }
            // no --nodelist: srun takes the hosts from SLURM_HOSTFILE only when none is given, and
            // Slurm 22.05 rejects a list of distinct hosts shorter than -n ("Asked for 4 tasks have 1
            // in the nodelist") under --distribution=arbitrary
            case SLURM -> cmd.addAll(List.of("srun", "-n", Integer.toString(world),
                    "--nodes=" + spec.nodes().size(), "--distribution=arbitrary", "--export=ALL"));
            default -> throw new IllegalArgumentException("not a per-rank runner: " + spec.runner());
        }
        cmd.addAll(spec.launcherArgs());
        cmd.addAll(agent);
        return cmd;
    }

    /** MVAPICH's {@code -ppn}: DeepSpeed's MVAPICHRunner requires the same number of ranks on every node. */
    static int equalSlots(List<NodeSlots> nodes) {
        int n = nodes.get(0).slots().size();
        for (NodeSlots node : nodes) {
            if (node.slots().size() != n) {
                throw new UserError(String.format(Locale.ROOT, "launcher: mvapich needs the same number of slots on"
                        + " every host, but %s has %d and %s has %d; select equal slots with include/exclude or"
                        + " num_gpus", nodes.get(0).host(), n, node.host(), node.slots().size()));
            }
        }
        return n;
    }
}
