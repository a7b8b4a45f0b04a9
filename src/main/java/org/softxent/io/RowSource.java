package org.softxent.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * Rows of features, [rows, features], read in pieces as float32: from an array in memory, from a
 * .npy file of any size and numeric dtype through memory maps ({@link NpyFile}), or from a CSV's
 * parsed blocks. What trains and predicts reads its rows through here, so that a data set need
 * not be one Java array, nor be copied whole before its first use. Reads of disjoint or equal
 * ranges may run on several threads at once.
 */
public interface RowSource extends AutoCloseable {
    long rows();

    int features();

    /**
     * Reads rows [first, first + count) into dst[offset, offset + count × features).
     *
     * @throws UncheckedIOException when the file cannot be read (it changed, or a disk failed)
     */
    void read(long first, int count, float[] dst, int offset);

    /** Where row r is, as its user sees it: "row 12" of a .npy or an array, "line 13" of a CSV. */
    default String where(long row) {
        return "row " + row;
    }

    /**
     * Whether every value is known to be finite without a look: a source of integers, or one its
     * maker already checked ({@link #checked}). Readers that require finite rows scan the others.
     */
    default boolean knownFinite() {
        return false;
    }

    /**
     * A hint that the source is about to be read whole many times over (training's passes): a
     * {@code .npy} file then maps its data once, where it fits the page cache with room to spare,
     * and later passes read the mapped pages without copying them through the kernel. Does nothing
     * for rows in memory. Reads stay correct either way.
     */
    default void readManyTimes() {
    }

    /**
     * Whether the source holds uint8 values (a .npy of dtype uint8: images' pixels), which
     * {@link #readBytes} reads as they are stored: for a reader that converts and scales them in
     * one pass.
     */
    default boolean holdsBytes() {
        return false;
    }

    /**
     * Reads rows [first, first + count) as the unsigned bytes they are stored as into dst[offset,
     * offset + count × features).
     *
     * @throws UnsupportedOperationException where the source does not {@link #holdsBytes}
     */
    default void readBytes(long first, int count, byte[] dst, int offset) {
        throw new UnsupportedOperationException("the rows are not stored as uint8");
    }

    /**
     * Whether the source holds values float32 may round (a .npy of float64, int32/64 or
     * uint32/64: timestamps, large counts), which {@link #readDoubles} reads as they are: for a
     * reader that standardises them before they become float32, so that values far from zero next
     * to their spread keep what tells them apart.
     */
    default boolean holdsDoubles() {
        return false;
    }

    /**
     * Reads rows [first, first + count) as doubles, as they are stored, into dst[offset, offset +
     * count × features).
     *
     * @throws UnsupportedOperationException where the source does not {@link #holdsDoubles}
     */
    default void readDoubles(long first, int count, double[] dst, int offset) {
        throw new UnsupportedOperationException("the rows are not stored wider than float32");
    }

    /** {@link #gather} of the doubles a source that {@link #holdsDoubles} stores. */
    default void gatherDoubles(int[] indices, int from, int to, double[] dst) {
        int features = features();
        Runs.gather(indices, from, to, features, dst, 0, (row, count, d, at) -> readDoubles(row, count, (double[]) d, at));
    }

    /** This source, vouched for as finite (its maker scanned it). */
    static RowSource checked(RowSource source) {
        return new RowSource() {
            @Override
            public long rows() {
                return source.rows();
            }

            @Override
            public int features() {
                return source.features();
            }

            @Override
            public void read(long first, int count, float[] dst, int offset) {
                source.read(first, count, dst, offset);
            }

            @Override
            public boolean holdsBytes() {
                return source.holdsBytes();
            }

            @Override
            public void readBytes(long first, int count, byte[] dst, int offset) {
                source.readBytes(first, count, dst, offset);
            }

            @Override
            public boolean holdsDoubles() {
                return source.holdsDoubles();
            }

            @Override
            public void readDoubles(long first, int count, double[] dst, int offset) {
                source.readDoubles(first, count, dst, offset);
            }

            @Override
            public String where(long row) {
                return source.where(row);
            }

            @Override
            public float[] array() {
                return source.array();
            }

            @Override
            public boolean knownFinite() {
                return true;
            }

            @Override
            public void readManyTimes() {
                source.readManyTimes();
            }

            @Override
            public void close() {
                source.close();
            }
        };
    }

