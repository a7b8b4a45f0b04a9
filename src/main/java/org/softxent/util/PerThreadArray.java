package org.softxent.util;

import java.util.Objects;
import java.util.function.IntFunction;

/**
 * An array of each thread's own that grows to the longest the thread asks for, kept as
 * {@link PerThread} keeps its values: a buffer that a pass over blocks of rows reuses from block to
 * block and from call to call.
 *
 * @param <A> the array type: float[], byte[], ...
 */
public final class PerThreadArray<A> {
    private final PerThread<A> values;
    private final IntFunction<A> make;
    private final java.util.function.ToIntFunction<A> length;

    private PerThreadArray(IntFunction<A> make, java.util.function.ToIntFunction<A> length) {
        this.make = make;
        this.length = length;
        this.values = PerThread.withInitial(() -> make.apply(0));
    }

    /** Arrays made by {@code make} (given their length), whose length {@code length} tells. */
    public static <A> PerThreadArray<A> of(IntFunction<A> make, java.util.function.ToIntFunction<A> length) {
        return new PerThreadArray<>(Objects.requireNonNull(make, "make must not be null"),
                Objects.requireNonNull(length, "length must not be null"));
    }

    public static PerThreadArray<float[]> floats() {
        return of(float[]::new, a -> a.length);
    }

    public static PerThreadArray<byte[]> bytes() {
        return of(byte[]::new, a -> a.length);
    }

    public static PerThreadArray<double[]> doubles() {
        return of(double[]::new, a -> a.length);
    }

    public static PerThreadArray<short[]> shorts() {
        return of(short[]::new, a -> a.length);
    }

    /** This thread's array, at least {@code n} long (longer if it once asked for more); its contents are stale. */
    public A atLeast(int n) {
        A a = values.get();
        if (length.applyAsInt(a) < n) {
            a = make.apply(n);
            values.set(a);
        }
        return a;
    }
}
