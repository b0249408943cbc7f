package org.neox.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each setting neox does not act on gives one notice when turned on, and none when off. */
class InertSettingsTest {
    @TempDir
    Path dir;

    @Test
    void defaultsGiveNoNotice() {
        assertTrue(InertSettings.notices(Yamls.model(dir, "train_micro_batch_size_per_gpu: 2\n")).isEmpty());
    }

    @Test
    void eachEnabledSettingGivesOneLine() {
        List<String> n = InertSettings.notices(Yamls.model(dir, """
                train_micro_batch_size_per_gpu: 2
                amp: {enabled: true}
                use_bnb_optimizer: true
                use_wandb: true
                char_level_ppl: true
                """));
        assertEquals(4, n.size(), n.toString());
        assertTrue(n.get(0).startsWith("amp: "), n.get(0));
        assertTrue(n.get(1).startsWith("use_bnb_optimizer: "), n.get(1));
        assertTrue(n.get(2).startsWith("use_wandb/tensorboard_dir: "), n.get(2));
        assertTrue(n.get(3).startsWith("char_level_ppl: "), n.get(3));
        n.forEach(line -> assertEquals(1, line.lines().count(), line));
        assertTrue(InertSettings.notices(Yamls.model(dir, "train_micro_batch_size_per_gpu: 2\namp: {enabled: false}\n")).isEmpty());
    }
}
