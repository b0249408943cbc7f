package org.neox.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * {@code metrics.jsonl} in {@code log_dir}: one JSON object per logged iteration and per
 * evaluation. Each record is one complete line handed to the OS in a single append and flushed,
 * so readers (and a crash) see whole lines only, except possibly a torn last line after a crash;
 * a file that does not end with a newline gets one before the next record, so a torn line never
 * glues itself to a new one. Non-finite numbers are written as {@code null} to keep strict JSON.
 */
public final class MetricsLog implements AutoCloseable {
    public static final String FILE_NAME = "metrics.jsonl";

    private final ObjectMapper json = new ObjectMapper();
    private final Path file;
    private final FileChannel channel;

    /** Opens (creating the directory and file when needed) {@code logDir/metrics.jsonl} for appending. */
    public MetricsLog(Path logDir) {
        this.file = logDir.resolve(FILE_NAME);
        try {
            Files.createDirectories(logDir);
            boolean torn = endsWithTornLine(file);
            this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
            if (torn) {
                channel.write(ByteBuffer.wrap(new byte[] {'\n'}));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + file + " for appending: " + e.getMessage(), e);
        }
    }

    public Path file() {
        return file;
    }

    public void logTrain(TrainMetrics m) {
        ObjectNode o = json.createObjectNode();
        o.put("iteration", m.iteration());
        putNumber(o, "lm_loss", m.lmLoss());
        putNumber(o, "lr", m.lr());
        putNumber(o, "grad_norm", m.gradNorm());
        if (m.lossScale() == null) {
            o.putNull("loss_scale");
        } else {
            putNumber(o, "loss_scale", m.lossScale());
        }
        putNumber(o, "tokens_per_sec", m.tokensPerSec());
        putNumber(o, "samples_per_sec", m.samplesPerSec());
        putNumber(o, "tflops", m.tflops());
        putNumber(o, "step_ms", m.stepMs());
        putNumber(o, "memory_mb", m.memoryMb());
        o.put("skipped", m.skipped());
        append(o);
    }

    public void logEval(EvalMetrics m) {
        ObjectNode o = json.createObjectNode();
        o.put("iteration", m.iteration());
        o.put("split", m.split());
        putNumber(o, "lm_loss", m.lmLoss());
        putNumber(o, "lm_loss_ppl", m.lmLossPpl());
        append(o);
    }

    private static void putNumber(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) {
            o.put(key, v);
        } else {
            o.putNull(key);
        }
    }

    private void append(ObjectNode o) {
        try {
            byte[] line = (json.writeValueAsString(o) + "\n").getBytes(StandardCharsets.UTF_8);
            ByteBuffer buf = ByteBuffer.wrap(line);
            while (buf.hasRemaining()) {
                channel.write(buf);
            }
            channel.force(false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file + ": " + e.getMessage(), e);
        }
    }

    private static boolean endsWithTornLine(Path f) throws IOException {
        if (!Files.exists(f)) {
            return false;
        }
        try (FileChannel in = FileChannel.open(f, StandardOpenOption.READ)) {
            long size = in.size();
            if (size == 0) {
                return false;
            }
            ByteBuffer last = ByteBuffer.allocate(1);
            in.read(last, size - 1);
            return last.get(0) != '\n';
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close " + file + ": " + e.getMessage(), e);
        }
    }
}
