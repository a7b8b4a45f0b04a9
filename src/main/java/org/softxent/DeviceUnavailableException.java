package org.softxent;

/**
 * The GPU was asked for and cannot be used; the message says why (no driver, no device, no
 * cuBLAS, ...). With {@link Device#AUTO} the same reason is reported by
 * {@link Softxent#fallbackReason()} instead of being thrown.
 */
public class DeviceUnavailableException extends RuntimeException {
    public DeviceUnavailableException(String message) {
        super(message);
    }

    public DeviceUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
