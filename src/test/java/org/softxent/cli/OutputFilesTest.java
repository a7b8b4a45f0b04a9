package org.softxent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The all-or-nothing outputs' commit, its seal in particular. */
class OutputFilesTest {
    @TempDir
    Path dir;

    /**
     * Staging files a killed process left (SIGKILL cannot be caught) are removed by the next command
     * that writes the same output there: only those of a process gone, of this machine, untouched
     * for an hour; a live process's, a fresh one's and another machine's stay.
     */
    @Test
    void aKilledCommandsStagingFilesAreSweptByTheNext() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        long dead = gone.pid();
        org.junit.jupiter.api.Assumptions.assumeTrue(ProcessHandle.of(dead).isEmpty(), "pid " + dead + " reused");
        String host = OutputFiles.hostName();
        org.junit.jupiter.api.Assumptions.assumeFalse(host.equals("unknown"), "no host name: nothing is swept");
        Path stale = dir.resolve(".loss.npy." + host + "-" + dead + "-1f2e.tmp");
        Path fresh = dir.resolve(".loss.npy." + host + "-" + dead + "-3a4b.tmp"); // 10 minutes old
        Path live = dir.resolve(".loss.npy." + host + "-" + ProcessHandle.current().pid() + "-5c6d.tmp");
        Path elsewhere = dir.resolve(".loss.npy.another_host-" + dead + "-7e8f.tmp");
        Path other = dir.resolve(".probs.npy." + host + "-" + dead + "-9a0b.tmp");
        java.nio.file.attribute.FileTime old = java.nio.file.attribute.FileTime.fromMillis(
                System.currentTimeMillis() - 7_200_000);
        for (Path p : new Path[] {stale, fresh, live, elsewhere, other}) {
            Files.writeString(p, "partial");
            Files.setLastModifiedTime(p, p == fresh ? java.nio.file.attribute.FileTime.fromMillis(
                    System.currentTimeMillis() - 600_000) : old);
        }
        try (OutputFiles files = new OutputFiles("--out")) {
            files.stage(dir.resolve("loss.npy"), o -> o.write("new".getBytes(StandardCharsets.UTF_8)));
            files.commit();
        }
        assertFalse(Files.exists(stale), "the dead process's stale staging file is removed");
        for (Path p : new Path[] {fresh, live, elsewhere, other}) {
            assertTrue(Files.exists(p), p + " stays");
        }
        assertEquals("new", Files.readString(dir.resolve("loss.npy")));
    }

    /**
     * A commit that stops between two renames (here the second rename fails; a kill does the same)
     * leaves the folder without its seal, whose old version went first: a model folder then reads
     * as no model, not as the new w.npy beside the old rest.
     */
    @Test
    void aCommitStoppedMidwayLeavesNoSeal() throws IOException {
        for (String name : new String[] {"a.npy", "b.npy", "model.json"}) {
            Files.writeString(dir.resolve(name), "old " + name);
        }
        try (OutputFiles files = new OutputFiles("--out")) {
            for (String name : new String[] {"a.npy", "b.npy", "model.json"}) {
                files.stage(dir.resolve(name), o -> o.write(("new " + name).getBytes(StandardCharsets.UTF_8)));
            }
            files.seal(dir.resolve("model.json"));
            try (Stream<Path> listed = Files.list(dir)) {
                for (Path p : listed.filter(p -> p.getFileName().toString().startsWith(".b.npy.")).toList()) {
                    Files.delete(p); // b's rename will fail
                }
            }
            assertThrows(InputException.class, files::commit);
        }
        assertEquals("new a.npy", Files.readString(dir.resolve("a.npy")));
        assertEquals("old b.npy", Files.readString(dir.resolve("b.npy")));
        assertFalse(Files.exists(dir.resolve("model.json")), "the seal is gone until every file is in place");
        try (Stream<Path> listed = Files.list(dir)) {
            assertEquals(2, listed.count(), "no temporary left");
        }
    }

    @Test
    void theSealComesLastAndEveryFileIsNew() throws IOException {
        Files.writeString(dir.resolve("model.json"), "old");
        try (OutputFiles files = new OutputFiles("--out")) {
            files.stage(dir.resolve("model.json"), o -> o.write("new json".getBytes(StandardCharsets.UTF_8)));
            files.stage(dir.resolve("w.npy"), o -> o.write("new w".getBytes(StandardCharsets.UTF_8)));
            files.seal(dir.resolve("model.json"));
            files.commit();
        }
        assertEquals("new json", Files.readString(dir.resolve("model.json")));
        assertEquals("new w", Files.readString(dir.resolve("w.npy")));
        assertThrows(IllegalStateException.class, () -> new OutputFiles("--out").seal(dir.resolve("x")));
    }
}
