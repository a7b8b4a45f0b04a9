package org.softxent.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.softxent.ClassifierOptions;
import org.softxent.ClassifierResult;
import org.softxent.CrossEntropyOptions;
import org.softxent.Device;
import org.softxent.DeviceBuffer;
import org.softxent.DeviceOutOfMemoryException;
import org.softxent.LossResult;
import org.softxent.Softxent;
import org.softxent.cuda.CudaBackends;
import org.softxent.cuda.GpuProbe;

/**
 * The GPU machine's trials beyond the test suite, run by {@code bench/run-on-gpu.sh}: each opens
 * the GPU engine ({@code Device.GPU}: the machine's GPU, or softxent's simulated device when the
 * script rehearses here), prints what it measured, one line per fact, and ends with a verdict
 * line; the exit status is 0 when every check of the trial held.
 *
 * <pre>
 * java -cp target/softxent.jar org.softxent.bench.FirstLight startup|tf32|out-of-memory|chunked
 * </pre>
 *
 * <ul>
 * <li>{@code startup}: the time the driver takes to start, the engine to open (the PTX JIT and the
 *     start-up self-check included), the first result of a cross-entropy and of the classifier
 *     (cuBLAS opened and checked on first use), each against the CPU reference.
 * <li>{@code tf32}: the classifier's loss, dW, db and dX with TF32 products and with FP32, each
 *     against the CPU reference (double accumulation): the relative errors.
 * <li>{@code out-of-memory}: an allocation larger than the device, then the device filled until
 *     the driver refuses, a call that then cannot get its memory; the engine must refuse both with
 *     {@link DeviceOutOfMemoryException}, give its memory back, and compute right afterwards.
 * <li>{@code chunked}: the classifier on a batch whose logits do not fit one chunk (free memory
 *     is taken by a ballast so that a chunk holds a fraction of the rows), against the same call
 *     unchunked and the CPU reference.
 * </ul>
 * On the simulated device the shapes are scaled down (it runs every thread on the CPU) and every
 * line says so: its figures are never GPU figures.
 */
public final class FirstLight {
    private final java.io.PrintStream out;
    private final List<String> failures = new ArrayList<>();
    private boolean simulated;

