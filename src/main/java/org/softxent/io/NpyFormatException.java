package org.softxent.io;

import java.io.IOException;

/** A file is not a .npy file this library can read; the message says what is wrong with it. */
public class NpyFormatException extends IOException {
    private final String dtype;

    public NpyFormatException(String message) {
        this(message, null);
    }

    /** @param dtype NumPy's name of a dtype the reader does not take, when that is what is wrong */
    public NpyFormatException(String message, String dtype) {
        super(message);
        this.dtype = dtype;
    }

    /** The dtype the reader does not take (float16, uint8, ...), or null when something else is wrong. */
    public String unsupportedDtype() {
        return dtype;
    }
}
