package org.softxent.io;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * An array read from or written to a .npy file: its element type, its shape and its data, held as
 * the Java array of that type ({@code float[]}, {@code double[]}, {@code int[]} or {@code long[]}).
 */
public final class NpyArray {
    /** The element types softxent reads and writes. */
    public enum DType {
        FLOAT32("f4", 4), FLOAT64("f8", 8), INT32("i4", 4), INT64("i8", 8);

        final String code;
        final int bytes;

        DType(String code, int bytes) {
            this.code = code;
            this.bytes = bytes;
        }

        /** NumPy's name for it: float32, float64, int32, int64. */
        public String numpyName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final DType dtype;
    private final int[] shape;
    private final Object data;

    private NpyArray(DType dtype, int[] shape, Object data) {
        this.dtype = dtype;
        this.shape = shape;
        this.data = data;
    }

    /** A float32 array of the given shape (no dimensions for a scalar); the data is not copied. */
    public static NpyArray ofFloats(float[] data, int... shape) {
        return new NpyArray(DType.FLOAT32, checkShape(data.length, shape), data);
    }

    /** A float64 array; the data is not copied. */
    public static NpyArray ofDoubles(double[] data, int... shape) {
        return new NpyArray(DType.FLOAT64, checkShape(data.length, shape), data);
    }

    /** An int32 array; the data is not copied. */
    public static NpyArray ofInts(int[] data, int... shape) {
        return new NpyArray(DType.INT32, checkShape(data.length, shape), data);
    }

    /** An int64 array; the data is not copied. */
    public static NpyArray ofLongs(long[] data, int... shape) {
        return new NpyArray(DType.INT64, checkShape(data.length, shape), data);
    }

    /** A float32 scalar (a 0-d array). */
    public static NpyArray scalar(float value) {
        return ofFloats(new float[] {value});
    }

    public DType dtype() {
        return dtype;
    }

    /** A copy of the shape; empty for a 0-d array. */
    public int[] shape() {
        return shape.clone();
    }

    public int ndim() {
        return shape.length;
    }

    /** The size of dimension {@code axis}. */
    public int dim(int axis) {
        return shape[axis];
    }

    /** The number of elements (1 for a 0-d array). */
    public int size() {
        switch (dtype) {
            case FLOAT32:
                return ((float[]) data).length;
            case FLOAT64:
                return ((double[]) data).length;
            case INT32:
                return ((int[]) data).length;
            default:
                return ((long[]) data).length;
        }
    }

    /** The float32 data (not a copy). @throws IllegalStateException for another dtype */
    public float[] floats() {
        return (float[]) dataOf(DType.FLOAT32);
    }

    /** The int32 data (not a copy). */
    public int[] ints() {
        return (int[]) dataOf(DType.INT32);
    }

    /** The int64 data (not a copy). */
    public long[] longs() {
        return (long[]) dataOf(DType.INT64);
    }

    /** The float64 data (not a copy). */
    public double[] doubles() {
        return (double[]) dataOf(DType.FLOAT64);
    }

    /** Every element as a double, whatever the dtype (a new array). */
    public double[] toDoubles() {
        int n = size();
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            switch (dtype) {
                case FLOAT32:
                    out[i] = ((float[]) data)[i];
                    break;
                case FLOAT64:
                    out[i] = ((double[]) data)[i];
                    break;
                case INT32:
                    out[i] = ((int[]) data)[i];
                    break;
                default:
                    out[i] = ((long[]) data)[i];
            }
        }
        return out;
    }

    /** The shape as NumPy prints it: (), (5,), (3, 4). */
    public String shapeString() {
        return shapeString(shape);
    }

    /** A shape as NumPy prints it. */
    public static String shapeString(int[] shape) {
        if (shape.length == 1) {
            return "(" + shape[0] + ",)";
        }
        return Arrays.stream(shape).mapToObj(Integer::toString).collect(Collectors.joining(", ", "(", ")"));
    }

    /** The data array itself, for the reader and writer. */
    Object data() {
        return data;
    }

    private Object dataOf(DType wanted) {
        if (dtype != wanted) {
            throw new IllegalStateException("array is " + dtype.numpyName() + ", not " + wanted.numpyName());
        }
        return data;
    }

    private static int[] checkShape(int length, int[] shape) {
        long product = 1;
        for (int s : shape) {
            if (s < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + shapeString(shape));
            }
            product *= s;
        }
        if (product != length) {
            throw new IllegalArgumentException("shape " + shapeString(shape) + " holds " + product
                    + " elements, but the data has " + length);
        }
        return shape.clone();
    }

    @Override
    public String toString() {
        return dtype.numpyName() + shapeString();
    }
}
