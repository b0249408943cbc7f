package org.neox.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.neox.util.UserError;

/**
 * Reader of a Megatron mmap dataset {@code {prefix}.bin/.idx} (spec §3.2). The index is
 * validated when opened (magic, version, dtype, array lengths, every pointer against the sizes
 * and the {@code .bin} length); a bad file gives a {@link UserError} naming it.
 */
public final class MMapIndexedDataset {
    private final Path prefix;
    private final TokenDtype dtype;
    private final int[] sizes;
    private final long[] pointers;
    private final long[] docIdx;
    private final MappedFile bin;

    private MMapIndexedDataset(Path prefix, TokenDtype dtype, int[] sizes, long[] pointers,
            long[] docIdx, MappedFile bin) {
        this.prefix = prefix;
        this.dtype = dtype;
        this.sizes = sizes;
        this.pointers = pointers;
        this.docIdx = docIdx;
        this.bin = bin;
    }

    /** True when both {@code {prefix}.bin} and {@code {prefix}.idx} exist. */
    public static boolean exists(Path prefix) {
        return Files.isRegularFile(Path.of(prefix + ".bin")) && Files.isRegularFile(Path.of(prefix + ".idx"));
    }

    public static MMapIndexedDataset open(Path prefix) {
        Path idxPath = Path.of(prefix + ".idx");
        Path binPath = Path.of(prefix + ".bin");
        for (Path p : new Path[] {idxPath, binPath}) {
            if (!Files.isRegularFile(p)) {
                throw new UserError("data file " + p + " does not exist (data-path '" + prefix
                        + "' expects " + prefix + ".bin and .idx)");
            }
        }
        try {
            MappedFile idx = new MappedFile(idxPath);
            MappedFile bin = new MappedFile(binPath);
            return readIndex(prefix, idx, bin);
        } catch (IOException e) {
            throw new UserError("cannot read " + idxPath + " / " + binPath + ": " + e.getMessage(), e);
        }
    }

    private static MMapIndexedDataset readIndex(Path prefix, MappedFile idx, MappedFile bin) {
        String name = idx.path().toString();
        if (idx.length() < IndexedDatasetWriter.HEADER_BYTES) {
            throw new UserError(name + ": truncated index (" + idx.length() + " bytes, header needs 34)");
        }
        for (int i = 0; i < 9; i++) {
            if (idx.u8(i) != (IndexedDatasetWriter.MAGIC[i] & 0xFF)) {
                throw new UserError(name + ": not a Megatron mmap index (bad magic; expected MMIDIDX\\0\\0)");
            }
        }
        long version = idx.i64(9);
        if (version != 1) {
            throw new UserError(name + ": index version " + version + ", expected 1");
        }
        TokenDtype dtype = TokenDtype.ofCode(idx.u8(17));
        if (dtype == null) {
            throw new UserError(name + ": dtype code " + idx.u8(17) + ", expected 8 (uint16) or 4 (int32)");
        }
        long len = idx.i64(18);
        long docCount = idx.i64(26);
        long expected = 34 + 12 * len + 8 * docCount;
        if (len < 0 || docCount < 1 || len > Integer.MAX_VALUE || idx.length() != expected) {
            throw new UserError(name + ": " + idx.length() + " bytes but the header (" + len + " items, "
                    + docCount + " doc_idx entries) needs " + expected + "; the file is truncated or corrupt");
        }
        int n = (int) len;
        int[] sizes = new int[n];
        long[] pointers = new long[n];
        long[] docIdx = new long[(int) docCount];
        long expectPtr = 0;
        for (int i = 0; i < n; i++) {
            sizes[i] = idx.i32(34 + 4L * i);
            pointers[i] = idx.i64(34 + 4L * n + 8L * i);
            if (sizes[i] < 0 || pointers[i] != expectPtr) {
                throw new UserError(name + ": item " + i + " has size " + sizes[i] + " and pointer "
                        + pointers[i] + ", expected a size >= 0 and pointer " + expectPtr);
            }
            expectPtr += (long) sizes[i] * dtype.bytes;
        }
        if (expectPtr != bin.length()) {
            throw new UserError(bin.path() + ": " + bin.length() + " bytes but " + name + " describes "
                    + expectPtr + "; the .bin is truncated or does not belong to this index");
        }
        for (int i = 0; i < docIdx.length; i++) {
            docIdx[i] = idx.i64(34 + 12L * n + 8L * i);
            if (docIdx[i] < 0 || docIdx[i] > n || (i > 0 && docIdx[i] < docIdx[i - 1])) {
                throw new UserError(name + ": doc_idx[" + i + "] = " + docIdx[i]
                        + " is not a non-decreasing item index in [0, " + n + "]");
            }
        }
        return new MMapIndexedDataset(prefix, dtype, sizes, pointers, docIdx, bin);
    }

    public Path prefix() {
        return prefix;
    }

    public TokenDtype dtype() {
        return dtype;
    }

    /** Number of items (sequences); with NeoX preprocessing one item is one document. */
    public int length() {
        return sizes.length;
    }

    /** Tokens per item; the caller must not modify it. */
    public int[] sizes() {
        return sizes;
    }

    public long[] docIdx() {
        return docIdx.clone();
    }

    /** Copies {@code count} tokens of item {@code item} from token {@code offset} into dst. */
    public void read(int item, int offset, int count, int[] dst, int dstOff) {
        if (offset < 0 || count < 0 || offset + count > sizes[item]) {
            throw new IndexOutOfBoundsException("item " + item + " of size " + sizes[item]
                    + ": cannot read " + count + " tokens at " + offset);
        }
        long at = pointers[item] + (long) offset * dtype.bytes;
        if (dtype == TokenDtype.UINT16) {
            for (int k = 0; k < count; k++) {
                dst[dstOff + k] = bin.u16(at + 2L * k);
            }
        } else {
            for (int k = 0; k < count; k++) {
                dst[dstOff + k] = bin.i32(at + 4L * k);
            }
        }
    }

    /** The whole of item {@code item}. */
    public int[] get(int item) {
        int[] out = new int[sizes[item]];
        read(item, 0, sizes[item], out, 0);
        return out;
    }
}
