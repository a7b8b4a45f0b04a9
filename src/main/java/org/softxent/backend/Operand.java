package org.softxent.backend;

import org.softxent.ShapeMismatchException;

/**
 * One array argument of an operation as {@link Rules} check it: a name, and room for some number
 * of elements. Host arrays must hold exactly what their shape says; device buffers (the CUDA
 * engine's device-resident API) at least that, from their pointer to the end of their allocation.
 */
public interface Operand {
    /** The argument's name in messages. */
    String name();

    /** Whether the argument was given (an optional output may be null). */
    boolean present();

    /**
     * Requires room for {@code count} elements, described as {@code shape} (e.g. "rows × cols = 4 ×
     * 10 = 40 floats", or "length rows = 4").
     *
     * @throws ShapeMismatchException naming the argument, the shape and what was found
     */
    void require(long count, String shape);

    /** A host array: exactly {@code count} elements. */
    static Operand of(String name, Object array) {
        return new Operand() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public boolean present() {
                return array != null;
            }

            @Override
            public void require(long count, String shape) {
                int length = java.lang.reflect.Array.getLength(array);
                if (length != count) {
                    throw new ShapeMismatchException(name + " must " + shape + ", but its length is " + length);
                }
            }
        };
    }
}
