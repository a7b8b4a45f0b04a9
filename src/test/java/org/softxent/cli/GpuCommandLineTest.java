package org.softxent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.softxent.testing.GpuTest;

/** check and every per-operation command with --device gpu. */
@GpuTest
class GpuCommandLineTest {
    @TempDir
    Path tmp;

    @Test
    void checkPassesEveryGoldenCaseOnTheGpu() {
        CommandLineTest.Run r = CommandLineTest.run("check", GoldenCasesContract.golden().toString(), "--device", "gpu");
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().startsWith("device: GPU "), r.out());
        assertTrue(r.out().contains("28 cases: 28 passed, 0 failed"), r.out());
    }

    @TestFactory
    Stream<DynamicTest> everyGoldenCaseRunsAsACommandLineOnTheGpu() throws IOException {
        return CommandLineTest.goldenCommandLines(tmp, "gpu");
    }

    /** bench on the simulated device: a labelled smoke run, with the sweep and its picture beside the JSON. */
    @Test
    void benchOnTheSimulatedDeviceSaysSoAndDrawsTheSweep() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(org.softxent.testing.SimulatedDevice.active(),
                "on a GPU the quick run has no sweep, and the full one takes minutes");
        Path json = tmp.resolve("b.json");
        CommandLineTest.Run r = CommandLineTest.run("bench", "--quick", "--device", "gpu", "--json", json.toString());
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("SIMULATED DEVICE: the CPU emulating a GPU"), r.out());
        com.google.gson.JsonObject written = com.google.gson.JsonParser.parseString(java.nio.file.Files.readString(json))
                .getAsJsonObject();
        assertEquals("true", written.getAsJsonObject("environment").get("simulated").getAsString());
        long sweep = java.util.stream.StreamSupport.stream(written.getAsJsonArray("results").spliterator(), false)
                .filter(e -> e.getAsJsonObject().get("workload").getAsString().equals("cross-entropy sweep (device)"))
                .count();
        assertEquals(11, sweep);
        assertTrue(javax.imageio.ImageIO.read(tmp.resolve("b-sweep.png").toFile()).getWidth() > 0);
    }

    @org.junit.jupiter.api.Test
    void trainsTheDigitsOnTheGpu(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        CommandLineTest.Run r = CommandLineTest.run("train", "--data", TrainCommandTest.DIGITS, "--out",
                dir.resolve("m").toString(), "--device", "gpu", "--seed", "4");
        org.junit.jupiter.api.Assertions.assertEquals(0, r.status(), r.err());
        org.junit.jupiter.api.Assertions.assertTrue(r.out().contains("device-resident"), r.out());
        org.junit.jupiter.api.Assertions.assertTrue(TrainCommandTest.lastAccuracy(r, "test accuracy") >= 0.95, r.out());

        r = CommandLineTest.run("train", "--data", TrainCommandTest.DIGITS, "--out", dir.resolve("s").toString(),
                "--device", "gpu", "--seed", "4", "--stream");
        org.junit.jupiter.api.Assertions.assertEquals(0, r.status(), r.err());
        // The rows held out for the test make the training rows a view, no array: streamed from it.
        org.junit.jupiter.api.Assertions.assertTrue(
                r.out().contains("the training set streamed from its source: chunks of"), r.out());
        org.junit.jupiter.api.Assertions.assertTrue(TrainCommandTest.lastAccuracy(r, "test accuracy") >= 0.95, r.out());
    }

    /**
     * --chunk-mib on a GPU sizes the chunks a .npy file's rows are read and uploaded in, below and
     * above the 8 MiB they take by default.
     */
    @Test
    void chunkMibSizesTheChunksOfAFileOnTheGpu() throws IOException {
        org.softxent.testing.Rng rng = org.softxent.testing.Rng.fresh();
        int rows = 12_000; // 10,800 training rows of 4,000 bytes: a quarter of them passes 8 MiB
        int features = 1000;
        Path xs = tmp.resolve("x.npy");
        Path ys = tmp.resolve("y.npy");
        org.softxent.testing.LabelledFiles.writeSeparable(rng, rows, features, xs, ys);
        String[] common = {"train", "--data", xs.toString(), "--labels", ys.toString(), "--device", "gpu", "--stream",
            "--epochs", "2", "--test-fraction", "0.1"};
        int[] chunk = new int[3];
        String[][] flags = {{}, {"--chunk-mib", "1"}, {"--chunk-mib", "16"}};
        for (int i = 0; i < flags.length; i++) {
            CommandLineTest.Run r = CommandLineTest.run(concat(concat(common, "--out", tmp.resolve("m" + i).toString()),
                    flags[i]));
            assertEquals(0, r.status(), rng + " " + String.join(" ", flags[i]) + ": " + r.err());
            chunk[i] = chunkRows(r.out());
        }
        long rowBytes = 4L * features;
        assertTrue(chunk[0] * rowBytes <= 8L << 20 && chunk[1] * rowBytes <= 1L << 20
                && chunk[2] * rowBytes <= 16L << 20 && chunk[1] < chunk[0] && chunk[0] < chunk[2],
                rng + ": chunks of " + java.util.Arrays.toString(chunk) + " rows by default, with 1 MiB and 16 MiB");
    }

    private static String[] concat(String[] first, String... more) {
        String[] all = java.util.Arrays.copyOf(first, first.length + more.length);
        System.arraycopy(more, 0, all, first.length, more.length);
        return all;
    }

    /** N in the description's "chunks of N rows". */
    private static int chunkRows(String out) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("chunks of (\\d+) rows").matcher(out);
        assertTrue(m.find(), out);
        return Integer.parseInt(m.group(1));
    }
}
