package org.softxent;

/**
 * An array's length or shape does not agree with the dimensions given for it. The message names
 * the argument, the dimensions expected and the length found.
 */
public class ShapeMismatchException extends IllegalArgumentException {
    public ShapeMismatchException(String message) {
        super(message);
    }
}
