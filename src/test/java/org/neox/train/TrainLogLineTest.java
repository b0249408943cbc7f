package org.neox.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrainLogLineTest {
    @Test
    void formatsLikeGptNeox() {
        Map<String, Double> losses = new LinkedHashMap<>();
        losses.put("lm_loss", 4.1234567);
        String line = TrainLogLine.format(100, 1000, 812.34, 6e-4, 1.2e12, 9.85, losses, 4096.0, 1, 0);
        assertEquals(" iteration      100/    1000 | elapsed time per iteration (ms): 812.3 |"
                + " learning rate: 6.000E-04 | approx flops per GPU: 1.2TFLOPS | samples/sec: 9.850 |"
                + " lm_loss: 4.123457E+00 | loss scale: 4096.0 | number of skipped iterations:   1 |"
                + " number of nan iterations:   0 |", line);
        String fp32 = TrainLogLine.format(1, 2, 1, 0, 0, 0, Map.of(), null, 0, 0);
        assertEquals(false, fp32.contains("loss scale"));
    }
}
