package org.neox.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.luben.zstd.ZstdInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.neox.util.UserError;

/**
 * Reads preprocessing inputs in order (spec §3.1): {@code .jsonl} and {@code .jsonl.zst} give
 * one document per line (the value of each requested key; a list value is joined by blank
 * lines), {@code .txt} is one document per file, directories expand to their sorted files.
 * Unlike lm_dataformat, a malformed line is an error naming the file and line, not skipped, and
 * each key reads its own field (GPT-NeoX reads "text" whatever the key; the default key is
 * "text", so the default behaviour is the same).
 */
final class DocumentReader {
    /** One input document: {@code texts[k]} is the text for key k; {@code line} is 1-based. */
    record Document(Path file, long line, String[] texts) {
    }

    private final List<String> keys;
    private final ObjectMapper json = new ObjectMapper();

    DocumentReader(List<String> keys) {
        this.keys = keys;
    }

    /** The input files in reading order. */
    static List<Path> expand(List<Path> inputs) {
        List<Path> files = new ArrayList<>();
        for (Path p : inputs) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    s.filter(Files::isRegularFile).sorted().forEach(files::add);
                } catch (IOException e) {
                    throw new UserError("input directory " + p + " cannot be listed: " + e.getMessage(), e);
                }
            } else if (Files.isRegularFile(p)) {
                files.add(p);
            } else {
                throw new UserError("input '" + p + "' does not exist");
            }
        }
        for (Path f : files) {
            kindOf(f);
        }
        return files;
    }

    private static String kindOf(Path f) {
        String n = f.getFileName().toString();
        if (n.endsWith(".jsonl") || n.endsWith(".jsonl.zst") || n.endsWith(".txt")) {
            return n.endsWith(".txt") ? "txt" : "jsonl";
        }
        throw new UserError("input '" + f + "' has an unsupported suffix; expected .jsonl, .jsonl.zst or .txt");
    }

    void read(Path file, Consumer<Document> sink) {
        try (InputStream raw = Files.newInputStream(file);
                InputStream in = file.toString().endsWith(".zst") ? new ZstdInputStream(raw) : raw) {
            if (kindOf(file).equals("txt")) {
                String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                String[] texts = new String[keys.size()];
                java.util.Arrays.fill(texts, text);
                sink.accept(new Document(file, 1, texts));
                return;
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
            String line;
            long lineNo = 0;
            while ((line = r.readLine()) != null) {
                lineNo++;
                if (!line.isBlank()) {
                    sink.accept(new Document(file, lineNo, parse(file, lineNo, line)));
                }
            }
        } catch (IOException e) {
            throw new UserError(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    private String[] parse(Path file, long lineNo, String line) {
        JsonNode obj;
        try {
            obj = json.readTree(line);
        } catch (JsonProcessingException e) {
            throw new UserError(file + ":" + lineNo + ": malformed JSON ("
                    + e.getOriginalMessage().lines().findFirst().orElse("") + "); expected one object per line");
        }
        String[] texts = new String[keys.size()];
        for (int k = 0; k < texts.length; k++) {
            JsonNode v = obj.isObject() ? obj.get(keys.get(k)) : null;
            if (v == null || !(v.isTextual() || v.isArray())) {
                throw new UserError(file + ":" + lineNo + ": no string or list value for key '"
                        + keys.get(k) + "' (--jsonl-keys)");
            }
            texts[k] = v.isTextual() ? v.asText() : joinList(v);
        }
        return texts;
    }

    private static String joinList(JsonNode arr) {
        StringBuilder sb = new StringBuilder();
        for (JsonNode e : arr) {
            if (sb.length() > 0) {
                sb.append("\n\n");
            }
            sb.append(e.asText());
        }
        return sb.toString();
    }
}
