package org.neox.launch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Runs {@code org.neox.comm.AllReduceBench} as separate local processes:
 * {@code AllReduceBenchLauncher RANKS SIZE_MIB...}. See scripts/bench-allreduce.sh.
 */
public final class AllReduceBenchLauncher {
    private AllReduceBenchLauncher() {
    }

    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        List<Integer> slots = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            slots.add(i);
        }
        Path logs = Files.createTempDirectory("neox-bench");
        JobSpec spec = JobSpec.of(List.of(new NodeSlots("localhost", slots)), Runner.LOCAL, null,
                "org.neox.comm.AllReduceBench", Arrays.asList(args).subList(1, args.length), logs, null, 0)
                .withJvmOptions(List.of("-Xmx1g", "-XX:+UseParallelGC"));
        System.exit(new Launcher(System.out).run(spec));
    }
}
