package org.neox.data;

/**
 * GPT-NeoX's GPT2Dataset (spec §3.4): samples of {@code seqLength + 1} tokens cut across the
 * shuffled documents of one split, read through the index maps.
 */
public final class GPT2Dataset implements SampleDataset {
    private final String name;
    private final MMapIndexedDataset data;
    private final IndexMaps maps;
    private final int seqLength;

    public GPT2Dataset(String name, MMapIndexedDataset data, IndexMaps maps, int seqLength) {
        this.name = name;
        this.data = data;
        this.maps = maps;
        this.seqLength = seqLength;
    }

    /** Builds (or loads the cached) index maps for {@code documents} of {@code data}. */
    public static GPT2Dataset create(String name, MMapIndexedDataset data, int[] documents,
            long numSamples, int seqLength, long seed) {
        IndexMaps maps = IndexMaps.loadOrBuild(data.prefix(), name, documents, data.sizes(),
                numSamples, seqLength, seed);
        return new GPT2Dataset(name, data, maps, seqLength);
    }

    public String name() {
        return name;
    }

    public IndexMaps maps() {
        return maps;
    }

    /** Number of items (sequences) in the underlying .bin/.idx. */
    public int documentCount() {
        return data.length();
    }

    @Override
    public long length() {
        return maps.length();
    }

    @Override
    public int[] sample(long index) {
        int k = (int) Math.floorMod(index, length());
        int i = maps.shuffleIdx()[k];
        int[] s = maps.sampleIdx();
        int d0 = s[2 * i];
        int o0 = s[2 * i + 1];
        int d1 = s[2 * i + 2];
        int o1 = s[2 * i + 3];
        int[] doc = maps.docIdx();
        int[] out = new int[seqLength + 1];
        if (d0 == d1) {
            data.read(doc[d0], o0, o1 - o0 + 1, out, 0);
            return out;
        }
        int at = 0;
        int first = data.sizes()[doc[d0]] - o0;
        data.read(doc[d0], o0, first, out, at);
        at += first;
        for (int d = d0 + 1; d < d1; d++) {
            int n = data.sizes()[doc[d]];
            data.read(doc[d], 0, n, out, at);
            at += n;
        }
        data.read(doc[d1], 0, o1 + 1, out, at);
        return out;
    }
}
