package org.neox.data;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.neox.util.Clock;
import org.neox.util.UserError;

/**
 * GPT-NeoX's {@code tools/preprocess_data.py} (spec §3.1): documents are read in order on the
 * calling thread, tokenised in batches by {@code workers} threads, and written in input order
 * to {@code {prefix}_{key}_document.bin/.idx} through temporary files renamed at the end.
 */
public final class Preprocessor {
    private static final int BATCH_DOCS = 32;

    /** What to preprocess; {@code logInterval} is in documents. */
    public record Options(List<Path> inputs, List<String> jsonlKeys, Path outputPrefix,
            boolean appendEod, int workers, int logInterval) {
    }

    /** Totals of a finished run (the same line is printed at the end). */
    public record Summary(long documents, long tokens, long bytes, double seconds, List<Path> outputs) {
        public double tokensPerSecond() {
            return tokens / seconds;
        }

        public double megabytesPerSecond() {
            return bytes / 1e6 / seconds;
        }
    }

    /** One tokenised batch: ids[doc][key] (null where that key's text is empty), input bytes. */
    private record Encoded(int[][][] ids, long bytes) {
    }

    private final Tokenizer tokenizer;
    private final Clock clock;
    private final PrintWriter log;

    public Preprocessor(Tokenizer tokenizer, Clock clock, PrintWriter log) {
        this.tokenizer = tokenizer;
        this.clock = clock;
        this.log = log;
    }

    /** The data-path prefix GPT-NeoX trains on for one key: {@code {prefix}_{key}_document}. */
    public static Path outputFor(Path outputPrefix, String key) {
        return Path.of(outputPrefix + "_" + key + "_document");
    }

    public Summary run(Options o) {
        if (o.workers() < 1 || o.logInterval() < 1 || o.jsonlKeys().isEmpty()) {
            throw new UserError("preprocess needs --workers >= 1, --log-interval >= 1 and at least one "
                    + "--jsonl-keys entry; got " + o.workers() + ", " + o.logInterval() + ", " + o.jsonlKeys());
        }
        List<Path> files = DocumentReader.expand(o.inputs());
        List<IndexedDatasetWriter> writers = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(o.workers(), r -> {
            Thread t = new Thread(r, "preprocess-worker");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Path> outs = new ArrayList<>();
            for (String key : o.jsonlKeys()) {
                outs.add(outputFor(o.outputPrefix(), key));
                writers.add(new IndexedDatasetWriter(outs.get(outs.size() - 1), tokenizer.vocabSize()));
            }
            Progress p = new Progress(o.logInterval());
            Pipeline pipe = new Pipeline(pool, 4 * o.workers(), o.appendEod(), writers, p);
            DocumentReader reader = new DocumentReader(o.jsonlKeys());
            for (Path f : files) {
                reader.read(f, pipe::accept);
            }
            pipe.drain();
            for (IndexedDatasetWriter w : writers) {
                w.commit();
            }
            Summary s = new Summary(p.docs, p.tokens, p.bytes, p.seconds(), outs);
            log.printf("Done: %d documents, %d tokens, %.1f MB in %.2f s (%s)%n", s.documents(), s.tokens(),
                    s.bytes() / 1e6, s.seconds(), p.rates());
            log.flush();
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + o.outputPrefix() + " failed", e);
        } finally {
            pool.shutdownNow();
            writers.forEach(IndexedDatasetWriter::close);
        }
    }

    /** Keeps at most {@code depth} batches in flight and writes finished ones in order. */
    private final class Pipeline {
        private final ExecutorService pool;
        private final int depth;
        private final boolean appendEod;
        private final List<IndexedDatasetWriter> writers;
        private final Progress progress;
        private final ArrayDeque<Future<Encoded>> inFlight = new ArrayDeque<>();
        private List<String[]> batch = new ArrayList<>();

        Pipeline(ExecutorService pool, int depth, boolean appendEod, List<IndexedDatasetWriter> writers,
                Progress progress) {
            this.pool = pool;
            this.depth = depth;
            this.appendEod = appendEod;
            this.writers = writers;
            this.progress = progress;
        }

        void accept(DocumentReader.Document d) {
            batch.add(d.texts());
            if (batch.size() == BATCH_DOCS) {
                submit();
            }
        }

        private void submit() {
            List<String[]> docs = batch;
            batch = new ArrayList<>();
            inFlight.add(pool.submit(() -> encode(docs, appendEod)));
            while (inFlight.size() > depth) {
                write(take(inFlight.poll()));
            }
        }

        void drain() {
            if (!batch.isEmpty()) {
                submit();
            }
            while (!inFlight.isEmpty()) {
                write(take(inFlight.poll()));
            }
        }

        private void write(Encoded e) {
            try {
                progress.bytes += e.bytes();
                for (int[][] doc : e.ids()) {
                    for (int k = 0; k < doc.length; k++) {
                        if (doc[k] == null) {
                            continue; // empty documents are dropped
                        }
                        if (doc[k].length > 0) {
                            writers.get(k).addItem(doc[k]);
                        }
                        writers.get(k).endDocument();
                        progress.tokens += doc[k].length;
                    }
                    progress.document();
                }
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        }
    }

    private Encoded encode(List<String[]> docs, boolean appendEod) {
        int[][][] ids = new int[docs.size()][][];
        long bytes = 0;
        for (int d = 0; d < ids.length; d++) {
            String[] texts = docs.get(d);
            ids[d] = new int[texts.length][];
            for (int k = 0; k < texts.length; k++) {
                if (texts[k].isEmpty()) {
                    continue;
                }
                int[] t = tokenizer.encode(texts[k]);
                if (appendEod && t.length > 0) {
                    t = java.util.Arrays.copyOf(t, t.length + 1);
                    t[t.length - 1] = tokenizer.eod();
                }
                ids[d][k] = t;
                if (k == 0) {
                    bytes += texts[k].getBytes(StandardCharsets.UTF_8).length;
                }
            }
        }
        return new Encoded(ids, bytes);
    }

    private static <T> T take(Future<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while tokenising", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException("tokenising failed", e.getCause());
        }
    }

    /** Counters and the periodic progress line (documents/s, MB/s, tokens/s). */
    private final class Progress {
        private final int interval;
        private final long start = clock.nanoTime();
        long docs;
        long tokens;
        long bytes;

        Progress(int interval) {
            this.interval = interval;
        }

        void document() {
            docs++;
            if (docs % interval == 0) {
                log.printf("Processed %d documents (%s)%n", docs, rates());
                log.flush();
            }
        }

        double seconds() {
            return Math.max(1e-9, (clock.nanoTime() - start) / 1e9);
        }

        String rates() {
            double s = seconds();
            return String.format("%.1f docs/s, %.2f MB/s, %.0f tokens/s", docs / s, bytes / 1e6 / s, tokens / s);
        }
    }
}
