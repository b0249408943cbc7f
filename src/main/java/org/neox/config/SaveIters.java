package org.neox.config;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.neox.util.UserError;

/**
 * Checkpoint iterations (spec §1.4 item 4): the {@code extra_save_iters}, plus {@code
 * checkpoint_factor}, 2·factor, ... (linear) or factor, factor², ... (log) below {@code
 * train_iters}, sorted. Deliberate improvements over v2.0, which crashes or hangs here: neither
 * key set gives an empty list (v2.0: unbound local, #796); {@code extra_save_iters} alone gives
 * those iterations (v2.0: null &lt; int); a factor that cannot grow (linear &le; 0, log &le; 1)
 * is an error instead of an endless loop.
 */
final class SaveIters {
    private SaveIters() {
    }

    static List<Integer> derive(Integer factor, List<Integer> extra, boolean logScale,
                                Integer trainIters) {
        TreeSet<Integer> iters = new TreeSet<>();
        if (extra != null) {
            iters.addAll(extra);
        }
        if (factor != null) {
            if (logScale ? factor <= 1 : factor <= 0) {
                throw new UserError("checkpoint_factor " + factor + " never grows with checkpoint_scale "
                        + (logScale ? "log (expected > 1)" : "linear (expected > 0)"));
            }
            int end = trainIters == null ? 0 : trainIters;
            for (long step = factor; step < end; step = logScale ? step * factor : step + factor) {
                iters.add((int) step);
            }
        }
        return List.copyOf(new ArrayList<>(iters));
    }
}
