package org.neox.config;

import java.util.List;
import java.util.Map;

/**
 * GPT-NeoX v2.0 group {@code NeoXArgsDeepspeedRunner}: Launcher keys: hostfile, resource filters, rendezvous (spec §2). Field docs follow
 * NEOX-ARGS-TABLE.md; {@code null} means unset.
 *
 * @param hostfile {@code hostfile} (str, default null): MPI-style hostfile ('host slots=N' lines) describing the node/GPU pool.
 * @param include {@code include} (str, default null): Resource filter NODE[:SLOT,...][@NODE...] of hosts/GPUs to use.
 * @param exclude {@code exclude} (str, default null): Resource filter of hosts/GPUs to leave out (same syntax as include).
 * @param numNodes {@code num_nodes} (int, default -1): Use only the first N hosts of the hostfile (-1 = all).
 * @param numGpus {@code num_gpus} (int, default null): GPUs per node to use (ids 0..N-1); unset = all.
 * @param masterPort {@code master_port} (int, default 29500): Rendezvous TCP port for torch.distributed.
 * @param masterAddr {@code master_addr} (str, default null): Rendezvous address; inferred from the first host if unset.
 * @param launcher {@code launcher} (enum: pdsh | openmpi | mvapich | slurm, default "pdsh"): Multi-node backend: pdsh, openmpi, mvapich or slurm.
 * @param detectNvlinkPairs {@code detect_nvlink_pairs} (bool, default false): EleutherAI fork option to remap CUDA_VISIBLE_DEVICES by NVLink pairs (not accepted by the DeeperSpeed v2.0 runner).
 * @param autotuningRun {@code autotuning_run} (str, default null): Set from deepy --autotuning: 'tune' or 'run'.
 * @param noSshCheck {@code no_ssh_check} (bool, default false): Skip the launcher's passwordless-ssh probe of the first host (declared twice in the v2.0 source).
 * @param comment {@code comment} (str, default null): Sent to the DeepSpeed runner as --comment whenever set (once more if deepspeed_slurm); the DeeperSpeed v2.0 runner does not accept it.
 */
public record DeepspeedRunnerArgs(
        String hostfile,
        String include,
        String exclude,
        int numNodes,
        Integer numGpus,
        int masterPort,
        String masterAddr,
        Launcher launcher,
        boolean detectNvlinkPairs,
        String autotuningRun,
        boolean noSshCheck,
        String comment) {

    /** Accepted values of the enum keys of this group (matched case-insensitively). */
    public enum Launcher implements WireEnum {
        PDSH("pdsh"), OPENMPI("openmpi"), MVAPICH("mvapich"), SLURM("slurm");

        private final String wire;

        Launcher(String wire) {
            this.wire = wire;
        }

        @Override
        public String wire() {
            return wire;
        }

        static Launcher parse(String text) {
            return WireEnum.parse(Launcher.class, text);
        }
    }

    /** The keys of this group with their types and GPT-NeoX defaults, in table order. */
    static final List<Key> KEYS = List.of(
            new Key("hostfile", KeyType.STRING, null),
            new Key("include", KeyType.STRING, null),
            new Key("exclude", KeyType.STRING, null),
            new Key("num_nodes", KeyType.INT, -1),
            new Key("num_gpus", KeyType.INT, null),
            new Key("master_port", KeyType.INT, 29500),
            new Key("master_addr", KeyType.STRING, null),
            new Key("launcher", KeyType.enumOf(Launcher.class), Launcher.parse("pdsh")),
            new Key("detect_nvlink_pairs", KeyType.BOOL, false),
            new Key("autotuning_run", KeyType.STRING, null),
            new Key("no_ssh_check", KeyType.BOOL, false),
            new Key("comment", KeyType.STRING, null));

    /** Builds the group from converted values (every key present, types already checked). */
    @SuppressWarnings("unchecked")
    static DeepspeedRunnerArgs from(Values v) {
        return new DeepspeedRunnerArgs(
                (String) v.get("hostfile"),
                (String) v.get("include"),
                (String) v.get("exclude"),
                (int) v.get("num_nodes"),
                (Integer) v.get("num_gpus"),
                (int) v.get("master_port"),
                (String) v.get("master_addr"),
                (Launcher) v.get("launcher"),
                (boolean) v.get("detect_nvlink_pairs"),
                (String) v.get("autotuning_run"),
                (boolean) v.get("no_ssh_check"),
                (String) v.get("comment"));
    }

    /** Writes every key of this group into {@code out} under its GPT-NeoX name. */
    void writeTo(Map<String, Object> out) {
        out.put("hostfile", hostfile);
        out.put("include", include);
        out.put("exclude", exclude);
        out.put("num_nodes", numNodes);
        out.put("num_gpus", numGpus);
        out.put("master_port", masterPort);
        out.put("master_addr", masterAddr);
        out.put("launcher", launcher);
        out.put("detect_nvlink_pairs", detectNvlinkPairs);
        out.put("autotuning_run", autotuningRun);
        out.put("no_ssh_check", noSshCheck);
        out.put("comment", comment);
    }
}
