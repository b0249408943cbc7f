package org.neox.data;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes a Megatron mmap dataset {@code {prefix}.bin/.idx} (spec §3.2) through temporary files
 * that {@link #commit()} renames into place, so a failed run leaves no {@code .bin/.idx}.
 * Tokens are uint16 when the unpadded vocab is below 65500, else int32.
 */
public final class IndexedDatasetWriter implements AutoCloseable {
    static final byte[] MAGIC = {'M', 'M', 'I', 'D', 'I', 'D', 'X', 0, 0};
    static final int HEADER_BYTES = 34;

    private final Path bin;
    private final Path idx;
    private final Path binTmp;
    private final Path idxTmp;
    private final TokenDtype dtype;
    private final OutputStream out;
    private final ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    private final IntList sizes = new IntList(1024);
    private final LongList docIdx = new LongList();
    private boolean done;

    public IndexedDatasetWriter(Path prefix, int vocabSize) {
        this(prefix, TokenDtype.forVocab(vocabSize));
    }

    public IndexedDatasetWriter(Path prefix, TokenDtype dtype) {
        this.bin = Path.of(prefix + ".bin");
        this.idx = Path.of(prefix + ".idx");
        // unique temporary names: several ranks may write the same (deterministic) output at once
        String tmp = ".tmp-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        this.binTmp = Path.of(prefix + ".bin" + tmp);
        this.idxTmp = Path.of(prefix + ".idx" + tmp);
        this.dtype = dtype;
        docIdx.add(0);
        try {
            Path parent = bin.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            out = new BufferedOutputStream(Files.newOutputStream(binTmp), 1 << 20);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + binTmp, e);
        }
    }

    /** Appends one item (sequence) of tokens. */
    public void addItem(int[] tokens) throws IOException {
        for (int t : tokens) {
            if (buf.remaining() < 4) {
                flushBuf();
            }
            dtype.put(buf, t);
        }
        flushBuf();
        sizes.add(tokens.length);
    }

    /** Closes the current document: the next item starts a new one. */
    public void endDocument() {
        docIdx.add(sizes.size());
    }

    private void flushBuf() throws IOException {
        out.write(buf.array(), 0, buf.position());
        buf.clear();
    }

    /** Writes the index and renames both temporary files into place. */
    public void commit() throws IOException {
        out.close();
        writeIndex();
        Files.move(binTmp, bin, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Files.move(idxTmp, idx, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        done = true;
    }

    private void writeIndex() throws IOException {
        int n = sizes.size();
        int docs = docIdx.size();
        ByteBuffer b = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(idxTmp), 1 << 20)) {
            b.put(MAGIC).putLong(1L).put(dtype.code).putLong(n).putLong(docs);
            for (int i = 0; i < n; i++) {
                b = spill(o, b, 4).putInt(sizes.get(i));
            }
            long pointer = 0;
            for (int i = 0; i < n; i++) {
                b = spill(o, b, 8).putLong(pointer);
                pointer += (long) sizes.get(i) * dtype.bytes;
            }
            for (int i = 0; i < docs; i++) {
                b = spill(o, b, 8).putLong(docIdx.get(i));
            }
            o.write(b.array(), 0, b.position());
        }
    }

    private static ByteBuffer spill(OutputStream o, ByteBuffer b, int need) throws IOException {
        if (b.remaining() < need) {
            o.write(b.array(), 0, b.position());
            b.clear();
        }
        return b;
    }

    /** Deletes the temporary files unless {@link #commit()} succeeded. */
    @Override
    public void close() {
        if (done) {
            return;
        }
        try {
            out.close();
        } catch (IOException ignored) {
            // the stream is being discarded anyway
        }
        try {
            Files.deleteIfExists(binTmp);
            Files.deleteIfExists(idxTmp);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove temporary file " + binTmp, e);
        }
    }

    /** Growable long array for doc_idx. */
    static final class LongList {
        private long[] a = new long[256];
        private int n;

        void add(long v) {
            if (n == a.length) {
                a = java.util.Arrays.copyOf(a, n * 2);
            }
            a[n++] = v;
        }

        long get(int i) {
            return a[i];
        }

        int size() {
            return n;
        }
    }
}
