package org.neox;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds a Python 3 that can import numpy for the cross-check scripts under {@code scripts/}:
 * {@code python3} on the PATH first, then Debian's {@code /usr/bin/python3} (where
 * {@code apt-get install python3-numpy} puts numpy when PATH has another Python). Skips the test
 * with a message when there is none.
 */
public final class PythonNumpy {
    private static final List<String> CANDIDATES = List.of("python3", "/usr/bin/python3");
    private static String found;

    private PythonNumpy() {
    }

    /** The interpreter to run, or a skipped test. */
    public static synchronized String require() {
        if (found == null) {
            for (String py : CANDIDATES) {
                if (importsNumpy(py)) {
                    found = py;
                    break;
                }
            }
        }
        Assumptions.assumeTrue(found != null,
                "skipped: no python3 with numpy (apt-get install python3-numpy)");
        return found;
    }

    private static boolean importsNumpy(String python) {
        try {
            Process p = new ProcessBuilder(python, "-c", "import numpy").start();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
