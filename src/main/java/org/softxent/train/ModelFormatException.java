package org.softxent.train;

import java.io.IOException;

/** A folder is not a model this library can load; the message says why (another version, a missing file). */
public class ModelFormatException extends IOException {
    public ModelFormatException(String message) {
        super(message);
    }
}
