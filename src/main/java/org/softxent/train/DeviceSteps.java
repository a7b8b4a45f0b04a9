package org.softxent.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.LongToDoubleFunction;
import jcuda.driver.CUdeviceptr;
import org.softxent.BinaryClassifierOptions;
import org.softxent.ClassifierOptions;
import org.softxent.DeviceBuffer;
import org.softxent.DeviceOutOfMemoryException;
import org.softxent.OnDevice;
import org.softxent.io.RowSource;

/**
 * Training on the GPU with the weights, their gradients and SGD's velocities on the device, and the
 * training rows held one of two ways:
 *
 * <ul>
 *   <li><b>resident</b> ({@link #resident}): the set is uploaded once. An SGD step is a gather of the
 *       minibatch's rows and labels, the classifier's fused pass and two update kernels, queued with
 *       no host round trip; the epoch's order (n ints) is uploaded once per epoch.
 *   <li><b>streamed</b> ({@link #streamed}), when the device cannot hold the set or the options ask
 *       for it: the rows go through two chunk buffers by {@link OnDevice#uploadRows}, gathered in
 *       the epoch's order on the host; each chunk is uploaded while the steps on the chunk before
 *       run, and a step reads its minibatch in place in its chunk. The objective is summed chunk by
 *       chunk on the device.
 *   <li><b>streamed from a source</b> ({@link #streamed} with the rows' scaled views: a set larger
 *       than the host's heap, read from its file): the same, each chunk read and scaled on the host
 *       into one staging array, by every core, then uploaded under the steps queued before it: the
 *       device runs what was queued meanwhile, and may wait for the read once per chunk (a read of
 *       a file's rows takes longer than a GPU's steps on them). SGD's minibatches are
 *       then drawn from one chunk of the file each, as {@link SourceSteps} draws them on the CPU
 *       except that the last, shorter chunk comes last in every epoch (so that each chunk starts
 *       at a multiple of the chunk's rows in the epoch's order): the whole chunks in a shuffled
 *       order, each chunk's rows shuffled.
 * </ul>
 *
 * Each step's loss is written into a device array read back every {@code lossEvery} steps. L-BFGS
 * reads the objective and the gradient (features × outputs + outputs floats) back each evaluation
 * and sends the new weights: its arithmetic runs on the host, in double.
 */
final class DeviceSteps implements Steps {
    /**
     * Bytes of rows a streamed chunk holds at most unless the options' chunkMemory says otherwise
     * (the engine's pinned buffers are as large).
     */
    static final long CHUNK_BYTES = 8L << 20;

    private final OnDevice dev;
    private final Problem p;
    private final int batch;
    private final float momentum;
    private final int lossEvery;
    /** Rows per streamed chunk (a multiple of the batch), or 0 when the rows are resident. */
    private final int chunkRows;
    private final List<DeviceBuffer> owned = new ArrayList<>();
    private final CUdeviceptr w;
    private final CUdeviceptr b;
    private final CUdeviceptr gw;
    private final CUdeviceptr gb;
    private final CUdeviceptr vw;
    private final CUdeviceptr vb;
    private final CUdeviceptr losses;
    /** One int the passes add the rows they predict right to. */
    private final CUdeviceptr correct;
    // The validation rows: resident (with the set resident), else streamed through the chunks.
    private CUdeviceptr xv;
    private CUdeviceptr yv;
    private CUdeviceptr validationLosses;
    // Resident: the set, a minibatch gathered from it, the epoch's order.
    private CUdeviceptr x;
    private CUdeviceptr y;
    private CUdeviceptr xb;
    private CUdeviceptr yb;
    private CUdeviceptr order;
    // Streamed: two chunks of rows and labels (or targets), a chunk's gradients, the chunks' losses.
    private final CUdeviceptr[] xc = new CUdeviceptr[2];
    private final CUdeviceptr[] yc = new CUdeviceptr[2];
    private CUdeviceptr gwc;
    private CUdeviceptr gbc;
    private CUdeviceptr chunkLosses;
    // Streamed from a source: the training and validation rows' scaled views, or null (the arrays
    // of p), a chunk's rows staged on the host, and the chunk's local order of its rows.
    private final RowSource rowsFrom;
    private final RowSource validationFrom;
    private float[] stage;
    private int[] local;
    /** The mean's divisor, for the streamed objective's sums. */
    private final double divisor;
    private final String description;

