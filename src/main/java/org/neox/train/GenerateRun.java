package org.neox.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.neox.config.NeoXArgs;
import org.neox.config.TextgenArgs;
import org.neox.data.Tokenizer;
import org.neox.kernel.Kernels;
import org.neox.model.InferenceSession;
import org.neox.model.TokenSampler;
import org.neox.util.Clock;
import org.neox.util.UserError;

/**
 * GPT-NeoX's generate.py (spec §9.2) on one rank: {@code unconditional} ({@code num_samples}
 * samples from {@code [EOD]}), {@code input-file} (prompts of {@code sample_input_file} split on
 * {@code prompt_end}, stripped, empties dropped) and {@code interactive} (prompts read from
 * {@code in} after {@code Context prompt >>> } until end of input). File modes write one JSON
 * object per prompt to {@code sample_output_file} ({@code <input>.output.jsonl} when unset).
 */
public final class GenerateRun {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final NeoXArgs args;
    private final TextGenerator generator;
    private final PrintWriter out;

    public GenerateRun(NeoXArgs args, Kernels kernels, Tokenizer tokenizer, Clock clock, PrintWriter out) {
        this.args = args;
        this.out = out;
        TextgenArgs g = args.textgen();
        InferenceModels.Loaded loaded = InferenceModels.load(args, kernels);
        out.println("loaded " + loaded.checkpoint() + " (iteration " + loaded.iteration() + ")");
        TokenSampler sampler;
        try {
            sampler = new TokenSampler(g.temperature(), g.topK(), g.topP(), args.other().seed());
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage(), e);
        }
        this.generator = new TextGenerator(new InferenceSession(loaded.model(), kernels), tokenizer, sampler,
                g.maximumTokens(), g.recompute(), clock);
    }

    /** Runs the configured mode; returns the records generated. */
    public List<GenerationRecord> run(BufferedReader in) {
        TextgenArgs g = args.textgen();
        String mode = g.textGenType() == null ? "unconditional" : g.textGenType();
        switch (mode) {
            case "unconditional" -> {
                List<String> prompts = new ArrayList<>();
                for (int i = 0; i < g.numSamples(); i++) {
                    prompts.add("");
                }
                return generateTo(prompts, g.sampleOutputFile() == null ? null : Path.of(g.sampleOutputFile()));
            }
            case "input-file" -> {
                if (g.sampleInputFile() == null) {
                    throw new UserError("text_gen_type input-file needs sample_input_file; it is not set");
                }
                Path input = Path.of(g.sampleInputFile());
                Path output = Path.of(g.sampleOutputFile() != null ? g.sampleOutputFile() : input + ".output.jsonl");
                return generateTo(readPrompts(input, g.promptEnd()), output);
            }
            case "interactive" -> {
                return interactive(in);
            }
            default -> throw new UserError("text_gen_type '" + mode
                    + "' is not supported; expected unconditional, input-file or interactive");
        }
    }

    static List<String> readPrompts(Path input, String promptEnd) {
        String text;
        try {
            text = Files.readString(input, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UserError("sample_input_file '" + input + "' cannot be read: " + e.getMessage(), e);
        }
        List<String> prompts = new ArrayList<>();
        for (String p : text.split(java.util.regex.Pattern.quote(promptEnd), -1)) {
            String s = p.strip();
            if (!s.isEmpty()) {
                prompts.add(s);
            }
        }
        return prompts;
    }

    private List<GenerationRecord> generateTo(List<String> prompts, Path output) {
        List<GenerationRecord> records = new ArrayList<>();
        for (String p : prompts) {
            GenerationRecord r = generator.generate(p);
            records.add(r);
            out.printf("sample %d/%d: %d tokens in %.2f s%n", records.size(), prompts.size(), r.length(),
                    r.durationSeconds());
            out.flush();
        }
        if (output != null) {
            writeJsonl(output, records);
            out.println("wrote " + records.size() + " samples to " + output);
        }
        out.flush();
        return records;
    }

    /** One JSON object per line with GPT-NeoX's keys, written to a temporary file then moved. */
    static void writeJsonl(Path output, List<GenerationRecord> records) {
        Path abs = output.toAbsolutePath();
        Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
        try {
            if (abs.getParent() != null) {
                Files.createDirectories(abs.getParent());
            }
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                for (GenerationRecord r : records) {
                    w.write(JSON.writeValueAsString(toJson(r)));
                    w.write('\n');
                }
            }
            Files.move(tmp, abs, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UserError("sample_output_file '" + output + "' cannot be written: " + e.getMessage(), e);
        }
    }

    static ObjectNode toJson(GenerationRecord r) {
        ObjectNode n = JSON.createObjectNode();
        n.put("context", r.context());
        n.put("text", r.text());
        n.put("length", r.length());
        n.put("finished", r.finished());
        n.put("message", r.message());
        n.put("duration_seconds", r.durationSeconds());
        return n;
    }

    /**
     * generate.py's interactive loop: a prompt is the input up to {@code prompt_end} (one line
     * when it is a newline; otherwise lines joined by newlines until one contains it).
     */
    private List<GenerationRecord> interactive(BufferedReader in) {
        String end = args.textgen().promptEnd();
        List<GenerationRecord> records = new ArrayList<>();
        try {
            while (true) {
                StringBuilder raw = new StringBuilder();
                boolean complete = false;
                while (!complete) {
                    out.print("Context prompt >>> ");
                    out.flush();
                    String line = in.readLine();
                    if (line == null) {
                        out.println();
                        out.flush();
                        return records;
                    }
                    int at = end.equals("\n") ? -1 : line.indexOf(end);
                    complete = end.equals("\n") || at >= 0;
                    raw.append(at >= 0 ? line.substring(0, at) : line).append(complete ? "" : "\n");
                }
                GenerationRecord r = generator.generate(raw.toString());
                records.add(r);
                out.println("Generated Text: " + (r.text() != null ? r.text() : r.message()));
                out.flush();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read prompts", e);
        }
    }
}
