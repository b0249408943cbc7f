package org.neox.cli;

/** Process entry point: runs the picocli command tree and exits with its code. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI without exiting, so tests can call it in-process. */
    public static int run(String... args) {
        try {
            return NeoxCommand.commandLine().execute(args);
        } catch (OutOfMemoryError e) {
            System.err.println("neox: error: out of memory (" + e.getMessage() + ", max heap "
                    + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB); give the JVM more with"
                    + " NEOX_JAVA_OPTS=-Xmx<size>, or lower the micro-batch, or set checkpoint-activations");
            return 1;
        }
    }
}
