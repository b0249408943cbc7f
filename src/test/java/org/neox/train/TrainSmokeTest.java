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

    /**
     * {@code --kernels} of a multi-rank job reaches every worker JVM (as -Dneox.kernels): two ranks
     * train on the checked device-resident kernels; an unknown name is one error line, exit 2,
     * before anything starts.
     */
    @Test
    void kernelsOptionReachesEveryRank() throws IOException, InterruptedException {
        Path root = Path.of("").toAbsolutePath();
        Files.createDirectories(dir.resolve("configs"));
        Files.copy(root.resolve("configs/tiny.yml"), dir.resolve("configs/tiny.yml"));
        String out = neox(root, "train", "-d", "configs", "tiny.yml", "--num-gpus", "2", "--set", "train_iters=12",
                "--kernels", "native-resident-checked");
        assertEquals(2, out.lines().filter(l -> l.contains("kernels: resident:native-cpu device")
                && l.contains("forced by neox.kernels")).count(), out);
        assertTrue(out.contains("trained iterations 0 -> 12"), out);
        String bad = neox(root, "train", "-d", "configs", "tiny.yml", "--num-gpus", "2", "--kernels", "tpu");
        assertTrue(bad.startsWith("neox: error: unknown kernels 'tpu'"), bad);
        assertEquals(1, bad.lines().count(), bad);
    }

    private String neox(Path root, String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of(root.resolve("bin/neox").toString()));
        cmd.addAll(List.of(args));
        Path log = dir.resolve("run.txt");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), "neox did not finish");
        String out = Files.readString(log);
        assertEquals(args[args.length - 1].equals("tpu") ? 2 : 0, p.exitValue(), out);
        return out;
    }
}
