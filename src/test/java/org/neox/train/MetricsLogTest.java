package org.neox.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsLogTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<JsonNode> read(Path f) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(f)) {
            out.add(JSON.readTree(line));
        }
        return out;
    }

    @Test
    void writesOneObjectPerRecordWithTheTrainAndEvalFields(@TempDir Path dir) throws Exception {
        Path logDir = dir.resolve("logs/run1");
        try (MetricsLog log = new MetricsLog(logDir)) {
            log.logTrain(new TrainMetrics(10, 5.5, 6e-4, 1.25, 4096.0, 1000, 2, 0.5, 812.5, 2048, 0));
            log.logTrain(new TrainMetrics(20, Double.NaN, 6e-4, -1, null, 1000, 2, 0.5, 800, 2048, 1));
            log.logEval(new EvalMetrics(20, "validation", 2.0));
        }
        List<JsonNode> rows = read(logDir.resolve("metrics.jsonl"));
        assertEquals(3, rows.size());
        JsonNode t = rows.get(0);
        assertEquals(List.of("iteration", "lm_loss", "lr", "grad_norm", "loss_scale", "tokens_per_sec",
                "samples_per_sec", "tflops", "step_ms", "memory_mb", "skipped"), fieldNames(t));
        assertEquals(10, t.get("iteration").asInt());
        assertEquals(5.5, t.get("lm_loss").asDouble());
        assertEquals(6e-4, t.get("lr").asDouble());
        assertEquals(4096.0, t.get("loss_scale").asDouble());
        assertTrue(rows.get(1).get("lm_loss").isNull());
        assertTrue(rows.get(1).get("loss_scale").isNull());
        assertEquals(1, rows.get(1).get("skipped").asInt());
        JsonNode e = rows.get(2);
        assertEquals("validation", e.get("split").asText());
        assertEquals(Math.exp(2.0), e.get("lm_loss_ppl").asDouble(), 1e-12);
    }

    @Test
    void reopeningAppendsAndRepairsATornLastLine(@TempDir Path dir) throws Exception {
        try (MetricsLog log = new MetricsLog(dir)) {
            log.logEval(new EvalMetrics(1, "test", 1.0));
        }
        Path f = dir.resolve(MetricsLog.FILE_NAME);
        Files.writeString(f, "{\"iteration\": 2, \"lm_lo", java.nio.file.StandardOpenOption.APPEND); // crash mid-line
        try (MetricsLog log = new MetricsLog(dir)) {
            log.logEval(new EvalMetrics(3, "test", 1.0));
        }
        List<String> lines = Files.readAllLines(f);
        assertEquals(3, lines.size());
        assertEquals(1, JSON.readTree(lines.get(0)).get("iteration").asInt());
        assertEquals(3, JSON.readTree(lines.get(2)).get("iteration").asInt());
    }

    private static List<String> fieldNames(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
