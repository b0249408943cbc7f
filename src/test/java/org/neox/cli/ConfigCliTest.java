package org.neox.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neox.SharedAssets;
import picocli.CommandLine;

/** {@code neox config} and {@code neox plan} through the real command line. */
class ConfigCliTest {
    @TempDir
    Path dir;

    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = NeoxCommand.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    /** One line on stderr starting with "neox: error:", exit 2, nothing on stdout. */
    private static void assertOneLineError(Result r, String fragment) {
        assertEquals(2, r.code(), r.err());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith("neox: error: "), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(fragment), r.err());
    }

    @Test
    void configPrintsTheResolvedTinyConfig() {
        Result r = run("config", "-d", "configs", "tiny", "--format", "json");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("\"padded_vocab_size\" : 512"), r.out());
        assertTrue(r.out().contains("\"save_iters\" : [ 100 ]"), r.out());
        Result y = run("config", "-d", "configs", "tiny.yml", "--num-gpus", "2");
        assertTrue(y.out().contains("train_batch_size: 16"), y.out());
    }

    @Test
    void planOfSmallOnTheSampleHostfile() {
        Result r = run("plan", "-d", "configs", "small.yml", "-H", "hostfile", "--vocab-size", "50257");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("World size 2 = pipe 1 x data 2 x model 1"), r.out());
        assertTrue(r.out().contains("data groups:"), r.out());
    }

    @Test
    void plan20BWithTheSharedTokenizer() {
        Path tok = SharedAssets.require("tokenizer/20B_tokenizer.json");
        Result r = run("plan", "-d", "configs", "20B.yml", "--set", "vocab_file=" + tok);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("Parameters: 20,554,567,680 total"), r.out());
        assertTrue(r.out().contains("World size 8 = pipe 4 x data 1 x model 2"), r.out());
    }

    /** A clean clone has no tokenizer file: the config's padded_vocab_size carries the plan. */
    @Test
    void plan20BAsANewUserRunsIt() {
        Result r = run("plan", "-d", "configs", "20B.yml");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("Parameters: 20,554,567,680 total (padded vocab 50432"), r.out());
        assertTrue(r.err().isEmpty() || r.err().startsWith("neox: note: "), r.err());
    }

    @Test
    void planWithoutVocabularySuggestsVocabSize() throws IOException {
        Files.writeString(dir.resolve("m.yml"), Files.readString(Path.of("configs/small.yml"))
                .replace("tokenizer/gpt2-vocab.json", "nowhere/vocab.json"));
        Result r = run("plan", "-d", dir.toString(), "m.yml");
        assertOneLineError(r, "--vocab-size");
        assertTrue(r.err().contains("nowhere/vocab.json"), r.err());
    }

    @Test
    void badInputsGiveOneLineAndExitTwo() throws IOException {
        write("malformed.yml", "{\n \"num-layers\": 2,\n \"x\": [1,\n}\n");
        assertOneLineError(run("config", "-d", dir.toString(), "malformed"), "malformed.yml:");
        write("misspelt.yml", "num-layrs: 2\n");
        assertOneLineError(run("config", "-d", dir.toString(), "misspelt"), "did you mean 'num_layers'");
        String tiny = Files.readString(Path.of("configs/tiny.yml"));
        write("wrongtype.yml", tiny.replace("\"train-iters\": 200", "\"train-iters\": \"lots\""));
        assertOneLineError(run("config", "-d", dir.toString(), "wrongtype"), "'train_iters'");
        write("batch.yml", tiny.replace("\"train_micro_batch_size_per_gpu\": 8",
                "\"train_micro_batch_size_per_gpu\": 8, \"train_batch_size\": 12"));
        assertOneLineError(run("config", "-d", dir.toString(), "batch"), "12 != 8 * 1 * 1");
        write("parallel.yml", tiny.replace("\"num-layers\": 2", "\"num-layers\": 2, \"model-parallel-size\": 2"));
        assertOneLineError(run("config", "-d", dir.toString(), "parallel", "--num-gpus", "3"),
                "world size 3");
        write("hosts", "a slots=2\nb slots two\n");
        assertOneLineError(run("plan", "-d", "configs", "tiny", "-H", dir.resolve("hosts").toString()),
                "hosts:2: bad hostfile line");
        assertOneLineError(run("config", "-d", "configs", "nonexistent"), "nonexistent.yml");
    }

    @Test
    void helpListsTheCommands() {
        Result r = run("--help");
        assertTrue(r.out().contains("config") && r.out().contains("plan"), r.out());
    }
}
