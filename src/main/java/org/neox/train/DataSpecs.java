package org.neox.train;

import java.nio.file.Path;
import java.util.List;
import org.neox.config.NeoXArgs;
import org.neox.config.TrainingArgs;
import org.neox.data.DataSpec;
import org.neox.data.EmbeddedCorpus;
import org.neox.data.Tokenizer;
import org.neox.data.Tokenizers;
import org.neox.util.UserError;

/** Maps a resolved config to the data pipeline's inputs (spec §3.3–3.6). */
public final class DataSpecs {
    private DataSpecs() {
    }

    public static DataSpec from(NeoXArgs args) {
        TrainingArgs t = args.training();
        boolean separate = t.trainDataPaths() != null && !t.trainDataPaths().isEmpty();
        if (!separate && t.dataPath() == null) {
            throw new UserError("no training data: expected data-path or train-data-paths/valid-data-paths/"
                    + "test-data-paths in the config");
        }
        ensureEmbeddedCorpus(t.dataPath());
        return new DataSpec(separate ? null : t.dataPath(), t.split(), orEmpty(t.trainDataPaths()),
                orEmpty(t.validDataPaths()), orEmpty(t.testDataPaths()), orEmpty(t.trainDataWeights()),
                orEmpty(t.validDataWeights()), orEmpty(t.testDataWeights()), t.weightByNumDocuments(),
                t.weightedSamplerAlpha(), args.model().seqLength(), args.other().seed(), t.trainIters(),
                t.evalInterval(), t.evalIters(), args.deepspeedConfig().trainBatchSize(), eodId(args),
                args.other().eodMaskLoss());
    }

    /**
     * The project's default job trains on a corpus it generates on first use (no download), so a
     * fresh clone runs {@code neox train -d configs tiny.yml} with nothing else.
     */
    private static void ensureEmbeddedCorpus(String dataPath) {
        if (dataPath != null && Path.of(dataPath).normalize().equals(Path.of(EmbeddedCorpus.DEFAULT_PREFIX))) {
            EmbeddedCorpus.ensure(Path.of(dataPath));
        }
    }

    /** The EOD id matters only for {@code eod_mask_loss}; the tokenizer is opened only then. */
    private static int eodId(NeoXArgs args) {
        if (!args.other().eodMaskLoss()) {
            return 0;
        }
        TrainingArgs t = args.training();
        try (Tokenizer tok = Tokenizers.create(args.tokenizer().tokenizerType().wire(),
                t.vocabFile() == null ? null : Path.of(t.vocabFile()),
                t.mergeFile() == null ? null : Path.of(t.mergeFile()))) {
            return tok.eod();
        }
    }

    private static <T> List<T> orEmpty(List<T> xs) {
        return xs == null ? List.of() : xs;
    }
}
