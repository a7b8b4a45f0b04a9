package org.softxent.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.softxent.cpu.ScaleRows;
import org.softxent.util.PerThread;
import org.softxent.util.PerThreadArray;

/**
 * A .npy file of any size, read in pieces and converted as it is read: the data sets' reader.
 * Takes the dtypes a data set comes in: float32, float64, float16, and the integers
 * int8/16/32/64 and uint8/16/32/64 (and bool); the elements are read as floats (features) or as
 * longs (labels), and uint8 elements also as the bytes they are ({@link #readBytes}). A file larger than memory is read piece by piece through the page cache, by
 * positional reads that several threads may make at once; one that training will read many times
 * over and that fits the page cache with room to spare is mapped instead ({@link #mapIfItFits}).
 */
public final class NpyFile implements AutoCloseable {
    /** Bytes read at a time. */
    private static final long WINDOW = 4L << 20;
    /** float16 → float32, every bit pattern: built on a float16 file's first read, not at every start. */
    private static final class Half {
        static final float[] TABLE = new float[65536];

        static {
            for (int h = 0; h < 65536; h++) {
                TABLE[h] = halfToFloat(h);
            }
        }
    }

    /** Set to {@code false} to read every file by positional reads, never mapped. */
    public static final String MAP_PROPERTY = "softxent.npy.map";

    /** Bytes between the starts of two maps of the data (each map reaches a window further). */
    private static final long MAP_STRIDE = 1L << 30;

    private final Path path;
    private volatile FileChannel channel;
    private volatile boolean closed;
    private final NpyHeader header;
    /** The data mapped (see {@link #mapIfItFits}), or null: read by positional reads. */
    private volatile java.nio.MappedByteBuffer[] maps;
    /** Bytes between the starts of two of {@link #maps}. */
    private long mapStride = MAP_STRIDE;

    private NpyFile(Path path, FileChannel channel, NpyHeader header) {
        this.path = path;
        this.channel = channel;
        this.header = header;
    }

