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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads and writes NumPy's .npy format (versions 1.0, 2.0 and 3.0): float32, float64, int32 and
 * int64, either byte order, C order, any number of dimensions. Writes version 1.0, little-endian,
 * with the header padded to 64 bytes as NumPy does.
 *
 * @see <a href="https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html">the format</a>
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** A dtype descriptor: byte order (optional, as NumPy allows) and type code. */
    private static final Pattern DESCR = Pattern.compile("([<>|=]?)([a-zA-Z]\\d+)");
    /** NumPy's default limit on the header (numpy.lib.format's max_header_size). */
    private static final int MAX_HEADER = 10_000;
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
            if (headerLength > MAX_HEADER) {
                throw new NpyFormatException("a .npy header of " + headerLength + " bytes: NumPy reads at most "
                        + MAX_HEADER);
            }
            // Versions 1 and 2 are latin-1 (and may hold Python 2's 3L), version 3 is UTF-8, as NumPy reads them.
            String header = (major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1)
                    .decode(readFully(channel, headerStart, headerLength)).toString();
            Header h = parseHeader(header, major < 3);
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
        String dict = "{'descr': '<" + array.dtype().code + "', 'fortran_order': False, 'shape': "
                + pythonTuple(array.shape()) + ", }";
        int unpadded = MAGIC.length + 2 + 2 + dict.length() + 1;
        int padding = (64 - unpadded % 64) % 64;
        String header = dict + " ".repeat(padding) + "\n";
        ByteBuffer head = ByteBuffer.allocate(MAGIC.length + 4 + header.length()).order(ByteOrder.LITTLE_ENDIAN);
        head.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length())
                .put(header.getBytes(StandardCharsets.US_ASCII));
        out.write(head.array());
        encode(array, out);
    }

    private record Header(NpyArray.DType dtype, ByteOrder order, int[] shape, long elements) {
    }

    private static Header parseHeader(String header, boolean python2Longs) throws NpyFormatException {
        Map<String, Object> dict = new HeaderParser(header, python2Longs).dict();
        for (String key : List.of("descr", "fortran_order", "shape")) {
            if (!dict.containsKey(key)) {
                throw new NpyFormatException("the .npy header has no '" + key + "': " + header.strip());
            }
        }
        if (!(dict.get("descr") instanceof String descr)) {
            throw new NpyFormatException("'descr' in the .npy header is not a string: " + header.strip());
        }
        if (!(dict.get("fortran_order") instanceof Boolean fortran)) {
            throw new NpyFormatException("'fortran_order' in the .npy header is not True or False: " + header.strip());
        }
        if (!(dict.get("shape") instanceof long[] dims)) {
            throw new NpyFormatException("'shape' in the .npy header is not a tuple of integers: " + header.strip());
        }
        if (fortran) {
            throw new NpyFormatException("Fortran-ordered arrays are not supported: save a C-ordered copy "
                    + "(numpy.ascontiguousarray)");
        }
        Matcher m = DESCR.matcher(descr);
        NpyArray.DType dtype = null;
        if (m.matches()) {
            for (NpyArray.DType d : NpyArray.DType.values()) {
                if (d.code.equals(m.group(2))) {
                    dtype = d;
                }
            }
        }
        if (dtype == null) {
            throw new NpyFormatException("dtype '" + descr + "' is not supported (float32, float64, int32 or int64)");
        }
        ByteOrder order = ">".equals(m.group(1)) ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        String shape = "(" + Arrays.stream(dims).mapToObj(Long::toString).collect(Collectors.joining(", "))
                + (dims.length == 1 ? ",)" : ")");
        int[] dimensions = new int[dims.length];
        long elements = 1;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] < 0) {
                throw new NpyFormatException("negative dimension " + dims[i] + " in shape " + shape);
            }
            elements *= dims[i];
            if (dims[i] > MAX_ELEMENTS || elements > MAX_ELEMENTS) {
                throw new NpyFormatException("shape " + shape + " is larger than a Java array holds");
            }
            dimensions[i] = (int) dims[i];
        }
        return new Header(dtype, order, dimensions, elements);
    }

    /**
     * The header's Python literal, read as strictly as NumPy reads it (numpy.lib.format): a dict
     * whose keys are exactly descr, fortran_order and shape, each once, with a string, True or False,
     * and a tuple of integers. Only the literal syntax NumPy writes is taken (quoted strings without
     * escapes, decimal integers, trailing commas); a repeated key, which NumPy would silently
     * resolve to its last value, is refused as ambiguous.
     */
    private static final class HeaderParser {
        private final String text;
        private final boolean python2Longs;
        private int at;

        HeaderParser(String text, boolean python2Longs) {
            this.text = text;
            this.python2Longs = python2Longs;
        }

        Map<String, Object> dict() throws NpyFormatException {
            Map<String, Object> dict = new HashMap<>();
            expect('{');
            while (!peek('}')) {
                String key = string();
                expect(':');
                Object value = value();
                if (!List.of("descr", "fortran_order", "shape").contains(key)) {
                    throw new NpyFormatException("unexpected key '" + key + "' in the .npy header (NumPy takes only "
                            + "descr, fortran_order and shape): " + text.strip());
                }
                if (dict.put(key, value) != null) {
                    throw new NpyFormatException("repeated key '" + key + "' in the .npy header: " + text.strip());
                }
                if (!peek('}')) {
                    expect(',');
                }
            }
            expect('}');
            skipSpace();
            if (at != text.length()) {
                throw unreadable();
            }
            return dict;
        }

        private Object value() throws NpyFormatException {
            skipSpace();
            if (peek('\'') || peek('"')) {
                return string();
            }
            if (peek('(')) {
                return tuple();
            }
            for (String word : new String[] {"True", "False"}) {
                if (text.startsWith(word, at)) {
                    at += word.length();
                    return word.equals("True");
                }
            }
            return integer();
        }

        /** A tuple of integers; a parenthesised integer, (3), is not a tuple and comes back as a Long. */
        private Object tuple() throws NpyFormatException {
            expect('(');
            List<Long> items = new ArrayList<>();
            boolean comma = false;
            while (!peek(')')) {
                items.add(integer());
                comma = peek(',');
                if (comma) {
                    expect(',');
                } else if (!peek(')')) {
                    throw unreadable();
                }
            }
            expect(')');
            if (items.size() == 1 && !comma) {
                return items.get(0);
            }
            return items.stream().mapToLong(Long::longValue).toArray();
        }

        private long integer() throws NpyFormatException {
            skipSpace();
            int start = at;
            if (at < text.length() && text.charAt(at) == '-') {
                at++;
            }
            int digits = at;
            while (at < text.length() && Character.isDigit(text.charAt(at)) && text.charAt(at) < 128) {
                at++;
            }
            String number = text.substring(start, at);
            if (at == digits || (text.charAt(digits) == '0' && at - digits > 1)) {
                throw unreadable();
            }
            if (python2Longs && at < text.length() && text.charAt(at) == 'L') {
                at++;
            }
            try {
                return Long.parseLong(number);
            } catch (NumberFormatException e) {
                throw new NpyFormatException("dimension " + number + " in the .npy header is larger than a Java "
                        + "array holds");
            }
        }

        private String string() throws NpyFormatException {
            skipSpace();
            if (!(peek('\'') || peek('"'))) {
                throw unreadable();
            }
            char quote = text.charAt(at++);
            int end = text.indexOf(quote, at);
            if (end < 0 || text.substring(at, end).indexOf('\\') >= 0 || text.substring(at, end).indexOf('\n') >= 0) {
                throw unreadable();
            }
            String s = text.substring(at, end);
            at = end + 1;
            return s;
        }

        private boolean peek(char c) {
            skipSpace();
            return at < text.length() && text.charAt(at) == c;
        }

        private void expect(char c) throws NpyFormatException {
            if (!peek(c)) {
                throw unreadable();
            }
            at++;
        }

        private void skipSpace() {
            while (at < text.length() && " \t\n\r\f".indexOf(text.charAt(at)) >= 0) {
                at++;
            }
        }

        private NpyFormatException unreadable() {
            return new NpyFormatException("unreadable .npy header: " + text.strip());
        }
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
