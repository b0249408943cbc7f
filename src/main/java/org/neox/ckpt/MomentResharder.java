package org.neox.ckpt;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.neox.util.UserError;

/**
 * Adam moments of a checkpoint re-sharded into another (pp, mp, dp) layout. The optimizer
 * shards hold each (pipe, model) rank's moments as flat buffers laid out like its parameters
 * (the model shard's tensors in file order), whole on data rank 0 or, under ZeRO-1, split into
 * equal partitions of {@code ceil(n/dp)} over the data ranks. They are cut into named tensors,
 * merged over tensor ranks by {@link ShardMerger#momentRule} and re-sliced for the new rank.
 */
final class MomentResharder {
    static final String EXP_AVG = "exp_avg";
    static final String EXP_AVG_SQ = "exp_avg_sq";

    private MomentResharder() {
    }

    /** Fills {@code targets} (moment {@code which}, views named like the parameters) for tensor rank {@code model} of {@code mp}. */
    static void read(LoadedCheckpoint ckpt, NeoxModelConfig cfg, String which, int model, int mp,
                     List<NamedTensor> targets) {
        Map<String, List<NamedTensor>> byName = new LinkedHashMap<>();
        Topology t = ckpt.topology();
        for (int pipe = 0; pipe < t.pp(); pipe++) {
            Map<String, List<NamedTensor>> stage = new LinkedHashMap<>();
            for (int m = 0; m < t.mp(); m++) {
                for (NamedTensor n : named(ckpt, which, pipe, m)) {
                    stage.computeIfAbsent(n.name(), k -> new ArrayList<>()).add(n);
                }
            }
            stage.forEach(byName::putIfAbsent);
        }
        for (NamedTensor target : targets) {
            List<NamedTensor> shards = byName.get(target.name());
            if (shards == null) {
                throw new UserError("checkpoint " + ckpt.directory() + " has no " + which + " for " + target.name());
            }
            ShardMerger.Rule rule = ShardMerger.momentRule(target.name(), cfg);
            NamedTensor s = ShardMerger.slice(ShardMerger.combine(target.name(), shards, rule), model, mp, rule);
            if (!Arrays.equals(s.shape(), target.shape())) {
                throw new UserError(which + " of " + target.name() + " in " + ckpt.directory() + " re-shards to "
                        + Arrays.toString(s.shape()) + ", the model expects " + Arrays.toString(target.shape()));
            }
            System.arraycopy(s.data(), s.offset(), target.data(), target.offset(), s.numel());
        }
    }

    /** The moment {@code which} of (pipe, model) cut into tensors named and shaped like the model shard's. */
    private static List<NamedTensor> named(LoadedCheckpoint ckpt, String which, int pipe, int model) {
        List<TensorInfo> layout;
        try (SafetensorsFile f = ckpt.openModelShard(pipe, model)) {
            layout = new ArrayList<>(f.tensors().values());
        }
        layout.sort(Comparator.comparingLong(TensorInfo::begin));
        long n = layout.stream().mapToLong(TensorInfo::numel).sum();
        float[] flat = flat(ckpt, which, pipe, model, Math.toIntExact(n));
        List<NamedTensor> out = new ArrayList<>();
        int at = 0;
        for (TensorInfo i : layout) {
            out.add(new NamedTensor(i.name(), i.shape(), flat, at));
            at += (int) i.numel();
        }
        return out;
    }

    private static float[] flat(LoadedCheckpoint ckpt, String which, int pipe, int model, int n) {
        float[] out = new float[n];
        int at = 0;
        for (int data = 0; at < n; data++) {
            float[] part;
            try (SafetensorsFile f = ckpt.openOptimizerShard(pipe, model, data)) {
                part = f.read(which);
            }
            int len = Math.min(part.length, n - at);
            System.arraycopy(part, 0, out, at, len);
            at += len;
            if (part.length == 0) {
                throw new UserError("checkpoint " + ckpt.directory() + ": empty " + which + " shard");
            }
        }
        return out;
    }
}
