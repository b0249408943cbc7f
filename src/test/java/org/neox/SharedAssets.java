package org.neox;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Locates the team's read-only assets in {@code ../shared} (reference configs, tokenizers,
 * corpora). They are never copied into the project; a test that needs them is skipped with a
 * message when they are absent. Set NEOX_SHARED to point elsewhere.
 */
public final class SharedAssets {
    private SharedAssets() {
    }

    /** The shared directory, or {@code null} when it does not exist. */
    public static Path dirOrNull() {
        String env = System.getenv("NEOX_SHARED");
        Path p = env != null ? Path.of(env) : Path.of("..", "shared");
        return Files.isDirectory(p) ? p.toAbsolutePath().normalize() : null;
    }

    /** Resolves {@code relative} under the shared directory, skipping the test when it is missing. */
    public static Path require(String relative) {
        Path dir = dirOrNull();
        Assumptions.assumeTrue(dir != null, "skipped: ../shared is absent (set NEOX_SHARED)");
        Path p = dir.resolve(relative);
        Assumptions.assumeTrue(Files.exists(p), "skipped: " + p + " is absent");
        return p;
    }
}
