package org.neox.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * The default smoke-run corpus: about 1.5 MB of English-like paragraphs generated from a small
 * built-in grammar (fixed seed, so every machine gets the same bytes), char-level tokenised
 * with an eod after each paragraph. Regular enough (agreement, capitals, punctuation, recurring
 * phrases) that a 2-layer char-level model's loss falls quickly.
 */
public final class EmbeddedCorpus {
    /** The prefix configs/tiny.yml trains on. */
    public static final String DEFAULT_PREFIX = "data/generated/tiny_text_document";
    static final long SEED = 20240601L;
    static final int TARGET_BYTES = 1_500_000;

    private static final List<String> NAMES = List.of("Anna", "Ben", "Clara", "David", "Elena", "Felix",
            "Grace", "Henry", "Iris", "Jonas", "Kate", "Leo", "Maya", "Noah", "Olga", "Paul");
    private static final List<String> NOUNS = List.of("river", "garden", "window", "teacher", "village",
            "letter", "forest", "mountain", "bridge", "kitchen", "market", "doctor", "ship", "library",
            "farmer", "child", "road", "storm", "horse", "candle", "city", "song", "book", "door");
    private static final List<String> ADJECTIVES = List.of("old", "quiet", "bright", "small", "green",
            "cold", "warm", "narrow", "busy", "gentle", "dark", "golden", "empty", "distant", "tired");
    private static final List<String> VERBS = List.of("walked", "looked", "waited", "listened", "worked",
            "smiled", "travelled", "returned", "stayed", "sang", "wrote", "read");
    private static final List<String> TRANSITIVE = List.of("saw", "found", "opened", "carried", "painted",
            "visited", "remembered", "crossed", "watched", "cleaned", "followed", "built");
    private static final List<String> PREPOSITIONS = List.of("near", "behind", "across", "beside", "under",
            "towards", "inside", "along");
    private static final List<String> TIMES = List.of("in the morning", "at night", "after dinner",
            "before the rain", "every Sunday", "in the spring", "at noon", "during the winter");
    private static final List<String> ADVERBS = List.of("slowly", "quickly", "carefully", "happily",
            "quietly", "again", "together", "alone");

    private EmbeddedCorpus() {
    }

    /** Writes {@code {prefix}.bin/.idx} unless both exist; returns the prefix. */
    public static Path ensure(Path prefix) {
        if (MMapIndexedDataset.exists(prefix)) {
            return prefix;
        }
        CharLevelTokenizer tok = new CharLevelTokenizer();
        Random rng = new Random(SEED);
        try (IndexedDatasetWriter w = new IndexedDatasetWriter(prefix, tok.vocabSize())) {
            long bytes = 0;
            while (bytes < TARGET_BYTES) {
                int[] ids = tok.encode(paragraph(rng));
                int[] withEod = java.util.Arrays.copyOf(ids, ids.length + 1);
                withEod[ids.length] = tok.eod();
                w.addItem(withEod);
                w.endDocument();
                bytes += ids.length;
            }
            w.commit();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the embedded corpus to " + prefix, e);
        }
        return prefix;
    }

    /** One paragraph of 3 to 8 sentences. */
    static String paragraph(Random rng) {
        StringBuilder sb = new StringBuilder();
        int n = 3 + rng.nextInt(6);
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(sentence(rng));
        }
        return sb.append('\n').toString();
    }

    static String sentence(Random rng) {
        String s;
        switch (rng.nextInt(6)) {
            case 0 -> s = pick(rng, NAMES) + " " + pick(rng, VERBS) + " " + pick(rng, PREPOSITIONS) + " "
                    + nounPhrase(rng) + " " + pick(rng, TIMES) + ".";
            case 1 -> s = cap(nounPhrase(rng)) + " was " + pick(rng, ADJECTIVES) + " and "
                    + pick(rng, ADJECTIVES) + ".";
            case 2 -> s = pick(rng, NAMES) + " " + pick(rng, TRANSITIVE) + " " + nounPhrase(rng) + " "
                    + pick(rng, ADVERBS) + ".";
            case 3 -> s = cap(pick(rng, TIMES)) + ", " + pick(rng, NAMES) + " and " + pick(rng, NAMES) + " "
                    + pick(rng, VERBS) + " " + pick(rng, PREPOSITIONS) + " " + nounPhrase(rng) + ".";
            case 4 -> s = "\"Where is " + nounPhrase(rng) + "?\" asked " + pick(rng, NAMES) + ".";
            default -> s = "There were " + (2 + rng.nextInt(9)) + " " + plural(pick(rng, NOUNS)) + " "
                    + pick(rng, PREPOSITIONS) + " " + nounPhrase(rng) + ".";
        }
        return s;
    }

    private static String nounPhrase(Random rng) {
        return rng.nextBoolean() ? "the " + pick(rng, NOUNS)
                : "the " + pick(rng, ADJECTIVES) + " " + pick(rng, NOUNS);
    }

    private static String plural(String noun) {
        if (noun.equals("child")) {
            return "children";
        }
        return noun.endsWith("y") && !noun.endsWith("ey") ? noun.substring(0, noun.length() - 1) + "ies" : noun + "s";
    }

    private static String pick(Random rng, List<String> words) {
        return words.get(rng.nextInt(words.size()));
    }

    private static String cap(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
