package org.softxent.io;

import java.io.IOException;

/** A file is not a .npy file this library can read; the message says what is wrong with it. */
public class NpyFormatException extends IOException {
    public NpyFormatException(String message) {
        super(message);
    }
}
