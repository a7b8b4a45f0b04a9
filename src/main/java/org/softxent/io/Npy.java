package org.softxent.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * Reads and writes NumPy's .npy format (versions 1.0, 2.0 and 3.0): float32, float64, int32 and
 * int64, either byte order, any number of dimensions, C order or Fortran order (read into C
 * order). Writes version 1.0, little-endian, C order, with the header padded to 64 bytes as NumPy
 * does.
 *
 * @see <a href="https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html">the format</a>
 */
public final class Npy {
    static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    private Npy() {
    }

    /**
     * Reads a .npy file.
     *
     * @throws NpyFormatException when the file is not .npy, is truncated, or holds a dtype or layout
     *                            this reader does not take; the message says which
     * @throws IOException        when the file cannot be read (missing, unreadable, or not a regular
     *                            file: a pipe is refused before it is opened, so a read never blocks)
     */
    public static NpyArray read(Path path) throws IOException {
        RegularFiles.require(path);
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            NpyHeader h = NpyHeader.read(channel);
            NpyArray.DType dtype = null;
            for (NpyArray.DType d : NpyArray.DType.values()) {
                if (d.code.equals(h.code())) {
                    dtype = d;
                }
            }
            if (dtype == null) {
                throw new NpyFormatException("dtype '" + h.descr() + "' (" + h.dtypeName() + ") is not supported",
                        h.dtypeName());
            }
            int[] shape = new int[h.shape().length];
            for (int i = 0; i < shape.length; i++) {
                if (h.shape()[i] > MAX_ELEMENTS || h.elements() > MAX_ELEMENTS) {
                    throw new NpyFormatException("shape " + h.shapeString() + " is larger than a Java array holds");
                }
                shape[i] = (int) h.shape()[i];
            }
            return decode(new Header(dtype, h.order(), shape, h.elements(), h.fortran()), channel, h.dataStart());
        }
    }

    /**
     * Writes {@code array} to {@code path}, replacing the file if it exists (in place, following
     * links: the command line writes its outputs through {@code OutputFiles} instead).
     */
    public static void write(Path path, NpyArray array) throws IOException {
        try (OutputStream out = Files.newOutputStream(path)) {
            write(out, array);
        }
    }

    /** Writes {@code array} as a .npy file to {@code out}, which stays open. */
    public static void write(OutputStream out, NpyArray array) throws IOException {
        long[] shape = new long[array.shape().length];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = array.shape()[i];
        }
        writeHeader(out, array.dtype(), shape);
        encode(array, out);
    }

    /**
     * Writes the header of a .npy file of {@code dtype} (little-endian) and {@code shape} to
     * {@code out}: what follows it must be the elements in C order, as many as the shape says (for
     * a writer that streams them, a file of any size).
     */
    public static void writeHeader(OutputStream out, NpyArray.DType dtype, long... shape) throws IOException {
        out.write(header(dtype, shape, 0));
    }

    /**
     * The bytes of a .npy header of {@code dtype} (little-endian) and {@code shape}: padded to a
     * multiple of 64 bytes, or to exactly {@code length} bytes when that is given (non-zero; a
     * multiple of 64), so that a writer that learns the shape only at its end can reserve the room
     * first and write the header over it.
     *
     * @throws IllegalArgumentException when the header does not fit {@code length}
     */
    public static byte[] header(NpyArray.DType dtype, long[] shape, int length) {
        StringBuilder tuple = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            tuple.append(shape[i]).append(shape.length == 1 ? "," : i + 1 < shape.length ? ", " : "");
        }
        String dict = "{'descr': '<" + dtype.code + "', 'fortran_order': False, 'shape': " + tuple + "), }";
        int unpadded = MAGIC.length + 2 + 2 + dict.length() + 1;
        int padding = length == 0 ? (64 - unpadded % 64) % 64 : length - unpadded;
        if (padding < 0 || (unpadded + padding) % 64 != 0) {
            throw new IllegalArgumentException("a .npy header of " + unpadded + " bytes does not fit " + length);
        }
        String header = dict + " ".repeat(padding) + "\n";
        ByteBuffer head = ByteBuffer.allocate(MAGIC.length + 4 + header.length()).order(ByteOrder.LITTLE_ENDIAN);
        head.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length())
                .put(header.getBytes(StandardCharsets.US_ASCII));
        return head.array();
    }

    private record Header(NpyArray.DType dtype, ByteOrder order, int[] shape, long elements, boolean fortran) {
    }

    /** Bytes handled per step: files and arrays beyond 2 GiB are read and written in pieces. */
    private static final int STEP_BYTES = 1 << 24;

    private static NpyArray decode(Header h, FileChannel channel, long dataStart) throws IOException {
        int n = (int) h.elements;
        Object data;
        switch (h.dtype) {
            case FLOAT32:
                data = new float[n];
                break;
            case FLOAT64:
                data = new double[n];
                break;
            case INT32:
                data = new int[n];
                break;
            default:
                data = new long[n];
        }
        int width = h.dtype.bytes;
        int perStep = STEP_BYTES / width;
        for (int first = 0; first < n; first += perStep) {
            int count = Math.min(perStep, n - first);
            ByteBuffer bytes = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + (long) first * width,
                    (long) count * width).order(h.order);
            switch (h.dtype) {
                case FLOAT32:
                    bytes.asFloatBuffer().get((float[]) data, first, count);
                    break;
                case FLOAT64:
                    bytes.asDoubleBuffer().get((double[]) data, first, count);
                    break;
                case INT32:
                    bytes.asIntBuffer().get((int[]) data, first, count);
                    break;
                default:
                    bytes.asLongBuffer().get((long[]) data, first, count);
            }
        }
        if (h.fortran) {
            data = toCOrder(data, h.shape);
        }
        switch (h.dtype) {
            case FLOAT32:
                return NpyArray.ofFloats((float[]) data, h.shape);
            case FLOAT64:
                return NpyArray.ofDoubles((double[]) data, h.shape);
            case INT32:
                return NpyArray.ofInts((int[]) data, h.shape);
            default:
                return NpyArray.ofLongs((long[]) data, h.shape);
        }
    }

    /**
     * The elements of a Fortran-ordered array (the first index varying fastest), in C order (the
     * last fastest), in a new array of the same type.
     */
    static Object toCOrder(Object fortran, int[] shape) {
        int n = java.lang.reflect.Array.getLength(fortran);
        Object c = java.lang.reflect.Array.newInstance(fortran.getClass().getComponentType(), n);
        int dims = shape.length;
        long[] stride = new long[dims]; // the Fortran offset of a step along each dimension
        long step = 1;
        for (int k = 0; k < dims; k++) {
            stride[k] = step;
            step *= shape[k];
        }
        int[] index = new int[dims];
        long from = 0;
        for (int e = 0; e < n; e++) { // e walks C order: the last index fastest
            System.arraycopy(fortran, (int) from, c, e, 1);
            for (int k = dims - 1; k >= 0; k--) {
                if (++index[k] < shape[k]) {
                    from += stride[k];
                    break;
                }
                from -= stride[k] * (shape[k] - 1);
                index[k] = 0;
            }
        }
        return c;
    }

    private static void encode(NpyArray array, OutputStream out) throws IOException {
        int width = array.dtype().bytes;
        int n = array.size();
        int perStep = STEP_BYTES / width;
        ByteBuffer step = ByteBuffer.allocate(Math.min(n, perStep) * width).order(ByteOrder.LITTLE_ENDIAN);
        for (int first = 0; first < n; first += perStep) {
            int count = Math.min(perStep, n - first);
            step.clear();
            switch (array.dtype()) {
                case FLOAT32:
                    step.asFloatBuffer().put(array.floats(), first, count);
                    break;
                case FLOAT64:
                    step.asDoubleBuffer().put(array.doubles(), first, count);
                    break;
                case INT32:
                    step.asIntBuffer().put(array.ints(), first, count);
                    break;
                default:
                    step.asLongBuffer().put(array.longs(), first, count);
            }
            out.write(step.array(), 0, count * width);
        }
    }
}
