package org.softxent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.softxent.testing.Close.CLASSIFIER;
import static org.softxent.testing.Close.LOGITS;
import static org.softxent.testing.Close.assertClose;

import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.api.Test;
import org.softxent.testing.DeviceArrays;
import org.softxent.testing.EngineTest;
import org.softxent.testing.GpuTest;
import org.softxent.testing.Rng;

/**
 * The device-resident API as a JCuda user meets it: buffers allocated by the caller through JCuda,
 * operated on, read back, against the CPU reference; bad data reported by synchronize(), naming the
 * call; buffers too small for their shapes refused before any work.
 */
@GpuTest
class DeviceResidentTest extends EngineTest {
    @Override
    protected Softxent open() {
        return Softxent.open(Device.GPU);
    }

    private final Softxent cpu = Softxent.openReference();

    /** Predictions on the device: the argmax, the count of right answers added up, the forward pass. */
    @Test
    void predictionsStayOnTheDeviceAndOnlyTheCountComesBack() {
        Rng rng = Rng.fresh();
        OnDevice dev = sx.onDevice();
        int n = 150;
        int d = 12;
        int c = 9;
        float[] x = rng.normal(n * d, 1);
        float[] w = rng.normal(d * c, 1);
        float[] b = rng.normal(c, 0.5);
        int[] y = rng.labels(n, c);
        int[] cpuPredicted = new int[n];
        ClassifierOptions o = ClassifierOptions.defaults();
        cpu.classifier(x, w, b, y, n, d, c, o, null, null, null, cpuPredicted);
        int right = 0;
        for (int i = 0; i < n; i++) {
            right += cpuPredicted[i] == y[i] ? 1 : 0;
        }
        float[] cpuProbs = cpu.linearSoftmax(x, w, b, n, d, c, new float[n * c], null);
        try (DeviceArrays mem = new DeviceArrays()) {
            CUdeviceptr predicted = mem.of(new int[n]);
            CUdeviceptr correct = mem.of(new int[] {1000});
            CUdeviceptr dx = mem.of(x);
            CUdeviceptr dw = mem.of(w);
            CUdeviceptr db = mem.of(b);
            CUdeviceptr dy = mem.of(y);
            dev.classifier(dx, dw, db, dy, n, d, c, o, null, null, null, null, predicted, correct);
            dev.classifier(dx, dw, db, dy, n, d, c, o, null, null, null, null, null, correct);
            CUdeviceptr probs = mem.poisoned((long) n * c);
            CUdeviceptr forward = mem.of(new int[n]);
            dev.linearSoftmax(dx, dw, db, n, d, c, probs, forward);
            dev.synchronize();
            int[] got = DeviceArrays.readInts(predicted, n);
            int differ = 0;
            for (int i = 0; i < n; i++) {
                differ += got[i] == cpuPredicted[i] ? 0 : 1;
            }
            assertTrue(differ <= 1, differ + " rows predicted otherwise than on the CPU (near-ties only) " + rng);
            assertEquals(1000 + 2 * right, DeviceArrays.readInts(correct, 1)[0], 2 * Math.max(1, differ),
                    "the count is added, call after call " + rng);
            assertClose(cpuProbs, DeviceArrays.read(probs, n * c), CLASSIFIER, "the forward pass's softmax " + rng);
            assertEquals(java.util.Arrays.toString(got), java.util.Arrays.toString(DeviceArrays.readInts(forward, n)),
                    "the forward pass's argmax " + rng);
            ShapeMismatchException e = assertThrows(ShapeMismatchException.class, () -> dev.classifier(dx, dw, db, dy,
                    n, d, c, o, null, null, null, null, mem.of(new int[n - 1]), null));
            assertTrue(e.getMessage().contains("predicted must have length rows = " + n), e.getMessage());
        }
    }

