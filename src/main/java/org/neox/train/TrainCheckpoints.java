package org.neox.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.neox.ckpt.CheckpointMeta;
import org.neox.ckpt.CheckpointStore;
import org.neox.ckpt.Fingerprint;
import org.neox.ckpt.LoadedCheckpoint;
import org.neox.ckpt.NamedTensor;
import org.neox.ckpt.PendingCheckpoint;
import org.neox.ckpt.Topology;
import org.neox.config.ConfigJson;
import org.neox.config.NeoXArgs;
import org.neox.model.GPTNeoXModel;
import org.neox.optim.AnnealingLR;
import org.neox.optim.DynamicLossScaler;
import org.neox.optim.Optimizer;
import org.neox.tensor.ParamView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Saves and restores everything a bitwise-exact resume needs (spec §8.3–8.4): weights, Adam
 * moments and step count, LR schedule, loss scaler, iteration and consumed samples. Dropout
 * masks and the data position are functions of the iteration, so no RNG stream is stored.
 * A forward-pass fingerprint taken at save time is re-checked after load.
 */
final class TrainCheckpoints {
    private static final Logger LOG = LoggerFactory.getLogger(TrainCheckpoints.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Logits kept in the manifest: the first entries of the last position's row. */
    private static final int FINGERPRINT_LOGITS = 64;

    private final NeoXArgs args;
    private final RankContext ctx;
    private final GPTNeoXModel model;
    private final Topology topology;

    TrainCheckpoints(NeoXArgs args, RankContext ctx, GPTNeoXModel model) {
        this.args = args;
        this.ctx = ctx;
        this.model = model;
        this.topology = new Topology(args.pipeParallelSize(), args.modelParallelSize(), args.dataParallelSize());
    }

    /** Collective over all ranks: rank 0 prepares and commits, every rank writes its shards. */
    void save(long iteration, long consumedSamples, Optimizer optimizer, DynamicLossScaler scaler) {
        CheckpointStore store = new CheckpointStore(Path.of(args.training().save()), keepLastN());
        PendingCheckpoint pending = ctx.rank() == 0 ? store.begin(iteration, topology) : null;
        ctx.world().barrier();
        if (pending == null) {
            pending = store.join(iteration, topology);
        }
        if (ctx.dataRank() == 0) {
            pending.writeModelShard(ctx.pipeRank(), ctx.modelRank(), tensors(model.params()));
        }
        boolean sharded = optimizer.expAvg().length != model.params().length;
        if (sharded || ctx.dataRank() == 0) {
            pending.writeOptimizerShard(ctx.pipeRank(), ctx.modelRank(), sharded ? ctx.dataRank() : 0,
                    optimizerTensors(optimizer));
        }
        Fingerprint fp = fingerprint();
        ctx.world().barrier();
        if (ctx.rank() == 0) {
            for (Map.Entry<String, String> e : configTexts().entrySet()) {
                pending.writeConfigText(e.getKey(), e.getValue());
            }
            pending.commit(new CheckpointMeta(iteration, consumedSamples, topology, configJson(), null,
                    scaler == null ? null : JSON.valueToTree(scaler.state()),
                    JSON.valueToTree(optimizer.schedule().state()), optimizerMeta(optimizer), fp));
            LOG.info("saved checkpoint {} in {}", CheckpointStore.tag(iteration), store.root());
        }
        ctx.world().barrier();
    }

    /**
     * Loads {@code load} if configured: the requested {@code iteration} or {@code latest}.
     * Returns the iteration to continue from (0 for a fresh start or {@code finetune}).
     */
    long loadIfConfigured(Optimizer optimizer, DynamicLossScaler scaler) {
        String load = args.training().load();
        if (load == null) {
            return 0;
        }
        CheckpointStore store = new CheckpointStore(Path.of(load), 0);
        Integer requested = args.other().iteration();
        Optional<LoadedCheckpoint> found = requested != null ? Optional.of(store.open(requested)) : store.openLatest();
        if (found.isEmpty()) {
            LOG.warn("no checkpoint in {} (no 'latest'); starting from iteration 0", load);
            return 0;
        }
        LoadedCheckpoint ckpt = found.get();
        ckpt.checkConfigCompatible(configJson());
        boolean finetune = args.training().finetune();
        if (finetune || !ckpt.topology().equals(topology)) {
            ckpt.readModelResharded(ctx.modelRank(), args.modelParallelSize(), tensors(model.params()));
        } else {
            ckpt.readModelShard(ctx.pipeRank(), ctx.modelRank(), tensors(model.params()));
        }
        checkFingerprint(ckpt);
        if (finetune) {
            LOG.info("finetune: loaded weights of {} and starting at iteration 0", ckpt.directory());
            return 0;
        }
        restoreTrainingState(ckpt, optimizer, scaler);
        LOG.info("resumed from {} at iteration {}", ckpt.directory(), ckpt.iteration());
        return ckpt.iteration();
    }

    private void restoreTrainingState(LoadedCheckpoint ckpt, Optimizer optimizer, DynamicLossScaler scaler) {
        CheckpointMeta meta = ckpt.meta();
        boolean sameLayout = ckpt.topology().equals(topology);
        if (!args.training().noLoadOptim() && ckpt.hasOptimizerState()) {
            if (sameLayout) {
                boolean sharded = optimizer.expAvg().length != model.params().length;
                ckpt.readOptimizerShard(ctx.pipeRank(), ctx.modelRank(), sharded ? ctx.dataRank() : 0,
                        optimizerTensors(optimizer));
            } else {
                LOG.info("checkpoint {} was saved with {}, this run is {}: weights and Adam moments re-sharded",
                        ckpt.directory(), ckpt.topology(), topology);
                readMomentsResharded(ckpt, optimizer);
            }
            optimizer.adam().restoreStepCount(meta.optimizer().get("adam_step").asInt());
            try {
                optimizer.schedule().load(JSON.treeToValue(meta.lrScheduler(), AnnealingLR.State.class));
                if (scaler != null && meta.lossScaler() != null) {
                    scaler.load(JSON.treeToValue(meta.lossScaler(), DynamicLossScaler.State.class));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("bad scheduler/scaler state in " + ckpt.directory(), e);
            }
        }
    }

    /** This rank's moments (its whole stage shard, or its ZeRO partition of it) from any saved layout. */
    private void readMomentsResharded(LoadedCheckpoint ckpt, Optimizer optimizer) {
        int n = model.params().length;
        float[] avg = new float[n];
        float[] sq = new float[n];
        ckpt.readOptimizerResharded(ctx.modelRank(), args.modelParallelSize(), tensors(avg), tensors(sq));
        int off = optimizer.momentsOffset();
        int len = Math.max(0, Math.min(optimizer.expAvg().length, n - off));
        System.arraycopy(avg, off, optimizer.expAvg(), 0, len);
        System.arraycopy(sq, off, optimizer.expAvgSq(), 0, len);
    }

    private void checkFingerprint(LoadedCheckpoint ckpt) {
        Fingerprint stored = ckpt.meta().fingerprint();
        if (stored != null && ctx.world().size() == 1) {
            stored.check(fingerprint().logits(), 1e-4, ckpt.directory().toString());
        }
    }

    /** Logits of {@code arange(n)} (GPT-NeoX's validation input), first entries of the last row. */
    private Fingerprint fingerprint() {
        if (ctx.world().size() != 1) {
            return null;
        }
        int n = Math.min(8, model.spec().seqLength());
        int[] tokens = new int[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = i;
        }
        int vocab = model.spec().paddedVocabSize();
        float[] logits = new float[n * vocab];
        model.logits(tokens, 1, n, logits);
        float[] kept = new float[Math.min(FINGERPRINT_LOGITS, vocab)];
        System.arraycopy(logits, (n - 1) * vocab, kept, 0, kept.length);
        return new Fingerprint(tokens, kept);
    }

    private List<NamedTensor> tensors(float[] flat) {
        List<NamedTensor> out = new ArrayList<>();
        for (ParamView v : model.views()) {
            long[] shape = new long[v.shape().length];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = v.shape()[i];
            }
            out.add(new NamedTensor(v.name(), shape, flat, v.offset()));
        }
        return out;
    }

    /** Adam moments as two flat tensors {@code [n]} (the whole buffer, or this rank's ZeRO partition). */
    private static List<NamedTensor> optimizerTensors(Optimizer o) {
        return List.of(NamedTensor.of("exp_avg", new long[] {o.expAvg().length}, o.expAvg()),
                NamedTensor.of("exp_avg_sq", new long[] {o.expAvgSq().length}, o.expAvgSq()));
    }

    private static JsonNode optimizerMeta(Optimizer o) {
        ObjectNode n = JSON.createObjectNode();
        n.put("adam_step", o.adam().stepCount());
        n.put("moments_offset", o.momentsOffset());
        return n;
    }

    private JsonNode configJson() {
        try {
            return JSON.readTree(ConfigJson.toJson(args));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Map<String, String> configTexts() {
        Map<String, String> texts = args.training().configFiles();
        return texts == null ? Map.of() : texts;
    }

    private int keepLastN() {
        Integer n = args.training().keepLastNCheckpoints();
        return n == null ? 0 : n;
    }
}
