package org.neox.launch;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Everything the launcher needs for one job.
 *
 * @param nodes       hosts in hostfile order with their slots; ranks are assigned node by node
 * @param runner      how the per-node agents are started
 * @param configJson  the resolved config each worker reads from the file named by {@code NEOX_CONFIG}
 *                    (written on every node by its agent); null for none
 * @param mainClass   the worker's main class
 * @param args        the worker's arguments
 * @param jvmOptions  options for every worker JVM (e.g. -Xmx)
 * @param java        the java executable on every node
 * @param classPath   the class path on every node (DeepSpeed likewise assumes the same environment everywhere)
 * @param workDir     the workers' working directory on every node
 * @param logDir      per-rank logs {@code rank-N.log} are written here, on the launcher's host
 * @param masterAddr  address of rank 0 as the other ranks reach it
 * @param masterPort  rank 0's rendezvous port
 * @param extraEnv    more environment for every worker
 * @param grace       time between SIGTERM and SIGKILL when stopping ranks
 * @param sshCommand  the ssh client command and options, e.g. {@code [ssh, -p, 2222, -i, key]};
 *                    {@code -o BatchMode=yes} is always added
 * @param launcherArgs more arguments for mpirun or srun, before the agent command (DeepSpeed's
 *                    {@code launcher_args}), e.g. srun's {@code --comment C}
 */
public record JobSpec(List<NodeSlots> nodes, Runner runner, String configJson, String mainClass, List<String> args,
                      List<String> jvmOptions, String java, String classPath, Path workDir, Path logDir,
                      String masterAddr, int masterPort, Map<String, String> extraEnv, Duration grace,
                      List<String> sshCommand, List<String> launcherArgs) {
    public JobSpec {
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("no nodes to run on");
        }
        nodes = List.copyOf(nodes);
        args = List.copyOf(args);
        jvmOptions = List.copyOf(jvmOptions);
        extraEnv = Map.copyOf(extraEnv);
        sshCommand = List.copyOf(sshCommand);
        launcherArgs = List.copyOf(launcherArgs);
    }

    /** A job with this JVM's java and class path, this directory, a 10 s grace and plain {@code ssh}. */
    public static JobSpec of(List<NodeSlots> nodes, Runner runner, String configJson, String mainClass,
                             List<String> args, Path logDir, String masterAddr, int masterPort) {
        return new JobSpec(nodes, runner, configJson, mainClass, args, List.of(),
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                System.getProperty("java.class.path"), Path.of("").toAbsolutePath(), logDir, masterAddr, masterPort,
                Map.of(), Duration.ofSeconds(10), List.of("ssh"), List.of());
    }

    public int worldSize() {
        return nodes.stream().mapToInt(n -> n.slots().size()).sum();
    }

    public JobSpec withJvmOptions(List<String> opts) {
        return new JobSpec(nodes, runner, configJson, mainClass, args, opts, java, classPath, workDir, logDir,
                masterAddr, masterPort, extraEnv, grace, sshCommand, launcherArgs);
    }

    public JobSpec withExtraEnv(Map<String, String> env) {
        return new JobSpec(nodes, runner, configJson, mainClass, args, jvmOptions, java, classPath, workDir, logDir,
                masterAddr, masterPort, env, grace, sshCommand, launcherArgs);
    }

    public JobSpec withGrace(Duration g) {
        return new JobSpec(nodes, runner, configJson, mainClass, args, jvmOptions, java, classPath, workDir, logDir,
                masterAddr, masterPort, extraEnv, g, sshCommand, launcherArgs);
    }

    public JobSpec withSshCommand(List<String> ssh) {
        return new JobSpec(nodes, runner, configJson, mainClass, args, jvmOptions, java, classPath, workDir, logDir,
                masterAddr, masterPort, extraEnv, grace, ssh, launcherArgs);
    }

    public JobSpec withLauncherArgs(List<String> a) {
        return new JobSpec(nodes, runner, configJson, mainClass, args, jvmOptions, java, classPath, workDir, logDir,
                masterAddr, masterPort, extraEnv, grace, sshCommand, a);
    }
}