    @Test
    void everyOperationOnCallerBuffers() {
        Rng rng = Rng.fresh();
        OnDevice dev = sx.onDevice();
        dev.synchronize();
        int n = 300;
        int c = 77;
        float[] z = rng.normal(n * c, 3);
        int[] y = rng.labels(n, c);
        CrossEntropyOptions o = CrossEntropyOptions.defaults().withLabelSmoothing(0.1)
                .withClassWeights(rng.uniform(c, 0.5, 2));
        float[] refGrad = new float[n * c];
        float[] refProbs = new float[n * c];
        LossResult ref = cpu.crossEntropy(z, n, c, y, o, refGrad, refProbs);
        try (DeviceArrays mem = new DeviceArrays()) {
            CUdeviceptr dz = mem.of(z);
            CUdeviceptr dy = mem.of(y);
            CUdeviceptr grad = mem.poisoned((long) n * c);
            CUdeviceptr probs = mem.poisoned((long) n * c);
            CUdeviceptr loss = mem.poisoned(1);
            dev.crossEntropy(dz, n, c, dy, o, grad, probs, loss);
            CUdeviceptr sm = mem.poisoned((long) n * c);
            dev.softmax(dz, n, c, sm);
            dev.synchronize();
            assertClose(ref.loss(), DeviceArrays.read(loss, 1)[0], LOGITS, "loss " + rng);
            assertClose(refGrad, DeviceArrays.read(grad, n * c), LOGITS, "gradient " + rng);
            assertClose(refProbs, DeviceArrays.read(probs, n * c), LOGITS, "probabilities " + rng);
            assertClose(refProbs, DeviceArrays.read(sm, n * c), LOGITS, "softmax " + rng);

            // In place: the log-softmax over the logits themselves.
            dev.logSoftmax(dz, n, c, dz);
            dev.synchronize();
            assertClose(cpu.logSoftmax(z, n, c), DeviceArrays.read(dz, n * c), LOGITS, "log-softmax in place " + rng);

            float[] g = rng.normal(n * c, 1);
            CUdeviceptr dg = mem.of(g);
            CUdeviceptr dp = mem.of(refProbs);
            CUdeviceptr back = mem.poisoned((long) n * c);
            dev.softmaxBackward(dp, dg, n, c, back);
            dev.synchronize();
            assertClose(cpu.softmaxBackward(refProbs, g, n, c), DeviceArrays.read(back, n * c), LOGITS, "backward");

            float[] t = rng.uniform(n * c, 0, 1);
            BinaryCrossEntropyOptions bo = BinaryCrossEntropyOptions.defaults().withReduction(Reduction.SUM);
            LossResult bref = cpu.binaryCrossEntropy(z, t, n, c, bo);
            CUdeviceptr bloss = mem.poisoned(1);
            CUdeviceptr bgrad = mem.poisoned((long) n * c);
            dev.binaryCrossEntropy(mem.of(z), mem.of(t), n, c, bo, bgrad, null, bloss);
            dev.synchronize();
            assertClose(bref.loss(), DeviceArrays.read(bloss, 1)[0], LOGITS, "BCE loss " + rng);
            assertClose(bref.gradLogits(), DeviceArrays.read(bgrad, n * c), LOGITS, "BCE gradient " + rng);
        }
    }

    @Test
    void theClassifierOnCallerBuffers() {
        Rng rng = Rng.fresh();
        OnDevice dev = sx.onDevice();
        dev.synchronize();
        int n = 200;
        int d = 30;
        int c = 12;
        float[] x = rng.normal(n * d, 1);
        float[] w = rng.normal(d * c, 0.2);
        float[] b = rng.normal(c, 0.1);
        int[] y = rng.labels(n, c);
        ClassifierOptions o = ClassifierOptions.defaults().withReg(0.01);
        ClassifierResult ref = cpu.classifier(x, w, b, y, n, d, c, o, new float[d * c], new float[c], new float[n * d]);
        try (DeviceArrays mem = new DeviceArrays()) {
            CUdeviceptr gw = mem.poisoned((long) d * c);
            CUdeviceptr gb = mem.poisoned(c);
            CUdeviceptr gx = mem.poisoned((long) n * d);
            CUdeviceptr loss = mem.poisoned(1);
            dev.classifier(mem.of(x), mem.of(w), mem.of(b), mem.of(y), n, d, c, o, gw, gb, gx, loss);
            dev.synchronize();
            assertClose(ref.loss(), DeviceArrays.read(loss, 1)[0], CLASSIFIER, "loss " + rng);
            assertClose(ref.gradW(), DeviceArrays.read(gw, d * c), CLASSIFIER, "dW " + rng);
            assertClose(ref.gradB(), DeviceArrays.read(gb, c), CLASSIFIER, "db " + rng);
            assertClose(ref.gradX(), DeviceArrays.read(gx, n * d), CLASSIFIER, "dX " + rng);
        }
    }

