package org.softxent;

import static jcuda.driver.JCudaDriver.cuMemAllocHost;
import static jcuda.driver.JCudaDriver.cuMemFreeHost;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.softxent.testing.Close.CLASSIFIER;
import static org.softxent.testing.Close.LOGITS;
import static org.softxent.testing.Close.assertClose;
import static org.softxent.testing.Close.poisoned;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.softxent.cuda.CudaBackends;
import org.softxent.cuda.GpuProbe;
import org.softxent.testing.DeviceArrays;
import org.softxent.testing.GpuTest;
import org.softxent.testing.Rng;
import org.softxent.testing.SimulatedDevice;

/**
 * The GPU engine under strain: many calls, many threads, memory running out at every allocation,
 * launches that fail, the classifier in many chunks, calls on the caller's streams. Faults on
 * demand need the simulated device; the rest runs wherever the GPU tests run.
 */
@GpuTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GpuRobustnessTest {
    private Softxent cpu;

    @BeforeAll
    void open() {
        cpu = Softxent.openReference();
    }

    @AfterAll
    void close() {
        cpu.close();
    }

    /** One call of an operation, its answers, to compare with the CPU's or another run's. */
    private record Answer(String what, double loss, float[] values) {
    }

    /** Every operation once on small random inputs drawn from {@code seed}. */
    private static List<Answer> everyOperation(Softxent sx, long seed) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        int n = 7;
        int c = 13;
        int d = 6;
        float[] z = new float[n * c];
        float[] t = new float[n * c];
        for (int i = 0; i < z.length; i++) {
            z[i] = (float) (3 * r.nextGaussian());
            t[i] = (float) r.nextDouble();
        }
        int[] y = r.ints(n, 0, c).toArray();
        float[] x = new float[n * d];
        float[] w = new float[d * c];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (0.2 * r.nextGaussian());
        }
        List<Answer> out = new ArrayList<>();
        out.add(new Answer("softmax", 0, sx.softmax(z, n, c)));
        LossResult ce = sx.crossEntropy(z, n, c, y, CrossEntropyOptions.defaults().withLabelSmoothing(0.1));
        out.add(new Answer("crossEntropy", ce.loss(), ce.gradLogits()));
        out.add(new Answer("softmaxBackward", 0, sx.softmaxBackward(sx.softmax(z, n, c), t, n, c)));
        LossResult bce = sx.binaryCrossEntropy(z, t, n, c, BinaryCrossEntropyOptions.defaults());
        out.add(new Answer("binaryCrossEntropy", bce.loss(), bce.gradLogits()));
        ClassifierResult clf = sx.classifier(x, w, new float[c], y, n, d, c, ClassifierOptions.defaults().withReg(0.01));
        out.add(new Answer("classifier dW", clf.loss(), clf.gradW()));
        out.add(new Answer("classifier db", clf.loss(), clf.gradB()));
        return out;
    }

    private void assertLikeTheCpu(List<Answer> got, long seed, String what) {
        List<Answer> expected = everyOperation(cpu, seed);
        for (int i = 0; i < expected.size(); i++) {
            Answer e = expected.get(i);
            double tol = e.what().startsWith("classifier") ? CLASSIFIER : LOGITS;
            assertClose(e.values(), got.get(i).values(), tol, e.what() + " " + what + ", seed " + seed);
            assertClose(e.loss(), got.get(i).loss(), tol, e.what() + " loss " + what + ", seed " + seed);
        }
    }

    @Test
    void memoryStaysFlatOverTenThousandCallsAndIsAllBackAtClose() {
        Rng rng = Rng.fresh();
        CudaBackends.takeLeakReports();
        long before = SimulatedDevice.active() ? SimulatedDevice.deviceBytesInUse() : 0;
        try (Softxent sx = Softxent.open(Device.GPU)) {
            GpuProbe probe = GpuProbe.of(sx);
            everyOperation(sx, rng.seed());
            long held = probe.heldBytes();
            long free = probe.memoryInfo()[0];
            int calls = 0;
            for (int round = 0; calls < 10_000; round++) {
                calls += everyOperation(sx, rng.seed() + round).size();
            }
            assertEquals(held, probe.heldBytes(), "the engine's buffers did not grow over " + calls + " calls");
            assertEquals(free, probe.memoryInfo()[0], "free device memory unchanged over " + calls + " calls");
            assertLikeTheCpu(everyOperation(sx, rng.seed()), rng.seed(), "after " + calls + " calls");
        }
        assertEquals(List.of(), CudaBackends.takeLeakReports(), "nothing leaked");
        if (SimulatedDevice.active()) {
            assertEquals(before, SimulatedDevice.deviceBytesInUse(), "device memory back at close");
        }
    }

    @Test
    void eightThreadsSharingOneEngineGetWhatOneThreadGets() throws Exception {
        Rng rng = Rng.fresh();
        int threads = 8;
        int perThread = 6;
        try (Softxent sx = Softxent.open(Device.GPU)) {
            List<List<List<Answer>>> alone = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                List<List<Answer>> calls = new ArrayList<>();
                for (int k = 0; k < perThread; k++) {
                    calls.add(everyOperation(sx, rng.seed() + 1000L * t + k));
                }
                alone.add(calls);
            }
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<List<List<Answer>>>> shared = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int thread = t;
                    shared.add(pool.submit(() -> {
                        List<List<Answer>> calls = new ArrayList<>();
                        for (int k = 0; k < perThread; k++) {
                            calls.add(everyOperation(sx, rng.seed() + 1000L * thread + k));
                        }
                        return calls;
                    }));
                }
                for (int t = 0; t < threads; t++) {
                    List<List<Answer>> got = shared.get(t).get();
                    for (int k = 0; k < perThread; k++) {
                        for (int i = 0; i < got.get(k).size(); i++) {
                            Answer a = alone.get(t).get(k).get(i);
                            Answer b = got.get(k).get(i);
                            String what = a.what() + ", thread " + t + ", call " + k + ", " + rng;
                            assertArrayEquals(a.values(), b.values(), what + ": the same bits as one thread alone");
                            assertEquals(a.loss(), b.loss(), what);
                        }
                    }
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /**
     * The device runs out of memory at the k-th allocation of a call, for every k the call makes:
     * the call fails with DeviceOutOfMemoryException naming it, the engine then computes right,
     * and closing it leaves nothing held.
     */
    @Test
    void outOfMemoryAtEveryAllocationOfEveryOperationLeavesTheEngineUsableAndNothingHeld() {
        assumeTrue(SimulatedDevice.active(), "faults on demand need the simulated device");
        Rng rng = Rng.fresh();
        // Every operation of the array API in turn, then the device API's: each k a fresh engine.
        List<String> operations = List.of("every operation on host arrays", "device crossEntropy", "device classifier");
        CudaBackends.takeLeakReports();
        for (String op : operations) {
            for (int k = 1; ; k++) {
                boolean failed;
                try (Softxent sx = Softxent.open(Device.GPU); DeviceArrays mem = new DeviceArrays()) {
                    Runnable call = prepare(sx, op, mem, rng.seed());
                    SimulatedDevice.failAllocation(k);
                    try {
                        call.run();
                        failed = false;
                    } catch (DeviceOutOfMemoryException e) {
                        failed = true;
                        assertTrue(e.getMessage().contains("more device memory") || e.getMessage().contains("cuMem"),
                                op + ", allocation " + k + ": " + e.getMessage());
                    }
                    boolean reached = SimulatedDevice.allocationsBeforeFailure() == 0;
                    SimulatedDevice.failAllocation(0);
                    SimulatedDevice.takeErrors();
                    assertEquals(reached, failed, op + ": the failure at allocation " + k + " is the call's failure");
                    assertLikeTheCpu(everyOperation(sx, rng.seed()), rng.seed(), "after " + op + " ran out at allocation " + k);
                    if (!reached) {
                        break; // the call makes fewer than k allocations: every one has been tried
                    }
                }
                assertEquals(List.of(), CudaBackends.takeLeakReports(), op + ", allocation " + k);
                assertEquals(0, SimulatedDevice.deviceBytesInUse(), op + ", allocation " + k + ": device memory held");
                assertEquals(0, SimulatedDevice.pinnedBytesInUse(), op + ", allocation " + k + ": pinned memory held");
            }
        }
    }

    /** The call of {@code op}, its device inputs made already (they are not the call's allocations). */
    private static Runnable prepare(Softxent sx, String op, DeviceArrays mem, long seed) {
        if (!op.startsWith("device ")) {
            return () -> everyOperation(sx, seed);
        }
        int n = 5;
        int c = 9;
        int d = 4;
        CUdeviceptr z = mem.of(new float[n * c]);
        CUdeviceptr y = mem.of(new int[n]);
        CUdeviceptr x = mem.of(new float[n * d]);
        CUdeviceptr w = mem.of(new float[d * c]);
        CUdeviceptr gw = mem.alloc(4L * d * c);
        OnDevice dev = sx.onDevice();
        if (op.equals("device crossEntropy")) {
            return () -> {
                dev.crossEntropy(z, n, c, y, CrossEntropyOptions.defaults().withClassWeights(new float[c]), z, null, null);
                dev.synchronize();
            };
        }
        return () -> {
            dev.classifier(x, w, null, y, n, d, c, ClassifierOptions.defaults(), gw, null, null, null);
            dev.synchronize();
        };
    }

    @Test
    void aRefusedLaunchFailsItsCallAndTheEngineGoesOn() {
        assumeTrue(SimulatedDevice.active(), "faults on demand need the simulated device");
        Rng rng = Rng.fresh();
        try (Softxent sx = Softxent.open(Device.GPU)) {
            SimulatedDevice.failLaunch(1, SimulatedDevice.LAUNCH_OUT_OF_RESOURCES);
            DeviceException e = assertThrows(DeviceException.class,
                    () -> sx.crossEntropy(new float[20], 2, 10, new int[] {1, 2}, CrossEntropyOptions.defaults()));
            assertTrue(e.getMessage().contains("CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES"), e.getMessage());
            SimulatedDevice.takeErrors();
            assertLikeTheCpu(everyOperation(sx, rng.seed()), rng.seed(), "after a refused launch");
        }
    }

    @Test
    void aKernelThatFailsOnTheDevicePoisonsTheEngineUntilItIsClosed() {
        assumeTrue(SimulatedDevice.active(), "faults on demand need the simulated device");
        Rng rng = Rng.fresh();
        try (Softxent sx = Softxent.open(Device.GPU)) {
            SimulatedDevice.failLaunch(2, SimulatedDevice.LAUNCH_FAILED);
            DeviceException e = assertThrows(DeviceException.class,
                    () -> sx.crossEntropy(new float[20], 2, 10, new int[] {1, 2}, CrossEntropyOptions.defaults()));
            assertTrue(e.getMessage().contains("CUDA_ERROR_LAUNCH_FAILED"), e.getMessage());
            e = assertThrows(DeviceException.class, () -> sx.softmax(new float[] {1, 2}, 1, 2));
            assertTrue(e.getMessage().contains("close this engine and open another"), e.getMessage());
        }
        assertTrue(SimulatedDevice.takeErrors().contains("CUDA_ERROR_LAUNCH_FAILED"));
        try (Softxent sx = Softxent.open(Device.GPU)) {
            assertLikeTheCpu(everyOperation(sx, rng.seed()), rng.seed(), "in a new engine");
        }
    }

    /**
     * The classifier on a device with little memory, so that its logits come in many more chunks
     * than the status ring has slots: the answers match the CPU's, and a NaN in W is still found.
     */
    @Test
    void theClassifierInManyChunks() {
        assumeTrue(SimulatedDevice.active(), "a small device memory needs the simulated device");
        Rng rng = Rng.fresh();
        long memory = SimulatedDevice.memoryBytes();
        int n = 300;
        int d = 8;
        int c = 24_000;
        float[] x = rng.normal(n * d, 1);
        float[] w = rng.normal(d * c, 0.05);
        float[] b = rng.normal(c, 0.1);
        int[] y = rng.labels(n, c);
        ClassifierOptions o = ClassifierOptions.defaults().withReg(1e-3)
                .withCrossEntropy(CrossEntropyOptions.defaults().withLabelSmoothing(0.05));
        try (Softxent gpu = Softxent.open(Device.GPU); DeviceArrays mem = new DeviceArrays()) {
            float[] wBad = w.clone();
            wBad[5 * c + 7] = Float.NaN;
            CUdeviceptr dx = mem.of(x);
            CUdeviceptr dw = mem.of(wBad);
            CUdeviceptr db = mem.of(b);
            CUdeviceptr dy = mem.of(y);
            CUdeviceptr dgw = mem.alloc(4L * d * c);
            // Room for the array API's copies of X, W, dW and dX, and about 1.5 MiB more: the chunk
            // budget, a quarter of what is free, then holds 3 or 4 rows of 24,000 logits, so the
            // 300 rows take some 80 chunks, more than the 64 slots of the status ring.
            long staged = 4L * (2L * d * c + 2L * n * d + 2L * c + 2L * n) + (256 << 10); // + row weights
            SimulatedDevice.setMemoryBytes(SimulatedDevice.deviceBytesInUse() + staged + (3L << 19));
            ClassifierResult g = gpu.classifier(x, w, b, y, n, d, c, o, poisoned(d * c), poisoned(c), poisoned(n * d));
            ClassifierResult r = cpu.classifier(x, w, b, y, n, d, c, o, new float[d * c], new float[c], new float[n * d]);
            String what = n + " x " + d + " x " + c + " in many chunks, " + rng;
            assertClose(r.loss(), g.loss(), CLASSIFIER, "loss " + what);
            assertClose(r.gradW(), g.gradW(), CLASSIFIER, "dW " + what);
            assertClose(r.gradB(), g.gradB(), CLASSIFIER, "db " + what);
            assertClose(r.gradX(), g.gradX(), CLASSIFIER, "dX " + what);
            // Row weights, each chunk's at its rows.
            float[] rw = rng.uniform(n, 0, 3);
            g = gpu.classifier(x, w, b, y, rw, n, d, c, o, poisoned(d * c), poisoned(c), poisoned(n * d), null);
            r = cpu.classifier(x, w, b, y, rw, n, d, c, o, new float[d * c], new float[c], new float[n * d], null);
            assertClose(r.loss(), g.loss(), CLASSIFIER, "weighted loss " + what);
            assertClose(r.gradW(), g.gradW(), CLASSIFIER, "weighted dW " + what);
            assertClose(r.gradX(), g.gradX(), CLASSIFIER, "weighted dX " + what);

            OnDevice dev = gpu.onDevice();
            dev.classifier(dx, dw, db, dy, n, d, c, o, dgw, null, null, null);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, dev::synchronize);
            assertTrue(e.getMessage().contains("w[5, 7] is NaN"), e.getMessage());
        } finally {
            SimulatedDevice.setMemoryBytes(memory);
        }
    }

    /**
     * The binary classifier in chunks too: its answers match the CPU's, and a NaN in the targets of
     * a late chunk is reported at its place in the whole batch, not in its chunk.
     */
    @Test
    void theBinaryClassifierInChunks() {
        assumeTrue(SimulatedDevice.active(), "a small device memory needs the simulated device");
        Rng rng = Rng.fresh();
        long memory = SimulatedDevice.memoryBytes();
        int n = 300;
        int d = 8;
        int k = 2_000;
        float[] x = rng.normal(n * d, 1);
        float[] w = rng.normal(d * k, 0.1);
        float[] b = rng.normal(k, 0.1);
        float[] t = rng.uniform(n * k, 0, 1);
        BinaryClassifierOptions o = BinaryClassifierOptions.defaults().withReg(1e-3).withBinaryCrossEntropy(
                BinaryCrossEntropyOptions.defaults().withPosWeight(rng.uniform(k, 0.5, 2)));
        try (Softxent gpu = Softxent.open(Device.GPU); DeviceArrays mem = new DeviceArrays()) {
            float[] tBad = t.clone();
            tBad[250 * k + 1234] = Float.NaN;
            CUdeviceptr dx = mem.of(x);
            CUdeviceptr dw = mem.of(w);
            CUdeviceptr dt = mem.of(tBad);
            CUdeviceptr dgw = mem.alloc(4L * d * k);
            // Room for the array API's copies (X, W, b, targets, dW, db, dX), then about 0.75 MiB: a
            // chunk budget of some 12 rows of 2,000 logits and their element losses, so some 25 chunks.
            long staged = 4L * (2L * d * k + 2L * n * d + 2L * k + (long) n * k + n) + (256 << 10); // + row weights
            SimulatedDevice.setMemoryBytes(SimulatedDevice.deviceBytesInUse() + staged + (1L << 19));
            ClassifierResult g = gpu.binaryClassifier(x, w, b, t, n, d, k, o, poisoned(d * k), poisoned(k),
                    poisoned(n * d));
            ClassifierResult r = cpu.binaryClassifier(x, w, b, t, n, d, k, o, new float[d * k], new float[k],
                    new float[n * d]);
            String what = n + " x " + d + " x " + k + " in chunks, " + rng;
            assertClose(r.loss(), g.loss(), CLASSIFIER, "loss " + what);
            assertClose(r.gradW(), g.gradW(), CLASSIFIER, "dW " + what);
            assertClose(r.gradB(), g.gradB(), CLASSIFIER, "db " + what);
            assertClose(r.gradX(), g.gradX(), CLASSIFIER, "dX " + what);
            // Row weights, each chunk's at its rows.
            float[] rw = rng.uniform(n, 0, 3);
            g = gpu.binaryClassifier(x, w, b, t, rw, n, d, k, o, poisoned(d * k), poisoned(k), poisoned(n * d), null);
            r = cpu.binaryClassifier(x, w, b, t, rw, n, d, k, o, new float[d * k], new float[k], new float[n * d], null);
            assertClose(r.loss(), g.loss(), CLASSIFIER, "weighted loss " + what);
            assertClose(r.gradW(), g.gradW(), CLASSIFIER, "weighted dW " + what);
            assertClose(r.gradX(), g.gradX(), CLASSIFIER, "weighted dX " + what);

            OnDevice dev = gpu.onDevice();
            dev.binaryClassifier(dx, dw, null, dt, n, d, k, o, dgw, null, null, null);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, dev::synchronize);
            assertTrue(e.getMessage().contains("targets[250, 1234] is NaN"), e.getMessage());
        } finally {
            SimulatedDevice.setMemoryBytes(memory);
        }
    }

    /**
     * Host arrays larger than a staging chunk (8 MiB of logits) go through the pipeline in several
     * chunks, uploads, kernels and downloads overlapping on three streams: the answers match the
     * CPU's, and the gradient has the very bits the device-resident API computes in one pass.
     */
    @Test
    void arraysOfManyChunksMatchTheCpuAndTheDeviceApi() {
        Rng rng = Rng.fresh();
        int n = 2100;
        int c = 3000; // 24 MiB of logits: 3 chunks, 2 staging buffers each way
        float[] z = rng.normal(n * c, 3);
        int[] y = rng.labels(n, c);
        float[] t = rng.distributions(n, c);
        try (Softxent gpu = Softxent.open(Device.GPU); DeviceArrays mem = new DeviceArrays()) {
            for (Reduction red : Reduction.values()) {
                CrossEntropyOptions o = CrossEntropyOptions.defaults().withReduction(red).withLabelSmoothing(0.1);
                String what = n + " x " + c + " " + o + " " + rng;
                float[] grad = poisoned(n * c);
                float[] probs = poisoned(n * c);
                LossResult g = gpu.crossEntropy(z, n, c, y, o, grad, probs);
                LossResult r = cpu.crossEntropy(z, n, c, y, o, new float[n * c], new float[n * c]);
                assertClose(r.gradLogits(), grad, LOGITS, "gradient " + what);
                assertClose(r.probs(), probs, LOGITS, "probabilities " + what);
                if (red == Reduction.NONE) {
                    assertClose(r.losses(), g.losses(), LOGITS, "losses " + what);
                } else {
                    assertClose(r.loss(), g.loss(), LOGITS, "loss " + what);
                }
                CUdeviceptr dGrad = mem.poisoned((long) n * c);
                gpu.onDevice().crossEntropy(mem.of(z), n, c, mem.of(y), o, dGrad, null, null);
                gpu.onDevice().synchronize();
                assertArrayEquals(grad, DeviceArrays.read(dGrad, 0, n * c), "the same bits as one pass, " + what);
            }
            LossResult gt = gpu.crossEntropyWithTargets(z, n, c, t, CrossEntropyOptions.defaults(), poisoned(n * c), null);
            LossResult rt = cpu.crossEntropyWithTargets(z, n, c, t, CrossEntropyOptions.defaults(), new float[n * c], null);
            assertClose(rt.gradLogits(), gt.gradLogits(), LOGITS, "targets gradient " + rng);
            assertClose(rt.loss(), gt.loss(), LOGITS, "targets loss " + rng);
        }
    }

    /**
     * A call on the caller's stream comes after the caller's work on it, with no other wait: here an
     * upload from pinned memory, queued just before. (On the engine's own stream the same call
     * would race with the upload: the simulated device, which runs a stream's work only when
     * something waits for it, shows that too.)
     */
    @Test
    void aCallOnTheCallersStreamFollowsTheCallersWork() {
        Rng rng = Rng.fresh();
        int n = 6;
        int c = 20;
        float[] z = rng.normal(n * c, 2);
        float[] expected = cpu.softmax(z, n, c);
        try (Softxent sx = Softxent.open(Device.GPU); DeviceArrays mem = new DeviceArrays()) {
            CUstream mine = new CUstream();
            Pointer pinned = new Pointer();
            assertEquals(0, cuStreamCreate(mine, CUstream_flags.CU_STREAM_NON_BLOCKING));
            assertEquals(0, cuMemAllocHost(pinned, 4L * n * c));
            try {
                pinned.getByteBuffer(0, 4L * n * c).order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer().put(z);
                CUdeviceptr logits = mem.poisoned((long) n * c);
                CUdeviceptr out = mem.poisoned((long) n * c);
                assertEquals(0, cuMemcpyHtoDAsync(logits, pinned, 4L * n * c, mine));
                OnDevice onMine = sx.onDevice(mine);
                assertEquals(mine, onMine.stream());
                onMine.softmax(logits, n, c, out);
                onMine.synchronize();
                assertClose(expected, DeviceArrays.read(out, n * c), LOGITS, "softmax after the upload, " + rng);

                if (SimulatedDevice.active()) {
                    CUdeviceptr late = mem.poisoned((long) n * c);
                    CUdeviceptr out2 = mem.poisoned((long) n * c);
                    sx.onDevice().softmax(logits, n, c, out2); // the engine's last call is on its own stream again
                    assertEquals(0, cuMemcpyHtoDAsync(late, pinned, 4L * n * c, mine)); // queued, not run
                    sx.onDevice().softmax(late, n, c, out2);
                    // Without ordering, the engine's stream read the logits before the upload: the
                    // fresh memory's NaN.
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                            () -> sx.onDevice().synchronize());
                    assertTrue(e.getMessage().contains("logits[0, 0] is NaN"), e.getMessage());
                    assertEquals(0, cuStreamSynchronize(mine));
                }
            } finally {
                assertEquals(0, cuStreamSynchronize(mine));
                cuStreamDestroy(mine);
                cuMemFreeHost(pinned);
            }
        }
    }

    /**
     * uploadRows and awaitUploads through a stream of the caller's: the calls after the await see
     * the rows; and the caller may destroy the stream after its calls while the engine goes on.
     */
    @Test
    void rowUploadsOrderAgainstTheCallersStream() {
        Rng rng = Rng.fresh();
        int n = 50;
        int c = 30;
        float[] z = rng.normal(n * c, 2);
        float[] z2 = rng.normal(n * c, 2);
        try (Softxent sx = Softxent.open(Device.GPU); DeviceArrays mem = new DeviceArrays()) {
            CUstream mine = new CUstream();
            assertEquals(0, cuStreamCreate(mine, CUstream_flags.CU_STREAM_NON_BLOCKING));
            try {
                CUdeviceptr logits = mem.poisoned((long) n * c);
                CUdeviceptr out = mem.poisoned((long) n * c);
                CUdeviceptr out2 = mem.poisoned((long) n * c);
                OnDevice onMine = sx.onDevice(mine);
                onMine.uploadRows(z, c, null, 0, n, logits);
                onMine.awaitUploads();
                onMine.softmax(logits, n, c, out);
                onMine.uploadRows(z2, c, null, 0, n, logits); // after the softmax that reads them
                onMine.awaitUploads();
                onMine.softmax(logits, n, c, out2);
                onMine.synchronize();
                assertClose(cpu.softmax(z, n, c), DeviceArrays.read(out, n * c), LOGITS, "first rows, " + rng);
                assertClose(cpu.softmax(z2, n, c), DeviceArrays.read(out2, n * c), LOGITS, "second rows, " + rng);
            } finally {
                assertEquals(0, cuStreamDestroy(mine));
            }
            // The caller's stream is gone, its last call's work with it: the engine goes on.
            assertClose(cpu.softmax(z, n, c), sx.softmax(z, n, c), LOGITS, "after the caller's stream, " + rng);
            sx.onDevice().synchronize();
        }
    }
}
