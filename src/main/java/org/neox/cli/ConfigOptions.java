package org.neox.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.neox.config.ConfigFiles;
import org.neox.config.ConfigLoader;
import org.neox.config.NeoXArgs;
import org.neox.config.ResourceOptions;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The config and resource options shared by commands that resolve a config (deepy.py's). */
final class ConfigOptions {
    @Option(names = {"-d", "--conf-dir"}, paramLabel = "DIR",
            description = "Directory the config names are relative to.")
    Path confDir;

    @Parameters(arity = "1..*", paramLabel = "CONFIG",
            description = "Config files merged in order (a name without .yml/.json gets .yml).")
    List<String> files;

    @Option(names = {"-H", "--hostfile"}, paramLabel = "FILE",
            description = "Hostfile of 'host slots=N' lines (overrides the config's hostfile).")
    Path hostfile;

    @Option(names = "--include", paramLabel = "SPEC", description = "Hosts/slots to use: host[:slot,slot][@host...].")
    String include;

    @Option(names = "--exclude", paramLabel = "SPEC", description = "Hosts/slots to leave out (same syntax).")
    String exclude;

    @Option(names = "--num-nodes", paramLabel = "N", description = "Use only the first N hosts.")
    Integer numNodes;

    @Option(names = "--num-gpus", paramLabel = "N",
            description = "Ranks (GPU slots) per host; without a hostfile, ranks on this machine.")
    Integer numGpus;

    @Option(names = "--vocab-size", paramLabel = "V",
            description = "Tokenizer vocabulary size to use when the vocab file cannot be read.")
    Integer vocabSize;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Set a config key after merging (value parsed as YAML), e.g. --set vocab_file=x.json.")
    Map<String, String> overrides = new LinkedHashMap<>();

    ConfigLoader.Request request() {
        return new ConfigLoader.Request(confDir, files,
                new ResourceOptions(hostfile, include, exclude, numNodes, numGpus),
                vocabSize == null ? OptionalInt.empty() : OptionalInt.of(vocabSize), overrides);
    }

    NeoXArgs resolve(ConfigLoader loader) {
        return loader.load(request());
    }

    /**
     * For commands that run the whole model in this one process (generate and eval, which re-lay
     * the checkpoint out to it; bench and check-kernels): the config's pipe × model grid counts
     * as the world (one data-parallel replica), so the training config of a tensor- or
     * pipeline-parallel run resolves unchanged.
     */
    NeoXArgs resolveOneProcess(ConfigLoader loader) {
        if (!overrides.containsKey("global_num_gpus")) {
            Map<String, Object> raw = ConfigFiles.load(confDir, files).values();
            overrides.put("global_num_gpus", String.valueOf(gridSize(raw, "pipe_parallel_size")
                    * gridSize(raw, "model_parallel_size")));
        }
        return resolve(loader);
    }

    /** A parallel size as set by --set or the merged files (GPT-NeoX treats 0 as 1); 1 when unset or not a number. */
    private int gridSize(Map<String, Object> raw, String key) {
        Object v = overrides.containsKey(key) ? overrides.get(key) : raw.get(key);
        try {
            return Math.max(1, v == null ? 1 : Integer.parseInt(String.valueOf(v).trim()));
        } catch (NumberFormatException e) {
            return 1; // resolving reports the bad value with its file and key
        }
    }
}
