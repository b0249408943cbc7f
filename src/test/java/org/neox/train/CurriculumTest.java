package org.neox.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.neox.train.ParallelLayoutsTrainTest.assertSameLosses;
import static org.neox.train.ParallelLayoutsTrainTest.layoutConfig;
import static org.neox.train.ParallelLayoutsTrainTest.runRanks;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neox.config.NeoXArgs;
import org.neox.util.UserError;

/**
 * The sequence-length curriculum: DeepSpeed's own unit-test expectations for fixed_linear (min 2,
 * max 10, 8 steps of 2: steps 1..10 train on 2, 4, 4, 6, 6, 8, 8, 10, 10, 10 positions), the root
 * and discrete schedules, one-line config errors, and a curriculum run (8 → 32 positions) whose
 * losses differ from the full-length run and agree over tensor, pipeline and 3D layouts.
 */
class CurriculumTest {
    private static final String CURRICULUM = """
            "curriculum_learning": {"enabled": true, "curriculum_type": "seqlen", "min_difficulty": 8,
              "max_difficulty": 32, "schedule_type": "fixed_linear",
              "schedule_config": {"total_curriculum_step": 6, "difficulty_step": 8}},
            """;

    @TempDir
    Path dir;

    private NeoXArgs config(String name, int world, int pp, int mp, int gas, int zero, String extra) throws IOException {
        return layoutConfig(dir, name, 3, world, pp, mp, gas, zero, extra, Map.of());
    }

    private CurriculumSchedule schedule(String json) throws IOException {
        return CurriculumSchedule.from(config("c", 1, 1, 1, 1, 0, "\"curriculum_learning\": " + json + ","));
    }

    @Test
    void schedulesGiveDeepSpeedsDifficulties() throws IOException {
        CurriculumSchedule linear = schedule("""
                {"enabled": true, "curriculum_type": "seqlen", "min_difficulty": 2, "max_difficulty": 10,
                 "schedule_type": "fixed_linear", "schedule_config": {"total_curriculum_step": 8, "difficulty_step": 2}}""");
        int[] expected = {2, 4, 4, 6, 6, 8, 8, 10, 10, 10};
        for (int t = 1; t <= expected.length; t++) {
            assertEquals(expected[t - 1], linear.seqLength(t), "step " + t);
        }
        // square root: floor(sqrt(t/16)·(64−8) + 8) lowered to a multiple of 8
        CurriculumSchedule root = schedule("""
                {"enabled": true, "curriculum_type": "seqlen", "min_difficulty": 8, "max_difficulty": 64,
                 "schedule_type": "fixed_root",
                 "schedule_config": {"total_curriculum_step": 16, "difficulty_step": 8, "root_degree": 2}}""");
        assertEquals(16, root.seqLength(1)); // sqrt(1/16)·56 + 8 = 22 → 16
        assertEquals(32, root.seqLength(4)); // 0.5·56 + 8 = 36 → 32
        assertEquals(64, root.seqLength(16));
        assertEquals(64, root.seqLength(100));
        CurriculumSchedule discrete = schedule("""
                {"enabled": true, "curriculum_type": "seqlen", "min_difficulty": 4, "max_difficulty": 16,
                 "schedule_type": "fixed_discrete", "schedule_config": {"difficulty": [4, 8, 16], "max_step": [2, 5]}}""");
        assertEquals(4, discrete.seqLength(2));
        assertEquals(8, discrete.seqLength(3));
        assertEquals(8, discrete.seqLength(5));
        assertEquals(16, discrete.seqLength(6));
        assertNull(schedule("{\"enabled\": false}"));
    }

    @Test
    void badSchedulesAreOneConfigErrorLine() {
        UserError type = assertThrows(UserError.class, () -> schedule(
                "{\"enabled\": true, \"curriculum_type\": \"vocab\", \"min_difficulty\": 2, \"max_difficulty\": 4}"));
        assertEquals("curriculum_learning.curriculum_type is vocab; expected seqlen", type.getMessage());
        UserError step = assertThrows(UserError.class, () -> schedule("""
                {"enabled": true, "curriculum_type": "seqlen", "min_difficulty": 2, "max_difficulty": 10,
                 "schedule_type": "fixed_linear", "schedule_config": {"total_curriculum_step": 8}}"""));
        assertEquals("curriculum_learning: difficulty_step is null; expected a positive integer", step.getMessage());
        UserError zero = assertThrows(UserError.class, () -> schedule("""
                {"enabled": true, "curriculum_type": "seqlen", "min_difficulty": 2, "max_difficulty": 64,
                 "schedule_type": "fixed_linear", "schedule_config": {"total_curriculum_step": 8, "difficulty_step": 8}}"""));
        assertEquals("curriculum_learning.min_difficulty 2 is below difficulty_step 8; expected min_difficulty >="
                + " difficulty_step", zero.getMessage());
    }

    @Test
    void curriculumRunsAgreeOverLayoutsAndDifferFromFullLength() throws Exception {
        TrainResult single = runRanks(config("single", 1, 1, 1, 4, 0, CURRICULUM));
        TrainResult full = runRanks(config("full", 1, 1, 1, 4, 0, ""));
        assertNotEquals(full.losses().get(0), single.losses().get(0), "step 1 trains on 8 of 32 positions");
        assertTrue(single.losses().stream().allMatch(Double::isFinite), single.losses().toString());
        // a schedule that starts at the full length changes nothing
        assertEquals(full.losses(), runRanks(config("flat", 1, 1, 1, 4, 0, CURRICULUM.replace("\"min_difficulty\": 8",
                "\"min_difficulty\": 32"))).losses());
        // from step 6 on both train on all 32 positions; evaluation always uses them
        assertSameLosses(single, runRanks(config("mp2", 2, 1, 2, 4, 0, CURRICULUM)), "mp=2");
        assertSameLosses(single, runRanks(config("pp2", 2, 2, 1, 4, 0, CURRICULUM)), "pp=2");
        assertSameLosses(single, runRanks(config("pp2mp2dp2", 8, 2, 2, 2, 1, CURRICULUM)), "pp=2 x mp=2 x dp=2 ZeRO-1");
    }
}
