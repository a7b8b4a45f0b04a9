package org.softxent.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.softxent.testing.Close.LOGITS;
import static org.softxent.testing.Close.assertClose;

import java.util.ArrayList;
import java.util.List;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.softxent.BinaryCrossEntropyOptions;
import org.softxent.CrossEntropyOptions;
import org.softxent.Device;
import org.softxent.LossResult;
import org.softxent.Reduction;
import org.softxent.Softxent;
import org.softxent.testing.DeviceArrays;
import org.softxent.testing.GpuTest;
import org.softxent.testing.Rng;

/**
 * Each kernel of cuda/softxent.cu through its launcher record, on the device (the simulated one
 * where there is no GPU), against the CPU reference: every row-kernel variant on the widths that
 * exercise its tails, masks, vector loads and partial warps, with grids smaller than the rows (the
 * rows then come to the blocks in turn), and the status block each kernel reports into. A new
 * kernel gets its test here, beside its launcher.
 */
@GpuTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KernelsTest {
    private CudaEngine engine;
    private Softxent cpu;
    private DeviceArrays mem;
    private CUstream stream;

    @BeforeAll
    void open() {
        engine = (CudaEngine) CudaBackends.open(true);
        cpu = Softxent.openReference();
        stream = engine.cuda.stream;
    }

    @AfterAll
    void close() {
        engine.close();
        cpu.close();
    }

    @BeforeEach
    void memory() {
        engine.begin();
        mem = new DeviceArrays();
    }

    @AfterEach
    void free() {
        mem.close();
    }

    // ---------------------------------------------------------------------------------------------

    /** A zeroed status block, as the engine's ring hands out. */
    private CUdeviceptr status() {
        return mem.of(new float[StatusRing.SLOT_BYTES / Float.BYTES]);
    }

    private static long word(CUdeviceptr status, int offset) {
        long[] v = new long[1];
        sync();
        cuMemcpyDtoH(Pointer.to(v), status.withByteOffset(offset), Long.BYTES);
        return v[0];
    }

    private static double loss(CUdeviceptr status) {
        return Double.longBitsToDouble(word(status, Contract.STATUS_LOSS));
    }

    private static void sync() {
        assertEquals(0, cuCtxSynchronize(), "the kernels ran");
    }

    /** Every row-kernel variant: its name, pack, the widest row it holds, and its block. */
    private static List<Object[]> rowVariants() {
        List<Object[]> variants = new ArrayList<>();
        for (int vpt : RowKernel.WARP_VPT_SCALAR) {
            variants.add(new Object[] {"sx_rows_warp_p1_v" + vpt, 1, 32 * vpt, 128});
        }
        for (int vpt : RowKernel.WARP_VPT_VECTOR) {
            variants.add(new Object[] {"sx_rows_warp_p4_v" + vpt, 4, 32 * vpt, 128});
        }
        for (int vpt : RowKernel.BLOCK_VPT) {
            variants.add(new Object[] {"sx_rows_block_p1_v" + vpt, 1, 64 * vpt, 64});
            variants.add(new Object[] {"sx_rows_block_p4_v" + vpt, 4, 96 * vpt, 96});
        }
        variants.add(new Object[] {"sx_rows_stream_p1", 1, 3000, 64});
        variants.add(new Object[] {"sx_rows_stream_p4", 4, 3000, 96});
        return variants;
    }

    /** Widths up to a variant's capacity: full, one pack short, one pack, half and a few packs. */
    private static int[] widths(int capacity, int pack) {
        int[] raw = {capacity, capacity - pack, pack, capacity / 2 + pack, 3 * pack};
        return java.util.Arrays.stream(raw).filter(c -> c >= 1 && c <= capacity).distinct().toArray();
    }

    @Test
    void everyRowVariantComputesSoftmaxAndCrossEntropyLikeTheReference() {
        Rng rng = Rng.fresh();
        int rows = 9; // with 2 blocks: blocks take rows in turn, and the warp kernels' last block is partial
        for (Object[] v : rowVariants()) {
            String kernel = (String) v[0];
            int pack = (int) v[1];
            int block = (int) v[3];
            for (int cols : widths((int) v[2], pack)) {
                String what = kernel + " " + rows + "x" + cols + " " + rng;
                float[] z = rng.normal(rows * cols, 3);
                for (int i = 0; i < z.length; i += 7) {
                    if (i % cols != 0) {
                        z[i] = Float.NEGATIVE_INFINITY; // masks, never a whole row
                    }
                }
                CUdeviceptr dz = mem.of(z);
                for (boolean log : new boolean[] {false, true}) {
                    CUdeviceptr out = mem.poisoned((long) rows * cols);
                    engine.module.launch(kernel, 2, block, stream,
                            RowKernel.softmax(log, dz, rows, cols, out, status()));
                    float[] expected = log ? cpu.logSoftmax(z, rows, cols) : cpu.softmax(z, rows, cols);
                    assertClose(expected, DeviceArrays.read(out, rows * cols), LOGITS, (log ? "log-" : "") + "softmax " + what);
                }
                crossEntropyWithLabels(kernel, block, rows, cols, z, rng, what);
                crossEntropyWithTargets(kernel, block, rows, cols, rng, what);
            }
        }
    }

    private void crossEntropyWithLabels(String kernel, int block, int rows, int cols, float[] z, Rng rng, String what) {
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
        float[] logits = eps > 0 ? unmask(z) : z; // with smoothing a mask makes the loss +inf: compare finite ones
        CrossEntropyOptions o = CrossEntropyOptions.defaults().withReduction(reduction).withLabelSmoothing(eps)
                .withClassWeights(weights);
        float[] grad = new float[rows * cols];
        float[] probs = new float[rows * cols];
        LossResult ref = cpu.crossEntropy(withBias(logits, bias, rows, cols), rows, cols, labels, o, grad, probs);

        boolean inPlace = rng.nextBoolean(); // the classifier writes dS over its logits
        CUdeviceptr dz = mem.of(logits);
        CUdeviceptr out = inPlace ? dz : mem.poisoned((long) rows * cols);
        CUdeviceptr dp = mem.poisoned((long) rows * cols);
        CUdeviceptr rowLoss = mem.poisoned(rows);
        CUdeviceptr lossOut = mem.poisoned(1);
        CUdeviceptr partial = mem.alloc(2L * Double.BYTES);
        CUdeviceptr dw = weights == null ? null : mem.of(weights);
        CUdeviceptr dy = mem.of(labels);
        CUdeviceptr st = status();
        int red = DeviceOps.reduction(reduction);
        double weightSum = cols;
        if (weights != null) {
            weightSum = 0;
            for (float w : weights) {
                weightSum += w;
            }
        }
        new DivisorKernel(rows, cols, -100, red, dy, dw, null, st, 1).launch(engine.module, stream);
        engine.module.launch(kernel, 2, block, stream, new RowKernel(Contract.OP_CE_LABELS, rows, cols, red, dz,
                bias == null ? null : mem.of(bias), dy, null, dw, null, -100, (float) (1 - eps), (float) (eps / cols),
                (float) weightSum, 0, 0, out, dp, rowLoss, red == Contract.REDUCE_NONE ? null : partial,
                red == Contract.REDUCE_NONE ? null : lossOut, st, 0, 1));
        String with = what + " " + o;
        assertClose(grad, DeviceArrays.read(out, rows * cols), LOGITS, "gradient " + with);
        assertClose(probs, DeviceArrays.read(dp, rows * cols), LOGITS, "probabilities " + with);
        if (reduction == Reduction.NONE) {
            assertClose(ref.losses(), DeviceArrays.read(rowLoss, rows), LOGITS, "row losses " + with);
        } else {
            assertClose(ref.loss(), loss(st), LOGITS, "loss " + with);
            assertClose(ref.loss(), DeviceArrays.read(lossOut, 1)[0], LOGITS, "loss as float " + with);
        }
        assertEquals(0L, word(st, Contract.STATUS_BAD), "no bad data " + with);
        assertEquals(0L, word(st, Contract.STATUS_TICKET), "the ticket is back to 0 " + with);
    }

    private void crossEntropyWithTargets(String kernel, int block, int rows, int cols, Rng rng, String what) {
        float[] z = rng.normal(rows * cols, 2);
        float[] t = rng.distributions(rows, cols);
        float[] weights = rng.nextBoolean() ? rng.uniform(cols, 0.5, 2) : null;
        double eps = rng.nextBoolean() ? 0.0 : 0.3;
        CrossEntropyOptions o = CrossEntropyOptions.defaults().withLabelSmoothing(eps).withClassWeights(weights);
        float[] grad = new float[rows * cols];
        LossResult ref = cpu.crossEntropyWithTargets(z, rows, cols, t, o, grad, null);
        double weightSum = cols;
        if (weights != null) {
            weightSum = 0;
            for (float w : weights) {
                weightSum += w;
            }
        }
        CUdeviceptr out = mem.poisoned((long) rows * cols);
        CUdeviceptr st = status();
        engine.module.launch(kernel, 2, block, stream, new RowKernel(Contract.OP_CE_TARGETS, rows, cols,
                Contract.REDUCE_MEAN, mem.of(z), null, null, mem.of(t), weights == null ? null : mem.of(weights), null, -100,
                (float) (1 - eps), (float) (eps / cols), (float) weightSum, rows, 0, out, null, null,
                mem.alloc(2L * Double.BYTES), null, st, 0, 1));
        assertClose(grad, DeviceArrays.read(out, rows * cols), LOGITS, "targets gradient " + what + " " + o);
        assertClose(ref.loss(), loss(st), LOGITS, "targets loss " + what + " " + o);
    }

    /** Logits of 1e4 with the label a clear favourite: small losses survive float32 (see neg_log_p). */
    @Test
    void confidentPredictionsWithLargeLogitsKeepTheirSmallLosses() {
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
        LossResult ref = cpu.crossEntropy(z, rows, cols, labels, CrossEntropyOptions.defaults().withReduction(Reduction.NONE));
        for (String kernel : new String[] {"sx_rows_warp_p1_v4", "sx_rows_warp_p4_v4", "sx_rows_block_p4_v8",
            "sx_rows_stream_p1"}) {
            CUdeviceptr rowLoss = mem.poisoned(rows);
            engine.module.launch(kernel, 1, 32, stream, new RowKernel(Contract.OP_CE_LABELS, rows, cols,
                    Contract.REDUCE_NONE, mem.of(z), null, mem.of(labels), null, null, null, -100, 1f, 0f, cols, 1, 0, null,
                    null, rowLoss, null, null, status(), 0, 1));
            assertClose(ref.losses(), DeviceArrays.read(rowLoss, rows), LOGITS, kernel + " " + rng);
        }
    }

    @Test
    void badLogitsLabelsAndTargetsAreReportedWithTheirFirstIndex() {
        int rows = 5;
        int cols = 40;
        float[] z = new float[rows * cols];
        z[2 * cols + 7] = Float.NaN;
        z[3 * cols + 1] = Float.POSITIVE_INFINITY;
        z[4 * cols] = Float.NEGATIVE_INFINITY; // a mask is fine
        int[] labels = {0, 1, 40, 3, -1};
        for (String kernel : new String[] {"sx_rows_warp_p1_v2", "sx_rows_block_p4_v8", "sx_rows_stream_p1"}) {
            CUdeviceptr st = status();
            engine.module.launch(kernel, 2, 32, stream, new RowKernel(Contract.OP_CE_LABELS, rows, cols,
                    Contract.REDUCE_NONE, mem.of(z), null, mem.of(labels), null, null, null, -100, 1f, 0f, cols, 1, 10, null,
                    null, mem.alloc(rows * 4L), null, null, st, 2, 5));
            assertEquals((1L << 2) | (1L << 5), word(st, Contract.STATUS_BAD), "bad logits and a bad label, " + kernel);
            assertEquals(12L * cols + 7, ~word(st, Contract.STATUS_FIRST + 8 * 2),
                    "the first bad logit, shifted by the row offset, " + kernel);
            assertEquals(12L, ~word(st, Contract.STATUS_FIRST + 8 * 5), "the first bad label's row, " + kernel);
        }
        float[] t = new float[rows * cols];
        t[33] = Float.NEGATIVE_INFINITY;
        CUdeviceptr st = status();
        engine.module.launch("sx_rows_stream_p4", 1, 32, stream, new RowKernel(Contract.OP_CE_TARGETS, rows, cols,
                Contract.REDUCE_NONE, mem.of(new float[rows * cols]), null, null, mem.of(t), null, null, -100, 1f, 0f, cols,
                rows, 0, null, null, null, null, null, st, 0, 1));
        assertEquals(2L, word(st, Contract.STATUS_BAD));
        assertEquals(33L, ~word(st, Contract.STATUS_FIRST + 8));

        st = status();
        new DivisorKernel(rows, cols, -100, Contract.REDUCE_MEAN, mem.of(labels), null, null, st, 3).launch(engine.module, stream);
        assertEquals(1L << 3, word(st, Contract.STATUS_BAD), "the divisor kernel reports labels too");
        assertEquals(2L, ~word(st, Contract.STATUS_FIRST + 8 * 3));
    }

    @Test
    void softmaxBackwardAndJacobian() {
        Rng rng = Rng.fresh();
        for (boolean vector : new boolean[] {false, true}) {
            for (int cols : new int[] {4, 32, 36, 100, 1024, 2000}) {
                int rows = 5;
                float[] p = cpu.softmax(rng.normal(rows * cols, 2), rows, cols);
                float[] g = rng.normal(rows * cols, 1);
                CUdeviceptr out = mem.poisoned((long) rows * cols);
                new BackwardKernel(rows, cols, mem.of(p), mem.of(g), out, status()).launch(engine.module, vector, stream);
                assertClose(cpu.softmaxBackward(p, g, rows, cols), DeviceArrays.read(out, rows * cols), LOGITS,
                        "backward " + cols + " vector " + vector + " " + rng);
            }
        }
        for (int cols : new int[] {1, 2, 7, 33}) {
            int rows = 3;
            float[] z = rng.normal(rows * cols, 2);
            CUdeviceptr out = mem.poisoned((long) rows * cols * cols);
            new JacobianKernel(rows, cols, mem.of(cpu.softmax(z, rows, cols)), out).launch(engine.module, stream);
            assertClose(cpu.softmaxJacobian(z, rows, cols), DeviceArrays.read(out, rows * cols * cols), LOGITS,
                    "Jacobian " + cols + " " + rng);
        }
    }

    @Test
    void binaryCrossEntropy() {
        Rng rng = Rng.fresh();
        for (Reduction reduction : Reduction.values()) {
            int rows = 37;
            int cols = 5;
            float[] x = rng.normal(rows * cols, 6);
            x[3] = 90f;
            x[4] = -90f;
            float[] t = rng.uniform(rows * cols, 0, 1);
            float[] pw = rng.uniform(cols, 0.5, 3);
            BinaryCrossEntropyOptions o = BinaryCrossEntropyOptions.defaults().withReduction(reduction).withPosWeight(pw);
            float[] grad = new float[rows * cols];
            float[] probs = new float[rows * cols];
            LossResult ref = cpu.binaryCrossEntropy(x, t, rows, cols, o, grad, probs);
            long n = (long) rows * cols;
            CUdeviceptr dg = mem.poisoned(n);
            CUdeviceptr dp = mem.poisoned(n);
            CUdeviceptr losses = reduction == Reduction.NONE ? mem.poisoned(n) : null;
            CUdeviceptr st = status();
            // Three blocks of 64: the last-block reduction over more than one partial.
            engine.module.launch("sx_bce", 3, 64, stream, BceKernel.of(n, cols, DeviceOps.reduction(reduction),
                    mem.of(x), mem.of(t), mem.of(pw), dg, dp, losses, mem.alloc(3L * Double.BYTES), null, st));
            String what = o + " " + rng;
            assertClose(grad, DeviceArrays.read(dg, (int) n), LOGITS, "gradient " + what);
            assertClose(probs, DeviceArrays.read(dp, (int) n), LOGITS, "sigmoid " + what);
            if (reduction == Reduction.NONE) {
                assertClose(ref.losses(), DeviceArrays.read(losses, (int) n), LOGITS, "losses " + what);
            } else {
                assertClose(ref.loss(), loss(st), LOGITS, "loss " + what);
            }
        }
    }

    @Test
    void theClassifiersSmallSteps() {
        Rng rng = Rng.fresh();
        int rows = 19;
        int cols = 130;
        float[] ds = rng.normal(rows * cols, 1);
        for (int accumulate : new int[] {0, 1}) {
            double[] expected = new double[cols];
            float[] start = new float[cols];
            java.util.Arrays.fill(start, 0.5f);
            for (int j = 0; j < cols; j++) {
                expected[j] = accumulate * 0.5;
                for (int i = 0; i < rows; i++) {
                    expected[j] += ds[i * cols + j];
                }
            }
            CUdeviceptr db = mem.of(start);
            new ColumnSumsKernel(rows, cols, accumulate, mem.of(ds), db).launch(engine.module, stream);
            assertClose(expected, DeviceArrays.read(db, cols), 1e-6, "column sums, accumulate " + accumulate + " " + rng);
        }
        CUdeviceptr scaled = mem.poisoned((long) rows * cols);
        new ScaleKernel((long) rows * cols, -0.5f, mem.of(ds), scaled).launch(engine.module, stream);
        float[] half = ds.clone();
        for (int i = 0; i < half.length; i++) {
            half[i] *= -0.5f;
        }
        assertClose(half, DeviceArrays.read(scaled, rows * cols), 0, "scale " + rng);

        double squares = 0;
        for (float v : ds) {
            squares += (double) v * v;
        }
        CUdeviceptr st = status();
        engine.module.launch("sx_sum_squares", 3, 64, stream,
                new SquaresKernel((long) rows * cols, 1, 1, 0.25, mem.of(ds), mem.alloc(3L * Double.BYTES), st));
        assertClose(0.25 * squares, Double.longBitsToDouble(word(st, Contract.STATUS_EXTRA)), 1e-12, "reg term " + rng);
        float[] bad = ds.clone();
        bad[rows * cols - 2] = Float.POSITIVE_INFINITY;
        st = status();
        new SquaresKernel((long) rows * cols, 1, 0, 0, mem.of(bad), mem.alloc(64L * 8 * Double.BYTES), st)
                .launch(engine.module, stream);
        assertEquals(2L, word(st, Contract.STATUS_BAD));
        assertEquals(rows * cols - 2L, ~word(st, Contract.STATUS_FIRST + 8));
    }

    @Test
    void argmaxPredictsEachRowAndCountsTheRightOnes() {
        Rng rng = Rng.fresh();
        for (int cols : new int[] {1, 7, 32, 33, 300}) {
            int rows = 2000; // more rows than the grid's warps: rows come to warps in turn
            float[] z = rng.normal(rows * cols, 3);
            float[] bias = rng.normal(cols, 1);
            for (int j = 0; j < cols; j++) {
                z[5 * cols + j] = -bias[j]; // a row of ties: its argmax is 0
            }
            int[] labels = rng.labels(rows, cols);
            labels[7] = -100; // ignored: never counted
            int[] want = new int[rows];
            int right = 0;
            for (int i = 0; i < rows; i++) {
                for (int j = 1; j < cols; j++) {
                    if (z[i * cols + j] + bias[j] > z[i * cols + want[i]] + bias[want[i]]) {
                        want[i] = j;
                    }
                }
                right += labels[i] == want[i] ? 1 : 0;
            }
            CUdeviceptr predicted = mem.of(new int[rows]);
            CUdeviceptr correct = mem.of(new int[] {3});
            new ArgmaxKernel(rows, cols, 0, -100, mem.of(z), mem.of(bias), mem.of(labels), null, predicted, correct, 0, null, 3)
                    .launch(engine.module, stream);
            assertArrayEquals(want, DeviceArrays.readInts(predicted, rows), cols + " columns " + rng);
            assertEquals(3 + right, DeviceArrays.readInts(correct, 1)[0], "the count, added " + rng);
        }
        int n = 1000;
        int k = 3;
        float[] z = rng.normal(n * k, 2);
        float[] t = rng.uniform(n * k, 0, 1);
        int[] want = new int[n * k];
        int right = 0;
        for (int i = 0; i < n * k; i++) {
            want[i] = z[i] > 0 ? 1 : 0;
            right += want[i] == (t[i] >= 0.5f ? 1 : 0) ? 1 : 0;
        }
        CUdeviceptr predicted = mem.of(new int[n * k]);
        CUdeviceptr correct = mem.of(new int[1]);
        new ArgmaxKernel(n, k, 1, 0, mem.of(z), null, null, mem.of(t), predicted, correct, 0, null, 3).launch(engine.module, stream);
        assertArrayEquals(want, DeviceArrays.readInts(predicted, n * k), "binary " + rng);
        assertEquals(right, DeviceArrays.readInts(correct, 1)[0], "binary count " + rng);
    }

    @Test
    void gatherCopiesTheRowsItIsToldAndReportsABadIndex() {
        Rng rng = Rng.fresh();
        int srcRows = 50;
        int cols = 7;
        float[] x = rng.normal(srcRows * cols, 1);
        int[] labels = rng.labels(srcRows, 1000);
        int count = 33; // more than a warp, fewer than the rows: some rows twice, some never
        int[] idx = new int[count];
        for (int r = 0; r < count; r++) {
            idx[r] = rng.nextInt(0, srcRows);
        }
        CUdeviceptr indices = mem.of(idx);
        CUdeviceptr rows = mem.poisoned((long) count * cols);
        CUdeviceptr picked = mem.of(new int[count]);
        new GatherKernel(count, srcRows, cols, indices, mem.of(x), rows, status()).launch(engine.module, stream);
        new GatherKernel(count, srcRows, 1, indices, mem.of(labels), picked, status()).launch(engine.module, stream);
        float[] got = DeviceArrays.read(rows, count * cols);
        int[] gotLabels = DeviceArrays.readInts(picked, count);
        for (int r = 0; r < count; r++) {
            for (int j = 0; j < cols; j++) {
                assertEquals(x[idx[r] * cols + j], got[r * cols + j], "row " + r + " (index " + idx[r] + ") " + rng);
            }
            assertEquals(labels[idx[r]], gotLabels[r], "label " + r + " " + rng);
        }
        int[] bad = idx.clone();
        bad[20] = srcRows;
        bad[25] = -1;
        CUdeviceptr st = status();
        new GatherKernel(count, srcRows, cols, mem.of(bad), mem.of(x), mem.poisoned((long) count * cols), st)
                .launch(engine.module, stream);
        assertEquals(1L, word(st, Contract.STATUS_BAD), "operand 0 (the indices) held a bad value");
        assertEquals(20L, ~word(st, Contract.STATUS_FIRST), "the first bad index is at row 20");
    }

    @Test
    void sgdStepsWithAndWithoutMomentum() {
        Rng rng = Rng.fresh();
        int n = 1000;
        float[] w = rng.normal(n, 1);
        float[] g1 = rng.normal(n, 1);
        float[] g2 = rng.normal(n, 1);
        float lr = 0.1f;
        float momentum = 0.9f;
        CUdeviceptr plain = mem.of(w);
        CUdeviceptr heavy = mem.of(w);
        CUdeviceptr velocity = mem.of(new float[n]);
        for (float[] g : new float[][] {g1, g2}) {
            CUdeviceptr grad = mem.of(g);
            new SgdKernel(n, lr, 0f, plain, grad, null).launch(engine.module, stream);
            new SgdKernel(n, lr, momentum, heavy, grad, velocity).launch(engine.module, stream);
        }
        double[] expectPlain = new double[n];
        double[] expectHeavy = new double[n];
        double[] expectVelocity = new double[n];
        for (int i = 0; i < n; i++) {
            expectPlain[i] = w[i] - lr * ((double) g1[i] + g2[i]);
            double v1 = g1[i];
            double v2 = momentum * v1 + g2[i];
            expectVelocity[i] = v2;
            expectHeavy[i] = w[i] - lr * v1 - lr * v2;
        }
        assertClose(expectPlain, DeviceArrays.read(plain, n), 1e-6, "plain SGD " + rng);
        assertClose(expectHeavy, DeviceArrays.read(heavy, n), 1e-6, "momentum SGD " + rng);
        assertClose(expectVelocity, DeviceArrays.read(velocity, n), 1e-6, "velocity " + rng);
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
