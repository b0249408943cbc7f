package org.neox.train;

/**
 * One output line of GPT-NeoX's generate.py (spec §9.2). {@code text} excludes the EOD token
 * (null when generation did not start or produced an id the tokenizer lacks); {@code length}
 * counts the generated tokens as GPT-NeoX does, a final EOD included; {@code finished} says
 * generation ended at EOD; {@code tokens} (not written) are the generated ids.
 */
public record GenerationRecord(String context, String text, int length, boolean finished, String message,
                               double durationSeconds, int[] tokens) {
}