    @Test
    void theBinaryClassifierOnCallerBuffers() {
        Rng rng = Rng.fresh();
        OnDevice dev = sx.onDevice();
        dev.synchronize();
        int n = 150;
        int d = 20;
        int k = 3;
        float[] x = rng.normal(n * d, 1);
        float[] w = rng.normal(d * k, 0.2);
        float[] b = rng.normal(k, 0.1);
        float[] t = rng.uniform(n * k, 0, 1);
        BinaryClassifierOptions o = BinaryClassifierOptions.defaults().withReg(0.01).withBinaryCrossEntropy(
                BinaryCrossEntropyOptions.defaults().withPosWeight(rng.uniform(k, 0.5, 2)));
        ClassifierResult ref = cpu.binaryClassifier(x, w, b, t, n, d, k, o, new float[d * k], new float[k],
                new float[n * d]);
        try (DeviceArrays mem = new DeviceArrays()) {
            CUdeviceptr gw = mem.poisoned((long) d * k);
            CUdeviceptr gb = mem.poisoned(k);
            CUdeviceptr gx = mem.poisoned((long) n * d);
            CUdeviceptr loss = mem.poisoned(1);
            dev.binaryClassifier(mem.of(x), mem.of(w), mem.of(b), mem.of(t), n, d, k, o, gw, gb, gx, loss);
            dev.synchronize();
            assertClose(ref.loss(), DeviceArrays.read(loss, 1)[0], CLASSIFIER, "loss " + rng);
            assertClose(ref.gradW(), DeviceArrays.read(gw, d * k), CLASSIFIER, "dW " + rng);
            assertClose(ref.gradB(), DeviceArrays.read(gb, k), CLASSIFIER, "db " + rng);
            assertClose(ref.gradX(), DeviceArrays.read(gx, n * d), CLASSIFIER, "dX " + rng);
        }
    }

