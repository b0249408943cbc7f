package org.neox.data;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.neox.util.UserError;

/**
 * GPT-2's byte-level BPE from {@code vocab.json} + {@code merges.txt} (spec §4,
 * GPT2BPETokenizer): the GPT-2 regex pre-split (Unicode letters, numbers and white space), the
 * bytes of each piece mapped to GPT-2's printable byte alphabet, then merges in rank order. No
 * special-token handling: a literal {@code <|endoftext|>} is ordinary text. Pure Java; ids
 * are checked against Hugging Face's Rust implementation in the tests.
 */
public final class GPT2BPETokenizer implements Tokenizer {
    /**
     * GPT-2's pre-tokenizer pattern. UNICODE_CHARACTER_CLASS makes {@code \s} Unicode white
     * space (Java's default is ASCII only), as in Python's regex module and Oniguruma.
     */
    static final Pattern PRE_SPLIT = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);
    private static final int CACHE_LIMIT = 1 << 18;

    private final Map<String, Integer> encoder;
    private final String[] decoder;
    /** (left id << 32 | right id) -> (rank << 32 | merged id). */
    private final Map<Long, Long> merges;
    private final int[] byteToId = new int[256];
    private final char[] byteToChar = ByteAlphabet.BYTE_TO_CHAR;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();
    private final int eod;

    public GPT2BPETokenizer(Path vocabFile, Path mergeFile) {
        this(readVocab(vocabFile), readLines(mergeFile), vocabFile.toString(), mergeFile.toString());
    }

    /**
     * From an encoder map and merge lines ("a b", "#version" lines ignored); {@code vocabSource}
     * and {@code mergeSource} name them in errors.
     */
    GPT2BPETokenizer(Map<String, Integer> encoder, List<String> mergeLines, String vocabSource,
            String mergeSource) {
        this.encoder = encoder;
        this.decoder = new String[encoder.values().stream().mapToInt(i -> i).max().orElse(-1) + 1];
        encoder.forEach((k, v) -> decoder[v] = k);
        for (int b = 0; b < 256; b++) {
            Integer id = encoder.get(String.valueOf(byteToChar[b]));
            boolean neverInUtf8 = b == 0xC0 || b == 0xC1 || b >= 0xF5;
            if (id == null && !neverInUtf8) {
                throw new UserError(vocabSource + ": missing the byte token for byte " + b
                        + "; expected a GPT-2 byte-level vocab.json");
            }
            byteToId[b] = id == null ? -1 : id;
        }
        this.merges = parseMerges(mergeLines, encoder, mergeSource);
        Integer e = encoder.get("<|endoftext|>");
        if (e == null) {
            throw new UserError(vocabSource + ": no <|endoftext|> token; expected a GPT-2 vocab.json");
        }
        this.eod = e;
    }

    private static Map<String, Integer> readVocab(Path vocabFile) {
        try {
            return new ObjectMapper().readValue(vocabFile.toFile(),
                    new TypeReference<HashMap<String, Integer>>() { });
        } catch (IOException ex) {
            throw new UserError(vocabFile + ": cannot read the vocab JSON (" + ex.getMessage()
                    .lines().findFirst().orElse("") + "); expected {token: id}", ex);
        }
    }

    private static List<String> readLines(Path mergeFile) {
        try {
            return Files.readAllLines(mergeFile, StandardCharsets.UTF_8);
        } catch (IOException ex) {
            throw new UserError(mergeFile + ": cannot read the merges file: " + ex.getMessage(), ex);
        }
    }

    private static Map<Long, Long> parseMerges(List<String> lines, Map<String, Integer> encoder, String source) {
        Map<Long, Long> m = new HashMap<>();
        long rank = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.startsWith("#version") || line.isBlank()) {
                continue;
            }
            String[] parts = line.split(" ");
            Integer a = parts.length == 2 ? encoder.get(parts[0]) : null;
            Integer b = parts.length == 2 ? encoder.get(parts[1]) : null;
            Integer ab = parts.length == 2 ? encoder.get(parts[0] + parts[1]) : null;
            if (a == null || b == null || ab == null) {
                throw new UserError(source + ":" + (i + 1) + ": merge '" + line
                        + "' is not two vocab tokens whose concatenation is in the vocab");
            }
            m.putIfAbsent(((long) a << 32) | b, (rank++ << 32) | ab);
        }
        return m;
    }

    @Override
    public int[] encode(String text) {
        IntList out = new IntList(text.length() / 3 + 4);
        Matcher m = PRE_SPLIT.matcher(text);
        while (m.find()) {
            String piece = m.group();
            int[] ids = cache.get(piece);
            if (ids == null) {
                ids = bpe(piece.getBytes(StandardCharsets.UTF_8));
                if (cache.size() > CACHE_LIMIT) {
                    cache.clear();
                }
                cache.put(piece, ids);
            }
            out.addAll(ids);
        }
        return out.toArray();
    }

    /** Merges the byte tokens of one piece, always the lowest-ranked adjacent pair first. */
    private int[] bpe(byte[] bytes) {
        int[] ids = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            ids[i] = byteToId[bytes[i] & 0xFF];
        }
        int n = ids.length;
        while (n > 1) {
            long best = Long.MAX_VALUE;
            int at = -1;
            for (int i = 0; i + 1 < n; i++) {
                Long r = merges.get(((long) ids[i] << 32) | ids[i + 1]);
                if (r != null && r < best) {
                    best = r;
                    at = i;
                }
            }
            if (at < 0) {
                break;
            }
            n = mergeAll(ids, n, ids[at], ids[at + 1], (int) best);
        }
        return java.util.Arrays.copyOf(ids, n);
    }

    /** Replaces every left-to-right occurrence of (a, b) by {@code merged}; returns the new length. */
    private static int mergeAll(int[] ids, int n, int a, int b, int merged) {
        int w = 0;
        for (int i = 0; i < n; i++) {
            if (i + 1 < n && ids[i] == a && ids[i + 1] == b) {
                ids[w++] = merged;
                i++;
            } else {
                ids[w++] = ids[i];
            }
        }
        return w;
    }

    @Override
    public String decode(int[] ids) {
        StringBuilder chars = new StringBuilder();
        for (int id : ids) {
            chars.append(decoder[id]);
        }
        byte[] bytes = new byte[chars.length()];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) ByteAlphabet.charToByte(chars.charAt(i));
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public int vocabSize() {
        return encoder.size();
    }

    @Override
    public int eod() {
        return eod;
    }
}
