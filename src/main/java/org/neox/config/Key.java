package org.neox.config;

/**
 * One GPT-NeoX config key.
 *
 * @param name the underscore spelling, e.g. {@code train_micro_batch_size_per_gpu}
 * @param type the declared type
 * @param defaultValue GPT-NeoX v2.0's default, already in converted form (null = unset)
 */
record Key(String name, KeyType type, Object defaultValue) {
}
