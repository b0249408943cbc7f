package org.neox.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neox.config.DeepspeedRunnerArgs;
import org.neox.config.HostSlots;
import org.neox.config.Hostfile;
import org.neox.util.UserError;

/** The mpirun and srun command lines and host lists, and how one agent per rank finds its rank. */
class MpiCommandsTest {
    private static final List<String> AGENT = List.of("java", "-cp", "cp", "Agent", "--rank-from", "V", "PLAN");

    @TempDir
    Path dir;

    /** The hosts {@code neox train} selects from a four-host hostfile with {@code include} (as TrainJob.nodes). */
    private List<NodeSlots> selected(String include, String exclude) throws Exception {
        Path hostfile = dir.resolve("hostfile");
        Files.writeString(hostfile, "node-a slots=4\nnode-b slots=4\nnode-c slots=4\nnode-d slots=2\n");
        return Hostfile.activeHosts(hostfile.toString(), true, include, exclude, -1, null).stream()
                .map((HostSlots h) -> new NodeSlots(h.host(), h.slots())).toList();
    }

    private static JobSpec job(Runner runner, List<NodeSlots> nodes) {
        return JobSpec.of(nodes, runner, null, "Main", List.of(), Path.of("logs"), null, 0);
    }

    @Test
    void openMpiGetsAHostfileOfTheSelectedSlotsAndForwardsVariablesByName() throws Exception {
        List<NodeSlots> nodes = selected("node-b:1,3@node-d", null);
        assertEquals("node-b slots=2\nnode-d slots=2\n", MpiCommands.hostfile(Runner.OPENMPI, nodes));
        List<String> cmd = MpiCommands.command(job(Runner.OPENMPI, nodes), Path.of("/tmp/h"),
                List.of("MASTER_ADDR", "NEOX_JOB_SECRET"), false, AGENT);
        assertEquals(List.of("mpirun", "-n", "4", "-hostfile", "/tmp/h", "--map-by", "slot", "--bind-to", "none",
                "--mca", "orte_keep_fqdn_hostnames", "1", "-x", "MASTER_ADDR", "-x", "NEOX_JOB_SECRET", "java", "-cp", "cp", "Agent", "--rank-from", "V",
                "PLAN"), cmd);
        assertTrue(MpiCommands.command(job(Runner.OPENMPI, nodes), Path.of("h"), List.of(), true, AGENT)
                .contains("--allow-run-as-root"));
        assertEquals("OMPI_COMM_WORLD_RANK", MpiCommands.rankVariables(Runner.OPENMPI));
    }

    @Test
    void excludedHostsAndSlotsAreLeftOutOfTheHostfile() throws Exception {
        assertEquals("node-a slots=3\nnode-c slots=4\nnode-d slots=2\n",
                MpiCommands.hostfile(Runner.OPENMPI, selected(null, "node-a:0@node-b")));
    }

    @Test
    void srunPlacesRanksInPlanOrderWithAnArbitraryDistributionAndCarriesTheComment() throws Exception {
        List<NodeSlots> nodes = selected("node-c:0,1@node-a:2,3", null);
        assertEquals("node-a\nnode-a\nnode-c\nnode-c\n", MpiCommands.hostfile(Runner.SLURM, nodes));
        JobSpec spec = job(Runner.SLURM, nodes).withLauncherArgs(MpiCommands.launcherArgs(Runner.SLURM, "run 7"));
        assertEquals(List.of("srun", "-n", "4", "--nodes=2", "--distribution=arbitrary",
                "--export=ALL", "--comment", "run 7", "java", "-cp", "cp", "Agent", "--rank-from", "V", "PLAN"),
                MpiCommands.command(spec, Path.of("/tmp/h"), List.of("NEOX_JOB_SECRET"), true, AGENT));
        assertEquals(List.of(), MpiCommands.launcherArgs(Runner.OPENMPI, "run 7"));
        assertEquals("SLURM_PROCID", MpiCommands.rankVariables(Runner.SLURM));
    }