    /**
     * Opens a .npy file and reads its header.
     *
     * @throws NpyFormatException for a file that is not .npy, of a dtype that holds no numbers
     *                            (strings, records, objects, complex), or shorter than its shape says
     */
    public static NpyFile open(Path path) throws IOException {
        RegularFiles.require(path);
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
        try {
            NpyHeader h = NpyHeader.read(channel);
            char kind = h.code().charAt(0);
            int bytes = h.itemBytes();
            boolean ok = switch (kind) {
                case 'f' -> bytes == 2 || bytes == 4 || bytes == 8;
                case 'i', 'u' -> bytes == 1 || bytes == 2 || bytes == 4 || bytes == 8;
                case 'b' -> bytes == 1;
                default -> false;
            };
            if (!ok) {
                String named = h.dtypeName().equals(h.descr()) ? "dtype '" + h.descr() + "'"
                        : "dtype '" + h.descr() + "' (" + h.dtypeName() + ")";
                throw new NpyFormatException(named + (kind == 'c' ? " holds complex numbers, which softxent does not "
                        + "read" : " is not one softxent reads") + ": features are float16/32/64, integers or bool, "
                        + "labels integers");
            }
            if (h.fortran() && h.shape().length != 2) {
                throw new NpyFormatException("shape " + h.shapeString() + " in Fortran order: data files are [N, D] "
                        + "(or labels [N]), which softxent reads in either order");
            }
            return new NpyFile(path, channel, h);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    /** NumPy's name of the dtype: float32, uint8, ... */
    public String dtype() {
        return header.dtypeName();
    }

    public boolean isFloat() {
        return header.code().charAt(0) == 'f';
    }

    /** Whether the elements are uint8 (|u1: images' pixels), which {@link #readBytes} reads as they are. */
    public boolean isUint8() {
        return header.code().charAt(0) == 'u' && header.itemBytes() == 1;
    }

    /**
     * Reads uint8 elements [first, first + count) as they are stored into dst[offset, offset + count).
     *
     * @throws IllegalStateException when the elements are not uint8 ({@link #isUint8})
     * @throws NpyFormatException    when the file was cut short while it was read (mapped)
     */
    public void readBytes(long first, int count, byte[] dst, int offset) throws IOException {
        if (!isUint8()) {
            throw new IllegalStateException(path + " holds " + dtype() + ", not uint8");
        }
        check(first, count, dst.length, offset);
        pieces(first, count, 1, offset, (b, done, at, n) -> b.get(0, dst, at, n));
    }

    /** What a read does with one mapped piece: b holds its elements [first + done, first + done + n), for dst from at. */
    private interface Piece {
        void accept(ByteBuffer b, long done, int at, int n) throws IOException;
    }

    /**
     * Elements [first, first + count) of {@code item} bytes each, handed to {@code each} piece by
     * piece, the pieces' destinations from {@code offset}.
     *
     * @throws NpyFormatException when the file was cut short while it was read (mapped)
     */
    private void pieces(long first, int count, int item, int offset, Piece each) throws IOException {
        try {
            long done = 0;
            while (done < count) {
                int n = piece(first + done, count - done, item);
                each.accept(header.fortran() ? gathered(first + done, n, item) : map(first + done, n), done,
                        offset + (int) done, n);
                done += n;
            }
        } catch (InternalError e) {
            // A mapped file cut short under the map: the JVM reports the fault of the read as this
            // (a positional read has no such fault: it sees the end of the file).
            throw new NpyFormatException(path + " ended while being read: was it cut short meanwhile?");
        }
    }

    /**
     * The bytes of elements [e0, e0 + n) in C order (at most a window) of a Fortran-ordered [rows,
     * cols] file, whose element (r, c) is stored at c·rows + r: for each column, the run of its rows
     * the range holds is read in one piece (contiguous in the file) and spread into place, in this
     * thread's buffer.
     */
    private ByteBuffer gathered(long e0, int n, int item) throws IOException {
        long rows = header.shape()[0];
        long cols = header.shape()[1];
        ByteBuffer t = GATHERED.get();
        byte[] into = t.array();
        // Only the columns the range touches: n consecutive elements cover min(n, cols) of them.
        for (long j = 0; j < Math.min(n, cols); j++) {
            long c = (e0 + j) % cols;
            long rStart = Math.floorDiv(e0 - c + cols - 1, cols); // the rows r with e0 <= r·cols + c < e0 + n
            long rEnd = Math.floorDiv(e0 + n - 1 - c, cols);
            if (rEnd < rStart) {
                continue;
            }
            int k = (int) (rEnd - rStart + 1);
            ByteBuffer column = map(c * rows + rStart, k);
            int at = (int) ((rStart * cols + c - e0) * item);
            int stride = (int) (cols * item);
            for (int i = 0; i < k; i++) {
                column.get(i * item, into, at + i * stride, item);
            }
        }
        t.clear().limit(n * item);
        return t.order(item == 1 ? ByteOrder.nativeOrder() : header.order());
    }

    /** Each thread's buffer for {@link #gathered}: a window. */
    private static final PerThread<ByteBuffer> GATHERED = PerThread.withInitial(() -> ByteBuffer.allocate((int) WINDOW));

    /** Where element {@code e} (in C order) is stored: itself, or in a Fortran-ordered file its column's place. */
    private long stored(long e) {
        if (!header.fortran()) {
            return e;
        }
        long rows = header.shape()[0];
        long cols = header.shape()[1];
        return (e % cols) * rows + e / cols;
    }

    /** A copy of the shape. */
    public long[] shape() {
        return header.shape().clone();
    }

    public int ndim() {
        return header.shape().length;
    }

    /** The shape as NumPy prints it. */
    public String shapeString() {
        return header.shapeString();
    }

    public long elements() {
        return header.elements();
    }

    /**
     * Reads elements [first, first + count) in C order as floats into dst[offset, offset + count):
     * exact for float32, rounded to nearest for float64 and for integers beyond 2²⁴.
     */
    public void readFloats(long first, int count, float[] dst, int offset) throws IOException {
        check(first, count, dst.length, offset);
        int item = header.itemBytes();
        char kind = header.code().charAt(0);
        pieces(first, count, item, offset, (b, done, at, n) -> {
            switch (kind) {
                case 'f' -> {
                    if (item == 4) {
                        b.asFloatBuffer().get(dst, at, n);
                    } else if (item == 8) {
                        for (int i = 0; i < n; i++) {
                            dst[at + i] = (float) b.getDouble(i * 8);
                        }
                    } else {
                        for (int i = 0; i < n; i++) {
                            dst[at + i] = Half.TABLE[b.getShort(i * 2) & 0xffff];
                        }
                    }
                }
                case 'u', 'b' -> {
                    switch (item) {
                        case 1 -> {
                            byte[] v = bytes(b, n);
                            if (!ScaleRows.widen(v, 0, dst, at, n, true)) {
                                for (int i = 0; i < n; i++) {
                                    dst[at + i] = v[i] & 0xff;
                                }
                            }
                        }
                        case 2 -> {
                            short[] v = shorts(b, n);
                            if (!ScaleRows.widen(v, 0, dst, at, n, true)) {
                                for (int i = 0; i < n; i++) {
                                    dst[at + i] = v[i] & 0xffff;
                                }
                            }
                        }
                        case 4 -> {
                            for (int i = 0; i < n; i++) {
                                dst[at + i] = b.getInt(i * 4) & 0xffffffffL;
                            }
                        }
                        default -> {
                            for (int i = 0; i < n; i++) {
                                long v = b.getLong(i * 8);
                                dst[at + i] = v >= 0 ? v : (float) ((v >>> 1) | (v & 1)) * 2f; // uint64 beyond 2^63 (sticky bit)
                            }
                        }
                    }
                }
                default -> {
                    switch (item) {
                        case 1 -> {
                            byte[] v = bytes(b, n);
                            if (!ScaleRows.widen(v, 0, dst, at, n, false)) {
                                for (int i = 0; i < n; i++) {
                                    dst[at + i] = v[i];
                                }
                            }
                        }
                        case 2 -> {
                            short[] v = shorts(b, n);
                            if (!ScaleRows.widen(v, 0, dst, at, n, false)) {
                                for (int i = 0; i < n; i++) {
                                    dst[at + i] = v[i];
                                }
                            }
                        }
                        case 4 -> {
                            for (int i = 0; i < n; i++) {
                                dst[at + i] = b.getInt(i * 4);
                            }
                        }
                        default -> {
                            for (int i = 0; i < n; i++) {
                                dst[at + i] = b.getLong(i * 8);
                            }
                        }
                    }
                }
            }
        });
    }

    /**
     * Whether the elements hold values float32 may round (float64, and integers of 4 and 8 bytes),
     * which {@link #readDoubles} reads exactly (or, for 64-bit integers beyond 2⁵³, to nearest).
     */
    public boolean isWide() {
        char kind = header.code().charAt(0);
        return kind != 'b' && header.itemBytes() >= (kind == 'f' ? 8 : 4);
    }

    /**
     * Reads elements [first, first + count) in C order as doubles into dst[offset, offset + count):
     * float64 and integers of up to 53 bits exactly, wider integers to nearest.
     *
     * @throws IllegalStateException when the elements are not {@link #isWide}
     * @throws NpyFormatException    when the file was cut short while it was read (mapped)
     */
    public void readDoubles(long first, int count, double[] dst, int offset) throws IOException {
        if (!isWide()) {
            throw new IllegalStateException(path + " holds " + dtype() + ", which readFloats reads exactly");
        }
        check(first, count, dst.length, offset);
        int item = header.itemBytes();
        char kind = header.code().charAt(0);
        pieces(first, count, item, offset, (b, done, at, n) -> {
            if (kind == 'f') {
                b.asDoubleBuffer().get(dst, at, n);
            } else if (item == 4) {
                for (int i = 0; i < n; i++) {
                    dst[at + i] = kind == 'i' ? b.getInt(i * 4) : b.getInt(i * 4) & 0xffffffffL;
                }
            } else {
                for (int i = 0; i < n; i++) {
                    long v = b.getLong(i * 8);
                    // uint64 beyond 2^63: halved with its last bit kept (sticky), so that the one
                    // rounding to double is the correct one
                    dst[at + i] = kind == 'i' || v >= 0 ? v : (double) ((v >>> 1) | (v & 1)) * 2.0;
                }
            }
        });
    }

    /**
     * Reads elements [first, first + count) as longs: integers as they are (uint64 above 2⁶³ − 1
     * is refused), floats when they are whole numbers.
     *
     * @throws NpyFormatException naming the element that is not an integer a long holds
     */
    public void readLongs(long first, int count, long[] dst, int offset) throws IOException {
        check(first, count, dst.length, offset);
        int item = header.itemBytes();
        char kind = header.code().charAt(0);
        pieces(first, count, item, offset, (b, done, at, n) -> {
            if (kind == 'i' && item == 8) {
                b.asLongBuffer().get(dst, at, n); // int64, the usual labels: a bulk copy
                return;
            }
            for (int i = 0; i < n; i++) {
                long v;
                if (kind == 'f') {
                    double d = item == 8 ? b.getDouble(i * 8) : item == 4 ? b.getFloat(i * 4)
                            : Half.TABLE[b.getShort(i * 2) & 0xffff];
                    if (d != Math.rint(d) || Math.abs(d) >= 0x1p63) {
                        throw new NpyFormatException("element " + (first + done + i) + " is " + d
                                + ", not an integer");
                    }
                    v = (long) d;
                } else {
                    boolean unsigned = kind != 'i';
                    v = switch (item) {
                        case 1 -> unsigned ? b.get(i) & 0xff : b.get(i);
                        case 2 -> unsigned ? b.getShort(i * 2) & 0xffff : b.getShort(i * 2);
                        case 4 -> unsigned ? b.getInt(i * 4) & 0xffffffffL : b.getInt(i * 4);
                        default -> b.getLong(i * 8);
                    };
                    if (unsigned && item == 8 && v < 0) {
                        throw new NpyFormatException("element " + (first + done + i) + " is "
                                + Long.toUnsignedString(v) + ", too large for a label");
                    }
                }
                dst[at + i] = v;
            }
        });
    }

    /** Element {@code element} as a double, exactly as stored (float64 beyond float32's range included). */
    public double readDouble(long element) throws IOException {
        if (element < 0 || element >= header.elements()) {
            throw new IndexOutOfBoundsException("element " + element + " of " + header.elements());
        }
        ByteBuffer b = map(stored(element), 1);
        char kind = header.code().charAt(0);
        int item = header.itemBytes();
        if (kind == 'f') {
            return item == 8 ? b.getDouble(0) : item == 4 ? b.getFloat(0) : Half.TABLE[b.getShort(0) & 0xffff];
        }
        long[] one = new long[1];
        readLongs(element, 1, one, 0);
        return one[0];
    }

    private void check(long first, int count, int length, int offset) {
        if (first < 0 || count < 0 || first + count > header.elements() || offset < 0 || offset + count > length) {
            throw new IndexOutOfBoundsException("elements [" + first + ", " + (first + count) + ") of "
                    + header.elements() + " into [" + offset + ", " + (offset + count) + ") of " + length);
        }
    }

    /** How many elements from {@code element} on one read takes: at most a window. */
    private static int piece(long element, long left, int item) {
        return (int) Math.min(left, WINDOW / item);
    }

    /**
     * The n bytes of b, copied in bulk into this thread's array: a loop over a plain array converts
     * them several times faster than one that asks a (mapped) buffer for each byte.
     */
    private static byte[] bytes(ByteBuffer b, int n) {
        byte[] v = BYTES.atLeast(n);
        b.get(0, v, 0, n);
        return v;
    }

    /** The n shorts of b in its byte order, as {@link #bytes}. */
    private static short[] shorts(ByteBuffer b, int n) {
        short[] v = SHORTS.atLeast(n);
        b.asShortBuffer().get(0, v, 0, n);
        return v;
    }

    /** Each thread's arrays for {@link #bytes} and {@link #shorts}: as long as its longest read (a window at most). */
    private static final PerThreadArray<byte[]> BYTES = PerThreadArray.bytes();
    private static final PerThreadArray<short[]> SHORTS = PerThreadArray.shorts();

    /** Each thread's buffer for positional reads. */
    private static final PerThread<ByteBuffer> BUFFER =
            PerThread.withInitial(() -> ByteBuffer.allocateDirect((int) WINDOW));

    /**
     * The bytes of elements [firstElement, firstElement + count) (at most a window), read with a
     * positional read into this thread's buffer: sequential passes over a file run at the page
     * cache's copy speed, twice a memory map's on a machine whose page faults are dear, and reads
     * from several threads need no lock. Once the data is mapped ({@link #mapIfItFits}), for passes
     * that come back to pages already mapped: a slice of the map instead.
     */
    private ByteBuffer map(long firstElement, int count) throws IOException {
        long at = header.dataStart() + firstElement * header.itemBytes();
        int bytes = Math.multiplyExact(count, header.itemBytes());
        java.nio.MappedByteBuffer[] m = maps;
        if (m != null) {
            // A read is at most a window: it lies in the map its first byte's stride starts.
            long into = firstElement * header.itemBytes();
            long stride = mapStride; // written before maps, which this thread read first
            int k = (int) (into / stride);
            return m[k].slice((int) (into - k * stride), bytes)
                    .order(header.itemBytes() == 1 ? ByteOrder.nativeOrder() : header.order());
        }
        ByteBuffer b = BUFFER.get();
        b.clear().limit(bytes);
        // An interrupted thread's read closes a FileChannel for every thread: the flag is held
        // aside for the read (and set again after), and a channel closed so is opened again.
        boolean interrupted = Thread.interrupted();
        try {
            while (b.hasRemaining()) {
                int got;
                try {
                    got = channel.read(b, at + b.position());
                } catch (java.nio.channels.ClosedChannelException e) {
                    if (closed) {
                        throw e;
                    }
                    interrupted |= Thread.interrupted();
                    reopen();
                    continue;
                }
                if (got < 0) {
                    throw new NpyFormatException(path + " ended while being read: was it cut short meanwhile?");
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        b.flip();
        return b.order(header.itemBytes() == 1 ? ByteOrder.nativeOrder() : header.order());
    }

    /**
     * Maps the data once for the reads to come, where it fits the page cache with room to spare
     * (at most half of the memory Linux reports available), so that passes after the first read
     * the mapped pages in place instead of copying them through a positional read (on this
     * project's VM a pass over 188 MB of mapped, cached pages took 9-22 ms against 34-84 ms). A
     * larger file keeps to positional reads: pages it would evict and fault in again at every pass
     * cost more than the copies. Returns whether the data is mapped; false also where mapping
     * failed (the reads then stay positional) or {@code -D}{@value #MAP_PROPERTY}{@code =false}
     * says never. Idempotent.
     */
    public boolean mapIfItFits() {
        if ("false".equalsIgnoreCase(System.getProperty(MAP_PROPERTY, "").trim())) {
            return false;
        }
        try {
            return map(MAP_STRIDE, availableMemory() / 2);
        } catch (IOException | RuntimeException e) {
            return false; // no map (interrupted, out of address space): positional reads, as before
        }
    }

    /** Maps the data in maps starting every {@code stride} bytes, where it takes at most {@code most} bytes. */
    synchronized boolean map(long stride, long most) throws IOException {
        if (maps != null) {
            return true;
        }
        long start = header.dataStart();
        long bytes = header.elements() * header.itemBytes();
        if (closed || bytes == 0 || bytes > most) {
            return false;
        }
        int count = (int) ((bytes + stride - 1) / stride);
        java.nio.MappedByteBuffer[] m = new java.nio.MappedByteBuffer[count];
        for (int k = 0; k < count; k++) {
            long from = start + k * stride;
            long length = Math.min(start + bytes - from, stride + WINDOW);
            m[k] = channel.map(FileChannel.MapMode.READ_ONLY, from, length);
        }
        mapStride = stride;
        maps = m;
        MAPPED.put(path.toAbsolutePath(), new Mapped(path, start + bytes));
        return true;
    }

    /**
     * The files mapped in this JVM, most recent last (at most 64), each with the length its data
     * needs: for {@link #cutShort}, asked after a mapped read faulted, when the file may be closed.
     */
    private static final java.util.Map<Path, Mapped> MAPPED = java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<>(16, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(java.util.Map.Entry<Path, Mapped> eldest) {
                    return size() > 64;
                }
            });

    /**
     * Whether {@code t}, or a cause or a suppressed throwable of it, is the JVM's report of a fault
     * in a read of mapped memory (an {@link InternalError}): the mark of a mapped file cut short
     * under its map. The JVM may raise it some instructions after the read, outside the reads'
     * own handlers, and on another thread than the caller's, whose task then rethrows it.
     */
    public static boolean isMappedReadFault(Throwable t) {
        java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        java.util.ArrayDeque<Throwable> todo = new java.util.ArrayDeque<>();
        todo.add(t);
        while (!todo.isEmpty()) {
            Throwable e = todo.poll();
            if (!seen.add(e)) {
                continue;
            }
            if (e instanceof InternalError && String.valueOf(e.getMessage()).contains("unsafe memory access")) {
                return true;
            }
            if (e.getCause() != null) {
                todo.add(e.getCause());
            }
            todo.addAll(java.util.Arrays.asList(e.getSuppressed()));
        }
        return false;
    }

    /** A mapped file as it was named, and the length its data needs. */
    private record Mapped(Path path, long end) {
    }

    /**
     * The files this JVM mapped (open, or closed after they were cut short) whose data now ends past
     * the file's end: cut short since they were mapped. Each is named once: forgotten as it is told.
     */
    public static java.util.List<Path> cutShort() {
        java.util.List<Path> shorter = new java.util.ArrayList<>();
        synchronized (MAPPED) {
            for (java.util.Iterator<Mapped> it = MAPPED.values().iterator(); it.hasNext(); ) {
                Mapped m = it.next();
                boolean cut;
                try {
                    cut = Files.size(m.path()) < m.end();
                } catch (IOException gone) {
                    cut = true; // removed meanwhile: its pages are gone too
                }
                if (cut) {
                    shorter.add(m.path());
                    it.remove();
                }
            }
        }
        return shorter;
    }

    /**
     * MemAvailable of /proc/meminfo in bytes, less where this process's control group (cgroup v2:
     * memory.max less memory.current) allows less; 0 where it cannot be read (not Linux).
     */
    private static long availableMemory() {
        long available = 0;
        try {
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    available = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
            Path group = Path.of("/sys/fs/cgroup");
            Path max = group.resolve("memory.max");
            Path current = group.resolve("memory.current");
            if (java.nio.file.Files.isReadable(max) && java.nio.file.Files.isReadable(current)) {
                String limit = java.nio.file.Files.readString(max).trim();
                if (!limit.equals("max")) {
                    long room = Long.parseLong(limit) - Long.parseLong(java.nio.file.Files.readString(current).trim());
                    available = Math.min(available, Math.max(0, room));
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return available;
    }

    private synchronized void reopen() throws IOException {
        if (!channel.isOpen() && !closed) {
            channel = FileChannel.open(path, StandardOpenOption.READ);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        closed = true;
        if (maps != null) {
            // Forgotten by cutShort() unless cut short already: a fault of a read before this close
            // may still be reported, a later change to the file (deleted, rewritten) is not this one's.
            Path key = path.toAbsolutePath();
            Mapped m = MAPPED.get(key);
            try {
                if (m != null && Files.size(path) >= m.end()) {
                    MAPPED.remove(key, m);
                }
            } catch (IOException gone) {
                // removed meanwhile: kept, for the fault it may have caused
            }
        }
        maps = null; // unmapped when collected
        channel.close();
    }

    /** IEEE 754 binary16 to float (Float.float16ToFloat arrived in Java 20). */
    static float halfToFloat(int h) {
        int sign = (h >>> 15) & 1;
        int exponent = (h >>> 10) & 0x1f;
        int mantissa = h & 0x3ff;
        float magnitude;
        if (exponent == 0) {
            magnitude = mantissa * 0x1p-24f;
        } else if (exponent == 31) {
            magnitude = mantissa == 0 ? Float.POSITIVE_INFINITY : Float.NaN;
        } else {
            magnitude = Float.intBitsToFloat(((exponent - 15 + 127) << 23) | (mantissa << 13));
        }
        return sign == 1 ? -magnitude : magnitude;
    }
}
