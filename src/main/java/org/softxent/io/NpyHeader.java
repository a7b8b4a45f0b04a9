package org.softxent.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The header of a .npy file (versions 1.0, 2.0 and 3.0), read as strictly as NumPy reads it: the
 * dtype descriptor, the byte order, the shape and where the data starts, checked against the
 * file's size. Which dtypes a caller takes is the caller's to say.
 *
 * @param descr     the descriptor as written, e.g. {@code <f4}
 * @param code      its type code without the byte order, e.g. {@code f4}
 * @param dtypeName NumPy's name for it, e.g. float32, uint8
 * @param itemBytes bytes per element
 * @param order     the byte order of the data
 * @param shape     the dimensions
 * @param elements  their product
 * @param dataStart the offset of the first element in the file
 */
record NpyHeader(String descr, String code, String dtypeName, int itemBytes, ByteOrder order, long[] shape,
                 long elements, long dataStart, boolean fortran) {
    /** A dtype descriptor: byte order (optional, as NumPy allows) and type code. */
    private static final Pattern DESCR = Pattern.compile("([<>|=]?)([a-zA-Z])(\\d+)");
    /** NumPy's default limit on the header (numpy.lib.format's max_header_size). */
    private static final int MAX_HEADER = 10_000;

    /** The shape as NumPy prints it: (5,), (3, 4). */
    String shapeString() {
        return "(" + Arrays.stream(shape).mapToObj(Long::toString).collect(Collectors.joining(", "))
                + (shape.length == 1 ? ",)" : ")");
    }

    /**
     * Reads and checks the header of the .npy file open on {@code channel}.
     *
     * @throws NpyFormatException when it is not a .npy file, its header is not NumPy's, or the file
     *                            is shorter or longer than its shape says
     */
    static NpyHeader read(FileChannel channel) throws IOException {
        long fileSize = channel.size();
        ByteBuffer preamble = readFully(channel, 0, (int) Math.min(12, fileSize));
        int magic = magicBytes(preamble);
        if (magic == preamble.limit() && magic > 0 || magic == Npy.MAGIC.length && preamble.limit() < 10) {
            throw new NpyFormatException("truncated .npy file: " + fileSize + (fileSize == 1 ? " byte" : " bytes")
                    + ", the start of its magic or its "
                    + "magic and no header after it (cut short while copied or written?)");
        }
        if (preamble.limit() < 10 || magic < Npy.MAGIC.length) {
            boolean zip = preamble.limit() >= 4 && preamble.get(0) == 'P' && preamble.get(1) == 'K'
                    && preamble.get(2) == 3 && preamble.get(3) == 4;
            throw new NpyFormatException(zip ? "a zip archive, not a .npy file (an .npz? take the array from it: "
                    + "np.save('x.npy', np.load(f)['name']))" : "not a .npy file (no \\x93NUMPY magic at the start)");
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
        NpyHeader h = parse(header, major < 3, headerStart + (long) headerLength);
        long expectedBytes = h.elements * h.itemBytes;
        if (fileSize - h.dataStart < expectedBytes) {
            throw new NpyFormatException("truncated data: shape " + h.shapeString() + " of " + h.dtypeName
                    + " needs " + expectedBytes + " bytes, the file holds " + (fileSize - h.dataStart));
        }
        // NumPy writes the data and nothing after it: more bytes than the shape needs mean a header
        // that does not describe its data (an edited shape, say), whose rows would be misread.
        if (fileSize - h.dataStart > expectedBytes) {
            throw new NpyFormatException("the header's shape " + h.shapeString() + " of " + h.dtypeName + " needs "
                    + expectedBytes + " bytes of data, the file holds " + (fileSize - h.dataStart) + " after its "
                    + "header: the shape does not describe the data (np.save writes nothing after it)");
        }
        return h;
    }

    private static NpyHeader parse(String header, boolean python2Longs, long dataStart) throws NpyFormatException {
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
        Matcher m = DESCR.matcher(descr);
        if (!m.matches()) {
            throw new NpyFormatException("dtype '" + descr + "' is not supported (softxent reads numbers: float16/32/64, "
                    + "integers and bool, such as '<f4'; Python objects, structured and other dtypes are not)");
        }
        char kind = m.group(2).charAt(0);
        // A 'U' element is that many UCS-4 characters, 4 bytes each; every other code counts bytes.
        String digits = m.group(3).replaceFirst("^0+(?=.)", "");
        long size = digits.length() > 12 ? Long.MAX_VALUE : Long.parseLong(digits) * (kind == 'U' ? 4 : 1);
        if (size > Integer.MAX_VALUE) {
            throw new NpyFormatException("dtype '" + descr + "' is not supported (elements of " + m.group(3)
                    + (kind == 'U' ? " characters" : " bytes") + ")");
        }
        int bytes = (int) size;
        // NumPy's names where NumPy has one (a float of 3 bytes or a complex of 8 is named by its code).
        String name = switch (kind) {
            case 'f' -> bytes == 2 || bytes == 4 || bytes == 8 || bytes == 16 ? "float" + 8L * bytes : descr;
            case 'i' -> bytes == 1 || bytes == 2 || bytes == 4 || bytes == 8 ? "int" + 8L * bytes : descr;
            case 'u' -> bytes == 1 || bytes == 2 || bytes == 4 || bytes == 8 ? "uint" + 8L * bytes : descr;
            case 'b' -> bytes == 1 ? "bool" : descr;
            case 'c' -> bytes == 8 || bytes == 16 || bytes == 32 ? "complex" + 8L * bytes : descr;
            default -> descr;
        };
        ByteOrder order = ">".equals(m.group(1)) ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        String shape = "(" + Arrays.stream(dims).mapToObj(Long::toString).collect(Collectors.joining(", "))
                + (dims.length == 1 ? ",)" : ")");
        long elements = 1;
        for (long d : dims) {
            if (d < 0) {
                throw new NpyFormatException("negative dimension " + d + " in shape " + shape);
            }
            if (d != 0 && elements > Long.MAX_VALUE / Math.max(1, bytes) / d) {
                throw new NpyFormatException("shape " + shape + " is larger than any file");
            }
            elements *= d;
        }
        // Fortran order (np.save of a transposed array, coef_.T, or of what pandas' to_numpy returns)
        // differs from C order only where two or more dimensions exceed 1: a row or column vector is
        // the same bytes either way.
        long wide = Arrays.stream(dims).filter(d -> d > 1).count();
        return new NpyHeader(descr, m.group(2) + m.group(3), name, bytes, order, dims.clone(), elements, dataStart,
                fortran && wide > 1);
    }

    /** How many of the magic's bytes b starts with (all of them: {@code Npy.MAGIC.length}). */
    private static int magicBytes(ByteBuffer b) {
        int i = 0;
        while (i < Npy.MAGIC.length && i < b.limit() && b.get(i) == Npy.MAGIC[i]) {
            i++;
        }
        return i;
    }

    static ByteBuffer readFully(FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) {
                break;
            }
        }
        return buffer.flip();
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
            if (text.matches("(?s).*['\"]descr['\"]\\s*:\\s*\\[.*")) {
                return new NpyFormatException("a structured dtype (named fields, a record array) is not supported: "
                        + "save the fields as one plain numeric array (numpy.lib.recfunctions.structured_to_unstructured"
                        + "): " + text.strip());
            }
            return new NpyFormatException("unreadable .npy header: " + text.strip());
        }
    }
}