    @Test
    void mvapichRunsTheSameRanksPerNodeAndForwardsAVariableList() throws Exception {
        List<NodeSlots> nodes = selected("node-a:0,1@node-b:2,3", null);
        assertEquals("node-a\nnode-b\n", MpiCommands.hostfile(Runner.MVAPICH, nodes));
        assertEquals(List.of("mpirun", "-np", "4", "-ppn", "2", "--hostfile", "/tmp/h", "-genvlist",
                "MASTER_ADDR,NEOX_JOB_SECRET", "java", "-cp", "cp", "Agent", "--rank-from", "V", "PLAN"),
                MpiCommands.command(job(Runner.MVAPICH, nodes), Path.of("/tmp/h"),
                        List.of("MASTER_ADDR", "NEOX_JOB_SECRET"), true, AGENT));
        UserError e = assertThrows(UserError.class, () -> MpiCommands.command(job(Runner.MVAPICH,
                selected("node-a@node-d", null)), Path.of("h"), List.of(), false, AGENT));
        assertEquals("launcher: mvapich needs the same number of slots on every host, but node-a has 4 and node-d"
                + " has 2; select equal slots with include/exclude or num_gpus", e.getMessage());
    }

    @Test
    void aMissingSrunIsAOneLineErrorNotAFallback(@TempDir Path emptyBin) {
        PrintStream console = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        UserError e = assertThrows(UserError.class, () -> TrainJob.runner(List.of(new NodeSlots("a", List.of(0))),
                DeepspeedRunnerArgs.Launcher.SLURM, emptyBin.toString(), console));
        assertEquals("launcher: slurm needs srun, which is not on the PATH; install the Slurm client (srun) or set"
                + " launcher to another value (pdsh, openmpi, mvapich, slurm)", e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void openMpiIsChosenEvenForOneLocalNodeWhenInstalled(@TempDir Path bin) throws Exception {
        PrintStream console = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        List<NodeSlots> one = List.of(new NodeSlots("localhost", List.of(0, 1)));
        UserError e = assertThrows(UserError.class,
                () -> TrainJob.runner(one, DeepspeedRunnerArgs.Launcher.OPENMPI, bin.toString(), console));
        assertTrue(e.getMessage().startsWith("launcher: openmpi needs mpirun, which is not on the PATH; install"
                + " Open MPI (apt-get install openmpi-bin)"), e.getMessage());
        // only the PATH lookup is exercised here; MpiLauncherTest runs the real mpirun
        Files.createFile(bin.resolve("mpirun"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        assertEquals(Runner.OPENMPI, TrainJob.runner(one, DeepspeedRunnerArgs.Launcher.OPENMPI, bin.toString(), console));
    }

    @Test
    void eachAgentRunsItsRankWithItsNodesEnvironment() {
        String all = "cwd X\ngrace 5\ncmd J\nnode a\nenv N 0\nrank 0 0\nrank 1 1\nnode b\nenv N 1\nrank 2 0\n"
                + "rank 3 1\n";
        assertEquals("cwd X\ngrace 5\ncmd J\nenv N 1\nrank 3 1\ngo\n", NodeAgent.planOfRank(all, 3));
        assertEquals("cwd X\ngrace 5\ncmd J\nenv N 0\nrank 1 1\ngo\n", NodeAgent.planOfRank(all, 1));
        assertThrows(IllegalStateException.class, () -> NodeAgent.planOfRank(all, 4));
        assertEquals(5, NodeAgent.rankFromEnv("MV2_COMM_WORLD_RANK,PMI_RANK", Map.of("PMI_RANK", "5")));
        assertThrows(IllegalStateException.class, () -> NodeAgent.rankFromEnv("SLURM_PROCID", Map.of()));
    }

    @Test
    void theJobSecretGoesThroughTheRunnersEnvironmentNotTheAgentsCommandLine() {
        List<NodeSlots> nodes = List.of(new NodeSlots("a", List.of(0, 1)), new NodeSlots("b", List.of(0, 1)));
        List<RankSpec> ranks = RankSpec.assign(nodes);
        List<Map<String, String>> envs = List.of(Map.of("NEOX_JOB_SECRET", "s3cr3t", "NODE_RANK", "0"),
                Map.of("NEOX_JOB_SECRET", "s3cr3t", "NODE_RANK", "1"));
        Map<String, String> shared = MpiRanks.shared(envs);
        assertEquals(Map.of("NEOX_JOB_SECRET", "s3cr3t"), shared);
        String plan = MpiRanks.plan(job(Runner.OPENMPI, nodes), List.of(ranks.subList(0, 2), ranks.subList(2, 4)),
                envs, shared.keySet());
        assertFalse(plan.contains(AgentProtocol.encode("s3cr3t")), plan);
        String rank2 = NodeAgent.planOfRank(plan, 2);
        assertTrue(rank2.endsWith("env " + AgentProtocol.encode("NODE_RANK") + " " + AgentProtocol.encode("1")
                + "\nrank 2 0\ngo\n"), rank2);
        assertTrue(rank2.startsWith("cwd "), rank2);
    }
}
