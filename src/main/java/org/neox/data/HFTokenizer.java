package org.neox.data;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import org.neox.util.UserError;

/**
 * A Hugging Face {@code tokenizer.json} (spec §4, HFTokenizer) run by the Rust library through
 * DJL, offline. {@code encode(text).ids} with the JSON's own post-processor, no truncation or
 * padding. The vocabulary size counts added tokens; eod is the id of {@code <|endoftext|>}.
 */
public final class HFTokenizer implements Tokenizer {
    private static final Map<String, String> OPTIONS = Map.of(
            "addSpecialTokens", "true", "truncation", "false", "padding", "false",
            "maxLength", String.valueOf(Integer.MAX_VALUE / 2));

    private final HuggingFaceTokenizer hf;
    private final int vocabSize;
    private final int eod;

    public HFTokenizer(Path tokenizerJson) {
        this(readAll(tokenizerJson), tokenizerJson.toString());
    }

    /** Builds from the bytes of a tokenizer.json; {@code source} names it in errors. */
    public HFTokenizer(byte[] tokenizerJson, String source) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(tokenizerJson);
        } catch (IOException ex) {
            throw new UserError(source + ": not a tokenizer JSON: " + firstLine(ex));
        }
        Set<String> vocab = new HashSet<>();
        Iterator<String> names = root.path("model").path("vocab").fieldNames();
        names.forEachRemaining(vocab::add);
        Integer eodId = idOf(root, "<|endoftext|>");
        for (JsonNode added : root.path("added_tokens")) {
            vocab.add(added.path("content").asText());
        }
        if (eodId == null) {
            throw new UserError(source + ": the tokenizer has no <|endoftext|> token (the eod)");
        }
        this.vocabSize = vocab.size();
        this.eod = eodId;
        System.setProperty("ai.djl.offline", "true");
        try (InputStream in = new ByteArrayInputStream(tokenizerJson)) {
            this.hf = HuggingFaceTokenizer.newInstance(in, OPTIONS);
        } catch (IOException | RuntimeException ex) {
            throw new UserError(source + ": Hugging Face tokenizers rejected it: " + firstLine(ex), ex);
        }
    }

    private static Integer idOf(JsonNode root, String token) {
        for (JsonNode added : root.path("added_tokens")) {
            if (token.equals(added.path("content").asText())) {
                return added.path("id").asInt();
            }
        }
        JsonNode v = root.path("model").path("vocab").get(token);
        return v == null || !v.isInt() ? null : v.asInt();
    }

    private static byte[] readAll(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException ex) {
            throw new UserError(p + ": cannot read the tokenizer file: " + ex.getMessage(), ex);
        }
    }

    private static String firstLine(Exception ex) {
        return String.valueOf(ex.getMessage()).lines().findFirst().orElse("");
    }

    @Override
    public int[] encode(String text) {
        if (text.isEmpty()) {
            return new int[0];
        }
        long[] ids = hf.encode(text).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = (int) ids[i];
        }
        return out;
    }

    @Override
    public String decode(int[] ids) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            l[i] = ids[i];
        }
        return hf.decode(l, false);
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public int eod() {
        return eod;
    }

    @Override
    public void close() {
        hf.close();
    }
}
