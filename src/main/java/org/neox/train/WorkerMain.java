package org.neox.train;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.neox.comm.Communicator;
import org.neox.comm.ParallelGroups;
import org.neox.comm.SoloCommunicator;
import org.neox.comm.TcpCommunicator;
import org.neox.comm.Topology;
import org.neox.config.ConfigJson;
import org.neox.config.NeoXArgs;
import org.neox.kernel.KernelsFactory;
import org.neox.util.Clock;
import org.neox.util.UserError;

/**
 * Entry point of one worker JVM started by the launcher: reads the resolved config from the file
 * named by {@code NEOX_CONFIG}, joins the job over TCP (RANK, WORLD_SIZE, MASTER_ADDR/PORT,
 * NEOX_JOB_SECRET), builds its tensor/data/pipe groups and trains. Exit codes: 0 done, 2 bad
 * input (one line on stderr), 1 anything else.
 */
public final class WorkerMain {
    private WorkerMain() {
    }

    public static void main(String[] argv) {
        String rank = System.getenv().getOrDefault("RANK", "?");
        try {
            run();
            System.exit(0);
        } catch (UserError e) {
            System.err.println("neox: error: rank " + rank + ": " + e.getMessage());
            System.exit(2);
        } catch (RuntimeException | Error | IOException e) {
            System.err.println("neox: rank " + rank + " failed: " + e);
            e.printStackTrace();
            System.exit(1);
        }
    }

    private static void run() throws IOException {
        String configPath = System.getenv("NEOX_CONFIG");
        if (configPath == null) {
            throw new UserError("NEOX_CONFIG is not set; workers are started by 'neox train'");
        }
        NeoXArgs args = ConfigJson.fromJson(Files.readString(Path.of(configPath), StandardCharsets.UTF_8));
        try (TcpCommunicator world = TcpCommunicator.fromEnv()) {
            Topology topo = new Topology(args.pipeParallelSize(), args.dataParallelSize(), args.modelParallelSize());
            try (ParallelGroups groups = ParallelGroups.create(topo, world)) {
                RankContext ctx = context(groups);
                PrintWriter out = new PrintWriter(System.out, true);
                TrainResult r = new Trainer(args, ctx, KernelsFactory.create(null, threadsPerRank(), localRank()),
                        Clock.SYSTEM, out).run();
                if (ctx.isLoggingRank()) {
                    out.println(Trainer.summary(r));
                }
                world.barrier();
            }
        }
    }

    /**
     * The rank's groups, plus the model group (the tensor × pipeline ranks of one replica) that
     * gradient-norm clipping reduces over; created collectively, one per data index, on every rank.
     */
    static RankContext context(ParallelGroups g) {
        Topology t = g.topology();
        Topology.Coord c = g.coord();
        Communicator modelGroup = SoloCommunicator.INSTANCE;
        if (t.pipeSize() * t.modelSize() > 1) {
            for (int d = 0; d < t.dataSize(); d++) {
                int[] members = new int[t.pipeSize() * t.modelSize()];
                int i = 0;
                for (int p = 0; p < t.pipeSize(); p++) {
                    for (int m = 0; m < t.modelSize(); m++) {
                        members[i++] = t.rank(p, d, m);
                    }
                }
                Communicator sub = g.world().subgroup(members);
                if (sub != null) {
                    modelGroup = sub;
                }
            }
        }
        return new RankContext(g.world().rank(), c.pipe(), c.data(), c.model(), g.world(), g.tensor(), g.data(),
                modelGroup, g.pipe());
    }

    /** Cores per local rank, at least one, so co-located ranks do not oversubscribe the CPU. */
    /** {@code LOCAL_RANK} (set by the node agent): the GPU this rank uses. */
    private static int localRank() {
        return Integer.parseInt(System.getenv().getOrDefault("LOCAL_RANK", "0"));
    }

    private static int threadsPerRank() {
        int local = Integer.parseInt(System.getenv().getOrDefault("LOCAL_SIZE", "1"));
        return Math.max(1, Runtime.getRuntime().availableProcessors() / Math.max(1, local));
    }
}
