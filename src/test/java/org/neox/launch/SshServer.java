package org.neox.launch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.neox.comm.FreePort;

/**
 * A real OpenSSH server on 127.0.0.1 for tests, run as the current user from a temporary
 * directory with its own host key and a generated client key.
 */
final class SshServer implements AutoCloseable {
    static final Path SSHD = Path.of("/usr/sbin/sshd");

    private final Process sshd;
    private final Path dir;
    final int port;

    private SshServer(Process sshd, Path dir, int port) {
        this.sshd = sshd;
        this.dir = dir;
        this.port = port;
    }

    static boolean available() {
        return Files.isExecutable(SSHD) && Files.isExecutable(Path.of("/usr/bin/ssh-keygen"));
    }

    static SshServer start(Path dir) throws Exception {
        run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir.resolve("host_key").toString());
        run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir.resolve("user_key").toString());
        Files.copy(dir.resolve("user_key.pub"), dir.resolve("authorized_keys"));
        int port = FreePort.find();
        Files.writeString(dir.resolve("sshd_config"), String.join("\n",
                "ListenAddress 127.0.0.1",
                "HostKey " + dir.resolve("host_key"),
                "AuthorizedKeysFile " + dir.resolve("authorized_keys"),
                "PidFile " + dir.resolve("sshd.pid"),
                "StrictModes no",
                "UsePAM no",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PubkeyAuthentication yes",
                "PermitRootLogin prohibit-password",
                "") + "\n");
        if ("root".equals(System.getProperty("user.name"))) {
            Files.createDirectories(Path.of("/run/sshd")); // privilege separation directory sshd needs as root
        }
        Process p = new ProcessBuilder(SSHD.toString(), "-D", "-e", "-f", dir.resolve("sshd_config").toString(),
                "-p", Integer.toString(port)).redirectErrorStream(true)
                .redirectOutput(dir.resolve("sshd.log").toFile()).start();
        SshServer s = new SshServer(p, dir, port);
        s.awaitReady();
        return s;
    }

    /** The ssh client command for the launcher (it adds BatchMode itself). */
    List<String> client() {
        return List.of("ssh", "-i", dir.resolve("user_key").toString(), "-p", Integer.toString(port),
                "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR");
    }

    private void awaitReady() throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            List<String> cmd = new ArrayList<>(client());
            cmd.addAll(List.of("-o", "BatchMode=yes", "127.0.0.1", "true"));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() == 0) {
                return;
            }
            if (!sshd.isAlive() || System.nanoTime() > deadline) {
                throw new IOException("sshd did not come up: " + out + "\n" + Files.readString(dir.resolve("sshd.log")));
            }
            Thread.sleep(200);
        }
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
    }

    @Override
    public void close() throws InterruptedException {
        sshd.destroy();
        sshd.waitFor(10, TimeUnit.SECONDS);
        sshd.destroyForcibly();
    }
}
