package org.softxent.train;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongToDoubleFunction;
import jcuda.driver.CUdeviceptr;
import org.softxent.DeviceBuffer;
import org.softxent.OnDevice;

/**
 * Training on the GPU with everything on the device: the training set is uploaded once; W, b, their
 * gradients and SGD's velocities live there. An SGD step is a gather of the minibatch's rows and
 * labels, the classifier's fused pass, and two update kernels, queued with no host round trip; each
 * step's loss is written into a device array that is read back every {@code lossEvery} steps. The
 * epoch's order (n ints) is uploaded once per epoch. L-BFGS reads the objective and the gradient
 * (features × outputs + outputs floats) back each evaluation, and sends the new weights: its
 * arithmetic runs on the host, in double.
 */
final class DeviceSteps implements Steps {
    private final OnDevice dev;
    private final Problem p;
    private final int batch;
    private final float momentum;
    private final int lossEvery;
    private final List<DeviceBuffer> owned = new ArrayList<>();
    private final CUdeviceptr x;
    private final CUdeviceptr y;
    private final CUdeviceptr w;
    private final CUdeviceptr b;
    private final CUdeviceptr gw;
    private final CUdeviceptr gb;
    private final CUdeviceptr vw;
    private final CUdeviceptr vb;
    private final CUdeviceptr xb;
    private final CUdeviceptr yb;
    private final CUdeviceptr order;
    private final CUdeviceptr losses;
    private final String description;

    /** @throws org.softxent.DeviceOutOfMemoryException when the device cannot hold it all (nothing is left allocated) */
    DeviceSteps(OnDevice dev, String engine, Problem p, int batch, double momentum, int lossEvery) {
        this.dev = dev;
        this.p = p;
        this.batch = Math.min(batch, p.rows());
        this.momentum = (float) momentum;
        // No more loss slots than an epoch has steps: a larger k would only hold memory.
        this.lossEvery = (int) Math.min(lossEvery, (p.rows() + this.batch - 1L) / this.batch);
        long n = p.rows();
        long d = p.features();
        long k = p.outputs();
        try {
            x = buffer(4 * n * d, "the training rows");
            y = buffer(4 * n, p.logistic() ? "the training targets" : "the training labels");
            w = buffer(4 * d * k, "W");
            b = buffer(4 * k, "b");
            gw = buffer(4 * d * k, "dW");
            gb = buffer(4 * k, "db");
            vw = buffer(4 * d * k, "SGD's velocity of W");
            vb = buffer(4 * k, "SGD's velocity of b");
            xb = buffer(4L * this.batch * d, "a minibatch's rows");
            yb = buffer(4L * this.batch, "a minibatch's labels");
            order = buffer(4 * n, "the epoch's order");
            losses = buffer(4L * this.lossEvery, "the steps' losses");
            dev.upload(p.x(), x);
            if (p.logistic()) {
                dev.upload(p.targets(), y);
            } else {
                dev.upload(p.labels(), y);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        long bytes = owned.stream().mapToLong(DeviceBuffer::bytes).sum();
        description = engine + " (device-resident: " + (bytes >> 20) + " MiB on the device)";
    }

    private CUdeviceptr buffer(long bytes, String use) {
        DeviceBuffer buffer = dev.allocate(bytes, "training: " + use);
        owned.add(buffer);
        return buffer.pointer();
    }

    @Override
    public double objective(float[] hw, float[] hb, float[] hgw, float[] hgb) {
        dev.upload(hw, w);
        dev.upload(hb, b);
        run(x, y, p.rows(), losses);
        float[] loss = new float[1];
        dev.download(gw, hgw);
        dev.download(gb, hgb);
        dev.download(losses, loss);
        return loss[0];
    }

    /** The classifier's pass over rows of (xs, ys), gradients into gw and gb, the loss into lossOut. */
    private void run(CUdeviceptr xs, CUdeviceptr ys, int rows, CUdeviceptr lossOut) {
        if (p.logistic()) {
            dev.binaryClassifier(xs, w, b, ys, rows, p.features(), 1, p.binaryOptions(), gw, gb, null, lossOut);
        } else {
            dev.classifier(xs, w, b, ys, rows, p.features(), p.outputs(), p.options(), gw, gb, null, lossOut);
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
    public double epoch(int[] hostOrder, long first, LongToDoubleFunction rate) {
        dev.upload(hostOrder, order);
        int d = p.features();
        int k = p.outputs();
        float[] read = new float[lossEvery];
        int[] sizes = new int[lossEvery];
        double sum = 0;
        int pending = 0;
        long step = first;
        for (int r0 = 0; r0 < hostOrder.length; r0 += batch, step++) {
            int m = Math.min(batch, hostOrder.length - r0);
            CUdeviceptr idx = order.withByteOffset(4L * r0);
            dev.gatherRows(x, p.rows(), d, idx, m, xb);
            dev.gatherRows(y, p.rows(), 1, idx, m, yb);
            run(xb, yb, m, losses.withByteOffset(4L * pending));
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
        return sum / hostOrder.length;
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
