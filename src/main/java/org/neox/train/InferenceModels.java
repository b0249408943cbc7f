package org.neox.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.neox.ckpt.CheckpointStore;
import org.neox.ckpt.Fingerprint;
import org.neox.ckpt.LoadedCheckpoint;
import org.neox.ckpt.NamedTensor;
import org.neox.comm.SoloCommunicator;
import org.neox.config.NeoXArgs;
import org.neox.config.TrainingArgs;
import org.neox.data.Tokenizer;
import org.neox.data.Tokenizers;
import org.neox.kernel.Kernels;
import org.neox.model.GPTNeoXModel;
import org.neox.tensor.ParamView;
import org.neox.util.UserError;

/**
 * Builds the single-rank model and tokenizer that {@code neox generate} and {@code neox eval}
 * run (GPT-NeoX's generate.py/evaluate.py: model without optimizer): weights from {@code load}
 * ({@code iteration}, else {@code latest}) of any saved (pp, mp, dp) layout, re-sharded to one
 * tensor rank when needed, then checked against the checkpoint's forward fingerprint.
 */
public final class InferenceModels {
    private InferenceModels() {
    }

    /** A model with loaded weights and where they came from. */
    public record Loaded(GPTNeoXModel model, Path checkpoint, long iteration) {
    }

    public static Loaded load(NeoXArgs args, Kernels kernels) {
        String load = args.training().load();
        if (load == null) {
            throw new UserError("load is not set; expected the checkpoint directory (the training run's 'save')");
        }
        CheckpointStore store = new CheckpointStore(Path.of(load), 0);
        Integer requested = args.other().iteration();
        LoadedCheckpoint ckpt = requested != null ? store.open(requested) : store.openLatest().orElseThrow(() ->
                new UserError("load '" + load + "' has no 'latest' checkpoint; available steps: "
                        + store.availableSteps()));
        GPTNeoXModel model = new GPTNeoXModel(ModelSpecs.from(args), kernels, SoloCommunicator.INSTANCE,
                args.other().seed());
        List<NamedTensor> targets = tensors(model);
        if (ckpt.topology().pp() == 1 && ckpt.topology().mp() == 1) {
            ckpt.readModelShard(0, 0, targets);
        } else {
            ckpt.readModelResharded(0, 1, targets);
        }
        checkFingerprint(model, ckpt);
        return new Loaded(model, ckpt.directory(), ckpt.iteration());
    }

    /** The tokenizer named by tokenizer_type / vocab_file / merge_file. */
    public static Tokenizer tokenizer(NeoXArgs args) {
        TrainingArgs t = args.training();
        return Tokenizers.create(args.tokenizer().tokenizerType().wire(),
                t.vocabFile() == null ? null : Path.of(t.vocabFile()),
                t.mergeFile() == null ? null : Path.of(t.mergeFile()));
    }

    static List<NamedTensor> tensors(GPTNeoXModel model) {
        List<NamedTensor> out = new ArrayList<>();
        for (ParamView v : model.views()) {
            long[] shape = new long[v.shape().length];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = v.shape()[i];
            }
            out.add(new NamedTensor(v.name(), shape, model.params(), v.offset()));
        }
        return out;
    }

    /** The logits of {@code arange(n)} stored at save time must come out again (1e-4). */
    private static void checkFingerprint(GPTNeoXModel model, LoadedCheckpoint ckpt) {
        Fingerprint stored = ckpt.meta().fingerprint();
        if (stored == null || stored.tokens().length > model.spec().seqLength()) {
            return;
        }
        int n = stored.tokens().length;
        int vocab = model.spec().paddedVocabSize();
        float[] logits = new float[n * vocab];
        model.logits(stored.tokens(), 1, n, logits);
        float[] last = new float[stored.logits().length];
        System.arraycopy(logits, (n - 1) * vocab, last, 0, last.length);
        stored.check(last, 1e-4, ckpt.directory().toString());
    }
}
