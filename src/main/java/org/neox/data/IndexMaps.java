package org.neox.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.neox.util.UserError;

/**
 * GPT-NeoX v2.0's {@code _build_index_mappings} (spec §3.4): {@code docIdx} (documents repeated
 * over epochs, shuffled as one array), {@code sampleIdx} (flat {@code [S+1, 2]} rows of
 * (position in docIdx, token offset)) and {@code shuffleIdx} (a permutation of [0, S), uint32
 * bit patterns), all from one NumPy RandomState(seed).
 *
 * <p>Width: GPT-NeoX stores sampleIdx as int32 and overflows once a docIdx position passes
 * 2^31-1. Here docIdx is a Java array, so positions always fit int32 and the files have
 * GPT-NeoX's dtypes (int32, int32, uint32); a docIdx that would need more than 2^31-1 entries is
 * refused with an error instead of overflowing. Token counts are 64-bit throughout.
 */
public record IndexMaps(int[] docIdx, int[] sampleIdx, int[] shuffleIdx) {
    /** Number of samples GPT2Dataset exposes: {@code min(len(shuffle)-1, len(sample)-1)} = S-1. */
    public int length() {
        return Math.min(shuffleIdx.length - 1, sampleIdx.length / 2 - 1);
    }

    public static IndexMaps build(int[] documents, int[] sizes, long numSamples, int seqLength, long seed) {
        long tokensPerEpoch = 0;
        for (int d : documents) {
            tokensPerEpoch += sizes[d];
        }
        if (tokensPerEpoch < 2) {
            throw new UserError("the dataset holds " + tokensPerEpoch + " tokens; at least 2 are needed");
        }
        int epochs = 1;
        while ((epochs * tokensPerEpoch - 1) / seqLength < numSamples) {
            epochs++;
        }
        long docIdxLen = (long) epochs * documents.length;
        long s = (epochs * tokensPerEpoch - 1) / seqLength;
        if (docIdxLen > Integer.MAX_VALUE - 8 || 2 * (s + 1) > Integer.MAX_VALUE - 8) {
            throw new UserError("index map too large: " + epochs + " epochs of " + documents.length
                    + " documents (" + s + " samples) exceed 2^31-1 entries; use fewer samples or a longer seq_length");
        }
        NumpyRandomState rng = new NumpyRandomState(seed);
        int[] docIdx = new int[(int) docIdxLen];
        for (int e = 0; e < epochs; e++) {
            System.arraycopy(documents, 0, docIdx, e * documents.length, documents.length);
        }
        rng.shuffle(docIdx);
        int[] sampleIdx = buildSampleIdx(sizes, docIdx, seqLength, (int) s);
        int[] shuffleIdx = new int[(int) s];
        for (int i = 0; i < shuffleIdx.length; i++) {
            shuffleIdx[i] = i;
        }
        rng.shuffle(shuffleIdx);
        return new IndexMaps(docIdx, sampleIdx, shuffleIdx);
    }

    /** megatron/data/helpers.cpp build_sample_idx: consecutive samples share one boundary token. */
    static int[] buildSampleIdx(int[] sizes, int[] docIdx, int seqLength, int numSamples) {
        int[] out = new int[2 * (numSamples + 1)];
        int d = 0;
        int offset = 0;
        for (int k = 1; k <= numSamples; k++) {
            long remaining = seqLength + 1L;
            while (remaining != 0) {
                int len = sizes[docIdx[d]] - offset;
                remaining -= len;
                if (remaining <= 0) {
                    offset += (int) (remaining + len - 1);
                    remaining = 0;
                } else {
                    d++;
                    offset = 0;
                }
            }
            out[2 * k] = d;
            out[2 * k + 1] = offset;
        }
        return out;
    }

    /** GPT-NeoX's cache file names: {@code {prefix}_{name}_indexmap_{ns}ns_{sl}sl_{seed}s_*.npy}. */
    public static Path[] cacheFiles(Path dataPrefix, String name, long numSamples, int seqLength, long seed) {
        String base = dataPrefix + "_" + name + "_indexmap_" + numSamples + "ns_" + seqLength + "sl_" + seed + "s";
        return new Path[] {Path.of(base + "_doc_idx.npy"), Path.of(base + "_sample_idx.npy"),
            Path.of(base + "_shuffle_idx.npy")};
    }

    /**
     * Loads the cached maps, or builds and caches them when any file is missing (as GPT-NeoX,
     * existing files are reused unchecked). Every rank may call this: the build is
     * deterministic and each file appears atomically.
     */
    public static IndexMaps loadOrBuild(Path dataPrefix, String name, int[] documents, int[] sizes,
            long numSamples, int seqLength, long seed) {
        Path[] f = cacheFiles(dataPrefix, name, numSamples, seqLength, seed);
        if (Files.exists(f[0]) && Files.exists(f[1]) && Files.exists(f[2])) {
            return new IndexMaps(Npy.read(f[0]).values(), Npy.read(f[1]).values(), Npy.read(f[2]).values());
        }
        IndexMaps m = build(documents, sizes, numSamples, seqLength, seed);
        try {
            Npy.writeInts(f[0], m.docIdx, "<i4", m.docIdx.length);
            Npy.writeInts(f[1], m.sampleIdx, "<i4", m.sampleIdx.length / 2, 2);
            Npy.writeInts(f[2], m.shuffleIdx, "<u4", m.shuffleIdx.length);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write index map " + f[0], e);
        }
        return m;
    }
}
