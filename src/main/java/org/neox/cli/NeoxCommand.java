package org.neox.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The root {@code neox} command. Each subcommand is one thin class in this package; only
 * commands that work are listed here.
 */
@Command(
        name = "neox",
        mixinStandardHelpOptions = true,
        versionProvider = NeoxCommand.Version.class,
        description = "GPT-NeoX training on the JVM.",
        subcommands = {
            CommandLine.HelpCommand.class,
            ConfigCommand.class,
            PlanCommand.class,
            ConvertCommand.class,
            PreprocessCommand.class,
            TrainCommand.class,
            BenchCommand.class,
            CheckKernelsCommand.class,
            GenerateCommand.class,
            EvalCommand.class,
        })
public final class NeoxCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Builds the command line with the house error handling (one line, non-zero exit). */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new NeoxCommand());
        cl.setExecutionExceptionHandler(new OneLineErrors());
        return cl;
    }

    /** Reports the version from the jar manifest, or "dev" when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = NeoxCommand.class.getPackage().getImplementationVersion();
            return new String[] {"neox " + (v == null ? "dev" : v)};
        }
    }

    /**
     * Turns an exception escaping a subcommand into one line on stderr. A {@link
     * org.neox.util.UserError} is expected bad input (exit 2); anything else is a bug
     * (exit 1), and its stack trace goes to stderr only when NEOX_DEBUG is set.
     */
    static final class OneLineErrors implements CommandLine.IExecutionExceptionHandler {
        @Override
        public int handleExecutionException(
                Exception ex, CommandLine cl, CommandLine.ParseResult parseResult) {
            PrintWriter err = cl.getErr();
            if (ex instanceof org.neox.util.UserError) {
                err.println("neox: error: " + ex.getMessage());
                err.flush();
                return 2;
            }
            err.println("neox: internal error: " + ex);
            if (System.getenv("NEOX_DEBUG") != null) {
                ex.printStackTrace(err);
            }
            err.flush();
            return 1;
        }
    }
}
