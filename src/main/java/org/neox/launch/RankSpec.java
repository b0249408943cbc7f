package org.neox.launch;

import java.util.ArrayList;
import java.util.List;

/** One worker's place: global rank, its node (index and host) and its local rank and slot there. */
public record RankSpec(int rank, int nodeRank, String host, int localRank, int localSize, int slot) {

    /** DeepSpeed's assignment: node by node in hostfile order, slot by slot within a node. */
    public static List<RankSpec> assign(List<NodeSlots> nodes) {
        List<RankSpec> out = new ArrayList<>();
        for (int n = 0; n < nodes.size(); n++) {
            NodeSlots node = nodes.get(n);
            for (int i = 0; i < node.slots().size(); i++) {
                out.add(new RankSpec(out.size(), n, node.host(), i, node.slots().size(), node.slots().get(i)));
            }
        }
        return out;
    }
}
