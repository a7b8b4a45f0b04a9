package org.softxent.backend;

import java.util.Objects;
import java.util.function.Function;
import org.softxent.Softxent;

/**
 * The backend behind a {@link Softxent}, for softxent's own packages (training reads its rows from
 * a source through {@link Backend#classifierFrom}); not an API for users, whose calls go through
 * {@link Softxent}'s checks.
 */
public final class BackendAccess {
    private static volatile Function<Softxent, Backend> access;

    private BackendAccess() {
    }

    /**
     * Set once, by {@link Softxent}'s class initialisation.
     *
     * @throws IllegalStateException when called from elsewhere, or again
     */
    public static void set(Function<Softxent, Backend> f) {
        Objects.requireNonNull(f, "f");
        if (StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE).getCallerClass() != Softxent.class) {
            throw new IllegalStateException("only Softxent sets the access to its backends");
        }
        synchronized (BackendAccess.class) {
            if (access != null) {
                throw new IllegalStateException("the access is set once");
            }
            access = f;
        }
    }

    /**
     * The backend of {@code sx}.
     *
     * @throws IllegalStateException when sx is closed
     */
    public static Backend of(Softxent sx) {
        Objects.requireNonNull(sx, "sx");
        return access.apply(sx);
    }
}
