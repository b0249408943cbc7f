package org.neox.config;

import java.util.List;
import java.util.Map;

/**
 * GPT-NeoX v2.0 group {@code NeoXArgsTextgen}: Text generation and evaluation (spec §9). Field docs follow
 * NEOX-ARGS-TABLE.md; {@code null} means unset.
 *
 * @param textGenType {@code text_gen_type} (str, default null): generate.py mode: unconditional, input-file or interactive (derived if unset).
 * @param temperature {@code temperature} (float, default 0.0): Sampling temperature (0 with top_k=0 and top_p=0 means greedy).
 * @param topP {@code top_p} (float, default 0.0): Nucleus sampling threshold (0 = off).
 * @param topK {@code top_k} (int, default 0): Top-k filter (0 = off).
 * @param returnLogits {@code return_logits} (bool, default false): Include generated-token logits in outputs.
 * @param maximumTokens {@code maximum_tokens} (int, default 64): Maximum tokens to generate per prompt.
 * @param promptEnd {@code prompt_end} (str, default "\n"): Separator between prompts in input files / interactive mode.
 * @param sampleInputFile {@code sample_input_file} (str, default null): Prompt file for input-file mode.
 * @param sampleOutputFile {@code sample_output_file} (str, default "samples.txt"): Output JSONL file for generated samples.
 * @param numSamples {@code num_samples} (int, default 1): Number of unconditional samples.
 * @param recompute {@code recompute} (bool, default false): Disable the KV cache and recompute the full context each step.
 * @param evalResultsPrefix {@code eval_results_prefix} (str, default ""): Prefix for evaluate.py result file names.
 * @param evalTasks {@code eval_tasks} (list, default null): lm-evaluation-harness task names/patterns.
 */
public record TextgenArgs(
        String textGenType,
        double temperature,
        double topP,
        int topK,
        boolean returnLogits,
        int maximumTokens,
        String promptEnd,
        String sampleInputFile,
        String sampleOutputFile,
        int numSamples,
        boolean recompute,
        String evalResultsPrefix,
        List<String> evalTasks) {

    /** The keys of this group with their types and GPT-NeoX defaults, in table order. */
    static final List<Key> KEYS = List.of(
            new Key("text_gen_type", KeyType.STRING, null),
            new Key("temperature", KeyType.FLOAT, 0.0),
            new Key("top_p", KeyType.FLOAT, 0.0),
            new Key("top_k", KeyType.INT, 0),
            new Key("return_logits", KeyType.BOOL, false),
            new Key("maximum_tokens", KeyType.INT, 64),
            new Key("prompt_end", KeyType.STRING, "\n"),
            new Key("sample_input_file", KeyType.STRING, null),
            new Key("sample_output_file", KeyType.STRING, "samples.txt"),
            new Key("num_samples", KeyType.INT, 1),
            new Key("recompute", KeyType.BOOL, false),
            new Key("eval_results_prefix", KeyType.STRING, ""),
            new Key("eval_tasks", KeyType.STRING_LIST, null));

    /** Builds the group from converted values (every key present, types already checked). */
    @SuppressWarnings("unchecked")
    static TextgenArgs from(Values v) {
        return new TextgenArgs(
                (String) v.get("text_gen_type"),
                (double) v.get("temperature"),
                (double) v.get("top_p"),
                (int) v.get("top_k"),
                (boolean) v.get("return_logits"),
                (int) v.get("maximum_tokens"),
                (String) v.get("prompt_end"),
                (String) v.get("sample_input_file"),
                (String) v.get("sample_output_file"),
                (int) v.get("num_samples"),
                (boolean) v.get("recompute"),
                (String) v.get("eval_results_prefix"),
                (List<String>) v.get("eval_tasks"));
    }

    /** Writes every key of this group into {@code out} under its GPT-NeoX name. */
    void writeTo(Map<String, Object> out) {
        out.put("text_gen_type", textGenType);
        out.put("temperature", temperature);
        out.put("top_p", topP);
        out.put("top_k", topK);
        out.put("return_logits", returnLogits);
        out.put("maximum_tokens", maximumTokens);
        out.put("prompt_end", promptEnd);
        out.put("sample_input_file", sampleInputFile);
        out.put("sample_output_file", sampleOutputFile);
        out.put("num_samples", numSamples);
        out.put("recompute", recompute);
        out.put("eval_results_prefix", evalResultsPrefix);
        out.put("eval_tasks", evalTasks);
    }
}
