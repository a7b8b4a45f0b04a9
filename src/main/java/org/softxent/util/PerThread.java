package org.softxent.util;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;
import java.util.function.Supplier;

/**
 * A value of each thread's own, as a {@link ThreadLocal}, that the thread keeps for as long as it
 * lives. JDK 17's common fork/join pool erases its workers' thread-locals between the tasks they
 * take from outside (parallel streams, {@code Parallel}'s calls): a buffer cached in a plain
 * {@code ThreadLocal} is allocated again on the worker call after call, which on the wide classifier
 * (4,096 × 1,024 × 1,000) was 3 MB of fresh arrays a call, and for a file read on the worker a new
 * 4 MiB direct buffer a pass. The values are also held in a map keyed weakly by thread, from which
 * an erased thread takes its own back (one synchronised lookup per thread and call); a thread that
 * ends leaves its value to the garbage collector.
 *
 * @param <T> the value's type; the initial values must not be null
 */
public final class PerThread<T> {
    private final ThreadLocal<T> local = new ThreadLocal<>();
    private final Map<Thread, T> kept = Collections.synchronizedMap(new WeakHashMap<>());
    private final Supplier<? extends T> initial;

    private PerThread(Supplier<? extends T> initial) {
        this.initial = initial;
    }

    /** Values made by {@code initial} at each thread's first {@link #get}. */
    public static <T> PerThread<T> withInitial(Supplier<? extends T> initial) {
        return new PerThread<>(Objects.requireNonNull(initial, "initial must not be null"));
    }

    /** This thread's value: its initial one at the first call, else the last one set. */
    public T get() {
        T v = local.get();
        if (v == null) {
            v = kept.computeIfAbsent(Thread.currentThread(), t -> Objects.requireNonNull(initial.get(),
                    "the initial value must not be null"));
            local.set(v);
        }
        return v;
    }

    /** Replaces this thread's value. */
    public void set(T value) {
        Objects.requireNonNull(value, "value must not be null");
        local.set(value);
        kept.put(Thread.currentThread(), value);
    }
}
