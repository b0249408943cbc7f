package org.neox.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Finds the native kernel libraries packaged in the jar under
 * {@code /native/<os>-<arch>/} (built by {@code src/main/native/Makefile} from Maven's "native"
 * profile) and extracts them to a temporary file, since {@link System#load} needs a path.
 * {@code -Dneox.native.dir=DIR} loads from a directory instead (a library built by hand).
 */
final class NativeLibrary {
    /** The JNI layer; it dlopens the backends below by path. */
    static final String JNI = "libneoxkernels.so";
    static final String CPU = "libneoxkernels_cpu.so";
    static final String CUDA = "libneoxkernels_cuda.so";

    /** One extraction per file and process (a failed look-up is retried: it throws, caching nothing). */
    private static final Map<String, Path> LOCATED = new ConcurrentHashMap<>();

    private NativeLibrary() {
    }

    /** "linux-x86_64", "linux-aarch64", ... */
    static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String o = os.contains("linux") ? "linux" : os.contains("mac") ? "osx" : os.replace(' ', '_');
        String a = switch (arch) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> arch;
        };
        return o + "-" + a;
    }

    /**
     * The library file, extracted when it comes from the jar.
     *
     * @throws IllegalStateException naming where it looked when the library is not packaged
     */
    static Path locate(String fileName) {
        return LOCATED.computeIfAbsent(fileName, NativeLibrary::find);
    }

    private static Path find(String fileName) {
        String dir = System.getProperty("neox.native.dir");
        if (dir != null) {
            Path p = Path.of(dir, fileName);
            if (!Files.isRegularFile(p)) {
                throw new IllegalStateException(p + " does not exist (from -Dneox.native.dir)");
            }
            return p.toAbsolutePath();
        }
        String resource = "/native/" + platform() + "/" + fileName;
        try (InputStream in = NativeLibrary.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("no " + resource + " on the class path (built without gcc/nvcc, or another platform)");
            }
            Path tmp = Files.createTempFile("neox-", "-" + fileName);
            tmp.toFile().deleteOnExit();
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            return tmp;
        } catch (IOException e) {
            throw new IllegalStateException("cannot extract " + resource + ": " + e.getMessage(), e);
        }
    }

    /** Runs a CUDA initialisation, naming the GPU in its failure ("GPU 3: no CUDA-capable device"). */
    static long onGpu(int device, LongSupplier init) {
        try {
            return init.getAsLong();
        } catch (IllegalStateException e) {
            throw new IllegalStateException("GPU " + device + ": " + e.getMessage(), e);
        }
    }
}
