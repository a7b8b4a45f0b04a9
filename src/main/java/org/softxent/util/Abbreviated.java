package org.softxent.util;

/** Arrays as options' {@code toString} shows them: every value up to a few, then the first ones and the count. */
public final class Abbreviated {
    /** Values shown before the rest is counted. */
    static final int SHOWN = 16;

    private Abbreviated() {
    }

    /** "[1.0, 2.0]", or "[1.0, 2.0, ... (1000 values)]" past {@value #SHOWN} values; "none" for null. */
    public static String floats(float[] values) {
        if (values == null) {
            return "none";
        }
        if (values.length <= SHOWN) {
            return java.util.Arrays.toString(values);
        }
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < SHOWN; i++) {
            s.append(values[i]).append(", ");
        }
        return s.append("... (").append(values.length).append(" values)]").toString();
    }
}
