package org.neox.launch;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A launcher process for the Ctrl-C test: {@code SmokeJobMain MARKER LOGDIR} runs three local
 * smoke workers that sleep after their checks, until the launcher is interrupted;
 * {@code SmokeJobMain MARKER LOGDIR SSH OPTION...} runs four over pdsh on localhost and
 * 127.0.0.1 with that ssh client command; {@code SmokeJobMain MARKER LOGDIR openmpi} four under
 * mpirun on localhost, {@code ... slurm} four under srun (the Slurm cluster of {@code SLURM_CONF}).
 */
public final class SmokeJobMain {
    private SmokeJobMain() {
    }

    public static void main(String[] args) throws Exception {
        Runner mpi = args.length != 3 ? null : args[2].equals("openmpi") ? Runner.OPENMPI
                : args[2].equals("slurm") ? Runner.SLURM : null;
        boolean pdsh = args.length > 2 && mpi == null;
        List<NodeSlots> nodes = pdsh ? RemoteRunnerContract.TWO_HOSTS
                : List.of(new NodeSlots("localhost", mpi != null ? List.of(0, 1, 2, 3) : List.of(0, 1, 2)));
        JobSpec spec = JobSpec.of(nodes, pdsh ? Runner.PDSH : mpi != null ? mpi : Runner.LOCAL, null,
                "org.neox.comm.CommSmokeWorker", List.of("others-sleep=600"), Path.of(args[1]), null, 0)
                .withJvmOptions(List.of("-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                        "-Dneox.test=" + args[0]))
                .withGrace(Duration.ofSeconds(2));
        if (pdsh) {
            spec = spec.withSshCommand(List.of(args).subList(2, args.length));
        }
        System.exit(new Launcher(System.out).run(spec));
    }
}