    /** What a training loop needs: owned memory, copies, a minibatch gather and the SGD step. */
    @Test
    void aMinibatchStepOnOwnedMemory() {
        Rng rng = Rng.fresh();
        OnDevice dev = sx.onDevice();
        int n = 40;
        int d = 6;
        int batch = 9;
        float[] x = rng.normal(n * d, 1);
        float[] w = rng.normal(d, 1);
        int[] idx = new int[batch];
        for (int i = 0; i < batch; i++) {
            idx[i] = rng.nextInt(0, n);
        }
        try (DeviceBuffer dx = dev.allocate(4L * n * d, "x");
             DeviceBuffer rows = dev.allocate(4L * batch * d, "batch");
             DeviceBuffer indices = dev.allocate(4L * batch, "indices");
             DeviceBuffer dw = dev.allocate(4L * d, "w");
             DeviceBuffer grad = dev.allocate(4L * d, "grad");
             DeviceBuffer velocity = dev.allocate(4L * d, "velocity")) {
            dev.upload(x, dx.pointer());
            dev.upload(idx, indices.pointer());
            dev.gatherRows(dx.pointer(), n, d, indices.pointer(), batch, rows.pointer());
            float[] got = new float[batch * d];
            dev.download(rows.pointer(), got);
            for (int r = 0; r < batch; r++) {
                for (int j = 0; j < d; j++) {
                    assertEquals(x[idx[r] * d + j], got[r * d + j], "row " + r + " " + rng);
                }
            }
            float[] g = rng.normal(d, 1);
            dev.upload(w, dw.pointer());
            dev.upload(g, grad.pointer());
            dev.upload(new float[d], velocity.pointer());
            dev.sgdUpdate(dw.pointer(), grad.pointer(), velocity.pointer(), d, 0.5f, 0.9f);
            float[] stepped = new float[d];
            dev.download(dw.pointer(), stepped);
            for (int j = 0; j < d; j++) {
                assertEquals(w[j] - 0.5f * g[j], stepped[j], 1e-6f, "SGD " + rng);
            }

            idx[4] = n + 3;
            dev.upload(idx, indices.pointer());
            dev.gatherRows(dx.pointer(), n, d, indices.pointer(), batch, rows.pointer());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, dev::synchronize);
            assertTrue(e.getMessage().contains("indices[4] = 43 is outside [0, 40)"), e.getMessage());
            assertThrows(ShapeMismatchException.class,
                    () -> dev.gatherRows(dx.pointer(), n, d, indices.pointer(), batch + 1, rows.pointer()));
            assertThrows(ShapeMismatchException.class, () -> dev.upload(new float[d + 1], dw.pointer()));
        }
    }

    @Test
    void rowsUploadedBesideTheWorkArriveWhereTheWorkAfterAwaitReadsThem() {
        Rng rng = Rng.fresh();
        OnDevice dev = sx.onDevice();
        int d = 1000;
        int n = 3000; // 12 MB: more than one pinned buffer, which breaks mid-row
        float[] x = rng.normal(n * d, 1);
        int[] order = new int[n + 5];
        for (int i = 0; i < order.length; i++) {
            order[i] = rng.nextInt(0, n);
        }
        int from = 5;
        int count = 2500;
        try (DeviceArrays mem = new DeviceArrays()) {
            CUdeviceptr dst = mem.poisoned((long) count * d);
            CUdeviceptr probs = mem.poisoned((long) count * d);
            dev.uploadRows(x, d, order, from, count, dst);
            dev.awaitUploads();
            dev.softmax(dst, count, d, probs);
            float[] rows = new float[count * d];
            for (int i = 0; i < count; i++) {
                System.arraycopy(x, order[from + i] * d, rows, i * d, d);
            }
            java.util.Arrays.fill(x, Float.NaN); // the rows were gathered before uploadRows returned
            dev.synchronize();
            assertClose(cpu.softmax(rows, count, d), DeviceArrays.read(probs, count * d), LOGITS, "softmax " + rng);
            float[] got = DeviceArrays.read(dst, count * d);
            for (int k = 0; k < got.length; k++) {
                if (got[k] != rows[k]) {
                    throw new AssertionError("row " + k / d + ", column " + k % d + ": " + got[k] + " uploaded, "
                            + rows[k] + " expected (" + rng + ")");
                }
            }

            // A buffer the queued work still reads is overwritten only after it; the work after the
            // await sees the new rows. Labels as int rows, a contiguous range (no order).
            int[] labels = rng.labels(n, d);
            CUdeviceptr dy = mem.poisoned(count);
            CUdeviceptr loss1 = mem.poisoned(1);
            CUdeviceptr loss2 = mem.poisoned(1);
            CUdeviceptr scratch = mem.poisoned(d); // (allocated here: a JCuda copy waits for the whole context)
            dev.uploadRows(labels, 1, null, 0, count, dy);
            dev.awaitUploads();
            dev.crossEntropy(probs, count, d, dy, CrossEntropyOptions.defaults(), null, null, loss1);
            float[] other = rng.normal(count * d, 2);
            dev.uploadRows(other, d, null, 0, count, probs);
            dev.uploadRows(labels, 1, null, n - count, count, dy);
            // More uploads than the engine has pinned buffers: the host then waits for the copy into
            // probs to be done before the loss over the old rows has been waited for.
            for (int i = 0; i < 8; i++) {
                dev.uploadRows(x, d, null, i, 1, scratch);
            }
            dev.awaitUploads();
            dev.crossEntropy(probs, count, d, dy, CrossEntropyOptions.defaults(), null, null, loss2);
            dev.synchronize();
            float[] probsBefore = cpu.softmax(rows, count, d);
            double want1 = cpu.crossEntropy(probsBefore, count, d, java.util.Arrays.copyOf(labels, count),
                    CrossEntropyOptions.defaults(), null, null).loss();
            double want2 = cpu.crossEntropy(other, count, d, java.util.Arrays.copyOfRange(labels, n - count, n),
                    CrossEntropyOptions.defaults(), null, null).loss();
            assertClose(want1, DeviceArrays.read(loss1, 1)[0], LOGITS, "loss over the rows before " + rng);
            assertClose(want2, DeviceArrays.read(loss2, 1)[0], LOGITS, "loss over the rows uploaded after " + rng);
        }
    }

    @Test
    void badRowUploadsAreRefusedBeforeAnyCopy() {
        OnDevice dev = sx.onDevice();
        float[] x = new float[12];
        java.util.Arrays.fill(x, 1f);
        try (DeviceArrays mem = new DeviceArrays()) {
            CUdeviceptr dst = mem.poisoned(6);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> dev.uploadRows(x, 3, new int[] {0, 4, 1}, 0, 2, dst));
            assertTrue(e.getMessage().contains("order[1] = 4 is not a row of src [4, 3]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> dev.uploadRows(x, 5, null, 0, 1, dst));
            assertTrue(e.getMessage().contains("src must be whole rows of cols = 5 values, but holds 12"),
                    e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> dev.uploadRows(x, 3, null, 3, 2, dst));
            assertTrue(e.getMessage().contains("[3, 5) must lie within src's 4 rows of 3"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> dev.uploadRows(x, 3, new int[] {0, 1}, 1, 2, dst));
            assertTrue(e.getMessage().contains("within order's 2 entries"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> dev.uploadRows(x, 0, null, 0, 1, dst));
            assertTrue(e.getMessage().contains("cols must be at least 1, got 0"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> dev.uploadRows(x, 3, null, 0, 0, dst));
            assertTrue(e.getMessage().contains("count must be at least 1, got 0"), e.getMessage());
            ShapeMismatchException s = assertThrows(ShapeMismatchException.class,
                    () -> dev.uploadRows(x, 3, null, 0, 3, dst));
            assertTrue(s.getMessage().contains("dst must hold count × cols = 3 × 3 elements"), s.getMessage());
            assertThrows(NullPointerException.class, () -> dev.uploadRows((float[]) null, 3, null, 0, 1, dst));
            dev.awaitUploads();
            dev.synchronize();
            float[] untouched = DeviceArrays.read(dst, 6);
            for (float v : untouched) {
                assertTrue(Float.isNaN(v), "a refused upload wrote " + java.util.Arrays.toString(untouched));
            }
            dev.uploadRows(x, 3, null, 2, 2, dst);
            dev.awaitUploads();
            dev.synchronize();
            assertEquals(1f, DeviceArrays.read(dst, 6)[5]);
        }
    }

    @Test
    void badDataIsReportedBySynchronizeNamingTheCall() {
        OnDevice dev = sx.onDevice();
        dev.synchronize();
        int n = 4;
        int c = 10;
        float[] z = new float[n * c];
        z[2 * c + 5] = Float.NaN;
        try (DeviceArrays mem = new DeviceArrays()) {
            CUdeviceptr good = mem.of(new float[n * c]);
            CUdeviceptr bad = mem.of(z);
            CUdeviceptr labels = mem.of(new int[] {0, 1, 2, 3});
            CUdeviceptr out = mem.alloc((long) n * c * Float.BYTES);
            dev.softmax(good, n, c, out);
            dev.crossEntropy(bad, n, c, labels, CrossEntropyOptions.defaults(), out, null, null);
            dev.softmax(good, n, c, out);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, dev::synchronize);
            assertTrue(e.getMessage().contains("logits[2, 5] is NaN"), e.getMessage());
            assertTrue(e.getMessage().contains("crossEntropy, call 2 of the 3"), e.getMessage());
            dev.synchronize(); // reported once; the engine goes on

            CUdeviceptr badLabels = mem.of(new int[] {0, 1, 12, 3});
            dev.crossEntropy(good, n, c, badLabels, CrossEntropyOptions.defaults(), out, null, null);
            e = assertThrows(IllegalArgumentException.class, dev::synchronize);
            assertTrue(e.getMessage().contains("labels[2] = 12 is outside [0, 10)"), e.getMessage());

            // An array call between the bad device-resident call and its synchronize: the array
            // call, whose inputs are good, answers for itself; the device caller hears of its own
            // bad labels at its synchronize (it had been the other way round).
            CUdeviceptr lossOut = mem.alloc(Float.BYTES);
            dev.crossEntropy(good, n, c, badLabels, CrossEntropyOptions.defaults(), null, null, lossOut);
            LossResult fine = sx.crossEntropy(new float[n * c], n, c, new int[] {0, 1, 2, 3},
                    CrossEntropyOptions.defaults());
            assertEquals(Math.log(c), fine.loss(), 1e-6);
            e = assertThrows(IllegalArgumentException.class, dev::synchronize);
            assertTrue(e.getMessage().contains("labels[2] = 12 is outside [0, 10)"), e.getMessage());
            dev.synchronize(); // reported once
            assertEquals(Math.log(c), sx.crossEntropy(new float[n * c], n, c, new int[] {0, 1, 2, 3},
                    CrossEntropyOptions.defaults()).loss(), 1e-6);
        }
    }

    @Test
    void buffersTooSmallForTheirShapesAreRefusedBeforeAnyWork() {
        OnDevice dev = sx.onDevice();
        try (DeviceArrays mem = new DeviceArrays()) {
            // 156 bytes before the end of a 2 MiB allocation (a size no allocator rounds).
            long size = 2L << 20;
            CUdeviceptr small = mem.alloc(size).withByteOffset(size - 156);
            CUdeviceptr enough = mem.alloc(40 * Float.BYTES);
            ShapeMismatchException e = assertThrows(ShapeMismatchException.class, () -> dev.softmax(small, 4, 10, enough));
            assertTrue(e.getMessage().contains("logits must hold rows × cols = 4 × 10 = 40 floats (160 bytes"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("holds 156"), e.getMessage());
            e = assertThrows(ShapeMismatchException.class, () -> dev.softmax(enough, 4, 10, small));
            assertTrue(e.getMessage().contains("out must hold rows × cols = 4 × 10 = 40 floats (160 bytes"),
                    e.getMessage());
            assertThrows(NullPointerException.class, () -> dev.softmax(null, 4, 10, enough));
            assertThrows(IllegalArgumentException.class, () -> dev.softmax(enough, 0, 10, enough));
            // A pointer between two floats: refused before any kernel meets it (a misaligned access
            // is a fault that no engine of the process survives), and the engine works afterwards.
            CUdeviceptr roomy = mem.alloc(41 * Float.BYTES);
            IllegalArgumentException a = assertThrows(IllegalArgumentException.class,
                    () -> dev.softmax(roomy.withByteOffset(2), 4, 10, enough));
            assertTrue(a.getMessage().contains("logits points 2 bytes into its allocation, not a multiple of 4"),
                    a.getMessage());
            a = assertThrows(IllegalArgumentException.class, () -> dev.softmax(enough, 4, 10, roomy.withByteOffset(6)));
            assertTrue(a.getMessage().startsWith("out points 6 bytes"), a.getMessage());
            dev.softmax(mem.of(new float[40]), 4, 10, roomy.withByteOffset(4));
            dev.synchronize();
        }
    }

    /**
     * Outputs that share device memory with an input or another output are refused before any
     * work, as the array API refuses the same arrays (a hostile trial: gradOut == probsOut had left
     * the probabilities in the gradient, gradOut over the labels had overwritten them); an output
     * exactly over the logits is the documented in-place use.
     */
    @Test
    void outputsOverlappingOtherBuffersAreRefused() {
        OnDevice dev = sx.onDevice();
        int n = 4;
        int c = 5;
        try (DeviceArrays mem = new DeviceArrays()) {
            CUdeviceptr z = mem.of(new float[n * c]);
            CUdeviceptr y = mem.of(new int[] {0, 1, 2, 3});
            CUdeviceptr g = mem.alloc(4L * n * c + 4);
            CrossEntropyOptions o = CrossEntropyOptions.defaults();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> dev.crossEntropy(z, n, c, y, o, g, g, null));
            assertTrue(e.getMessage().startsWith("gradOut and probsOut share device memory"), e.getMessage());
            CUdeviceptr roomyLabels = mem.of(new int[] {0, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
            e = assertThrows(IllegalArgumentException.class,
                    () -> dev.crossEntropy(z, n, c, roomyLabels, o, roomyLabels, null, null));
            assertTrue(e.getMessage().contains("gradOut and labels share"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> dev.crossEntropy(z, n, c, y, o, g, null, g.withByteOffset(8)));
            assertTrue(e.getMessage().contains("gradOut and lossOut share"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> dev.gatherRows(z, n, c, y, 2, z.withByteOffset(4L * c)));
            assertTrue(e.getMessage().contains("dst and src share"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> dev.sgdUpdate(g, g, null, 3, 0.1f, 0f));
            assertTrue(e.getMessage().contains("param and grad share"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> dev.softmax(g.withByteOffset(4), n, c, g));
            assertTrue(e.getMessage().contains("logits itself, in place"), e.getMessage());
            // The logits overwritten in place, and outputs side by side in one allocation: accepted.
            dev.crossEntropy(z, n, c, y, o, z, null, g.withByteOffset(4L * n * c));
            dev.synchronize();
            assertEquals(Math.log(c), DeviceArrays.read(g.withByteOffset(4L * n * c), 1)[0], 1e-6);
        }
    }

    @Test
    void theCpuEngineHasNoDeviceApi() {
        IllegalStateException e = assertThrows(IllegalStateException.class, cpu::onDevice);
        assertTrue(e.getMessage().contains("needs the GPU"), e.getMessage());
        assertEquals(Device.GPU, sx.device());
    }
}
