package org.neox.comm;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A worker main for the launcher's integration tests: joins the job through
 * {@link TcpCommunicator#fromEnv()}, checks every collective on known values, prints
 * {@code ok rank R} and exits 0. Arguments {@code key=value} make one rank misbehave:
 * {@code fail-rank=N} exits 3, {@code kill-rank=N} SIGKILLs itself, {@code stop-rank=N} SIGSTOPs
 * itself (a hung peer); {@code others-sleep=S} makes the other ranks sleep S seconds instead of
 * communicating further, so only the launcher can stop them.
 */
public final class CommSmokeWorker {
    private CommSmokeWorker() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new HashMap<>();
        for (String a : args) {
            String[] kv = a.split("=", 2);
            opt.put(kv[0], kv.length > 1 ? kv[1] : "");
        }
        Map<String, String> env = System.getenv();
        try (TcpCommunicator c = TcpCommunicator.fromEnv()) {
            int r = c.rank();
            System.out.println("rank " + r + " of " + c.size() + " node " + env.get("NODE_RANK") + " local "
                    + env.get("LOCAL_RANK") + "/" + env.get("LOCAL_SIZE") + " pid " + ProcessHandle.current().pid()
                    + " config " + config(env));
            checkCollectives(c);
            c.barrier();
            misbehave(opt, r);
            if (opt.containsKey("others-sleep")) {
                System.out.println("rank " + r + " sleeping");
                Thread.sleep(1000L * Integer.parseInt(opt.get("others-sleep")));
            } else {
                checkCollectives(c);
            }
            System.out.println("ok rank " + r);
        }
    }

    private static String config(Map<String, String> env) throws Exception {
        String p = env.get("NEOX_CONFIG");
        return p == null ? "none" : Files.readString(Path.of(p), StandardCharsets.UTF_8).trim();
    }

    private static void misbehave(Map<String, String> opt, int r) throws Exception {
        if (Integer.toString(r).equals(opt.get("fail-rank"))) {
            System.out.println("rank " + r + " failing on purpose");
            System.exit(3);
        }
        for (String[] k : new String[][] {{"kill-rank", "-KILL"}, {"stop-rank", "-STOP"}}) {
            if (Integer.toString(r).equals(opt.get(k[0]))) {
                System.out.println("rank " + r + " sending itself " + k[1]);
                new ProcessBuilder("kill", k[1], Long.toString(ProcessHandle.current().pid())).inheritIO().start()
                        .waitFor();
                Thread.sleep(60_000);
            }
        }
    }

    static void checkCollectives(Communicator c) {
        int n = c.size();
        int r = c.rank();
        int len = 3 * n * 1000;
        float[] a = new float[len];
        for (int i = 0; i < len; i++) {
            a[i] = (r + 1) * (i % 100);
        }
        c.allReduceSum(a, 0, len);
        for (int i = 0; i < len; i++) {
            expect(a[i] == n * (n + 1) / 2f * (i % 100), "allReduceSum", i, a[i]);
        }
        float[] g = new float[len];
        int chunk = len / n;
        for (int i = r * chunk; i < (r + 1) * chunk; i++) {
            g[i] = r;
        }
        c.allGather(g, 0, len);
        for (int i = 0; i < len; i++) {
            expect(g[i] == i / chunk, "allGather", i, g[i]);
        }
        float[] s = new float[len];
        java.util.Arrays.fill(s, r + 1);
        c.reduceScatterSum(s, 0, len);
        expect(s[r * chunk] == n * (n + 1) / 2f, "reduceScatterSum", r * chunk, s[r * chunk]);
        float[] b = {r, r};
        c.broadcast(b, 0, 2, n - 1);
        expect(b[1] == n - 1, "broadcast", 1, b[1]);
        if (n > 1) {
            float[] msg = {r};
            c.send(msg, 0, 1, (r + 1) % n);
            c.recv(msg, 0, 1, (r + n - 1) % n);
            expect(msg[0] == (r + n - 1) % n, "send/recv", 0, msg[0]);
        }
        Communicator even = c.subgroup(evens(n));
        Communicator odd = c.subgroup(odds(n));
        Communicator mine = r % 2 == 0 ? even : odd;
        float[] one = {1};
        mine.allReduceSum(one, 0, 1);
        expect(one[0] == mine.size(), "subgroup allReduceSum", 0, one[0]);
        mine.close();
    }

    private static int[] evens(int n) {
        return java.util.stream.IntStream.range(0, n).filter(i -> i % 2 == 0).toArray();
    }

    private static int[] odds(int n) {
        return java.util.stream.IntStream.range(0, n).filter(i -> i % 2 == 1).toArray();
    }

    private static void expect(boolean ok, String op, int i, float got) {
        if (!ok) {
            throw new IllegalStateException(op + " gave a wrong value " + got + " at " + i);
        }
    }
}
