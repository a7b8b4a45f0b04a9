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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and writes NumPy's .npy format (versions 1.0, 2.0 and 3.0): float32, float64, int32 and
 * int64, either byte order, C order, any number of dimensions. Writes version 1.0, little-endian,
 * with the header padded to 64 bytes as NumPy does.
 *
 * @see <a href="https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html">the format</a>
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([<>|=])([a-zA-Z]\\d+)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");
    private static final int MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    private Npy() {
    }

    /**
     * Reads a .npy file.
     *
     * @throws NpyFormatException when the file is not .npy, is truncated, or holds a dtype or layout
     *                            this reader does not take; the message says which
     * @throws IOException        when the file cannot be read (missing, unreadable)
     */
    public static NpyArray read(Path path) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long fileSize = channel.size();
            ByteBuffer preamble = readFully(channel, 0, (int) Math.min(12, fileSize));
            if (preamble.remaining() < 10 || !startsWithMagic(preamble)) {
                throw new NpyFormatException("not a .npy file (no \\x93NUMPY magic at the start)");
            }
            int major = preamble.get(6) & 0xff;
            int headerLength;
            int headerStart;
            if (major == 1) {
                headerLength = preamble.order(ByteOrder.LITTLE_ENDIAN).getShort(8) & 0xffff;
                headerStart = 10;
            } else if (major == 2 || major == 3) {
                if (preamble.limit() < 12) {
                    throw new NpyFormatException("truncated .npy header");
                }
                headerLength = preamble.order(ByteOrder.LITTLE_ENDIAN).getInt(8);
                headerStart = 12;
            } else {
                throw new NpyFormatException(".npy format version " + major + " is not supported (1, 2 or 3)");
            }
            if (headerLength < 0 || headerStart + (long) headerLength > fileSize) {
                throw new NpyFormatException("truncated .npy header");
            }
            String header = StandardCharsets.UTF_8
                    .decode(readFully(channel, headerStart, headerLength)).toString();
            Header h = parseHeader(header);
            long dataStart = headerStart + (long) headerLength;
            long expectedBytes = h.elements * h.dtype.bytes;
            if (fileSize - dataStart < expectedBytes) {
                throw new NpyFormatException("truncated data: shape " + NpyArray.shapeString(h.shape) + " of "
                        + h.dtype.numpyName() + " needs " + expectedBytes + " bytes, the file holds "
                        + (fileSize - dataStart));
            }
            return decode(h, channel, dataStart);
        }
    }

    /** Writes {@code array} to {@code path}, replacing the file if it exists. */
    public static void write(Path path, NpyArray array) throws IOException {
        String dict = "{'descr': '<" + array.dtype().code + "', 'fortran_order': False, 'shape': "
                + pythonTuple(array.shape()) + ", }";
        int unpadded = MAGIC.length + 2 + 2 + dict.length() + 1;
        int padding = (64 - unpadded % 64) % 64;
        String header = dict + " ".repeat(padding) + "\n";
        ByteBuffer head = ByteBuffer.allocate(MAGIC.length + 4 + header.length()).order(ByteOrder.LITTLE_ENDIAN);
        head.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length())
                .put(header.getBytes(StandardCharsets.US_ASCII));
        try (OutputStream out = Files.newOutputStream(path)) {
            out.write(head.array());
            encode(array, out);
        }
    }

    private record Header(NpyArray.DType dtype, ByteOrder order, int[] shape, long elements) {
    }

    private static Header parseHeader(String header) throws NpyFormatException {
        Matcher descr = DESCR.matcher(header);
        Matcher fortran = FORTRAN.matcher(header);
        Matcher shape = SHAPE.matcher(header);
        if (!descr.find() || !fortran.find() || !shape.find()) {
            throw new NpyFormatException("unreadable .npy header: " + header.strip());
        }
        if (fortran.group(1).equals("True")) {
            throw new NpyFormatException("Fortran-ordered arrays are not supported: save a C-ordered copy "
                    + "(numpy.ascontiguousarray)");
        }
        NpyArray.DType dtype = null;
        for (NpyArray.DType d : NpyArray.DType.values()) {
            if (d.code.equals(descr.group(2))) {
                dtype = d;
            }
        }
        if (dtype == null) {
            throw new NpyFormatException("dtype '" + descr.group(1) + descr.group(2)
                    + "' is not supported (float32, float64, int32 or int64)");
        }
        ByteOrder order = descr.group(1).equals(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        String[] parts = shape.group(1).split(",");
        int dims = 0;
        int[] dimensions = new int[parts.length];
        long elements = 1;
        for (String part : parts) {
            String p = part.strip();
            if (p.isEmpty()) {
                continue;
            }
            long value;
            try {
                value = Long.parseLong(p.endsWith("L") ? p.substring(0, p.length() - 1) : p);
            } catch (NumberFormatException e) {
                throw new NpyFormatException("unreadable shape in .npy header: (" + shape.group(1) + ")");
            }
            elements *= value;
            if (value < 0 || value > MAX_ELEMENTS || elements > MAX_ELEMENTS) {
                throw new NpyFormatException("shape (" + shape.group(1) + ") is larger than a Java array holds");
            }
            dimensions[dims++] = (int) value;
        }
        return new Header(dtype, order, java.util.Arrays.copyOf(dimensions, dims), elements);
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

    private static String pythonTuple(int[] shape) {
        return NpyArray.shapeString(shape);
    }

    private static boolean startsWithMagic(ByteBuffer b) {
        for (int i = 0; i < MAGIC.length; i++) {
            if (b.get(i) != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    private static ByteBuffer readFully(FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) {
                break;
            }
        }
        return buffer.flip();
    }
}
