package org.neox.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.neox.config.NeoXArgs;
import org.neox.data.Tokenizer;
import org.neox.kernel.Kernels;
import org.neox.model.InferenceSession;
import org.neox.util.Clock;
import org.neox.util.UserError;

/**
 * {@code neox eval}: a checkpoint's loss and perplexity on a dataset ({@link DatasetEval}) and
 * LAMBADA accuracy and perplexity ({@link LambadaEval}). Results are one JSON object (GPT-NeoX's
 * {@code eval_results_<prefix_>mm-dd-YYYY-HH-MM-SS.json} naming) plus a table on {@code out}.
 */
public final class EvalRun {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("MM-dd-yyyy-HH-mm-ss")
            .withZone(ZoneOffset.UTC);

    /** What to evaluate: {@code data} and/or {@code lambada} (null to skip); {@code limit <= 0}: all. */
    public record Request(String data, Path lambada, int limit) {
    }

    private final NeoXArgs args;
    private final Kernels kernels;
    private final Tokenizer tokenizer;
    private final Clock clock;
    private final PrintWriter out;

    public EvalRun(NeoXArgs args, Kernels kernels, Tokenizer tokenizer, Clock clock, PrintWriter out) {
        this.args = args;
        this.kernels = kernels;
        this.tokenizer = tokenizer;
        this.clock = clock;
        this.out = out;
    }

    /** Evaluates and returns the results object (also printed as a table). */
    public ObjectNode run(Request req) {
        if (req.data() == null && req.lambada() == null) {
            throw new UserError("nothing to evaluate; expected --data PREFIX_OR_JSONL and/or --lambada FILE");
        }
        long t0 = clock.nanoTime();
        InferenceModels.Loaded loaded = InferenceModels.load(args, kernels);
        InferenceSession session = new InferenceSession(loaded.model(), kernels);
        ObjectNode root = JSON.createObjectNode();
        root.put("checkpoint", loaded.checkpoint().toString());
        root.put("iteration", loaded.iteration());
        ObjectNode results = root.putObject("results");
        StringBuilder table = new StringBuilder(String.format("%-10s %-12s %14s %10s%n", "task", "metric", "value", "count"));
        if (req.data() != null) {
            DatasetEval.Result r = new DatasetEval(session, kernels).run(EvalTokens.open(req.data(), tokenizer), req.limit());
            if (r.windows() == 0) {
                throw new UserError("--data '" + req.data() + "' has fewer than seq_length + 1 = "
                        + (args.model().seqLength() + 1) + " tokens; expected at least one full window");
            }
            ObjectNode d = results.putObject("data");
            d.put("path", req.data());
            d.put("loss", r.loss());
            d.put("perplexity", r.perplexity());
            d.put("windows", r.windows());
            d.put("tokens", r.tokens());
            table.append(row("data", "loss", r.loss(), r.tokens())).append(row("data", "perplexity", r.perplexity(), r.tokens()));
        }
        if (req.lambada() != null) {
            List<String> texts = LambadaEval.readTexts(req.lambada(), req.limit());
            LambadaEval.Result r = new LambadaEval(session, tokenizer).run(texts);
            ObjectNode l = results.putObject("lambada");
            l.put("path", req.lambada().toString());
            l.put("acc", r.accuracy());
            l.put("ppl", r.perplexity());
            l.put("examples", r.examples());
            table.append(row("lambada", "acc", r.accuracy(), r.examples())).append(row("lambada", "ppl", r.perplexity(), r.examples()));
        }
        root.put("duration_seconds", (clock.nanoTime() - t0) / 1e9);
        out.print(table);
        out.flush();
        return root;
    }

    private static String row(String task, String metric, double v, long n) {
        return String.format("%-10s %-12s %14.6f %10d%n", task, metric, v, n);
    }

    /** GPT-NeoX's results file name in {@code dir}. */
    public Path defaultOutput(Path dir) {
        String prefix = args.textgen().evalResultsPrefix();
        String stamp = STAMP.format(Instant.ofEpochMilli(clock.currentTimeMillis()));
        return dir.resolve((prefix == null || prefix.isEmpty() ? "" : prefix + "_") + "eval_results_" + stamp + ".json");
    }

    public static void write(ObjectNode results, Path file) {
        try {
            Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(results) + "\n");
        } catch (IOException e) {
            throw new UserError("cannot write eval results to " + file + ": " + e.getMessage(), e);
        }
    }

    public static String toJson(ObjectNode results) {
        try {
            return JSON.writeValueAsString(results);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