    /**
     * The rows {@code indices} (ascending) of {@code source}, as a source of their own: row i is
     * the source's row indices[i]. Nothing is copied; a split of a data set is a pair of these.
     */
    static RowSource select(RowSource source, int[] indices) {
        int[] rows = indices.clone();
        return new RowSource() {
            @Override
            public long rows() {
                return rows.length;
            }

            @Override
            public int features() {
                return source.features();
            }

            @Override
            public void read(long first, int count, float[] dst, int offset) {
                int features = source.features();
                int from = (int) first;
                Runs.gather(rows, from, from + count, features, dst, offset,
                        (row, m, d, at) -> source.read(row, m, (float[]) d, at));
            }

            @Override
            public boolean holdsBytes() {
                return source.holdsBytes();
            }

            @Override
            public void readBytes(long first, int count, byte[] dst, int offset) {
                int features = source.features();
                int from = (int) first;
                Runs.gather(rows, from, from + count, features, dst, offset,
                        (row, m, d, at) -> source.readBytes(row, m, (byte[]) d, at));
            }

            @Override
            public boolean holdsDoubles() {
                return source.holdsDoubles();
            }

            @Override
            public void readDoubles(long first, int count, double[] dst, int offset) {
                int features = source.features();
                int from = (int) first;
                Runs.gather(rows, from, from + count, features, dst, offset,
                        (row, m, d, at) -> source.readDoubles(row, m, (double[]) d, at));
            }

            @Override
            public String where(long row) {
                return source.where(rows[(int) row]);
            }

            @Override
            public boolean knownFinite() {
                return source.knownFinite();
            }

            @Override
            public void readManyTimes() {
                source.readManyTimes();
            }
        };
    }

    /**
     * Reads the rows {@code indices[from, to)} (ascending runs are read as one piece) into dst from
     * offset 0: [to − from, features].
     */
    default void gather(int[] indices, int from, int to, float[] dst) {
        gather(indices, from, to, dst, 0);
    }

    /** {@link #gather(int[], int, int, float[])} into dst from {@code offset}. */
    default void gather(int[] indices, int from, int to, float[] dst, int offset) {
        int features = features();
        Runs.gather(indices, from, to, features, dst, offset, (row, count, d, at) -> read(row, count, (float[]) d, at));
    }

    /** {@link #gather} of the bytes a source that {@link #holdsBytes} stores. */
    default void gatherBytes(int[] indices, int from, int to, byte[] dst) {
        int features = features();
        Runs.gather(indices, from, to, features, dst, 0, (row, count, d, at) -> readBytes(row, count, (byte[]) d, at));
    }

    /**
     * The flat index (row × features + column) of the first NaN or infinity of the source, or −1:
     * a scan by blocks of rows on the fork/join pool, each thread reading into a buffer of its own.
     */
    static long firstNonFinite(RowSource x) {
        return FiniteScan.first(x);
    }

    /**
     * As {@link #firstNonFinite}, reading every value even of a source that says it is finite (to
     * tell whether one changed since it was checked).
     */
    static long firstNonFiniteRead(RowSource x) {
        return FiniteScan.scan(x);
    }

    /** The whole source as one array [rows, features] when it is one already (no copy), else null. */
    default float[] array() {
        return null;
    }

    /** Releases what the source holds open (a file); reads after it fail. Idempotent. */
    @Override
    default void close() {
    }

    /**
     * Rows in memory: x [rows, features], held (not copied) and not modified (a training whose
     * options say inPlace standardises them in place).
     */
    static RowSource of(float[] x, int rows, int features) {
        Objects.requireNonNull(x, "x must not be null");
        if (rows < 0 || features < 1 || (long) rows * features != x.length) {
            throw new IllegalArgumentException("x must hold rows × features = " + rows + " × " + features + " floats, "
                    + "got " + x.length);
        }
        return new RowSource() {
            @Override
            public long rows() {
                return rows;
            }

            @Override
            public int features() {
                return features;
            }

            @Override
            public void read(long first, int count, float[] dst, int offset) {
                System.arraycopy(x, Math.multiplyExact((int) first, features), dst, offset, count * features);
            }

            @Override
            public float[] array() {
                return x;
            }
        };
    }

    /**
     * The rows of a .npy file of features [rows, features] of any numeric dtype, converted to
     * float32 as they are read (exact for float32, float16 and integers below 2²⁴).
     */
    static RowSource of(NpyFile file) {
        long[] shape = file.shape();
        if (shape.length != 2 || shape[1] < 1 || shape[1] > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(file.path() + " must hold features [N, D], got " + file.shapeString());
        }
        long rows = shape[0];
        int features = (int) shape[1];
        return new RowSource() {
            @Override
            public long rows() {
                return rows;
            }

            @Override
            public int features() {
                return features;
            }

            @Override
            public void read(long first, int count, float[] dst, int offset) {
                try {
                    file.readFloats(first * features, Math.multiplyExact(count, features), dst, offset);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public boolean holdsBytes() {
                return file.isUint8();
            }

            @Override
            public void readBytes(long first, int count, byte[] dst, int offset) {
                if (!file.isUint8()) {
                    throw new UnsupportedOperationException(file.path() + " holds " + file.dtype() + ", not uint8");
                }
                try {
                    file.readBytes(first * features, Math.multiplyExact(count, features), dst, offset);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public boolean holdsDoubles() {
                return file.isWide();
            }

            @Override
            public void readDoubles(long first, int count, double[] dst, int offset) {
                try {
                    file.readDoubles(first * features, Math.multiplyExact(count, features), dst, offset);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public boolean knownFinite() {
                return !file.isFloat();
            }

            @Override
            public void readManyTimes() {
                file.mapIfItFits();
            }

            @Override
            public void close() {
                try {
                    file.close();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
    }
}
