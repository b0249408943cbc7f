package org.neox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Checks every import in src/main/java against the layering of DESIGN.md §2:
 * {@code cli -> launch -> train -> {model, optim, data, ckpt} -> {comm, kernel} -> tensor -> util},
 * with {@code config} a leaf (it may import only util) that every package above tensor may read,
 * and each third-party library confined to the packages that own it.
 */
class ArchitectureTest {
    private static final Path MAIN = Path.of("src/main/java/org/neox");
    private static final Pattern IMPORT =
            Pattern.compile("^import\\s+(?:static\\s+)?([\\w.]+)", Pattern.MULTILINE);
    private static final Pattern FQN_USE = Pattern.compile("\\borg\\.neox\\.(\\w+)\\.");

    /** Layer height: a package may import packages of strictly lower height (and its own). */
    private static final Map<String, Integer> HEIGHT = Map.ofEntries(
            Map.entry("cli", 7), Map.entry("launch", 6), Map.entry("train", 5),
            Map.entry("model", 4), Map.entry("optim", 4), Map.entry("data", 4),
            Map.entry("ckpt", 4), Map.entry("comm", 3), Map.entry("kernel", 3),
            Map.entry("tensor", 2), Map.entry("util", 1), Map.entry("config", 0));

    /** Third-party package prefix -> the neox packages allowed to import it. */
    private static final Map<String, Set<String>> LIBRARY_OWNERS = Map.of(
            "picocli.", Set.of("cli"),
            "org.yaml.snakeyaml.", Set.of("config"),
            "org.nd4j.", Set.of("tensor", "kernel"),
            "org.bytedeco.", Set.of("tensor", "kernel"),
            "ai.djl.", Set.of("data"),
            "com.github.luben.zstd.", Set.of("data"),
            "java.net.Socket", Set.of("comm"),
            "java.net.ServerSocket", Set.of("comm"),
            "java.nio.channels.SocketChannel", Set.of("comm"),
            "java.nio.channels.ServerSocketChannel", Set.of("comm"));

    static boolean allowed(String from, String to) {
        if (from.equals(to)) {
            return true;
        }
        Integer hf = HEIGHT.get(from);
        Integer ht = HEIGHT.get(to);
        if (hf == null || ht == null) {
            return false;
        }
        if (to.equals("config")) {
            return hf > HEIGHT.get("tensor");
        }
        if (from.equals("config")) {
            return to.equals("util");
        }
        return hf > ht;
    }

    @Test
    void everyPackageIsKnown() throws IOException {
        try (Stream<Path> dirs = Files.list(MAIN)) {
            dirs.filter(Files::isDirectory).forEach(d -> assertTrue(
                    HEIGHT.containsKey(d.getFileName().toString()),
                    "package org.neox." + d.getFileName() + " is not in DESIGN.md's layering"));
        }
    }

    @Test
    void importsFollowTheLayering() throws IOException {
        List<String> violations = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                String pkg = MAIN.relativize(f).getName(0).toString();
                String src = Files.readString(f);
                checkFile(f, pkg, src, violations);
            }
        }
        assertEquals(List.of(), violations);
    }

    private static void checkFile(Path f, String pkg, String src, List<String> violations) {
        Matcher m = IMPORT.matcher(src);
        while (m.find()) {
            String imp = m.group(1);
            if (imp.startsWith("org.neox.")) {
                String to = imp.substring("org.neox.".length()).split("\\.")[0];
                if (!allowed(pkg, to)) {
                    violations.add(f + ": " + pkg + " may not import " + imp);
                }
            }
            LIBRARY_OWNERS.forEach((prefix, owners) -> {
                if (imp.startsWith(prefix) && !owners.contains(pkg)) {
                    violations.add(f + ": " + imp + " belongs in " + owners);
                }
            });
        }
        Matcher q = FQN_USE.matcher(src.replaceAll("(?m)^(package|import) .*$", ""));
        while (q.find()) {
            if (!allowed(pkg, q.group(1))) {
                violations.add(f + ": " + pkg + " uses org.neox." + q.group(1) + " by full name");
            }
        }
    }

    @Test
    void theRuleItselfRejectsUpwardImports() {
        assertTrue(allowed("cli", "train"));
        assertTrue(allowed("model", "kernel"));
        assertTrue(allowed("train", "config"));
        assertTrue(!allowed("kernel", "model"));
        assertTrue(!allowed("model", "optim"));
        assertTrue(!allowed("tensor", "config"));
        assertTrue(!allowed("config", "tensor"));
        assertTrue(!allowed("util", "config"));
    }
}
