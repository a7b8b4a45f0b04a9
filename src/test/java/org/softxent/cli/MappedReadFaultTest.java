package org.softxent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softxent.io.Npy;
import org.softxent.io.NpyArray;
import org.softxent.io.NpyFile;
import org.softxent.testing.Rng;
import picocli.CommandLine.Command;

/**
 * A mapped input cut short while a command reads it: the JVM reports the fault as an
 * InternalError, possibly later than the read and on another thread (so past the reads' own
 * handlers); the command line turns it into its one line naming the file, exit 2, no stack trace.
 */
class MappedReadFaultTest {
    @TempDir
    static Path dir;

    /** Maps a file, cuts it short, and throws what the JVM throws after a faulting read, wrapped as a pool rethrows it. */
    @Command(name = "cut")
    static final class Cut implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            Rng rng = Rng.fresh();
            NpyFile.cutShort(); // what other tests of this JVM cut short on purpose, told once already
            Path file = dir.resolve("rows.npy");
            Npy.write(file, NpyArray.ofFloats(rng.normal(4096 * 8, 1), 4096, 8));
            try (NpyFile f = NpyFile.open(file)) {
                assertTrue(f.mapIfItFits(), "mapped");
                try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                    raf.setLength(1000);
                }
            }
            // Closed after it was cut short: still named (once), where the fault surfaces later.
            RuntimeException rethrown = new RuntimeException("a task failed");
            rethrown.addSuppressed(new InternalError(
                    "a fault occurred in a recent unsafe memory access operation in compiled Java code"));
            throw new InternalError("wrapped", rethrown);
        }
    }

    @Command(name = "other")
    static final class Other implements Callable<Integer> {
        @Override
        public Integer call() {
            throw new InternalError("something else");
        }
    }

    /** A file mapped, read whole and closed, then deleted or rewritten shorter, is not blamed later. */
    @Test
    void aFileClosedWholeIsNotBlamedLater() throws Exception {
        Rng rng = Rng.fresh();
        Path file = dir.resolve("whole.npy");
        Npy.write(file, NpyArray.ofFloats(rng.normal(4096 * 8, 1), 4096, 8));
        try (NpyFile f = NpyFile.open(file)) {
            assertTrue(f.mapIfItFits(), "mapped");
        }
        java.nio.file.Files.delete(file);
        assertFalse(NpyFile.cutShort().contains(file), rng.toString());
    }

    @Test
    void aMappedFileCutShortIsNamedInOneLine() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.execute(new PrintWriter(out), new PrintWriter(err), List.of(Cut.class), "cut");
        assertEquals(Main.EXIT_BAD_INPUT, status, err.toString());
        assertEquals("softxent cut: " + dir.resolve("rows.npy") + " ended while being read: was it cut short meanwhile?",
                err.toString().strip());
    }

    @Test
    void anotherInternalErrorIsNotTakenForOne() {
        assertFalse(NpyFile.isMappedReadFault(new InternalError("something else", new RuntimeException())));
        assertTrue(NpyFile.isMappedReadFault(new RuntimeException(new InternalError(
                "a fault occurred in an unsafe memory access operation"))));
        InternalError e = org.junit.jupiter.api.Assertions.assertThrows(InternalError.class,
                () -> Main.execute(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()),
                        List.of(Other.class), "other"));
        assertEquals("something else", e.getMessage());
    }
}
