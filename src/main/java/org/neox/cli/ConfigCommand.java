package org.neox.cli;

import java.util.concurrent.Callable;
import org.neox.config.ConfigJson;
import org.neox.config.ConfigLoader;
import org.neox.config.NeoXArgs;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code neox config}: prints the resolved config (every key, derived values included). */
@Command(name = "config", mixinStandardHelpOptions = true,
        description = "Merge GPT-NeoX configs as deepy.py does and print the resolved config.")
public final class ConfigCommand implements Callable<Integer> {
    /** Output formats. */
    enum Format { yaml, json }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ConfigOptions options;

    @Option(names = "--format", paramLabel = "FMT", defaultValue = "yaml",
            description = "yaml or json (default ${DEFAULT-VALUE}).")
    Format format;

    @Override
    public Integer call() {
        NeoXArgs args = options.resolve(ConfigLoader.standard());
        String text = format == Format.json ? ConfigJson.toJson(args) + "\n" : ConfigJson.toYaml(args);
        spec.commandLine().getOut().print(text);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
