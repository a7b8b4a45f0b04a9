package org.softxent.util;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;
import java.util.function.Supplier;

/**
 * A value of each thread's own, as a {@link ThreadLocal}, that the thread keeps for as long as it
 * lives. JDK 17's common fork/join pool erases a worker's thread-locals after each task it steals
 * (the tasks it forks itself run before that; a parallel call may be stolen from several times):
 * a buffer cached in a plain {@code ThreadLocal} is allocated again on the worker call after call,
 * which on the wide classifier (4,096 × 1,024 × 1,000) was 3 MB of fresh arrays a call, and for a
 * file read on the worker a new 4 MiB direct buffer a pass. The values are also held in a map keyed weakly by
 * thread, from which an erased thread takes its own back: one synchronised lookup each time,
 * its value made outside the lock.
 *
 * <p>What this costs: each thread that ever used a value keeps it, the largest buffer it asked
 * for, until it ends (a common-pool worker ends after about a minute idle), and the value of a
 * thread that ended goes to the garbage collector at the map's next use. A value must not refer
 * to its thread, which would then never be collected.
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
            Thread self = Thread.currentThread();
            v = kept.get(self);
            if (v == null) { // only this thread puts its own key: no other can race it here
                v = Objects.requireNonNull(initial.get(), "the initial value must not be null");
                kept.put(self, v);
            }
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
