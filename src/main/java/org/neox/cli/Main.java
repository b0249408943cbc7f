package org.neox.cli;

import picocli.CommandLine;

/** Process entry point: runs the picocli command tree and exits with its code. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI without exiting, so tests can call it in-process. */
    public static int run(String... args) {
        return NeoxCommand.commandLine().execute(args);
    }
}
