package org.neox.ckpt;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A checkpoint being written into {@code global_step{N}.tmp/}. Each rank writes its own
 * shards (thread-safe; ranks in other processes write into the same directory through
 * {@link CheckpointStore#join}); rank 0 calls {@link #commit} once all ranks are done. Files
 * written through this instance carry the checksum computed while writing; files written by
 * other processes are checksummed at commit.
 */
public final class PendingCheckpoint {
    private static final Pattern MODEL_FILE = Pattern.compile("mp_rank_(\\d+)_model_states\\.safetensors");
    private static final Pattern OPTIM_FILE =
            Pattern.compile("zero_pp_rank_(\\d+)_mp_rank_(\\d+)_optim_states\\.safetensors");
    static final String CONFIG_DIR = "configs";

    private final CheckpointStore store;
    private final long iteration;
    private final Topology topology;
    private final Path dir;
    private final Map<String, ShardFile> written = new ConcurrentHashMap<>();

    PendingCheckpoint(CheckpointStore store, long iteration, Topology topology, Path dir) {
        this.store = store;
        this.iteration = iteration;
        this.topology = topology;
        this.dir = dir;
    }

    /** The temporary directory (renamed to {@code global_step{N}} by commit). */
    public Path directory() {
        return dir;
    }

    /** Writes the model parameters of one (pipe, tensor) rank, as F32 with local shard shapes. */
    public ShardFile writeModelShard(int pipe, int model, List<NamedTensor> tensors) {
        String name = ShardFile.modelFileName(topology, pipe, model);
        return record(name, ShardFile.MODEL, pipe, model, 0, tensors);
    }

    /**
     * Writes one optimizer shard (e.g. {@code fp32_master}, {@code exp_avg}, {@code exp_avg_sq}
     * as flat ranges): per ZeRO data rank when partitioned, else with {@code data = 0}.
     */
    public ShardFile writeOptimizerShard(int pipe, int model, int data, List<NamedTensor> tensors) {
        String name = ShardFile.optimizerFileName(topology, pipe, model, data);
        return record(name, ShardFile.OPTIMIZER, pipe, model, data, tensors);
    }

    private ShardFile record(String name, String kind, int pipe, int model, int data, List<NamedTensor> tensors) {
        SafetensorsWriter.Written w = SafetensorsWriter.write(dir.resolve(name), tensors,
                Map.of("format", "neox", "iteration", Long.toString(iteration)), DType.F32);
        ShardFile f = new ShardFile(name, kind, pipe, model, data, w.bytes(), w.crc32c());
        written.put(name, f);
        return f;
    }

    /** Stores an original config file's text under {@code configs/} (a plain file name). */
    public void writeConfigText(String fileName, String text) {
        Path name = Path.of(fileName).getFileName();
        if (name == null || !name.toString().equals(fileName)) {
            throw new IllegalArgumentException("config file name must be a plain name: " + fileName);
        }
        try {
            Files.createDirectories(dir.resolve(CONFIG_DIR));
            DurableFiles.writeAtomically(dir.resolve(CONFIG_DIR).resolve(name), text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write config copy " + fileName, e);
        }
    }

    /**
     * Completes the save: checks that every (pipe, tensor) model shard exists, writes the
     * manifest, renames the directory to {@code global_step{N}}, then replaces {@code latest},
     * then deletes checkpoints beyond {@code keep_last_n_checkpoints}.
     */
    public Manifest commit(CheckpointMeta meta) {
        if (meta.iteration() != iteration || !topology.equals(meta.topology())) {
            throw new IllegalArgumentException("commit of " + CheckpointStore.tag(iteration) + " " + topology
                    + " with meta for iteration " + meta.iteration() + " " + meta.topology());
        }
        List<ShardFile> files = collectFiles();
        long models = files.stream().filter(f -> f.kind().equals(ShardFile.MODEL)).count();
        if (models != (long) topology.pp() * topology.mp()) {
            throw new IllegalStateException("checkpoint " + dir + " has " + models + " model shard files, expected "
                    + topology.pp() * topology.mp() + " for " + topology);
        }
        Manifest manifest = new Manifest(Manifest.FORMAT_VERSION, meta, files, configFiles());
        DurableFiles.writeAtomically(dir.resolve(Manifest.FILE_NAME), manifest.toJsonBytes());
        DurableFiles.syncDirectory(dir);
        Path finalDir = store.stepDir(iteration);
        if (Files.exists(finalDir)) {
            // re-saving an iteration: the old copy goes aside first, so one complete copy always exists
            Path aside = store.replacedDir(iteration);
            DurableFiles.deleteTree(aside);
            DurableFiles.moveAtomically(finalDir, aside);
            DurableFiles.moveAtomically(dir, finalDir);
            DurableFiles.deleteTree(aside);
        } else {
            DurableFiles.moveAtomically(dir, finalDir);
        }
        DurableFiles.writeAtomically(store.root().resolve(CheckpointStore.LATEST),
                CheckpointStore.tag(iteration).getBytes(StandardCharsets.UTF_8));
        store.pruneKeeping(iteration);
        return manifest;
    }

    /** Every tensor file in the directory, with checksums (computed now for foreign writers). */
    private List<ShardFile> collectFiles() {
        List<ShardFile> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s.sorted()::iterator) {
                String name = p.getFileName().toString();
                ShardFile known = written.get(name);
                if (known != null) {
                    out.add(known);
                } else if (name.endsWith(".safetensors")) {
                    out.add(foreign(p, name));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        out.sort(Comparator.comparing(ShardFile::file));
        return out;
    }

    private ShardFile foreign(Path p, String name) {
        SafetensorsWriter.Written w = DurableFiles.crc32c(p);
        Matcher m = MODEL_FILE.matcher(name);
        if (m.matches()) {
            int idx = Integer.parseInt(m.group(1));
            return new ShardFile(name, ShardFile.MODEL, idx / topology.mp(), idx % topology.mp(), 0,
                    w.bytes(), w.crc32c());
        }
        Matcher o = OPTIM_FILE.matcher(name);
        if (o.matches()) {
            int idx = Integer.parseInt(o.group(2));
            return new ShardFile(name, ShardFile.OPTIMIZER, idx / topology.mp(), idx % topology.mp(),
                    Integer.parseInt(o.group(1)), w.bytes(), w.crc32c());
        }
        throw new IllegalStateException("unexpected file " + p + " in a pending checkpoint");
    }

    private List<String> configFiles() {
        Path cfg = dir.resolve(CONFIG_DIR);
        if (!Files.isDirectory(cfg)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(cfg)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + cfg, e);
        }
    }
}
