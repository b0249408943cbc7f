package org.neox.ckpt;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/** File-system steps of an atomic save: checksums, fsync, atomic rename, tree removal. */
final class DurableFiles {
    private DurableFiles() {
    }

    /** CRC32C (hex) and byte count of a whole file, streamed. */
    static SafetensorsWriter.Written crc32c(Path file) {
        CRC32C crc = new CRC32C();
        long total = 0;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocateDirect(1 << 22);
            while (ch.read(buf) >= 0) {
                buf.flip();
                total += buf.remaining();
                crc.update(buf);
                buf.clear();
            }
        } catch (NoSuchFileException e) {
            throw new org.neox.util.UserError("checkpoint file " + file + " is missing");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return new SafetensorsWriter.Written(total, String.format("%08x", crc.getValue()));
    }

    /** Writes text to {@code target} through a temporary sibling, fsync and atomic rename. */
    static void writeAtomically(Path target, byte[] bytes) {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + tmp, e);
        }
        moveAtomically(tmp, target);
    }

    /** Atomic rename (replacing a file target), then fsync of the parent directory. */
    static void moveAtomically(Path from, Path to) {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rename " + from + " to " + to, e);
        }
        syncDirectory(to.toAbsolutePath().getParent());
    }

    /** Makes a directory's entries (new files, renames) durable; a no-op where unsupported. */
    static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // some file systems refuse fsync on directories; the rename is still atomic
        }
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }
}