    /**
     * The set uploaded once.
     *
     * @throws DeviceOutOfMemoryException when the device cannot hold it all (nothing is left allocated)
     */
    static DeviceSteps resident(OnDevice dev, String engine, Problem p, int batch, double momentum, int lossEvery) {
        return new DeviceSteps(dev, engine, p, batch, momentum, lossEvery, 0, false, null, null);
    }

    /**
     * The set streamed through two chunks of at most {@code chunkBytes} of rows each (and at most a
     * quarter of the set), halved while the device cannot hold them, down to one minibatch;
     * {@code tooLarge} says why (for the description): the device cannot hold the set.
     *
     * @throws DeviceOutOfMemoryException when the device cannot hold even that (nothing is left allocated)
     */
    static DeviceSteps streamed(OnDevice dev, String engine, Problem p, int batch, double momentum, int lossEvery,
                                long chunkBytes, boolean tooLarge) {
        return streamed(dev, engine, p, batch, momentum, lossEvery, chunkBytes, tooLarge, null, null);
    }

    /**
     * {@link #streamed(OnDevice, String, Problem, int, double, int, long, boolean)} with the rows
     * read from their sources (p's x and xv unused): {@code rows} [p.rows(), features] and {@code
     * validation} [p.validationRows(), features] (null when there are none), scaled views that are
     * read chunk by chunk, in order, on the calling thread.
     */
    static DeviceSteps streamed(OnDevice dev, String engine, Problem p, int batch, double momentum, int lossEvery,
                                long chunkBytes, boolean tooLarge, RowSource rows, RowSource validation) {
        int m = Math.min(batch, p.rows());
        long rowBytes = 4L * p.features();
        long quarter = (p.rows() + 4L * m - 1) / (4L * m);
        long batches = Math.max(1, Math.min(quarter, chunkBytes / (rowBytes * m)));
        while (true) {
            try {
                return new DeviceSteps(dev, engine, p, batch, momentum, lossEvery, (int) (batches * m), tooLarge, rows,
                        validation);
            } catch (DeviceOutOfMemoryException e) {
                if (batches == 1) {
                    throw e;
                }
                batches /= 2;
            }
        }
    }

