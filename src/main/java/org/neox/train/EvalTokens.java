package org.neox.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.neox.data.MMapIndexedDataset;
import org.neox.data.Tokenizer;
import org.neox.util.UserError;

/**
 * The token stream a dataset evaluation reads: every document of a preprocessed
 * {@code .bin/.idx} prefix in file order, or every {@code "text"} of a jsonl file tokenized and
 * followed by EOD (what {@code neox preprocess --append-eod} would have stored).
 */
public interface EvalTokens {
    long length();

    /** Copies tokens {@code [pos, pos + n)} of the stream into {@code dst[0, n)}. */
    void read(long pos, int[] dst, int n);

    /** Opens {@code source}: a jsonl file, or a prefix with {@code .bin} and {@code .idx} beside it. */
    static EvalTokens open(String source, Tokenizer tokenizer) {
        Path p = Path.of(source);
        if (source.endsWith(".jsonl") && Files.isRegularFile(p)) {
            return ofJsonl(p, tokenizer);
        }
        if (!MMapIndexedDataset.exists(p)) {
            throw new UserError("--data '" + source + "' is neither a .jsonl file nor a prefix with .bin and .idx files");
        }
        return ofDataset(MMapIndexedDataset.open(p));
    }

    static EvalTokens ofDataset(MMapIndexedDataset ds) {
        int[] sizes = ds.sizes();
        long[] starts = new long[sizes.length + 1];
        for (int i = 0; i < sizes.length; i++) {
            starts[i + 1] = starts[i] + sizes[i];
        }
        return new EvalTokens() {
            @Override
            public long length() {
                return starts[sizes.length];
            }

            @Override
            public void read(long pos, int[] dst, int n) {
                int doc = java.util.Arrays.binarySearch(starts, pos);
                doc = doc >= 0 ? doc : -doc - 2;
                int done = 0;
                while (done < n) {
                    while (sizes[doc] == 0 || pos + done >= starts[doc + 1]) {
                        doc++;
                    }
                    int off = (int) (pos + done - starts[doc]);
                    int count = Math.min(n - done, sizes[doc] - off);
                    ds.read(doc, off, count, dst, done);
                    done += count;
                }
            }
        };
    }

    static EvalTokens ofJsonl(Path file, Tokenizer tokenizer) {
        ObjectMapper json = new ObjectMapper();
        int[] all = new int[1024];
        int size = 0;
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            long no = 0;
            while ((line = r.readLine()) != null) {
                no++;
                if (line.isBlank()) {
                    continue;
                }
                int[] ids = tokenizer.encode(textOf(json, line, file, no));
                while (size + ids.length + 1 > all.length) {
                    all = java.util.Arrays.copyOf(all, all.length * 2);
                }
                System.arraycopy(ids, 0, all, size, ids.length);
                size += ids.length;
                all[size++] = tokenizer.eod();
            }
        } catch (IOException e) {
            throw new UserError("--data '" + file + "' cannot be read: " + e.getMessage(), e);
        }
        int[] tokens = java.util.Arrays.copyOf(all, size);
        return new EvalTokens() {
            @Override
            public long length() {
                return tokens.length;
            }

            @Override
            public void read(long pos, int[] dst, int n) {
                System.arraycopy(tokens, (int) pos, dst, 0, n);
            }
        };
    }

    /** The {@code "text"} string of one jsonl line; anything else is an error naming the line. */
    static String textOf(ObjectMapper json, String line, Path file, long no) {
        JsonNode n;
        try {
            n = json.readTree(line);
        } catch (IOException e) {
            throw new UserError(file + ":" + no + ": not a JSON object: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
        JsonNode t = n == null ? null : n.get("text");
        if (t == null || !t.isTextual()) {
            throw new UserError(file + ":" + no + ": expected a string field \"text\"");
        }
        return t.asText();
    }
}