    private FirstLight(java.io.PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: FirstLight startup|tf32|out-of-memory|chunked");
            System.exit(2);
        }
        FirstLight trial = new FirstLight(System.out);
        int status;
        try {
            status = trial.run(args[0]);
        } catch (RuntimeException | Error e) {
            System.out.println("FAIL: " + args[0] + " threw " + e);
            e.printStackTrace(System.out);
            status = 1;
        }
        System.out.flush();
        System.exit(status);
    }

    int run(String trial) {
        long t0 = System.nanoTime();
        String why = CudaBackends.whyNoDevice();
        double driverMs = (System.nanoTime() - t0) / 1e6;
        if (why != null) {
            out.println("FAIL: no CUDA device: " + why);
            return 1;
        }
        simulated = CudaBackends.simulated();
        out.printf(Locale.ROOT, "driver: started in %.0f ms%s%n", driverMs,
                simulated ? " (softxent's simulated device: no figure here is a GPU figure)" : "");
        switch (trial) {
            case "startup" -> startup();
            case "tf32" -> tf32();
            case "out-of-memory" -> outOfMemory();
            case "chunked" -> chunked();
            default -> {
                out.println("FAIL: unknown trial '" + trial + "': startup, tf32, out-of-memory or chunked");
                return 2;
            }
        }
        String label = simulated ? " [simulated device]" : "";
        if (failures.isEmpty()) {
            out.println("verdict: PASS " + trial + label);
            return 0;
        }
        out.println("verdict: FAIL " + trial + label + ": " + String.join("; ", failures));
        return 1;
    }

    // ---------------------------------------------------------------------------------------------

    private void startup() {
        long t0 = System.nanoTime();
        try (Softxent sx = Softxent.open(Device.GPU)) {
            double openMs = ms(t0);
            out.printf(Locale.ROOT, "open: %.0f ms (context, PTX load and JIT, start-up self-check passed) on %s%n",
                    openMs, sx.description());
            GpuProbe probe = GpuProbe.of(sx);
            probe.describe().forEach((k, v) -> out.println("  " + k + ": " + v));

            int n = simulated ? 64 : 1024;
            int c = simulated ? 100 : 1000;
            SplittableRandom random = new SplittableRandom(1);
            float[] logits = normal(random, n * c, 3);
            int[] labels = labels(random, n, c);
            long t1 = System.nanoTime();
            LossResult first = sx.crossEntropy(logits, n, c, labels, CrossEntropyOptions.defaults());
            double firstMs = ms(t1);
            long t2 = System.nanoTime();
            sx.crossEntropy(logits, n, c, labels, CrossEntropyOptions.defaults());
            double secondMs = ms(t2);
            try (Softxent ref = Softxent.openReference()) {
                LossResult want = ref.crossEntropy(logits, n, c, labels, CrossEntropyOptions.defaults());
                check("cross-entropy loss", rel(first.loss(), want.loss()), 1e-5);
                check("cross-entropy gradient", rel(first.gradLogits(), want.gradLogits()), 1e-5);

                int d = simulated ? 32 : 256;
                float[] x = normal(random, n * d, 1);
                float[] w = normal(random, d * c, 0.05);
                float[] b = normal(random, c, 0.1);
                long t3 = System.nanoTime();
                ClassifierResult clf = sx.classifier(x, w, b, labels, n, d, c, ClassifierOptions.defaults());
                double clfMs = ms(t3);
                ClassifierResult clfWant = ref.classifier(x, w, b, labels, n, d, c, ClassifierOptions.defaults());
                check("classifier loss", rel(clf.loss(), clfWant.loss()), 1e-4);
                check("classifier dW", rel(clf.gradW(), clfWant.gradW()), 1e-4);
                out.printf(Locale.ROOT, "first cross-entropy (%d x %d): %.1f ms; the second: %.1f ms%n", n, c,
                        firstMs, secondMs);
                out.printf(Locale.ROOT, "first classifier (%d x %d x %d, cuBLAS opened and checked): %.1f ms%n",
                        n, d, c, clfMs);
                out.printf(Locale.ROOT, "open to first result: %.0f ms%n", openMs + firstMs);
            }
        }
    }

    private void tf32() {
        int n = simulated ? 128 : 4096;
        int d = simulated ? 64 : 1024;
        int c = simulated ? 100 : 1000;
        SplittableRandom random = new SplittableRandom(2);
        float[] x = normal(random, n * d, 1);
        float[] w = normal(random, d * c, 1 / Math.sqrt(d));
        float[] b = normal(random, c, 0.1);
        int[] labels = labels(random, n, c);
        out.printf(Locale.ROOT, "classifier %d x %d x %d (seed 2), relative error against the CPU reference:%n",
                n, d, c);
        try (Softxent sx = Softxent.open(Device.GPU); Softxent ref = Softxent.openReference()) {
            ClassifierResult want = classifier(ref, x, w, b, labels, n, d, c, false);
            for (boolean tf32 : new boolean[] {false, true}) {
                ClassifierResult got = classifier(sx, x, w, b, labels, n, d, c, tf32);
                String name = tf32 ? "TF32" : "FP32";
                double loss = rel(got.loss(), want.loss());
                double dw = rel(got.gradW(), want.gradW());
                double db = rel(got.gradB(), want.gradB());
                double dx = rel(got.gradX(), want.gradX());
                out.printf(Locale.ROOT, "  %s: loss %.2e, dW %.2e, db %.2e, dX %.2e%n", name, loss, dw, db, dx);
                // The bars the GPU test suite sets (GpuEngineTest): FP32 as the golden cases, TF32 looser.
                double bar = tf32 ? 5e-3 : 1e-4;
                check(name + " loss", loss, tf32 ? 1e-3 : 1e-5);
                check(name + " dW", dw, bar);
                check(name + " db", db, bar);
                check(name + " dX", dx, bar);
            }
        }
    }

    private static ClassifierResult classifier(Softxent sx, float[] x, float[] w, float[] b, int[] labels, int n,
                                               int d, int c, boolean tf32) {
        return sx.classifier(x, w, b, labels, n, d, c, ClassifierOptions.defaults().withTf32(tf32),
                new float[d * c], new float[c], new float[n * d]);
    }

    private void outOfMemory() {
        int n = simulated ? 64 : 4096;
        int c = simulated ? 1000 : 32000;
        SplittableRandom random = new SplittableRandom(3);
        float[] logits = normal(random, n * c, 3);
        int[] labels = labels(random, n, c);
        try (Softxent sx = Softxent.open(Device.GPU); Softxent ref = Softxent.openReference()) {
            GpuProbe probe = GpuProbe.of(sx);
            LossResult want = ref.crossEntropy(logits, n, c, labels, CrossEntropyOptions.defaults());
            // Once first, so that the engine's buffers for this shape exist before the baseline.
            sx.crossEntropy(logits, n, c, labels, CrossEntropyOptions.defaults());
            long[] before = probe.memoryInfo();
            long heldBefore = probe.heldBytes();
            out.printf(Locale.ROOT, "device memory: %s free of %s; the engine holds %s%n", bytes(before[0]),
                    bytes(before[1]), bytes(heldBefore));

            try (DeviceBuffer huge = sx.onDevice().allocate(before[1] + (1L << 30), "more than the device holds")) {
                failures.add("an allocation of " + bytes(huge.bytes()) + " (more than the device) succeeded");
            } catch (DeviceOutOfMemoryException e) {
                out.println("more than the device: refused: " + e.getMessage());
            }
            long[] afterRefusal = probe.memoryInfo();
            checkMemory("after the refused allocation", before, heldBefore, afterRefusal, probe.heldBytes());

            List<DeviceBuffer> ballast = new ArrayList<>();
            boolean ran = false;
            try {
                long piece = simulated ? 16L << 20 : 1L << 30;
                long filled = 0;
                while (true) {
                    try {
                        ballast.add(sx.onDevice().allocate(piece, "ballast"));
                        filled += piece;
                    } catch (DeviceOutOfMemoryException e) {
                        if (piece <= (simulated ? 1L << 20 : 16L << 20)) {
                            break;
                        }
                        piece /= 4; // fill the rest in smaller pieces
                    }
                }
                out.printf(Locale.ROOT, "filled the device: %s in %d allocations, %s left%n", bytes(filled),
                        ballast.size(), bytes(probe.memoryInfo()[0]));
                // A shape the engine has no buffers for yet: refused for want of memory, or computed
                // right in what little is left; never a crash or a wrong answer.
                int bigger = 2 * n;
                float[] more = normal(random, bigger * c, 3);
                int[] moreLabels = labels(random, bigger, c);
                try {
                    LossResult got = sx.crossEntropy(more, bigger, c, moreLabels, CrossEntropyOptions.defaults());
                    ran = true;
                    double error = rel(got.gradLogits(), ref.crossEntropy(more, bigger, c, moreLabels,
                            CrossEntropyOptions.defaults()).gradLogits());
                    out.printf(Locale.ROOT, "a call on the full device: ran in what was left, gradient error %.2e%n",
                            error);
                    check("the call on the full device", error, 1e-5);
                } catch (DeviceOutOfMemoryException e) {
                    out.println("a call on the full device: refused: " + e.getMessage());
                }
            } finally {
                ballast.forEach(DeviceBuffer::close);
            }
            if (!ran) {
                // Refused: the engine must have given back whatever it took for the call.
                checkMemory("after the refused call", before, heldBefore, probe.memoryInfo(), probe.heldBytes());
            }
            LossResult again = sx.crossEntropy(logits, n, c, labels, CrossEntropyOptions.defaults());
            check("cross-entropy after the refusals, loss", rel(again.loss(), want.loss()), 1e-5);
            check("cross-entropy after the refusals, gradient", rel(again.gradLogits(), want.gradLogits()), 1e-5);
        }
    }

    private void chunked() {
        int n = simulated ? 512 : 16384;
        int d = simulated ? 16 : 64;
        int c = simulated ? 512 : 8192;
        long logitBytes = (long) n * c * Float.BYTES;
        SplittableRandom random = new SplittableRandom(4);
        float[] x = normal(random, n * d, 1);
        float[] w = normal(random, d * c, 1 / Math.sqrt(d));
        float[] b = normal(random, c, 0.1);
        int[] labels = labels(random, n, c);
        try (Softxent sx = Softxent.open(Device.GPU); Softxent ref = Softxent.openReference()) {
            GpuProbe probe = GpuProbe.of(sx);
            ClassifierResult whole = classifier(sx, x, w, b, labels, n, d, c, false);
            ClassifierResult want = classifier(ref, x, w, b, labels, n, d, c, false);
            // A chunk takes at most a quarter of the free memory: leave about twice the logits free,
            // plus the call's own buffers, so that a chunk holds about half of the rows or less.
            long keep = logitBytes * 2 + 4L * ((long) n * d + (long) d * c + c + n) * Float.BYTES;
            long free = probe.memoryInfo()[0];
            if (free <= keep) {
                failures.add("the device has only " + bytes(free) + " free, less than " + bytes(keep));
                return;
            }
            try (DeviceBuffer ballast = sx.onDevice().allocate(free - keep, "ballast")) {
                long chunkBytes = Math.min(1L << 30, probe.memoryInfo()[0] / 4);
                long chunkRows = Math.max(1, chunkBytes / ((long) c * Float.BYTES));
                out.printf(Locale.ROOT, "classifier %d x %d x %d (seed 4): logits %s; with %s free a chunk is at "
                                + "most %s, about %d rows: %d chunks or more%n", n, d, c, bytes(logitBytes),
                        bytes(probe.memoryInfo()[0]), bytes(chunkBytes), chunkRows, (n + chunkRows - 1) / chunkRows);
                if (chunkRows >= n) {
                    failures.add("the batch fits one chunk (" + chunkRows + " rows): the trial proves nothing");
                }
                ClassifierResult got = classifier(sx, x, w, b, labels, n, d, c, false);
                report("chunked against unchunked", got, whole, 1e-5);
                report("chunked against the CPU reference", got, want, 1e-4);
                out.println("  (the ballast of " + bytes(ballast.bytes()) + " is freed now)");
            }
        }
    }

    /** Free memory back where it was and the engine holding no more than before, after a refusal. */
    private void checkMemory(String when, long[] before, long heldBefore, long[] after, long heldAfter) {
        out.printf(Locale.ROOT, "%s: %s free (before: %s); the engine holds %s (before: %s)%n", when,
                bytes(after[0]), bytes(before[0]), bytes(heldAfter), bytes(heldBefore));
        if (heldAfter > heldBefore) {
            failures.add(when + ": the engine holds " + bytes(heldAfter) + ", " + bytes(heldBefore) + " before");
        }
        // The driver's own bookkeeping may move a little; the engine's buffers may not stay.
        long slack = simulated ? 0 : 64L << 20;
        if (after[0] + slack < before[0]) {
            failures.add(when + ": free memory " + bytes(after[0]) + ", " + bytes(before[0]) + " before");
        }
    }

    private void report(String what, ClassifierResult got, ClassifierResult want, double bar) {
        double loss = rel(got.loss(), want.loss());
        double dw = rel(got.gradW(), want.gradW());
        double db = rel(got.gradB(), want.gradB());
        double dx = rel(got.gradX(), want.gradX());
        out.printf(Locale.ROOT, "  %s: loss %.2e, dW %.2e, db %.2e, dX %.2e%n", what, loss, dw, db, dx);
        check(what + ": loss", loss, bar);
        check(what + ": dW", dw, bar);
        check(what + ": db", db, bar);
        check(what + ": dX", dx, bar);
    }

    // ---------------------------------------------------------------------------------------------

    private void check(String what, double error, double bar) {
        if (!(error <= bar)) {
            failures.add(String.format(Locale.ROOT, "%s: relative error %.2e above %.0e", what, error, bar));
        }
    }

    private static double ms(long since) {
        return (System.nanoTime() - since) / 1e6;
    }

    private static String bytes(long bytes) {
        return bytes >= 10L << 20 ? String.format(Locale.ROOT, "%,d MiB", bytes >> 20)
                : String.format(Locale.ROOT, "%,d KiB", bytes >> 10);
    }

    /** ‖a − b‖₂ / ‖b‖₂ (NaN when either holds a NaN). */
    static double rel(float[] a, float[] b) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < b.length; i++) {
            double e = (double) a[i] - b[i];
            diff += e * e;
            norm += (double) b[i] * b[i];
        }
        return norm == 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm);
    }

    static double rel(double a, double b) {
        return b == 0 ? Math.abs(a) : Math.abs(a - b) / Math.abs(b);
    }

    private static float[] normal(SplittableRandom random, int count, double scale) {
        float[] a = new float[count];
        for (int i = 0; i < count; i++) {
            a[i] = (float) (scale * gaussian(random));
        }
        return a;
    }

    private static double gaussian(SplittableRandom random) {
        double u = 1 - random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
    }

    private static int[] labels(SplittableRandom random, int n, int c) {
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = random.nextInt(c);
        }
        return y;
    }
}
