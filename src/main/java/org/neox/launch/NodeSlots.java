package org.neox.launch;

import java.util.List;

/** One host of the job and the slots (local ranks' device indices) used on it, in hostfile order. */
public record NodeSlots(String host, List<Integer> slots) {
    public NodeSlots {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host name is empty");
        }
        if (slots.isEmpty()) {
            throw new IllegalArgumentException("host " + host + " has no slots");
        }
        slots = List.copyOf(slots);
    }
}