    private DeviceSteps(OnDevice dev, String engine, Problem p, int batch, double momentum, int lossEvery,
                        int chunkRows, boolean tooLarge, RowSource rowsFrom, RowSource validationFrom) {
        this.dev = dev;
        this.p = p;
        this.rowsFrom = rowsFrom;
        this.validationFrom = validationFrom;
        this.batch = Math.min(batch, p.rows());
        this.momentum = (float) momentum;
        this.chunkRows = chunkRows;
        // No more loss slots than an epoch has steps: a larger k would only hold memory.
        this.lossEvery = (int) Math.min(lossEvery, (p.rows() + this.batch - 1L) / this.batch);
        long n = p.rows();
        long d = p.features();
        long k = p.outputs();
        String labels = p.logistic() ? "targets" : "labels";
        try {
            w = buffer(4 * d * k, "W");
            b = buffer(4 * k, "b");
            gw = buffer(4 * d * k, "dW");
            gb = buffer(4 * k, "db");
            vw = buffer(4 * d * k, "SGD's velocity of W");
            vb = buffer(4 * k, "SGD's velocity of b");
            losses = buffer(4L * this.lossEvery, "the steps' losses");
            correct = buffer(4, "the count of rows predicted right");
            if (chunkRows == 0) {
                x = buffer(4 * n * d, "the training rows");
                y = buffer(4 * n, "the training " + labels);
                xb = buffer(4L * this.batch * d, "a minibatch's rows");
                yb = buffer(4L * this.batch, "a minibatch's " + labels);
                order = buffer(4 * n, "the epoch's order");
                dev.upload(p.x(), x);
                if (p.logistic()) {
                    dev.upload(p.targets(), y);
                } else {
                    dev.upload(p.labels(), y);
                }
            } else {
                for (int i = 0; i < 2; i++) {
                    xc[i] = buffer(4L * chunkRows * d, "a chunk of the training rows");
                    yc[i] = buffer(4L * chunkRows, "a chunk of the training " + labels);
                }
                gwc = buffer(4 * d * k, "a chunk's dW");
                gbc = buffer(4 * k, "a chunk's db");
                chunkLosses = buffer(4 * chunks(p.rows()), "the chunks' losses");
            }
            long nv = p.validationRows();
            if (nv > 0 && chunkRows == 0) {
                xv = buffer(4 * nv * d, "the validation rows");
                yv = buffer(4 * nv, "the validation " + labels);
                dev.upload(p.xv(), xv);
            }
            if (nv > 0) {
                validationLosses = buffer(4L * (chunkRows == 0 ? 1 : chunks((int) nv)), "the validation loss");
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        if (yv != null) {
            if (p.logistic()) {
                dev.upload(p.validationTargets(), yv);
            } else {
                dev.upload(p.yv(), yv);
            }
        }
        divisor = p.divisor();
        long mib = owned.stream().mapToLong(DeviceBuffer::bytes).sum() >> 20;
        description = engine + (chunkRows == 0 ? " (device-resident: " + mib + " MiB on the device)"
                : " (the training set streamed" + (rowsFrom != null ? " from its source" : "")
                + (tooLarge ? ", as the device cannot hold it" : "") + ": chunks of " + chunkRows
                + " rows uploaded under the steps; " + mib + " MiB on the device)");
    }

    private CUdeviceptr buffer(long bytes, String use) {
        DeviceBuffer buffer = dev.allocate(bytes, "training: " + use);
        owned.add(buffer);
        return buffer.pointer();
    }

    private int chunks(int rows) {
        return (rows + chunkRows - 1) / chunkRows;
    }

    /** Whether the rows are streamed (else resident). */
    boolean streaming() {
        return chunkRows > 0;
    }

    @Override
    public Pass objective(float[] hw, float[] hb, float[] hgw, float[] hgb) {
        dev.upload(hw, w);
        dev.upload(hb, b);
        dev.upload(ZERO, correct);
        if (chunkRows == 0) {
            run(x, y, p.rows(), gw, gb, losses, p.options(), p.binaryOptions());
            double loss = download(hgw, hgb, losses, 1)[0];
            return new Pass(loss, count());
        }
        // Sums over the chunks (reduction SUM, no L2), then the mean and the L2 term here, as the
        // classifier would add them: loss / divisor + reg·ΣW², dW / divisor + 2·reg·W, db / divisor.
        ClassifierOptions o = p.logistic() ? null : p.sumOptions();
        BinaryClassifierOptions bo = p.logistic() ? p.binarySumOptions() : null;
        int count = chunks(p.rows());
        upload(null, 0, 0);
        for (int c = 0; c < count; c++) {
            dev.awaitUploads();
            if (c + 1 < count) {
                upload(null, (c + 1) * chunkRows, (c + 1) % 2);
            }
            int m = Math.min(chunkRows, p.rows() - c * chunkRows);
            // The first chunk writes the sums, the others their own gradients, added to the sums.
            run(xc[c % 2], yc[c % 2], m, c == 0 ? gw : gwc, c == 0 ? gb : gbc, chunkLosses.withByteOffset(4L * c),
                    o, bo);
            if (c > 0) {
                add(gw, gwc, (long) p.features() * p.outputs());
                add(gb, gbc, p.outputs());
            }
        }
        float[] sums = download(hgw, hgb, chunkLosses, count);
        double reg = p.logistic() ? p.binaryOptions().reg() : p.options().reg();
        double loss = 0;
        for (float s : sums) {
            loss += s;
        }
        double squares = 0;
        for (int i = 0; i < hw.length; i++) {
            squares += (double) hw[i] * hw[i];
            hgw[i] = (float) (hgw[i] / divisor + 2 * reg * hw[i]);
        }
        for (int i = 0; i < hgb.length; i++) {
            hgb[i] = (float) (hgb[i] / divisor);
        }
        return new Pass(loss / divisor + reg * squares, count());
    }

    private static final int[] ZERO = {0};

    /** The count the passes since it was zeroed added up (after the work queued). */
    private long count() {
        int[] n = new int[1];
        dev.download(correct, n);
        return n[0] & 0xffffffffL;
    }

    @Override
    public Pass validate(float[] hw, float[] hb) {
        int n = p.validationRows();
        if (n == 0) {
            return null;
        }
        dev.upload(hw, w);
        dev.upload(hb, b);
        dev.upload(ZERO, correct);
        ClassifierOptions o = p.logistic() ? null : p.sumOptions();
        BinaryClassifierOptions bo = p.logistic() ? p.binarySumOptions() : null;
        int count = 1;
        if (chunkRows == 0) {
            run(xv, yv, n, null, null, validationLosses, o, bo);
        } else {
            count = chunks(n);
            uploadValidation(0, 0);
            for (int c = 0; c < count; c++) {
                dev.awaitUploads();
                if (c + 1 < count) {
                    uploadValidation((c + 1) * chunkRows, (c + 1) % 2);
                }
                int m = Math.min(chunkRows, n - c * chunkRows);
                run(xc[c % 2], yc[c % 2], m, null, null, validationLosses.withByteOffset(4L * c), o, bo);
            }
        }
        float[] sums = new float[count];
        dev.download(validationLosses, sums);
        double loss = 0;
        for (float v : sums) {
            loss += v;
        }
        return new Pass(loss / p.validationDivisor(), count());
    }

    /** Queues the upload of the validation rows [first, first + chunkRows) into chunk buffer {@code into}. */
    private void uploadValidation(int first, int into) {
        int m = Math.min(chunkRows, p.validationRows() - first);
        if (validationFrom != null) {
            float[] s = stage();
            readChunk(validationFrom, first, m, s);
            dev.uploadRows(s, p.features(), null, 0, m, xc[into]);
        } else {
            dev.uploadRows(p.xv(), p.features(), null, first, m, xc[into]);
        }
        if (p.logistic()) {
            dev.uploadRows(p.validationTargets(), 1, null, first, m, yc[into]);
        } else {
            dev.uploadRows(p.yv(), 1, null, first, m, yc[into]);
        }
    }

    /** dst += src over n floats: an SGD step of rate −1 without momentum (exact: −1·g is exact). */
    private void add(CUdeviceptr dst, CUdeviceptr src, long n) {
        dev.sgdUpdate(dst, src, null, n, -1f, 0f);
    }

    /** The gradients into hgw and hgb and {@code count} losses, after the work queued. */
    private float[] download(float[] hgw, float[] hgb, CUdeviceptr from, int count) {
        float[] loss = new float[count];
        dev.download(gw, hgw);
        dev.download(gb, hgb);
        dev.download(from, loss);
        return loss;
    }

    /**
     * Queues the upload of the streamed chunk of rows [first, first + chunkRows) of the set (or of
     * the epoch's {@code order}, when given) into chunk buffer {@code into}.
     */
    private void upload(int[] order, int first, int into) {
        int m = Math.min(chunkRows, (order == null ? p.rows() : order.length) - first);
        if (rowsFrom == null) {
            dev.uploadRows(p.x(), p.features(), order, first, m, xc[into]);
        } else if (order == null) {
            float[] s = stage();
            readChunk(rowsFrom, first, m, s);
            dev.uploadRows(s, p.features(), null, 0, m, xc[into]);
        } else {
            // The chunk of the file that shuffle() put here: read whole, its rows sent in the order's.
            int base = order[first] / chunkRows * chunkRows;
            int span = Math.min(chunkRows, p.rows() - base);
            float[] s = stage();
            readChunk(rowsFrom, base, span, s);
            int[] l = local();
            for (int i = 0; i < m; i++) {
                l[i] = order[first + i] - base;
                if (l[i] < 0 || l[i] >= span) {
                    throw new IllegalArgumentException("the epoch's order must keep each chunk's rows together, as "
                            + "shuffle() draws it: row " + order[first + i] + " is not in the chunk of rows [" + base
                            + ", " + (base + span) + ")");
                }
            }
            dev.uploadRows(s, p.features(), l, 0, m, xc[into]);
        }
        if (p.logistic()) {
            dev.uploadRows(p.targets(), 1, order, first, m, yc[into]);
        } else {
            dev.uploadRows(p.labels(), 1, order, first, m, yc[into]);
        }
    }

    /**
     * Rows [first, first + m) of a source into dst from its start, read and scaled in blocks of
     * about 1 MiB on the fork/join pool: a file's chunk takes the host longer than the device's
     * steps on it, so every core reads.
     */
    private static void readChunk(RowSource source, int first, int m, float[] dst) {
        int d = source.features();
        int per = Math.max(1, (1 << 18) / d);
        int blocks = (m + per - 1) / per;
        java.util.stream.IntStream.range(0, blocks).parallel().forEach(k -> {
            int from = k * per;
            source.read(first + from, Math.min(per, m - from), dst, from * d);
        });
    }

    /** The host's staging array of one chunk of rows, made at its first use. */
    private float[] stage() {
        if (stage == null) {
            stage = new float[Math.multiplyExact(chunkRows, p.features())];
        }
        return stage;
    }

    private int[] local() {
        if (local == null) {
            local = new int[chunkRows];
        }
        return local;
    }

    /**
     * From a source: the chunks of the file in a shuffled order, the last (shorter) one last so that
     * every chunk starts at a multiple of the chunk's rows in the order, each chunk's rows shuffled.
     * Otherwise uniformly.
     */
    @Override
    public void shuffle(int[] order, SplittableRandom random) {
        if (rowsFrom == null) {
            Split.shuffle(order, random);
            return;
        }
        int n = order.length;
        int chunks = (n + chunkRows - 1) / chunkRows;
        int whole = n % chunkRows == 0 ? chunks : chunks - 1;
        int[] sequence = new int[chunks];
        Arrays.setAll(sequence, i -> i);
        int[] head = Arrays.copyOf(sequence, whole); // the whole chunks; a shorter last one stays last
        Split.shuffle(head, random);
        System.arraycopy(head, 0, sequence, 0, whole);
        int at = 0;
        for (int k : sequence) {
            int from = k * chunkRows;
            int m = Math.min(chunkRows, n - from);
            int[] part = new int[m];
            Arrays.setAll(part, i -> from + i);
            Split.shuffle(part, random);
            System.arraycopy(part, 0, order, at, m);
            at += m;
        }
    }

    /** The classifier's pass over rows of (xs, ys), the gradients into gws and gbs, the loss into lossOut. */
    private void run(CUdeviceptr xs, CUdeviceptr ys, int rows, CUdeviceptr gws, CUdeviceptr gbs, CUdeviceptr lossOut,
                     ClassifierOptions o, BinaryClassifierOptions bo) {
        if (p.logistic()) {
            dev.binaryClassifier(xs, w, b, ys, rows, p.features(), 1, bo, gws, gbs, null, lossOut, null, correct);
        } else {
            dev.classifier(xs, w, b, ys, rows, p.features(), p.outputs(), o, gws, gbs, null, lossOut, null, correct);
        }
    }

    @Override
    public void start(float[] hw, float[] hb) {
        dev.upload(hw, w);
        dev.upload(hb, b);
        dev.upload(new float[hw.length], vw);
        dev.upload(new float[hb.length], vb);
    }

    @Override
    public Pass epoch(int[] hostOrder, long first, LongToDoubleFunction rate) {
        dev.upload(ZERO, correct);
        if (chunkRows == 0) {
            dev.upload(hostOrder, order);
        } else {
            upload(hostOrder, 0, 0);
        }
        int d = p.features();
        int k = p.outputs();
        float[] read = new float[lossEvery];
        int[] sizes = new int[lossEvery];
        double sum = 0;
        int pending = 0;
        long step = first;
        for (int r0 = 0; r0 < hostOrder.length; r0 += batch, step++) {
            int m = Math.min(batch, hostOrder.length - r0);
            CUdeviceptr xs;
            CUdeviceptr ys;
            if (chunkRows == 0) {
                CUdeviceptr idx = order.withByteOffset(4L * r0);
                dev.gatherRows(x, p.rows(), d, idx, m, xb);
                dev.gatherRows(y, p.rows(), 1, idx, m, yb);
                xs = xb;
                ys = yb;
            } else {
                int c = r0 / chunkRows;
                int at = r0 - c * chunkRows;
                if (at == 0) { // a chunk's first step: its rows are there, the next chunk's go up under it
                    dev.awaitUploads();
                    if (r0 + chunkRows < hostOrder.length) {
                        upload(hostOrder, r0 + chunkRows, (c + 1) % 2);
                    }
                }
                xs = xc[c % 2].withByteOffset(4L * at * d);
                ys = yc[c % 2].withByteOffset(4L * at);
            }
            run(xs, ys, m, gw, gb, losses.withByteOffset(4L * pending), p.options(), p.binaryOptions());
            float lr = (float) rate.applyAsDouble(step);
            dev.sgdUpdate(w, gw, vw, (long) d * k, lr, momentum);
            dev.sgdUpdate(b, gb, vb, k, lr, momentum);
            sizes[pending++] = m;
            if (pending == lossEvery || r0 + m >= hostOrder.length) {
                dev.download(losses, read); // waits for the queued steps; reports bad data
                for (int i = 0; i < pending; i++) {
                    sum += (double) sizes[i] * read[i];
                }
                pending = 0;
            }
        }
        return new Pass(sum / hostOrder.length, count());
    }

    @Override
    public void weights(float[] hw, float[] hb) {
        dev.download(w, hw);
        dev.download(b, hb);
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public void close() {
        for (DeviceBuffer buffer : owned) {
            buffer.close();
        }
        owned.clear();
    }
}
