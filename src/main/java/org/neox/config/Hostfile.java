package org.neox.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.neox.util.UserError;

/**
 * DeepSpeed's hostfile and resource selection (spec §2.2). A hostfile line is {@code host
 * slots=N} (also {@code slot=N}); blank lines and {@code #} comments are skipped; line order is
 * node order. Selection applies {@code --include}/{@code --exclude} ({@code
 * host[:slot,slot]@host...}), then the first {@code numNodes} hosts and {@code numGpus} slots per
 * host, with DeepSpeed's mutual exclusions.
 */
public final class Hostfile {
    private static final Logger LOG = LoggerFactory.getLogger(Hostfile.class);
    private static final Pattern LINE = Pattern.compile("^(\\S+)\\s+slots?=(\\d+)\\s*(#.*)?$");

    private Hostfile() {
    }

    /**
     * The hosts and slots a job runs on (spec §1.4 item 1, §2.2): the hostfile's hosts (one local
     * slot when there is none, or when a hostfile named only in a config is missing, as deepy.py
     * does), then include/exclude, num_nodes and num_gpus. deepy.py drops num_gpus when
     * include/exclude is given.
     */
    public static List<HostSlots> activeHosts(String hostfile, boolean hostfileMustExist, String include,
                                              String exclude, int numNodes, Integer numGpus) {
        List<HostSlots> pool;
        if (hostfile != null && (hostfileMustExist || Files.exists(Path.of(hostfile)))) {
            pool = parse(Path.of(hostfile));
        } else {
            if (hostfile != null) {
                LOG.warn("hostfile {} not found: using local resources only (as GPT-NeoX does)", hostfile);
            }
            pool = List.of(new HostSlots("localhost", List.of(0)));
        }
        boolean filtered = include != null || exclude != null;
        return select(pool, include, exclude, numNodes, filtered ? null : numGpus);
    }

    /** Parses a hostfile; a missing file, bad line, repeated host or no host is an error. */
    public static List<HostSlots> parse(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (NoSuchFileException e) {
            throw new UserError(file + ": hostfile not found");
        } catch (IOException e) {
            throw new UserError(file + ": cannot read hostfile: " + e.getMessage());
        }
        Map<String, Integer> hosts = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            parseLine(file, i + 1, line, hosts);
        }
        if (hosts.isEmpty()) {
            throw new UserError(file + ": hostfile lists no hosts (expected lines like 'worker-1 slots=8')");
        }
        List<HostSlots> out = new ArrayList<>();
        hosts.forEach((h, n) -> out.add(new HostSlots(h, range(n))));
        return out;
    }

    private static void parseLine(Path file, int lineNo, String line, Map<String, Integer> hosts) {
        Matcher m = LINE.matcher(line);
        if (!m.matches()) {
            throw new UserError(file + ":" + lineNo + ": bad hostfile line '" + line
                    + "' (expected 'HOST slots=N')");
        }
        int slots;
        try {
            slots = Integer.parseInt(m.group(2));
        } catch (NumberFormatException e) {
            slots = -1;
        }
        if (slots <= 0) {
            throw new UserError(file + ":" + lineNo + ": host '" + m.group(1) + "' has slots="
                    + m.group(2) + " (expected a positive count)");
        }
        if (hosts.put(m.group(1), slots) != null) {
            throw new UserError(file + ":" + lineNo + ": host '" + m.group(1)
                    + "' is listed more than once");
        }
    }

    /**
     * The active hosts. {@code include}/{@code exclude} may be null or empty; {@code numNodes}
     * < 0 and {@code numGpus} null mean unset. Hosts whose slots were all removed are dropped.
     */
    public static List<HostSlots> select(List<HostSlots> hosts, String include, String exclude,
                                         int numNodes, Integer numGpus) {
        boolean inc = include != null && !include.isEmpty();
        boolean exc = exclude != null && !exclude.isEmpty();
        if (inc && exc) {
            throw new UserError("include and exclude are mutually exclusive (got include '"
                    + include + "' and exclude '" + exclude + "')");
        }
        if ((inc || exc) && (numNodes >= 0 || (numGpus != null && numGpus >= 0))) {
            throw new UserError("num_nodes/num_gpus cannot be combined with include/exclude"
                    + " (got num_nodes " + numNodes + ", num_gpus " + numGpus + ")");
        }
        List<HostSlots> active = inc || exc ? filter(hosts, inc ? include : exclude, inc) : hosts;
        if (numNodes > 0) {
            active = active.subList(0, Math.min(numNodes, active.size()));
        }
        if (numGpus != null && numGpus > 0) {
            active = active.stream().map(h -> new HostSlots(h.host(), range(numGpus))).toList();
        }
        if (active.isEmpty()) {
            throw new UserError("no hosts left after applying include/exclude/num_nodes");
        }
        return List.copyOf(active);
    }

    private static List<HostSlots> filter(List<HostSlots> hosts, String spec, boolean include) {
        Map<String, TreeSet<Integer>> pool = new LinkedHashMap<>();
        hosts.forEach(h -> pool.put(h.host(), new TreeSet<>(h.slots())));
        Map<String, TreeSet<Integer>> chosen = new LinkedHashMap<>();
        if (!include) {
            pool.forEach((h, s) -> chosen.put(h, new TreeSet<>(s)));
        }
        for (String node : spec.split("@")) {
            applyNodeSpec(node, pool, chosen, include);
        }
        List<HostSlots> out = new ArrayList<>();
        for (String h : pool.keySet()) {
            TreeSet<Integer> s = chosen.get(h);
            if (s != null && !s.isEmpty()) {
                out.add(new HostSlots(h, new ArrayList<>(s)));
            }
        }
        return out;
    }

    private static void applyNodeSpec(String node, Map<String, TreeSet<Integer>> pool,
                                      Map<String, TreeSet<Integer>> chosen, boolean include) {
        String[] parts = node.split(":", -1);
        String host = parts[0];
        if (parts.length > 2 || host.isEmpty()) {
            throw new UserError("bad node spec '" + node + "' (expected host or host:slot,slot)");
        }
        if (!pool.containsKey(host)) {
            throw new UserError("host '" + host + "' of '" + node + "' is not in the hostfile "
                    + pool.keySet());
        }
        TreeSet<Integer> slots = parts.length == 1 ? pool.get(host) : parseSlots(node, parts[1], pool.get(host));
        if (include) {
            chosen.computeIfAbsent(host, h -> new TreeSet<>()).addAll(slots);
        } else if (parts.length == 1) {
            chosen.get(host).clear();
        } else {
            chosen.get(host).removeAll(slots);
        }
    }

    private static TreeSet<Integer> parseSlots(String node, String list, TreeSet<Integer> available) {
        TreeSet<Integer> slots = new TreeSet<>();
        for (String s : list.split(",")) {
            int slot;
            try {
                slot = Integer.parseInt(s.strip());
            } catch (NumberFormatException e) {
                throw new UserError("bad slot '" + s + "' in '" + node + "' (expected integers)");
            }
            if (!available.contains(slot)) {
                throw new UserError("no slot " + slot + " on host '" + node.split(":")[0]
                        + "' (it has slots " + available + ")");
            }
            slots.add(slot);
        }
        return slots;
    }

    private static List<Integer> range(int n) {
        return IntStream.range(0, n).boxed().toList();
    }
}
