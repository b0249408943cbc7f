package org.neox.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An independent pure-Java reading of a byte-level BPE tokenizer.json with an NFC normalizer
 * and added tokens (the GPT-NeoX 20B tokenizer), to check the Rust library's ids: added tokens
 * that are not normalised are cut from the raw text first, the rest is NFC-normalised, then the
 * normalised added tokens (the 20B space runs) are cut, leftmost-longest, and what remains goes
 * through our GPT-2 regex + BPE.
 */
final class AddedTokenBpeReference {
    private final GPT2BPETokenizer bpe;
    private final Map<String, Integer> raw = new HashMap<>();
    private final Map<String, Integer> normalized = new HashMap<>();

    AddedTokenBpeReference(Path tokenizerJson) throws IOException {
        JsonNode root = new ObjectMapper().readTree(tokenizerJson.toFile());
        Map<String, Integer> vocab = new HashMap<>();
        root.path("model").path("vocab").fields().forEachRemaining(e -> vocab.put(e.getKey(), e.getValue().asInt()));
        List<String> merges = new ArrayList<>();
        root.path("model").path("merges").forEach(m -> merges.add(m.asText()));
        for (JsonNode t : root.path("added_tokens")) {
            (t.path("normalized").asBoolean() ? normalized : raw).put(t.path("content").asText(), t.path("id").asInt());
            vocab.putIfAbsent(t.path("content").asText(), t.path("id").asInt());
        }
        bpe = new GPT2BPETokenizer(vocab, merges, tokenizerJson.toString(), tokenizerJson.toString());
    }

    int[] encode(String text) {
        IntList out = new IntList(16);
        split(text, raw, seg -> split(Normalizer.normalize(seg, Normalizer.Form.NFC), normalized,
                piece -> out.addAll(bpe.encode(piece)), out), out);
        return out.toArray();
    }

    /** Cuts {@code text} at leftmost-longest occurrences of {@code tokens}; other text goes to rest. */
    private static void split(String text, Map<String, Integer> tokens, java.util.function.Consumer<String> rest,
            IntList out) {
        int start = 0;
        int i = 0;
        while (i < text.length()) {
            String best = null;
            for (String t : tokens.keySet()) {
                if (text.startsWith(t, i) && (best == null || t.length() > best.length())) {
                    best = t;
                }
            }
            if (best == null) {
                i++;
                continue;
            }
            if (i > start) {
                rest.accept(text.substring(start, i));
            }
            out.add(tokens.get(best));
            i += best.length();
            start = i;
        }
        if (start < text.length()) {
            rest.accept(text.substring(start));
        }
    }
}
