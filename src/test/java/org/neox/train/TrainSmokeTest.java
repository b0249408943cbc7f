package org.neox.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's main command as a user runs it: {@code bin/neox train -d configs tiny.yml} in a
 * fresh directory (the corpus is generated on first use), as a real process.
 */
@Tag("integration")
class TrainSmokeTest {
    @TempDir
    Path dir;

    @Test
    void tinyConfigTrainsFromTheCommandLine() throws IOException, InterruptedException {
        Path root = Path.of("").toAbsolutePath();
        Files.createDirectories(dir.resolve("configs"));
        Files.copy(root.resolve("configs/tiny.yml"), dir.resolve("configs/tiny.yml"));
        Process p = new ProcessBuilder(root.resolve("bin/neox").toString(), "train", "-d", "configs", "tiny.yml")
                .directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("out.txt").toFile()).start();
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), "neox train did not finish");
        String out = Files.readString(dir.resolve("out.txt"));
        assertEquals(0, p.exitValue(), out);
        List<String> lines = Files.readAllLines(dir.resolve("logs/tiny/metrics.jsonl"));
        ObjectMapper json = new ObjectMapper();
        double first = json.readTree(lines.get(0)).get("lm_loss").asDouble();
        double lastTrain = lines.stream().map(l -> {
            try {
                return json.readTree(l);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }).filter(n -> !n.has("split")).reduce((a, b) -> b).orElseThrow().get("lm_loss").asDouble();
        assertTrue(lastTrain < first * 0.6, "loss should fall well below its start: " + first + " -> " + lastTrain);
        assertTrue(Files.isRegularFile(dir.resolve("checkpoints/tiny/latest")), out);
    }
}
