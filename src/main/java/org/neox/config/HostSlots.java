package org.neox.config;

import java.util.List;

/**
 * One host of the resource pool and the slot (GPU, or on CPU rank-slot) indices used on it.
 *
 * @param host the host name as written in the hostfile
 * @param slots slot indices in ascending order
 */
public record HostSlots(String host, List<Integer> slots) {
    public HostSlots {
        slots = List.copyOf(slots);
    }
}
