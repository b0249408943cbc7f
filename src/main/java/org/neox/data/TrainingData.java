package org.neox.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.neox.util.UserError;

/**
 * The train/valid/test sample datasets of a run, built as GPT-NeoX's
 * {@code build_train_valid_test_data_iterators} builds them (spec §3.3-3.5), and the
 * per-rank micro-batch streams over them. A split with no documents has no stream.
 */
public final class TrainingData {
    private static final String[] NAMES = {"train", "valid", "test"};

    private final DataSpec spec;
    private final SampleDataset[] datasets;

    private TrainingData(DataSpec spec, SampleDataset[] datasets) {
        this.spec = spec;
        this.datasets = datasets;
    }

    public static TrainingData build(DataSpec spec) {
        long[] counts = spec.sampleCounts();
        SampleDataset[] ds = new SampleDataset[3];
        boolean separate = !spec.trainPaths().isEmpty();
        if (!separate && (spec.dataPath() == null || spec.dataPath().isBlank())) {
            throw new UserError("no data: set data-path or train-data-paths");
        }
        Map<String, MMapIndexedDataset> opened = new HashMap<>();
        if (!separate) {
            MMapIndexedDataset data = opened.computeIfAbsent(spec.dataPath(), p -> MMapIndexedDataset.open(Path.of(p)));
            long[] b = Splits.boundaries(spec.split(), data.length());
            for (int k = 0; k < 3; k++) {
                if (b[k + 1] > b[k]) {
                    ds[k] = GPT2Dataset.create(NAMES[k], data, range(b[k], b[k + 1]), counts[k],
                            spec.seqLength(), spec.seed());
                }
            }
        } else {
            List<List<String>> paths = List.of(spec.trainPaths(), spec.validPaths(), spec.testPaths());
            List<List<Double>> weights = List.of(spec.trainWeights(), spec.validWeights(), spec.testWeights());
            for (int k = 0; k < 3; k++) {
                if (!paths.get(k).isEmpty()) {
                    ds[k] = blend(spec, NAMES[k], paths.get(k), weights.get(k), counts[k], opened);
                }
            }
        }
        return new TrainingData(spec, ds);
    }

    private static SampleDataset blend(DataSpec spec, String name, List<String> paths, List<Double> given,
            long total, Map<String, MMapIndexedDataset> opened) {
        if (!given.isEmpty() && given.size() != paths.size()) {
            throw new UserError(name + "-data-weights has " + given.size() + " entries but " + name
                    + "-data-paths has " + paths.size());
        }
        List<MMapIndexedDataset> data = new ArrayList<>();
        for (String p : paths) {
            data.add(opened.computeIfAbsent(p, q -> MMapIndexedDataset.open(Path.of(q))));
        }
        double[] w = new double[paths.size()];
        for (int i = 0; i < w.length; i++) {
            w[i] = given.isEmpty() ? 1.0 : given.get(i);
        }
        w = BlendableDataset.normalise(w);
        if (spec.weightByNumDocuments()) {
            long[] docs = data.stream().mapToLong(MMapIndexedDataset::length).toArray();
            w = weightsByNumDocuments(docs, spec.weightedSamplerAlpha());
        }
        List<GPT2Dataset> members = new ArrayList<>();
        for (int i = 0; i < w.length; i++) {
            long n = (long) Math.ceil(total * w[i] * 1.005);
            MMapIndexedDataset d = data.get(i);
            members.add(GPT2Dataset.create(name + "_" + i, d, range(0, d.length()), n, spec.seqLength(), spec.seed()));
        }
        return new BlendableDataset(members, w);
    }

    /** GPT-NeoX's weights_by_num_docs: p^alpha re-normalised, times (1 - p), normalised. */
    static double[] weightsByNumDocuments(long[] docs, double alpha) {
        if (docs.length == 1) {
            return new double[] {1.0};
        }
        double total = 0;
        for (long d : docs) {
            total += d;
        }
        double[] p = new double[docs.length];
        double[] q = new double[docs.length];
        double qSum = 0;
        for (int i = 0; i < docs.length; i++) {
            p[i] = docs[i] / total;
            q[i] = Math.pow(p[i], alpha);
            qSum += q[i];
        }
        double[] w = new double[docs.length];
        double wSum = 0;
        for (int i = 0; i < docs.length; i++) {
            w[i] = q[i] / qSum * (1 - p[i]);
            wSum += w[i];
        }
        for (int i = 0; i < docs.length; i++) {
            w[i] /= wSum;
        }
        return w;
    }

    private static int[] range(long from, long to) {
        int[] r = new int[(int) (to - from)];
        for (int i = 0; i < r.length; i++) {
            r[i] = (int) from + i;
        }
        return r;
    }

    /** The dataset of split 0 (train), 1 (valid) or 2 (test), if it has documents. */
    public Optional<SampleDataset> dataset(int split) {
        return Optional.ofNullable(datasets[split]);
    }

    public Optional<BatchStream> train(long consumedSamples, int dpRank, int dpSize, int micro) {
        return stream(0, consumedSamples, dpRank, dpSize, micro);
    }

    public Optional<BatchStream> valid(long consumedSamples, int dpRank, int dpSize, int micro) {
        return stream(1, consumedSamples, dpRank, dpSize, micro);
    }

    public Optional<BatchStream> test(long consumedSamples, int dpRank, int dpSize, int micro) {
        return stream(2, consumedSamples, dpRank, dpSize, micro);
    }

    private Optional<BatchStream> stream(int split, long consumed, int dpRank, int dpSize, int micro) {
        return dataset(split).map(d -> new BatchStream(d, consumed, dpRank, dpSize, micro,
                spec.seqLength(), spec.eodId(), spec.eodMaskLoss()));
    }
}
