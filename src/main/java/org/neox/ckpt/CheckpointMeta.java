package org.neox.ckpt;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What the trainer stores beside the tensors. The JSON payloads are opaque to this package:
 * {@code config} is the resolved config (flat object, GPT-NeoX underscore keys), the others are
 * whatever the RNG, loss-scaler, LR-scheduler and optimizer owners serialise (null when absent).
 */
public record CheckpointMeta(
        long iteration,
        long consumedSamples,
        Topology topology,
        JsonNode config,
        JsonNode rngStates,
        JsonNode lossScaler,
        JsonNode lrScheduler,
        JsonNode optimizer,
        Fingerprint fingerprint) {

    /** Weights-only metadata (used by the HF importer): iteration 0, nothing else to resume. */
    public static CheckpointMeta weightsOnly(Topology topology, JsonNode config) {
        return new CheckpointMeta(0, 0, topology, config, null, null, null, null, null);
    }
}
