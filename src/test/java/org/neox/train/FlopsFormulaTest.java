package org.neox.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class FlopsFormulaTest {
    @Test
    void gptNeoxFormula() {
        // batch 8, seq 2048, P = 162,322,944, h 768, 12 layers, 2 s per iteration, 8 GPUs
        // 8·2048·(6·162322944 + 60·2048·768·12) / (2·8), computed in Python
        assertEquals(2156953337856.0, FlopsFormula.flopsPerGpu(8, 2048, 162_322_944, 768, 12, 2.0, 8), 1e-3);
    }

    @Test
    void humanUnitsAsGptNeoxPrintsThem() {
        assertEquals("2.2TFLOPS", FlopsFormula.humanReadable(2156953337856.0));
        assertEquals("5.0", FlopsFormula.humanReadable(5.0));
        assertEquals("1000.0", FlopsFormula.humanReadable(999.96));  // Python's %3.1f rounds after the unit test
        assertEquals("123.5KFLOPS", FlopsFormula.humanReadable(123456.0));
        assertEquals("1000000.0Yi", FlopsFormula.humanReadable(1e30));
    }
}
