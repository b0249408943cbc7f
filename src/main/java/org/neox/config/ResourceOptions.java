package org.neox.config;

import java.nio.file.Path;

/**
 * Command-line resource options that override the config keys of the same name (like deepy's
 * {@code -H}). Null fields leave the config value alone.
 *
 * @param hostfile {@code -H/--hostfile}: must exist when given here
 * @param include {@code --include} node spec
 * @param exclude {@code --exclude} node spec
 * @param numNodes {@code --num-nodes}
 * @param numGpus {@code --num-gpus} (slots per host; on CPU, ranks per host)
 */
public record ResourceOptions(Path hostfile, String include, String exclude, Integer numNodes,
                              Integer numGpus) {
    /** No overrides: the config's own keys decide. */
    public static final ResourceOptions NONE = new ResourceOptions(null, null, null, null, null);
}
