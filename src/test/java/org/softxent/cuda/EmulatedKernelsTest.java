package org.softxent.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.softxent.testing.Close.LOGITS;
import static org.softxent.testing.Close.assertClose;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.softxent.BinaryCrossEntropyOptions;
import org.softxent.CrossEntropyOptions;
import org.softxent.Device;
import org.softxent.LossResult;
import org.softxent.Reduction;
import org.softxent.Softxent;
import org.softxent.testing.Rng;

/**
 * The CUDA kernels of cuda/softxent.cu, run on the CPU by cuda/emu (one fiber per CUDA thread,
 * strict barriers and warp shuffles), against the CPU reference: every kernel variant on the shapes
 * that exercise its tails, masks, vector loads and partial blocks. This is what can be checked of
 * the kernels on a machine without a GPU; the GPU suite checks them on the device. Needs g++.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EmulatedKernelsTest {
    private static final Path SOURCES = Path.of("cuda");

    @TempDir
    Path tmp;

    private Path harness;
    private Softxent cpu;
    private final List<Job> jobs = new ArrayList<>();

    @BeforeAll
    void buildHarness() throws Exception {
        Assumptions.assumeTrue(Files.isRegularFile(SOURCES.resolve("softxent.cu")), "run from the project root");
        harness = Path.of("target", "emu", "kernel_harness");
        Files.createDirectories(harness.getParent());
        Process gcc;
        try {
            gcc = new ProcessBuilder("g++", "-std=c++20", "-O2", "-pthread", "-Wall", "-Wno-unknown-pragmas",
                    "-I", SOURCES.toString(), SOURCES.resolve("emu/kernel_harness.cpp").toString(),
                    SOURCES.resolve("emu/cuda_emu.cpp").toString(), "-o",
                    harness.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.abort("no g++ to build the kernel emulator: " + e.getMessage());
            return;
        }
        String log = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(gcc.waitFor(5, TimeUnit.MINUTES));
        assertEquals(0, gcc.exitValue(), "the kernels compile as C++ for the emulator:\n" + log);
        assertTrue(log.isBlank(), "no compiler warnings:\n" + log);
        cpu = Softxent.open(Device.CPU);
    }

    @AfterAll
    void close() {
        if (cpu != null) {
            cpu.close();
        }
    }

    /** One harness job: a folder with job.txt, the inputs, and a check of the outputs. */
    final class Job {
        final Path dir;
        final Map<String, String> values = new LinkedHashMap<>();
        Consumer<Job> check;

        Job(String name) throws IOException {
            dir = Files.createDirectories(tmp.resolve("job" + jobs.size() + "-" + name));
            jobs.add(this);
        }

        Job set(String key, Object value) {
            values.put(key, String.valueOf(value));
            return this;
        }

        Job floats(String name, float[] data) throws IOException {
            ByteBuffer b = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(data);
            Files.write(dir.resolve(name + ".bin"), b.array());
            return this;
        }

        Job ints(String name, int[] data) throws IOException {
            ByteBuffer b = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.asIntBuffer().put(data);
            Files.write(dir.resolve(name + ".bin"), b.array());
            return this;
        }

        float[] outFloats(String name) {
            ByteBuffer b = bytes(name);
            float[] out = new float[b.remaining() / 4];
            b.asFloatBuffer().get(out);
            return out;
        }

        double outDouble(String name) {
            return bytes(name).getDouble(0);
        }

        long[] status() {
            ByteBuffer b = bytes("status");
            long[] s = new long[4];
            b.asLongBuffer().get(s);
            return s;
        }

        private ByteBuffer bytes(String name) {
            try {
                return ByteBuffer.wrap(Files.readAllBytes(dir.resolve(name + ".bin"))).order(ByteOrder.LITTLE_ENDIAN);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }

        @Override
        public String toString() {
            return dir.getFileName() + " " + values;
        }
    }

    /** Runs every queued job in one harness process, then their checks. */
    private void runJobs() throws Exception {
        List<Job> queued = new ArrayList<>(jobs);
        jobs.clear();
        List<String> command = new ArrayList<>();
        command.add(harness.toString());
        for (Job job : queued) {
            StringBuilder text = new StringBuilder();
            job.values.forEach((k, v) -> text.append(k).append(' ').append(v).append('\n'));
            Files.writeString(job.dir.resolve("job.txt"), text);
            command.add(job.dir.toString());
        }
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.MINUTES));
        assertEquals(0, p.exitValue(), log);
        for (Job job : queued) {
            job.check.accept(job);
        }
    }

    // ---------------------------------------------------------------------------------------------

    /** Every row-kernel variant, with the widths (in units of its capacity) that exercise its tails. */
    private static List<Object[]> rowKernels() {
        List<Object[]> variants = new ArrayList<>();
        for (int vpt : new int[] {1, 2, 4, 8, 16, 32}) {
            variants.add(new Object[] {"warp_p1_v" + vpt, 1, 32 * vpt, 128});
        }
        for (int vpt : new int[] {4, 8, 16, 32}) {
            variants.add(new Object[] {"warp_p4_v" + vpt, 4, 32 * vpt, 128});
        }
        for (int vpt : new int[] {8, 16, 32}) {
            variants.add(new Object[] {"block_p1_v" + vpt, 1, 64 * vpt, 64});
            variants.add(new Object[] {"block_p4_v" + vpt, 4, 96 * vpt, 96});
        }
        variants.add(new Object[] {"stream_p1", 1, 3000, 64});
        variants.add(new Object[] {"stream_p4", 4, 3000, 96});
        return variants;
    }

    /** Widths up to a variant's capacity: the full width, one short, one pack, and small ones. */
    private static int[] widths(int capacity, int pack) {
        int[] raw = {capacity, capacity - pack, pack, capacity / 2 + pack, 3 * pack};
        return java.util.Arrays.stream(raw).filter(c -> c >= 1 && c <= capacity).distinct().toArray();
    }

    @Test
    void rowKernelsComputeSoftmaxAndCrossEntropyLikeTheReference() throws Exception {
        Rng rng = Rng.fresh();
        for (Object[] v : rowKernels()) {
            String kernel = (String) v[0];
            int pack = (int) v[1];
            int capacity = (int) v[2];
            int block = (int) v[3];
            for (int cols : widths(capacity, pack)) {
                int rows = 6; // two warp-kernel blocks, the second half full
                float[] z = rng.normal(rows * cols, 3);
                for (int i = 0; i < z.length; i += 7) {
                    if (i % cols != 0) {
                        z[i] = Float.NEGATIVE_INFINITY; // masks, never the whole row
                    }
                }
                queueSoftmax(kernel, block, rows, cols, z, false, rng);
                queueSoftmax(kernel, block, rows, cols, z, true, rng);
                queueCrossEntropy(kernel, block, rows, cols, z, rng);
                queueTargets(kernel, block, rows, cols, rng);
            }
        }
        runJobs();
    }

    private void queueSoftmax(String kernel, int block, int rows, int cols, float[] z, boolean log, Rng rng)
            throws IOException {
        float[] bias = rng.nextBoolean() ? rng.normal(cols, 1) : null;
        float[] zb = withBias(z, bias, rows, cols);
        float[] expected = log ? cpu.logSoftmax(zb, rows, cols) : cpu.softmax(zb, rows, cols);
        Job job = new Job(kernel).set("op", log ? "log_softmax" : "softmax").set("kernel", kernel)
                .set("block", block).set("rows", rows).set("cols", cols).floats("logits", z);
        if (bias != null) {
            job.floats("bias", bias);
        }
        job.check = j -> assertClose(expected, j.outFloats("out"), LOGITS, j + " " + rng);
    }

    private void queueCrossEntropy(String kernel, int block, int rows, int cols, float[] z, Rng rng)
            throws IOException {
        Reduction reduction = Reduction.values()[rng.nextInt(0, 3)];
        double eps = rng.nextBoolean() ? 0.0 : 0.2;
        float[] weights = rng.nextBoolean() ? rng.uniform(cols, 0.5, 2) : null;
        int[] labels = new int[rows];
        for (int r = 0; r < rows; r++) {
            labels[r] = rng.nextInt(0, cols);
            while (z[r * cols + labels[r]] == Float.NEGATIVE_INFINITY) {
                labels[r] = (labels[r] + 1) % cols; // a label never points at a masked class
            }
        }
        labels[1] = -100; // one ignored row
        float[] bias = rng.nextBoolean() ? rng.normal(cols, 1) : null;
        // With smoothing, a masked class makes the loss +inf on both sides; compare the finite case.
        float[] logits = eps > 0 ? unmask(z) : z;
        CrossEntropyOptions o = CrossEntropyOptions.defaults().withReduction(reduction).withLabelSmoothing(eps)
                .withClassWeights(weights);
        float[] grad = new float[rows * cols];
        float[] probs = new float[rows * cols];
        LossResult ref = cpu.crossEntropy(withBias(logits, bias, rows, cols), rows, cols, labels, o, grad, probs);
        boolean inPlace = rng.nextBoolean();
        Job job = new Job(kernel).set("op", "ce_labels").set("kernel", kernel).set("block", block).set("rows", rows)
                .set("cols", cols).set("reduction", reduction).set("smoothing", eps).set("want_probs", 1)
                .set("in_place", inPlace ? 1 : 0).floats("logits", logits).ints("labels", labels);
        if (weights != null) {
            job.floats("weights", weights);
        }
        if (bias != null) {
            job.floats("bias", bias);
        }
        job.check = j -> {
            String what = j + " " + rng;
            assertClose(grad, j.outFloats("out"), LOGITS, "gradient " + what);
            assertClose(probs, j.outFloats("probs"), LOGITS, "probabilities " + what);
            if (reduction == Reduction.NONE) {
                assertClose(ref.losses(), j.outFloats("row_loss"), LOGITS, "row losses " + what);
            } else {
                assertClose(ref.loss(), j.outDouble("loss"), LOGITS, "loss " + what);
                assertClose(ref.loss(), j.outFloats("loss_float")[0], LOGITS, "loss as float " + what);
            }
            assertEquals(0L, j.status()[0], "no bad data " + what);
        };
    }

    private void queueTargets(String kernel, int block, int rows, int cols, Rng rng) throws IOException {
        float[] z = rng.normal(rows * cols, 2);
        float[] t = rng.distributions(rows, cols);
        float[] weights = rng.nextBoolean() ? rng.uniform(cols, 0.5, 2) : null;
        double eps = rng.nextBoolean() ? 0.0 : 0.3;
        CrossEntropyOptions o = CrossEntropyOptions.defaults().withLabelSmoothing(eps).withClassWeights(weights);
        float[] grad = new float[rows * cols];
        LossResult ref = cpu.crossEntropyWithTargets(z, rows, cols, t, o, grad, null);
        Job job = new Job(kernel).set("op", "ce_targets").set("kernel", kernel).set("block", block)
                .set("rows", rows).set("cols", cols).set("smoothing", eps).floats("logits", z).floats("targets", t);
        if (weights != null) {
            job.floats("weights", weights);
        }
        job.check = j -> {
            String what = j + " " + rng;
            assertClose(grad, j.outFloats("out"), LOGITS, "gradient " + what);
            assertClose(ref.loss(), j.outDouble("loss"), LOGITS, "loss " + what);
        };
    }

    /** Logits of 1e4 with the label a clear favourite: small losses survive float32 (see neg_log_p). */
    @Test
    void confidentPredictionsWithLargeLogitsKeepTheirSmallLosses() throws Exception {
        Rng rng = Rng.fresh();
        int rows = 6;
        int cols = 100;
        float[] z = rng.uniform(rows * cols, -1e4, 1e4);
        int[] labels = new int[rows];
        for (int r = 0; r < rows; r++) {
            int top = 0;
            for (int j = 1; j < cols; j++) {
                top = z[r * cols + j] > z[r * cols + top] ? j : top;
            }
            labels[r] = rng.nextInt(0, cols);
            z[r * cols + labels[r]] = z[r * cols + top] + (float) (1 + 4 * rng.nextDouble());
        }
        LossResult ref = cpu.crossEntropy(z, rows, cols, labels,
                CrossEntropyOptions.defaults().withReduction(Reduction.NONE));
        float[] logSoftmax = cpu.logSoftmax(z, rows, cols);
        for (String kernel : new String[] {"warp_p1_v4", "warp_p4_v4", "block_p4_v8", "stream_p1"}) {
            Job ce = new Job(kernel).set("op", "ce_labels").set("kernel", kernel).set("block", 32).set("rows", rows)
                    .set("cols", cols).set("reduction", "none").floats("logits", z).ints("labels", labels);
            ce.check = j -> {
                float[] got = j.outFloats("row_loss");
                for (int r = 0; r < rows; r++) {
                    assertClose(ref.losses()[r], got[r], LOGITS, "row " + r + " " + j + " " + rng);
                }
            };
            Job lsm = new Job(kernel).set("op", "log_softmax").set("kernel", kernel).set("block", 32)
                    .set("rows", rows).set("cols", cols).floats("logits", z);
            lsm.check = j -> {
                float[] got = j.outFloats("out");
                for (int r = 0; r < rows; r++) {
                    int i = r * cols + labels[r];
                    assertClose(logSoftmax[i], got[i], LOGITS, "log p of row " + r + "'s label " + j + " " + rng);
                }
            };
        }
        runJobs();
    }

    @Test
    void badLogitsLabelsAndTargetsAreReportedWithTheirFirstIndex() throws Exception {
        int rows = 5;
        int cols = 40;
        float[] z = new float[rows * cols];
        z[2 * cols + 7] = Float.NaN;
        z[3 * cols + 1] = Float.POSITIVE_INFINITY;
        z[4 * cols] = Float.NEGATIVE_INFINITY; // a mask is fine
        int[] labels = {0, 1, 40, 3, -1};
        for (String kernel : new String[] {"warp_p1_v2", "block_p4_v8", "stream_p1"}) {
            Job job = new Job("bad").set("op", "ce_labels").set("kernel", kernel).set("block", 32).set("rows", rows)
                    .set("cols", cols).floats("logits", z).ints("labels", labels);
            job.check = j -> {
                long[] s = j.status();
                assertEquals(1L | 4L, s[0], "bad logits and a bad label, " + j);
                assertEquals(2L * cols + 7, s[1], "the first bad logit, " + j);
                assertEquals(2L, s[3], "the first bad label's row, " + j);
            };
        }
        float[] t = new float[rows * cols];
        t[33] = Float.NEGATIVE_INFINITY;
        Job targets = new Job("badt").set("op", "ce_targets").set("kernel", "stream_p4").set("block", 32)
                .set("rows", rows).set("cols", cols).floats("logits", new float[rows * cols]).floats("targets", t);
        targets.check = j -> {
            assertEquals(2L, j.status()[0], j.toString());
            assertEquals(33L, j.status()[2], j.toString());
        };
        runJobs();
    }

    @Test
    void softmaxBackwardAndJacobian() throws Exception {
        Rng rng = Rng.fresh();
        String[][] variants = {{"warp_p1", "1"}, {"warp_p4", "4"}, {"block_p1", "1"}, {"block_p4", "4"}};
        for (String[] v : variants) {
            for (int cols : new int[] {4, 32, 36, 100, 1024}) {
                if (cols % Integer.parseInt(v[1]) != 0) {
                    continue;
                }
                int rows = 5;
                float[] p = cpu.softmax(rng.normal(rows * cols, 2), rows, cols);
                float[] g = rng.normal(rows * cols, 1);
                float[] expected = cpu.softmaxBackward(p, g, rows, cols);
                Job job = new Job(v[0]).set("op", "backward").set("kernel", v[0]).set("block", 64).set("rows", rows)
                        .set("cols", cols).floats("probs", p).floats("grad", g);
                job.check = j -> assertClose(expected, j.outFloats("out"), LOGITS, j + " " + rng);
            }
        }
        for (int cols : new int[] {1, 2, 7, 33}) {
            int rows = 3;
            float[] z = rng.normal(rows * cols, 2);
            float[] expected = cpu.softmaxJacobian(z, rows, cols);
            Job job = new Job("jacobian").set("op", "jacobian").set("rows", rows).set("cols", cols)
                    .set("grid", 3).floats("probs", cpu.softmax(z, rows, cols));
            job.check = j -> assertClose(expected, j.outFloats("out"), LOGITS, j + " " + rng);
        }
        runJobs();
    }

    @Test
    void binaryCrossEntropy() throws Exception {
        Rng rng = Rng.fresh();
        for (Reduction reduction : Reduction.values()) {
            for (boolean weighted : new boolean[] {false, true}) {
                int rows = 37;
                int cols = 5;
                float[] x = rng.normal(rows * cols, 6);
                x[3] = 90f;
                x[4] = -90f;
                float[] t = rng.uniform(rows * cols, 0, 1);
                float[] pw = weighted ? rng.uniform(cols, 0.5, 3) : null;
                BinaryCrossEntropyOptions o = BinaryCrossEntropyOptions.defaults().withReduction(reduction)
                        .withPosWeight(pw);
                float[] grad = new float[rows * cols];
                float[] probs = new float[rows * cols];
                LossResult ref = cpu.binaryCrossEntropy(x, t, rows, cols, o, grad, probs);
                Job job = new Job("bce").set("op", "bce").set("rows", rows).set("cols", cols)
                        .set("reduction", reduction).set("grid", 3).floats("logits", x).floats("targets", t);
                if (pw != null) {
                    job.floats("pos_weight", pw);
                }
                job.check = j -> {
                    String what = j + " " + rng;
                    assertClose(grad, j.outFloats("out"), LOGITS, "gradient " + what);
                    assertClose(probs, j.outFloats("probs"), LOGITS, "sigmoid " + what);
                    if (reduction == Reduction.NONE) {
                        assertClose(ref.losses(), j.outFloats("row_loss"), LOGITS, "losses " + what);
                    } else {
                        assertClose(ref.loss(), j.outDouble("loss"), LOGITS, "loss " + what);
                    }
                };
            }
        }
        runJobs();
    }

    @Test
    void columnSumsAndSumOfSquares() throws Exception {
        Rng rng = Rng.fresh();
        int rows = 19;
        int cols = 130;
        float[] ds = rng.normal(rows * cols, 1);
        for (int accumulate : new int[] {0, 1}) {
            double[] expected = new double[cols];
            for (int j = 0; j < cols; j++) {
                expected[j] = accumulate * 0.5;
                for (int i = 0; i < rows; i++) {
                    expected[j] += ds[i * cols + j];
                }
            }
            Job job = new Job("colsum").set("op", "column_sums").set("rows", rows).set("cols", cols)
                    .set("accumulate", accumulate).floats("logits", ds);
            job.check = j -> assertClose(expected, j.outFloats("out"), 1e-6, j + " " + rng);
        }
        double squares = 0;
        for (float v : ds) {
            squares += (double) v * v;
        }
        double expectedSquares = squares + 0.25; // the harness adds 0.25 as the addend
        Job job = new Job("squares").set("op", "sum_squares").set("rows", rows).set("cols", cols).set("grid", 3)
                .floats("logits", ds);
        job.check = j -> assertClose(expectedSquares, j.outDouble("loss"), 1e-12, j + " " + rng);
        runJobs();
    }

    private static float[] withBias(float[] z, float[] bias, int rows, int cols) {
        if (bias == null) {
            return z;
        }
        float[] out = z.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] += bias[i % cols];
        }
        return out;
    }

    private static float[] unmask(float[] z) {
        float[] out = z.clone();
        for (int i = 0; i < out.length; i++) {
            if (out[i] == Float.NEGATIVE_INFINITY) {
                out[i] = -30f;
            }
        }
        return out;
    }
}
