package org.neox.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Hard tokenizer inputs and an independent GPT-2 reference built for Hugging Face's library. */
final class TokenizerSamples {
    private TokenizerSamples() {
    }

    static final List<String> EDGE_CASES = List.of(
            "",
            "Hello world",
            " leading space and trailing space ",
            "I'm sure you'll see they've we're he's I'd it's",
            "I'M SURE YOU'LL SEE THEY'VE WE'RE HE'S I'D IT'S I'M",
            "don't DON'T Don'T d'Artagnan ''quoted'' 's",
            "tabs\tand\nnewlines\r\n and\u000bvertical\ffeed",
            "nbsp\u00a0here, ideographic\u3000space, thin\u2009space, line\u2028sep, para\u2029sep, nel\u0085x",
            "en\u2002em\u2003hair\u200anarrow\u202fmath\u205fogham\u1680zws\u200bend",
            "file\u001cgroup\u001drecord\u001eunit\u001fsep",
            "    four spaces",
            "a  b   c    d          ten",
            "trailing spaces     ",
            "\n\n\n\nblank lines\n\n",
            "日本語のテキストと中文文本，한국어 텍스트。",
            "emoji 😀👍🏽 family 👨‍👩‍👧‍👦 flag 🇺🇸 heart ❤️ keycap 1️⃣",
            "<|endoftext|>",
            "text<|endoftext|>more text <|endoftext|> end",
            "def f(x):\n    if x > 0:\n        return x ** 2\n    return -x\n\t\tdeep\n",
            "numbers 1234567890 3.14159 1,000,000 ٣٤٥ ½ Ⅻ",
            "accents: café naïve Ångström Œuvre résumé — “quotes” ‘single’ …",
            "mixed123abc___---!!!???",
            "combining e\u0301 a\u0308 n\u0303 and Zalgo z\u0351\u0352o",
            "RTL: مرحبا بالعالم שלום",
            "surrogate math 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 and 𝟙𝟚𝟛",
            "control \u0000 null \u0007 bell \u007f del");

    /**
     * A tokenizer.json equivalent to GPT-2 (ByteLevel pre-tokenizer and decoder, BPE model)
     * built from vocab.json + merges.txt, so Hugging Face's Rust code gives the reference ids.
     */
    static byte[] gpt2TokenizerJson(Path vocab, Path merges) throws IOException {
        ObjectMapper om = new ObjectMapper();
        ObjectNode root = om.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        root.putArray("added_tokens");
        root.putNull("normalizer");
        ObjectNode byteLevel = om.createObjectNode();
        byteLevel.put("type", "ByteLevel");
        byteLevel.put("add_prefix_space", false);
        byteLevel.put("trim_offsets", true);
        byteLevel.put("use_regex", true);
        root.set("pre_tokenizer", byteLevel);
        root.putNull("post_processor");
        root.set("decoder", byteLevel.deepCopy());
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.put("continuing_subword_prefix", "");
        model.put("end_of_word_suffix", "");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.set("vocab", om.readTree(vocab.toFile()));
        ArrayNode m = model.putArray("merges");
        for (String line : Files.readAllLines(merges, StandardCharsets.UTF_8)) {
            if (!line.startsWith("#version") && !line.isBlank()) {
                m.add(line);
            }
        }
        return om.writeValueAsBytes(root);
    }

    /** The text values of the first {@code max} lines of a jsonl file. */
    static List<String> jsonlTexts(Path jsonl, int max) throws IOException {
        ObjectMapper om = new ObjectMapper();
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(jsonl, StandardCharsets.UTF_8)) {
            if (out.size() >= max) {
                break;
            }
            out.add(om.readTree(line).path("text").asText());
        }
        return out;
    }
}
