package org.neox.train;

import java.util.List;
import java.util.Map;
import org.neox.config.NeoXArgs;
import org.neox.util.UserError;

/**
 * DeepSpeed's (legacy) sequence-length curriculum as GPT-NeoX v2.0 uses it ({@code curriculum_learning}
 * with {@code curriculum_type: seqlen}): optimizer step t (1-based: DeepSpeed asks for
 * {@code global_steps + 1}) trains on the first {@code seqLength(t)} positions of every sample,
 * tokens, labels and loss mask alike; evaluation keeps seq_length. Schedules:
 * {@code fixed_linear} and {@code fixed_root} give
 * {@code d = floor((t/total)^(1/root)·(max − min) + min)}, lowered to a multiple of
 * {@code difficulty_step}, at most max ({@code schedule_config: total_curriculum_step,
 * difficulty_step[, root_degree]}); {@code fixed_discrete} gives {@code difficulty[i]} for the first
 * i with {@code t <= max_step[i]}, else the last difficulty. A pure function of t, so a resumed run
 * continues the same schedule.
 */
final class CurriculumSchedule {
    private final int min;
    private final int max;
    private final String type;
    private final double totalSteps;
    private final int step;
    private final double root;
    private final List<Integer> difficulties;
    private final List<Integer> maxSteps;

    private CurriculumSchedule(Map<String, Object> c) {
        Object kind = c.get("curriculum_type");
        if (!"seqlen".equals(kind)) {
            throw new UserError("curriculum_learning.curriculum_type is " + kind + "; expected seqlen");
        }
        this.min = positive(c, "min_difficulty");
        this.max = positive(c, "max_difficulty");
        if (min > max) {
            throw new UserError("curriculum_learning.min_difficulty " + min + " exceeds max_difficulty " + max);
        }
        this.type = String.valueOf(c.get("schedule_type"));
        Map<String, Object> s = dict(c.get("schedule_config"));
        switch (type) {
            case "fixed_linear", "fixed_root" -> {
                this.totalSteps = positive(s, "total_curriculum_step");
                this.step = positive(s, "difficulty_step");
                this.root = type.equals("fixed_linear") ? 1 : positive(s, "root_degree");
                if (min < step) {
                    // the first steps would be lowered to 0 positions (DeepSpeed then slices an empty batch)
                    throw new UserError("curriculum_learning.min_difficulty " + min + " is below difficulty_step "
                            + step + "; expected min_difficulty >= difficulty_step");
                }
                this.difficulties = null;
                this.maxSteps = null;
            }
            case "fixed_discrete" -> {
                this.difficulties = integers(s, "difficulty");
                this.maxSteps = integers(s, "max_step");
                if (difficulties.size() != maxSteps.size() + 1) {
                    throw new UserError("curriculum_learning.schedule_config: difficulty " + difficulties
                            + " must have one entry more than max_step " + maxSteps);
                }
                this.totalSteps = 0;
                this.step = 1;
                this.root = 1;
            }
            default -> throw new UserError("curriculum_learning.schedule_type is " + type
                    + "; expected fixed_linear, fixed_root or fixed_discrete");
        }
    }

    /** The schedule of an enabled {@code curriculum_learning} dict, or null. */
    static CurriculumSchedule from(NeoXArgs args) {
        Map<String, Object> c = args.deepspeedConfig().curriculumLearning();
        return c != null && Boolean.TRUE.equals(c.get("enabled")) ? new CurriculumSchedule(c) : null;
    }

    /** The sequence length of optimizer step {@code t} (1-based). */
    int seqLength(long t) {
        if (difficulties != null) {
            for (int i = 0; i < maxSteps.size(); i++) {
                if (t <= maxSteps.get(i)) {
                    return difficulties.get(i);
                }
            }
            return difficulties.get(difficulties.size() - 1);
        }
        int d = (int) Math.floor(Math.pow(t / totalSteps, 1.0 / root) * (max - min) + min);
        d -= d % step;
        return Math.min(d, max);
    }

    private static int positive(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof Integer i) || i < 1) {
            throw new UserError("curriculum_learning: " + key + " is " + v + "; expected a positive integer");
        }
        return i;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> dict(Object o) {
        if (!(o instanceof Map<?, ?> m)) {
            throw new UserError("curriculum_learning.schedule_config is " + o + "; expected a dict");
        }
        return (Map<String, Object>) m;
    }

    private static List<Integer> integers(Map<String, Object> m, String key) {
        if (m.get(key) instanceof List<?> l && !l.isEmpty() && l.stream().allMatch(x -> x instanceof Integer i && i > 0)) {
            return l.stream().map(x -> (Integer) x).toList();
        }
        throw new UserError("curriculum_learning.schedule_config." + key + " is " + m.get(key)
                + "; expected a list of positive integers");
    }
}
