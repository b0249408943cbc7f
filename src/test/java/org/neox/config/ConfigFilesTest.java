package org.neox.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neox.util.UserError;

class ConfigFilesTest {
    @TempDir
    Path dir;

    @Test
    void suffixRuleAndDirectory() {
        assertEquals(List.of(dir.resolve("a.yml"), dir.resolve("b.json"), dir.resolve("c.txt.yml")),
                ConfigFiles.paths(dir, List.of("a", "b.json", "c.txt")));
        assertEquals(List.of(Path.of("x.yml")), ConfigFiles.paths(null, List.of("x")));
    }

    @Test
    void mergesInOrderConvertsTopLevelDashesOnlyAndKeepsTexts() {
        Yamls.write(dir, "a.yml", "{\"train-iters\": 10, \"fp16\": {\"loss-scale\": 0}}");
        Yamls.write(dir, "b.yml", "# comment\nlog-interval: 5\n");
        ConfigFiles.Merged m = ConfigFiles.load(dir, List.of("a", "b"));
        assertEquals(List.of("train_iters", "fp16", "log_interval"), List.copyOf(m.values().keySet()));
        assertEquals(Map.of("loss-scale", 0), m.values().get("fp16"));
        assertEquals("b.yml", m.origin().get("log_interval"));
        assertTrue(m.texts().get("b.yml").startsWith("# comment"));
    }

    @Test
    void duplicateRuleComparesTheKeyAsWrittenWithConvertedKeys() {
        Yamls.write(dir, "a.yml", "train-iters: 10\n");
        Yamls.write(dir, "b.yml", "train-iters: 20\n");
        Yamls.write(dir, "c.yml", "train_iters: 30\n");
        Yamls.write(dir, "d.yml", "train_iters: 40\n");
        // dashed twice: not detected, the later file wins (as in deepy.py)
        assertEquals(20, ConfigFiles.load(dir, List.of("a", "b")).values().get("train_iters"));
        // underscored after either spelling: detected
        UserError e = assertThrows(UserError.class, () -> ConfigFiles.load(dir, List.of("a", "c")));
        assertTrue(e.getMessage().contains("c.yml") && e.getMessage().contains("train_iters")
                && e.getMessage().contains("a.yml"), e.getMessage());
        assertThrows(UserError.class, () -> ConfigFiles.load(dir, List.of("c", "d")));
        // dashed after underscored: not detected
        assertEquals(10, ConfigFiles.load(dir, List.of("c", "a")).values().get("train_iters"));
    }

    @Test
    void sameBaseNameTwiceIsAnError() {
        Path sub = dir.resolve("sub");
        sub.toFile().mkdirs();
        Yamls.write(dir, "a.yml", "x: 1\n");
        Yamls.write(sub, "a.yml", "y: 1\n");
        assertThrows(UserError.class, () -> ConfigFiles.load(dir, List.of("a", "sub/a")));
    }

    @Test
    void malformedYamlIsOneLineWithFileLineAndColumn() {
        Yamls.write(dir, "bad.yml", "{\n  \"a\": 1,\n  \"b\": [1, 2\n}\n");
        UserError e = assertThrows(UserError.class, () -> ConfigFiles.load(dir, List.of("bad")));
        assertTrue(e.getMessage().matches(".*bad\\.yml:\\d+:\\d+: malformed YAML: .*"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"));
    }

    @Test
    void yaml11ScalarsAndScientificNotation() {
        Map<String, Object> m = ConfigFiles.parse(Path.of("t.yml"),
                "a: yes\nb: ~\nc: 1.0e-5\nd: 1e-5\ne: True\n");
        assertEquals(true, m.get("a"));
        assertEquals(null, m.get("b"));
        assertEquals(1.0e-5, m.get("c"));
        assertEquals(true, m.get("e"));
        // SnakeYAML reads 1e-5 as a float where PyYAML leaves a string; conversion accepts both
        Key lr = KeyRegistry.BY_NAME.get("min_lr");
        assertEquals(1.0e-5, ValueConverter.convert(lr, m.get("d"), "t.yml"));
    }

    @Test
    void missingFileIsAUserError() {
        UserError e = assertThrows(UserError.class, () -> ConfigFiles.load(dir, List.of("nope")));
        assertTrue(e.getMessage().contains("nope.yml"));
    }
}
