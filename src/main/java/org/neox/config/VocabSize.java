package org.neox.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.neox.config.TokenizerArgs.TokenizerType;
import org.neox.util.UserError;

/**
 * The tokenizer's vocabulary size V, read from the vocab file without building a tokenizer
 * (spec §4), and its padding V' = the smallest multiple of {@code
 * make_vocab_size_divisible_by · model_parallel_size} that is at least V. A relative vocab
 * path is looked up under each search root in turn (current directory, then the project).
 */
final class VocabSize {
    /** CharLevelTokenizer's fixed vocabulary (bytes plus room up to 512). */
    static final int CHAR_LEVEL = 512;

    private final List<Path> searchRoots;

    VocabSize(List<Path> searchRoots) {
        this.searchRoots = List.copyOf(searchRoots);
    }

    /** Smallest multiple of {@code divisibleBy · mp} that is at least {@code vocab}. */
    static int padded(int vocab, int divisibleBy, int mp) {
        int multiple = divisibleBy * mp;
        return (vocab + multiple - 1) / multiple * multiple;
    }

    /** V from the tokenizer type and file, when the file is there and can be counted. */
    OptionalInt fromTokenizer(TokenizerType type, String vocabFile) {
        if (type == TokenizerType.CHAR_LEVEL) {
            return OptionalInt.of(CHAR_LEVEL);
        }
        Optional<Path> file = locate(type == TokenizerType.HF_GPT2 && vocabFile == null ? "gpt2" : vocabFile);
        if (file.isEmpty()) {
            return OptionalInt.empty();
        }
        return switch (type) {
            case GPT2_BPE -> OptionalInt.of(readJson(file.get()).size());
            case HF -> OptionalInt.of(hfTokenizerSize(file.get()));
            case HF_GPT2 -> hfGpt2Size(file.get());
            default -> OptionalInt.empty();
        };
    }

    /** Why {@link #fromTokenizer} found nothing, as advice for the user. */
    String whyUnknown(TokenizerType type, String vocabFile) {
        if (vocabFile == null) {
            return "tokenizer_type " + type.wire() + " has no vocab_file set";
        }
        if (locate(vocabFile).isEmpty()) {
            return "vocab file '" + vocabFile + "' not found (looked in " + searchRoots + ")";
        }
        return "the vocabulary size of a " + type.wire() + " cannot be read from '" + vocabFile + "'";
    }

    /** The first existing resolution of {@code name}: as is when absolute, else under each root. */
    Optional<Path> locate(String name) {
        if (name == null) {
            return Optional.empty();
        }
        Path p = Path.of(name);
        if (p.isAbsolute()) {
            return Files.exists(p) ? Optional.of(p) : Optional.empty();
        }
        return searchRoots.stream().map(r -> r.resolve(name)).filter(Files::exists).findFirst();
    }

    /**
     * HF {@code tokenizers} {@code get_vocab_size(with_added_tokens=True)}: model vocabulary
     * entries plus added tokens whose content is not already in it (20B tokenizer: 50254 + 23 =
     * 50277). A BPE/WordPiece vocab is an object, a Unigram vocab a list of [piece, score].
     */
    static int hfTokenizerSize(Path file) {
        JsonNode root = readJson(file);
        JsonNode vocab = root.path("model").path("vocab");
        Set<String> pieces = new HashSet<>();
        if (vocab.isObject()) {
            vocab.fieldNames().forEachRemaining(pieces::add);
        } else if (vocab.isArray()) {
            vocab.forEach(e -> pieces.add(e.path(0).asText()));
        } else {
            throw new UserError(file + ": not a Hugging Face tokenizer.json (no model.vocab)");
        }
        int size = pieces.size();
        for (JsonNode t : root.path("added_tokens")) {
            if (pieces.add(t.path("content").asText())) {
                size++;
            }
        }
        return size;
    }

    private static OptionalInt hfGpt2Size(Path dir) {
        Path vocab = dir.resolve("vocab.json");
        if (!Files.isDirectory(dir) || !Files.exists(vocab)) {
            return OptionalInt.empty();
        }
        JsonNode v = readJson(vocab);
        return OptionalInt.of(v.size() + (v.has("<|padding|>") ? 0 : 1));
    }

    private static JsonNode readJson(Path file) {
        try {
            JsonNode n = new ObjectMapper().readTree(file.toFile());
            if (n == null || !n.isContainerNode()) {
                throw new UserError(file + ": expected a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw new UserError(file + ": cannot read tokenizer file: "
                    + e.getMessage().replaceAll("\\s+", " "));
        }
    }
}
