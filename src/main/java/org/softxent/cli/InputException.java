package org.softxent.cli;

/** An input file or flag is unusable; the message starts with the argument's name. */
final class InputException extends IllegalArgumentException {
    InputException(String message) {
        super(message);
    }
}
