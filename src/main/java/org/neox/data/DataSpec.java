package org.neox.data;

import java.util.List;

/**
 * What the trainer needs from the data config (the lead maps NeoXArgs onto it). Either
 * {@code dataPath} + {@code split}, or separate {@code trainPaths}/{@code validPaths}/{@code
 * testPaths} (empty lists when unused) with optional weights (empty = equal weights). Paths are
 * data prefixes without {@code .bin/.idx}. {@code trainBatchSize} is the global batch
 * (micro x gas x dp).
 */
public record DataSpec(
        String dataPath,
        String split,
        List<String> trainPaths,
        List<String> validPaths,
        List<String> testPaths,
        List<Double> trainWeights,
        List<Double> validWeights,
        List<Double> testWeights,
        boolean weightByNumDocuments,
        double weightedSamplerAlpha,
        int seqLength,
        long seed,
        long trainIters,
        long evalInterval,
        long evalIters,
        long trainBatchSize,
        int eodId,
        boolean eodMaskLoss) {

    /** A single-path spec with GPT-NeoX defaults for the rest (split 969,30,1, alpha 0.3). */
    public static DataSpec singlePath(String dataPath, int seqLength, long seed, long trainIters,
            long evalInterval, long evalIters, long trainBatchSize, int eodId, boolean eodMaskLoss) {
        return new DataSpec(dataPath, "969, 30, 1", List.of(), List.of(), List.of(), List.of(), List.of(),
                List.of(), false, 0.3, seqLength, seed, trainIters, evalInterval, evalIters, trainBatchSize,
                eodId, eodMaskLoss);
    }

    /** Sample counts for train, valid, test (spec §3.3). */
    public long[] sampleCounts() {
        return new long[] {
            trainIters * trainBatchSize,
            (trainIters / evalInterval + 1) * evalIters * trainBatchSize,
            evalIters * trainBatchSize};
    }
}
