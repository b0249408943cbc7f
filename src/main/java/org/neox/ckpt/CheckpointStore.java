package org.neox.ckpt;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.neox.util.UserError;

/**
 * A checkpoint directory ({@code save} or {@code load}): {@code global_step{N}/} per saved
 * iteration plus {@code latest} naming the newest complete one (DeepSpeed layout, spec §8.3).
 *
 * <p>Saving is atomic: {@link #begin} creates {@code global_step{N}.tmp/}, ranks write their
 * shards into it, and {@link PendingCheckpoint#commit} writes the manifest, renames the
 * directory into place, then replaces {@code latest}, then prunes to {@code keepLastN}. A
 * crash at any point leaves {@code latest} naming the previous complete checkpoint.
 */
public final class CheckpointStore {
    static final String LATEST = "latest";
    private static final Pattern STEP_DIR = Pattern.compile("global_step(\\d+)");
    private static final String TMP_SUFFIX = ".tmp";

    private final Path root;
    private final int keepLastN;

    /**
     * @param root the save/load directory
     * @param keepLastN {@code keep_last_n_checkpoints}; {@code <= 0} keeps every checkpoint
     */
    public CheckpointStore(Path root, int keepLastN) {
        this.root = root;
        this.keepLastN = keepLastN;
    }

    public Path root() {
        return root;
    }

    public static String tag(long iteration) {
        return "global_step" + iteration;
    }

    /**
     * Starts saving {@code iteration} (rank 0, before the other ranks write): removes stale
     * temporary directories of earlier crashed saves and creates a fresh one.
     */
    public PendingCheckpoint begin(long iteration, Topology topology) {
        try {
            Files.createDirectories(root);
            recoverInterruptedReplace();
            try (Stream<Path> s = Files.list(root)) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    if (p.getFileName().toString().endsWith(TMP_SUFFIX) && Files.isDirectory(p)) {
                        DurableFiles.deleteTree(p);
                    }
                }
            }
            Files.createDirectories(tempDir(iteration));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare checkpoint directory in " + root, e);
        }
        return join(iteration, topology);
    }

    /** The save of {@code iteration} that rank 0 began, for the other ranks to write into. */
    public PendingCheckpoint join(long iteration, Topology topology) {
        return new PendingCheckpoint(this, iteration, topology, tempDir(iteration));
    }

    Path tempDir(long iteration) {
        return root.resolve(tag(iteration) + TMP_SUFFIX);
    }

    Path stepDir(long iteration) {
        return root.resolve(tag(iteration));
    }

    /** Iterations of complete checkpoints (directories holding a manifest), ascending. */
    public List<Long> availableSteps() {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(p -> Files.isRegularFile(p.resolve(Manifest.FILE_NAME)))
                    .map(p -> STEP_DIR.matcher(p.getFileName().toString()))
                    .filter(Matcher::matches)
                    .map(m -> Long.parseLong(m.group(1)))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root, e);
        }
    }

    /** The iteration named by {@code latest}, or empty when there is no {@code latest} file. */
    public Optional<Long> latestStep() {
        Path latest = root.resolve(LATEST);
        String text;
        try {
            text = Files.readString(latest, StandardCharsets.UTF_8).trim();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + latest, e);
        }
        Matcher m = STEP_DIR.matcher(text);
        if (!m.matches()) {
            throw new UserError("checkpoint file " + latest + " contains \"" + text
                    + "\", expected global_step<N>");
        }
        return Optional.of(Long.parseLong(m.group(1)));
    }

    /** Opens the checkpoint named by {@code latest}; empty when there is none (start at 0). */
    public Optional<LoadedCheckpoint> openLatest() {
        recoverInterruptedReplace();
        return latestStep().map(this::open);
    }

    /**
     * Re-saving an existing iteration moves the old copy aside before renaming the new one in
     * (PendingCheckpoint#commit); a crash between the two renames leaves {@code latest} naming a
     * missing directory, so the complete copy set aside is moved back.
     */
    private void recoverInterruptedReplace() {
        Optional<Long> latest = Files.isDirectory(root) ? latestStep() : Optional.empty();
        if (latest.isEmpty() || Files.exists(stepDir(latest.get()))) {
            return;
        }
        Path aside = replacedDir(latest.get());
        if (Files.isRegularFile(aside.resolve(Manifest.FILE_NAME))) {
            DurableFiles.moveAtomically(aside, stepDir(latest.get()));
        }
    }

    Path replacedDir(long iteration) {
        return root.resolve(tag(iteration) + ".replaced" + TMP_SUFFIX);
    }

    /** Opens {@code global_step{iteration}}; a missing one is an error listing the available steps. */
    public LoadedCheckpoint open(long iteration) {
        Path dir = stepDir(iteration);
        if (!Files.isRegularFile(dir.resolve(Manifest.FILE_NAME))) {
            throw new UserError("checkpoint " + dir + " does not exist (or is incomplete); available steps in "
                    + root + ": " + availableSteps());
        }
        return new LoadedCheckpoint(dir, Manifest.read(dir.resolve(Manifest.FILE_NAME)));
    }

    /** Called by commit after {@code latest} names the new checkpoint. */
    void pruneKeeping(long justSaved) {
        if (keepLastN <= 0) {
            return;
        }
        List<Long> steps = availableSteps();
        for (int i = 0; i < steps.size() - keepLastN; i++) {
            if (steps.get(i) != justSaved) {
                // renamed first so that a crash mid-delete leaves only a stale temporary
                Path doomed = root.resolve(tag(steps.get(i)) + ".deleting" + TMP_SUFFIX);
                DurableFiles.moveAtomically(stepDir(steps.get(i)), doomed);
                DurableFiles.deleteTree(doomed);
            }
        }
    }
}
